#!/usr/bin/env bash
# tftest_thing through create / no-op plan / update / replace / out-of-band delete / destroy,
# with Terraform's default AutoMTLS transport.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$TFTEST_BIN" test tftest
source "$(dirname "$0")/lifecycle_body.sh"
echo PASS
