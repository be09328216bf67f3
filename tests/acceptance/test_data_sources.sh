#!/usr/bin/env bash
# Every data source and phala_app_ids with the real terraform against the simulator (AutoMTLS).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
source "$(dirname "$0")/data_sources_body.sh"
echo PASS
