#!/usr/bin/env bash
# The data-source suite with TF_DISABLE_PLUGIN_TLS=1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
export TF_DISABLE_PLUGIN_TLS=1
source "$(dirname "$0")/data_sources_body.sh"
echo PASS
