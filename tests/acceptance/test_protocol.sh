#!/usr/bin/env bash
# go-plugin contract of both provider binaries, checked by tfprobe (a gRPC client that launches the
# provider like Terraform does): handshake format, mTLS incl. a refused wrong certificate, health,
# UNIMPLEMENTED, Shutdown, SIGINT/SIGTERM, no-TLS mode, protocol/cookie checks, parent death.
set -euo pipefail
for bin in "$PHALA_BIN" "$TFTEST_BIN"; do
    echo "=== $bin"
    "$TFPROBE" check "$bin"
done
