#!/usr/bin/env bash
# run_mutations.sh [--only NAME] [--no-control] [BUILD_DIR] — the mutation check of the trust code.
# Copies the source tree (as it is, uncommitted changes included) to a scratch directory, builds it
# once with BUILD_DIR's settings (ccache and the deps cache make that mostly cache hits), runs the
# tests named in tests/mutation/defects.txt on the unmodified copy (they must pass: the control),
# then applies each active defect in turn, rebuilds, runs its tests and asserts that every one of
# them FAILS, and restores the file. Prints one line per defect and exits non-zero when a defect
# is missed, does not apply (the code it patches changed: update defects.txt) or does not build.
# Scratch directory: $MUTATION_DIR, default BUILD_DIR/mutation (reused between runs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
only="" control=1
while [ $# -gt 0 ]; do
    case $1 in
    --only) only=$2; shift 2 ;;
    --no-control) control=0; shift ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    *) break ;;
    esac
done
build=$(cd "${1:-$repo/build}" && pwd)
scratch=${MUTATION_DIR:-$build/mutation}
jobs=${JOBS:-2}
log() { echo "mutation: $*" >&2; }

# ---- the defects -----------------------------------------------------------------------------------
names=() files=() exprs=() tests=() states=()
while IFS= read -r line; do
    [[ -z "${line// /}" || $line == \#* ]] && continue
    IFS='|' read -r n f e t s <<<"${line// | /|}"
    [ -n "$s" ] || { log "defects.txt: not five fields: $line"; exit 2; }
    [ -z "$only" ] || [ "$only" = "$n" ] || continue
    names+=("$n") files+=("$f") exprs+=("$e") tests+=("$t") states+=("$s")
done <"$here/defects.txt"
[ ${#names[@]} -gt 0 ] || { log "no defect matches ${only:-anything}"; exit 2; }

# ---- a scratch copy, built with the build directory's settings --------------------------------------
cache_var() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt" 2>/dev/null | head -1; }
log "copying the source to $scratch/src"
rm -rf "$scratch/src"
mkdir -p "$scratch/src"
# (tar keeps the files' times: a reused scratch build recompiles only what changed)
tar -C "$repo" --exclude=./build --exclude='./build-*' --exclude=./.git --exclude=./dist -cf - . |
    tar -C "$scratch/src" -xf -
args=(-DCMAKE_BUILD_TYPE="$(cache_var CMAKE_BUILD_TYPE)")
for v in PHALA_DEPS_CACHE CMAKE_C_COMPILER_LAUNCHER CMAKE_C_COMPILER; do
    val=$(cache_var $v)
    [ -z "$val" ] || args+=("-D$v=$val")
done
cmake -S "$scratch/src" -B "$scratch/build" "${args[@]}" >"$scratch/configure.log" 2>&1 ||
    { cat "$scratch/configure.log" >&2; log "configure failed"; exit 2; }
rebuild() { cmake --build "$scratch/build" -j"$jobs" >"$scratch/build.log" 2>&1; }
log "building the unmodified copy"
rebuild || { tail -30 "$scratch/build.log" >&2; log "the unmodified source does not build"; exit 2; }

# run_test NAME — 0 when ctest test NAME passes; its output in $scratch/NAME.log
run_test() {
    (cd "$scratch/build" && ctest -R "^$1\$" --output-on-failure >"$scratch/$1.log" 2>&1) &&
        grep -q "tests passed, 0 tests failed out of 1" "$scratch/$1.log"
}

# ---- the control: every test named by an active defect passes on the unmodified source ------------
status=0
if [ "$control" = 1 ]; then
    declare -A seen=()
    for i in "${!names[@]}"; do
        [ "${states[$i]}" = active ] || continue
        for t in ${tests[$i]}; do
            [ -z "${seen[$t]:-}" ] || continue
            seen[$t]=1
            log "control: $t on the unmodified source"
            run_test "$t" || { log "control FAILED: $t fails without any defect (see $scratch/$t.log)"; status=1; }
        done
    done
    [ "$status" = 0 ] || { log "the control failed: no verdict is possible"; exit 1; }
fi

# ---- each defect in turn ---------------------------------------------------------------------------
report=()
for i in "${!names[@]}"; do
    n=${names[$i]} f=${files[$i]} e=${exprs[$i]} t=${tests[$i]}
    if [ "${states[$i]}" != active ]; then
        report+=("TODO      $n  (${states[$i]}: to be caught by $t)")
        continue
    fi
    src=$scratch/src/$f
    [ -f "$src" ] || { report+=("NO FILE   $n  ($f)"); status=1; continue; }
    cp "$src" "$scratch/original"
    sed -E "$e" "$scratch/original" >"$src"
    if cmp -s "$src" "$scratch/original"; then
        report+=("NO APPLY  $n  (the expression changes nothing in $f: update defects.txt)")
        status=1
        continue
    fi
    log "$n: $(diff "$scratch/original" "$src" | grep '^>' | sed 's/^> *//')"
    if ! rebuild; then
        report+=("NO BUILD  $n  (see $scratch/build.log)")
        cp "$scratch/original" "$src"
        status=1
        continue
    fi
    missed=""
    for test in $t; do
        log "$n: running $test (it must fail)"
        if run_test "$test"; then missed+=" $test"; fi
    done
    cp "$scratch/original" "$src" # a fresh mtime: the next build compiles it again
    if [ -z "$missed" ]; then
        report+=("CAUGHT    $n  (by $t)")
    else
        report+=("MISSED    $n  (passed:$missed)")
        status=1
    fi
done
rebuild || true # leave the scratch build unmodified

echo "mutation check of the trust code:"
printf '  %s\n' "${report[@]}"
exit $status
