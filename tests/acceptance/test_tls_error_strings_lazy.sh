#!/usr/bin/env bash
# OpenSSL's error strings (~1M instructions to load) stay unloaded in a provider life whose reads
# succeed, and are loaded by the first TLS failure libcurl formats (provider/runtime/errwrap.c).
# A long-lived --debug provider serves both plans; gdb asks it for the text of SSL's "wrong version
# number" (ERR_PACK(ERR_LIB_SSL, 0, SSL_R_WRONG_VERSION_NUMBER) = 0x0A00010B): NULL while the
# table is not loaded. Attaching needs PHALA_PROVIDER_CORE_DUMPS=1 (else the process is not
# dumpable, nor traceable).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v gdb >/dev/null || acc_fail "gdb (Debian package gdb) is missing: make deps installs it"
acc_init "$PHALA_BIN" phala phala
sim_start
PHALA_PROVIDER_CORE_DUMPS=1 "$PHALA_BIN" --debug >"$WORK/debug.out" 2>"$WORK/debug.err" &
ACC_BG_PID=$!
wait_until 60 "the --debug provider to print TF_REATTACH_PROVIDERS" grep -q TF_REATTACH_PROVIDERS "$WORK/debug.out"
line=$(grep -o "TF_REATTACH_PROVIDERS='.*'" "$WORK/debug.out") || acc_fail "no reattach line"
eval "export $line"

# strings_loaded: "yes" or "no", from the provider's own string table
strings_loaded() {
    local out
    out=$(gdb -p "$ACC_BG_PID" -batch -nx \
        -ex 'print (long)ERR_reason_error_string(0x0A00010BUL)' 2>"$WORK/gdb.err") ||
        { cat "$WORK/gdb.err" >&2; acc_fail "gdb could not attach to the provider"; }
    case "$(grep -o '^\$1 = .*' <<<"$out")" in
    '$1 = 0') echo no ;;
    '$1 = '[1-9-]*) echo yes ;;
    *) echo "$out" >&2; cat "$WORK/gdb.err" >&2; acc_fail "unexpected gdb answer" ;;
    esac
}

config() { # config API_PREFIX
    { phala_header; cat <<TF
provider "phala" {
  api_prefix = "$1"
}
data "phala_kms_contract" "k" {
  contract = "phala"
}
TF
    } | write_config
}
config "$SIM/api/v1"
tf_ok init -input=false
tf_ok plan -input=false
assert_contains "$(flatten "$(tf_out)")" "phala_kms_contract" "the plan"
assert_eq "$(strings_loaded)" no "OpenSSL's error strings loaded after a successful configure + read"

# TLS to the plain-HTTP simulator: libcurl formats OpenSSL's reason, and that loads the table.
config "https://127.0.0.1:$(cat "$WORK/sim.port")/api/v1"
plan_expect_tls_reason
assert_contains "$out" "wrong version number" "OpenSSL's reason in the diagnostic"
assert_eq "$(strings_loaded)" yes "OpenSSL's error strings loaded after libcurl formatted a TLS error"
kill -TERM "$ACC_BG_PID"
echo PASS
