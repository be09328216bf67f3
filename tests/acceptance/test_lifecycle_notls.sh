#!/usr/bin/env bash
# The same lifecycle with TF_DISABLE_PLUGIN_TLS=1 (no client certificate: insecure socket).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$TFTEST_BIN" test tftest
export TF_DISABLE_PLUGIN_TLS=1
source "$(dirname "$0")/lifecycle_body.sh"
echo PASS
