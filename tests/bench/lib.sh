# lib.sh — shared by the benchmark scripts: a simulator, a private terraform home with the provider
# in a filesystem mirror, and interleaved timing (A B A B …) so that a machine whose speed drifts
# during the run affects both sides alike. Figures are medians; ratios are the median of the
# pairwise ratios. Source it after setting BUILD and ROOT.
set -euo pipefail
command -v terraform >/dev/null || { echo "bench: terraform is not on PATH" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (make deps installs Debian 'time')" >&2; exit 1; }
W=$(mktemp -d)
SIM_PID=
trap '[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; rm -rf "$W"' EXIT
export HOME=$W/home TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
mkdir -p "$HOME"
source "$ROOT/tests/tools/tfmirror.sh"

# The binary users install is the stripped one of `make release`; Terraform hashes the whole file
# on every command (the lock file check), so its size is part of every plan: measure that one.
bench_provider_binary() {
    strip -o "$W/terraform-provider-phala" "$BUILD/provider/terraform-provider-phala"
    echo "$W/terraform-provider-phala"
}

bench_sim_start() {
    "$BUILD/tests/sim/phala-cloud-sim" --seed "$ROOT/tests/sim/seed-default.json" --port 0 \
        --port-file "$W/port" --quiet >/dev/null 2>&1 &
    SIM_PID=$!
    for _ in $(seq 400); do [ -s "$W/port" ] && break; sleep 0.025; done
    [ -s "$W/port" ] || { echo "bench: the simulator did not start" >&2; exit 1; }
    SIM=http://127.0.0.1:$(cat "$W/port")
    export PHALA_CLOUD_API_PREFIX=$SIM/api/v1 PHALA_CLOUD_API_KEY=phak_test_key
}

# bench_dir NAME — a terraform configuration directory (main.tf from stdin), initialised.
bench_dir() {
    mkdir -p "$W/$1"
    cat >"$W/$1/main.tf"
    terraform -chdir="$W/$1" init -input=false >/dev/null
}

ms_of() { # ms_of CMD… — wall milliseconds of one run (output discarded, failure fatal)
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; "$@" >&2 || true; exit 1; }
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# interleaved NAME RUNS "CMD A" "CMD B" TARGET — prints NAME_a_ms, NAME_b_ms and NAME_ratio.
interleaved() {
    local name=$1 runs=$2 a=$3 b=$4 target=$5 i ta tb
    : >"$W/a" && : >"$W/b" && : >"$W/r"
    eval "$a" >/dev/null 2>&1 || true # one warm-up each: page cache, plugin cache
    eval "$b" >/dev/null 2>&1 || true
    for i in $(seq "$runs"); do
        ta=$(ms_of eval "$a")
        tb=$(ms_of eval "$b")
        echo "$ta" >>"$W/a"
        echo "$tb" >>"$W/b"
        awk -v x="$ta" -v y="$tb" 'BEGIN { printf "%.4f\n", x / y }' >>"$W/r"
    done
    printf '%s_ms_median %s\n' "$name" "$(median <"$W/a")"
    printf '%s_baseline_ms_median %s\n' "$name" "$(median <"$W/b")"
    printf '%s_ratio %.2f (median of %d pairwise ratios; target <= %s)\n' "$name" \
        "$(median <"$W/r")" "$runs" "$target"
}
