# tfmirror.sh — sourced by the acceptance tests, the demo, the docs generator and the benchmarks.
# tf_mirror WORKDIR BINARY NAMESPACE TYPE installs BINARY as local.dev/NAMESPACE/TYPE v0.1.0 in
# Terraform's unpacked filesystem-mirror layout under WORKDIR/mirror, writes WORKDIR/cli.tfrc that
# installs local.dev/* from that mirror only, and exports TF_CLI_CONFIG_FILE. TF_MIRROR_BIN is set
# to the installed file (the memory benchmark replaces it with a wrapper).
tf_mirror() {
    local work=$1 bin=$2 ns=$3 type=$4 version=0.1.0
    local dir="$work/mirror/local.dev/$ns/$type/$version/linux_amd64"
    mkdir -p "$dir"
    TF_MIRROR_BIN="$dir/terraform-provider-${type}_v$version"
    cp "$bin" "$TF_MIRROR_BIN"
    cat >"$work/cli.tfrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["local.dev/*/*"]
  }
  direct {
    exclude = ["local.dev/*/*"]
  }
}
CFG
    export TF_CLI_CONFIG_FILE=$work/cli.tfrc
}
