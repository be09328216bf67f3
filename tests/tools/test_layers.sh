#!/usr/bin/env bash
# test_layers.sh — the layer rules of CONTRIBUTING.md, checked on the source: provider/resources/
# (every family folder, however deep) never touches protobuf, gRPC or msgpack, and kmsapi/ never
# includes Terraform types. A rule only the reviewer remembers is broken by the next move.
set -u
cd "${REPO_ROOT:?}" || exit 1
bad=0

# $1: folder, $2: what it must not do, $3: extended regex of what does it.
forbid() {
    local hits
    hits=$(grep -rnE --include='*.c' --include='*.h' "$3" "$1")
    if [ -n "$hits" ]; then
        echo "FAIL: $1 $2:"
        echo "$hits"
        bad=1
    fi
}

[ -d provider/resources ] && [ -d kmsapi/src ] || {
    echo "FAIL: provider/resources or kmsapi/src is missing (run from the repository root)"
    exit 1
}
n=$(find provider/resources -name '*.c' | wc -l)
[ "$n" -ge 20 ] || {
    echo "FAIL: only $n sources found under provider/resources (the scan would prove nothing)"
    exit 1
}

forbid provider/resources "includes the RPC layer (protobuf, gRPC)" \
    '#[[:space:]]*include[[:space:]]*[<"][^>"]*(pb-c\.h|protobuf-c|nghttp2|tfrpc\.h|rpc_codec\.h|rpcserver\.h|grpcconn\.h)'
forbid provider/resources "uses protobuf or msgpack" \
    '\b(protobuf_c_[a-z_]+|Tfplugin6__[A-Za-z_]+|tf_msgpack_[a-z_]+|TFPLUGIN6__[A-Z_]+)\b'
forbid kmsapi "includes Terraform types" \
    '#[[:space:]]*include[[:space:]]*[<"][^>"]*(tfprovider|tfvalue|tfrules|tfrpc|tflog|tfcancel)\.h'
forbid kmsapi "uses Terraform types" '\b(tf_value|tf_ctx|tf_type|tf_schema|tf_arena)\b'

[ "$bad" -eq 0 ] || exit 1
echo "PASS: $n provider/resources sources and kmsapi/ keep to their layers"
