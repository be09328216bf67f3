# shellcheck shell=bash
# lib.sh — shared by the release tests (sourced). The release_build fixture (build_release.sh)
# leaves in $RELEASE_TEST_DIR:
#   a/dist, b/dist    the release of two runs of provider/release/release.sh (two build trees)
#   signing-key.asc   the public half of the throw-away signing key
#   epoch             the SOURCE_DATE_EPOCH both runs used
set -euo pipefail

rel_fail() { echo "FAIL: $*" >&2; exit 1; }
rel_log() { echo "--- $*" >&2; }
rel_need() { # rel_need TOOL… — a missing tool fails the test, never skips it
    local t
    for t in "$@"; do command -v "$t" >/dev/null || rel_fail "$t is missing (make deps)"; done
}

: "${RELEASE_TEST_DIR:?}" "${RELEASE_VERSION:?}" "${REPO_ROOT:?}"
REL_NAME=terraform-provider-phala
DIST=$RELEASE_TEST_DIR/a/dist
rel_zip() { echo "$DIST/${REL_NAME}_${RELEASE_VERSION}_linux_$1.zip"; }
[ -f "$(rel_zip amd64)" ] || rel_fail "no release in $DIST: the release_build test must pass first"

# rel_work — a private WORK directory, removed on exit (REL_KEEP=1 keeps it).
rel_work() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/release.XXXXXX")
    trap 'rel_cleanup' EXIT
}
REL_PIDS=()
rel_cleanup() {
    local rc=$? p
    for p in "${REL_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${REL_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ -n "${REL_UNMOUNT:-}" ]; then $REL_UNMOUNT || rc=1; fi
    if [ -n "${REL_KEEP:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
    return $rc
}

# rel_sim [ARGS…] — starts the simulator on a free loopback port (SIM_PORT), waiting for its port
# file with a deadline a loaded machine meets.
rel_sim() {
    [ -x "${SIM_BIN:-}" ] || rel_fail "phala-cloud-sim not built (SIM_BIN)"
    rm -f "$WORK/sim.port"
    "$SIM_BIN" --seed "$REPO_ROOT/tests/sim/seed-default.json" --port 0 --port-file "$WORK/sim.port" \
        --quiet "$@" >"$WORK/sim.out" 2>"$WORK/sim.err" &
    REL_PIDS+=($!)
    local deadline=$((SECONDS + 30))
    until [ -s "$WORK/sim.port" ]; do
        kill -0 "${REL_PIDS[-1]}" 2>/dev/null || { cat "$WORK/sim.err" >&2; rel_fail "simulator exited"; }
        [ $SECONDS -lt $deadline ] || rel_fail "simulator did not start within 30 s"
        sleep 0.05
    done
    SIM_PORT=$(cat "$WORK/sim.port")
}

# rel_cli_config FILE MIRROR — Terraform CLI configuration installing local.dev/* only from the
# filesystem mirror at MIRROR (a path as the terraform that reads FILE sees it).
rel_cli_config() {
    cat >"$1" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$2"
    include = ["local.dev/*/*"]
  }
  direct {
    exclude = ["local.dev/*/*"]
  }
}
CFG
}

# rel_h1 FILE NAME — Terraform's "h1:" hash (Go's dirhash Hash1) of a package holding only FILE
# under NAME: sha256 of the line "<sha256 of FILE>  NAME\n", base64.
rel_h1() {
    printf '%s  %s\n' "$(sha256sum <"$1" | cut -d' ' -f1)" "$2" | openssl dgst -sha256 -binary |
        base64
}
