#!/usr/bin/env bash
# The committed docs/ are what `make docs` generates from the current schema and examples.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
build=$(dirname "$(dirname "$PHALA_BIN")")
bash "$REPO_ROOT/tests/tools/gendocs.sh" "$build" "$WORK/docs" >/dev/null
diff -ru "$REPO_ROOT/docs" "$WORK/docs" || acc_fail "docs/ is stale: run 'make docs' and commit the result"
echo PASS
