/* malformed_cases.h — every malformed msgpack/JSON input the codecs must reject (with -1 and a
 * message, never a crash), shared by the Criterion suite and the valgrind driver. */
#ifndef MALFORMED_CASES_H
#define MALFORMED_CASES_H

#include <stddef.h>

/* Called for each case that was NOT rejected properly. */
typedef void (*tfv_case_report)(const char *name, const char *detail);

/* Runs all cases; returns how many misbehaved and stores the number run in *ran. */
int tfv_run_malformed_cases(tfv_case_report report, size_t *ran);

/* A valid RawState document for fuzz_schema_type() (ends with '}', no trailing space). */
extern const char TFV_SAMPLE_STATE_JSON[];

#endif
