/* tflog.h — provider logs: one JSON object per line on stderr, the format go-plugin parses
 * (@level, @message, @timestamp, @module). Level from TF_LOG_PROVIDER, else TF_LOG; off when unset
 * (Terraform discards plugin output then anyway). Never pass secret values to these functions. */
#ifndef TFLOG_H
#define TFLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "tfvalue.h"

typedef enum {
    TF_LOG_TRACE,
    TF_LOG_DEBUG,
    TF_LOG_INFO,
    TF_LOG_WARN,
    TF_LOG_ERROR,
    TF_LOG_OFF
} tf_log_level;

/* Reads the level from the environment; called once at start-up. */
void tf_log_init(void);
/* "trace" … "error" (any case), "json" = trace; anything else = off. */
tf_log_level tf_log_level_parse(const char *s);
bool tf_log_enabled(tf_log_level level);
/* Logs message with optional key/value string pairs, terminated by NULL:
 * tf_log(TF_LOG_DEBUG, "ReadResource", "type_name", name, NULL). */
void tf_log(tf_log_level level, const char *message, ...) __attribute__((sentinel));
/* One log line (with its newline) into b: n_kv strings, key then value. For tests and fuzzing. */
void tf_log_format(tf_buf *b, tf_log_level level, const char *stamp, const char *message,
                   const char *const *kv, size_t n_kv);

#endif
