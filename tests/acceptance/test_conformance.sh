#!/usr/bin/env bash
# Plugin protocol conformance for the client versions not installed here (tfprobe conform,
# tfconform.c): requests shaped as Terraform 1.0-1.10 send them (no client capabilities: env_wo is
# refused with a diagnostic on env_wo), as Terraform 1.11+ and 6.11-era clients do (capabilities and
# request fields our .proto lacks are ignored), the newer RPCs (UNIMPLEMENTED, as those clients
# accept), and GetFunctions / CallFunction after ConfigureProvider (OpenTofu).
set -euo pipefail
: "${TFPROBE:?}" "${PHALA_BIN:?}"
"$TFPROBE" conform "$PHALA_BIN"
echo PASS
