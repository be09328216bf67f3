/* self_probe.h — runs this test binary again with one environment variable set (VAR=MODE), for
 * counts that must come from a pristine process: a constructor of the test file answers on
 * standard output and exits before Criterion starts its threads and allocations. */
#ifndef SELF_PROBE_H
#define SELF_PROBE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <unistd.h>

/* The probe's standard output, to read with fscanf and close with pclose. */
static inline FILE *self_probe_open(const char *var, const char *mode)
{
    char self[4096], cmd[4200];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    cr_assert_gt(n, 0);
    self[n] = 0;
    snprintf(cmd, sizeof cmd, "%s=%s '%s'", var, mode, self);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    return p;
}

#endif
