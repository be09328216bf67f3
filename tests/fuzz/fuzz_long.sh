#!/usr/bin/env bash
# fuzz_long.sh — `make fuzz-long`: runs every libFuzzer target of a FUZZ=ON build for SECONDS each
# (one after the other: each gets the machine), on its committed and generated seeds plus a
# scratch corpus kept in the build tree, and prints per target the executions per second, the
# coverage (edges) and features reached, and whether it found a crash (the artifact is kept).
# Usage: fuzz_long.sh BUILD_FUZZ_DIR SECONDS
set -euo pipefail
BUILD=$(cd "${1:?fuzz build dir}" && pwd)
SECONDS_EACH=${2:-600}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
status=0
printf '%-16s %10s %8s %8s %s\n' target execs/s cov ft result
for bin in "$BUILD"/tests/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=${bin##*/fuzz_}
    scratch=$BUILD/tests/fuzz/scratch/$name
    mkdir -p "$scratch"
    dirs=("$scratch")
    [ -d "$ROOT/tests/fuzz/corpus/$name" ] && dirs+=("$ROOT/tests/fuzz/corpus/$name")
    [ -d "$BUILD/tests/fuzz/seeds/$name" ] && dirs+=("$BUILD/tests/fuzz/seeds/$name")
    log=$BUILD/tests/fuzz/long-$name.log
    rc=0
    "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$BUILD/tests/fuzz/long-$name-" "${dirs[@]}" >"$log" 2>&1 || rc=$?
    units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    result=ok
    if [ "$rc" != 0 ]; then
        result="CRASH (see $log)"
        status=1
    fi
    printf '%-16s %10s %8s %8s %s (%s runs)\n' "$name" "${secs:-?}" "${cov:-?}" "${ft:-?}" "$result" "${units:-?}"
done
exit $status
