#!/usr/bin/env bash
# tftest_thing through create / no-op plan / update / replace / out-of-band delete / destroy,
# with Terraform's default AutoMTLS transport.
source "$ACC_LIB"
acc_init "$TFTEST_BIN" test tftest
source "$(dirname "$ACC_LIB")/lifecycle_body.sh"
echo PASS
