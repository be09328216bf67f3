#!/usr/bin/env bash
# The plugin socket under abuse by a local process (issue 17 items 3 and 4), with plugabuse:
# - flood: 70 idle connections and 4 partial ClientHellos leave Terraform's client room (an
#   authenticated call works), the partial handshakes are closed at the 10 s deadline, the socket is
#   0600 from its creation (under umask 0), in TMPDIR itself, removed at exit;
# - size: a length prefix declaring 1 GiB is refused before its body, and 200 streams of large
#   partial messages leave the provider's peak RSS bounded;
# - real terraform plans (with AutoMTLS, and without TLS) against a provider whose socket was
#   filled with the same connections before Terraform connected (plugabuse wrap).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ -x "${PLUGABUSE:-}" ] || acc_fail "plugabuse not built (PLUGABUSE)"
acc_init "$PHALA_BIN" phala phala

acc_log "flood"
"$PLUGABUSE" flood "$PHALA_BIN" | tee "$WORK/flood.out" || acc_fail "socket flood checks failed"
acc_log "size"
"$PLUGABUSE" size "$PHALA_BIN" | tee "$WORK/size.out" || acc_fail "request size checks failed"

acc_log "terraform plan against an attacked socket"
sim_start
# terraform runs the wrapper, which starts the provider and attacks its socket before passing the
# handshake line on
printf '#!/bin/sh\nexec "%s" wrap "%s"\n' "$PLUGABUSE" "$PHALA_BIN" >"$TF_MIRROR_BIN"
export PLUGABUSE_LOG=$WORK/attacks
{ phala_header; cat <<'TF'
data "phala_kms_info" "k" {
  count  = 3
  kms_id = ["kms_phala01", "kms_phala02", "kms_base01"][count.index]
}
output "slugs" { value = data.phala_kms_info.k[*].slug }
TF
} | write_config
tf_ok init -input=false
tf_ok plan -input=false
assert_contains "$(tf_out)" "phala-prod1" "plan with AutoMTLS"
n=$(wc -l <"$PLUGABUSE_LOG")
echo "providers attacked during the plan: $n"
[ "$n" -ge 1 ] || acc_fail "the wrapper attacked no provider"
TF_DISABLE_PLUGIN_TLS=1 tf_ok plan -input=false
assert_contains "$(tf_out)" "phala-prod1" "plan without TLS"
[ "$(wc -l <"$PLUGABUSE_LOG")" -gt "$n" ] || acc_fail "the wrapper attacked no provider without TLS"
echo PASS
