#!/usr/bin/env bash
# The same lifecycle with TF_DISABLE_PLUGIN_TLS=1 (no client certificate: insecure socket).
source "$ACC_LIB"
acc_init "$TFTEST_BIN" test tftest
export TF_DISABLE_PLUGIN_TLS=1
source "$(dirname "$ACC_LIB")/lifecycle_body.sh"
echo PASS
