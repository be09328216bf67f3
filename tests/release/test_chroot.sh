#!/usr/bin/env bash
# The release binary runs where nothing but terraform is installed: inside a minimal Debian 11 root
# (glibc 2.31, older than the build machine's) with only terraform and the release zip added,
# `terraform init` installs the zip from a filesystem mirror and `terraform plan` reads a data
# source from the simulator outside (the chroot shares the host's network), by address and as
# localhost. strace shows the provider opening no shared object, NSS module, iconv module or
# OpenSSL configuration: name resolution is c-ares (files) and libcurl's own localhost, and
# OpenSSL never reads a config (see provider/CMakeLists.txt on the static link's warnings).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/chroot.sh"
rel_private_mounts "$0" "$@"
rel_need strace jq
rel_work
rel_chroot_up

mkdir -p "$ROOT/work/mirror/local.dev/phala/phala" "$ROOT/work/tf"
cp "$(rel_zip amd64)" "$ROOT/work/mirror/local.dev/phala/phala/"
rel_cli_config "$ROOT/work/cli.tfrc" /work/mirror
cat >"$ROOT/work/tf/main.tf" <<'TF'
terraform {
  required_providers {
    phala = { source = "local.dev/phala/phala" }
  }
}
variable "api_prefix" { type = string }
provider "phala" {
  api_prefix = var.api_prefix
}
data "phala_kms_contracts" "all" {}
output "ids" {
  value = [for k in data.phala_kms_contracts.all.items : k.id]
}
TF

rel_log "terraform init inside Debian $(cat "$ROOT/etc/debian_version")"
rel_in_root terraform -chdir=/work/tf init -input=false -no-color >"$WORK/init.out" 2>&1 ||
    { cat "$WORK/init.out" >&2; rel_fail "terraform init failed in the chroot"; }
[ -x "$ROOT/work/tf/.terraform/providers/local.dev/phala/phala/$RELEASE_VERSION/linux_amd64/${REL_NAME}_v$RELEASE_VERSION" ] ||
    rel_fail "init did not unpack the provider"

# forbidden_opens STRACE_LOG — the opens (failed ones too: a try is a path taken) of shared objects,
# iconv modules or OpenSSL configuration by terraform and everything it starts. The host's chroot
# and the root's env, which exec terraform in the same process, run dynamically linked before it
# and do not count: a process is followed from its execve of terraform, or its creation by one
# that is followed.
forbidden_opens() {
    awk '
        { pid = $1 }
        /execve\("\/usr\/local\/bin\/terraform"/ { followed[pid] = 1 }
        followed[pid] && /(clone3?|v?fork)(\(| resumed>)/ && match($0, /= [0-9]+$/) {
            followed[substr($0, RSTART + 2) + 0] = 1
        }
        followed[pid] && /open(at2?)?\(/ &&
            /"[^"]*(\.so(\.[0-9]+)*|\/gconv\/[^"]*|openssl\.cnf|\/usr\/lib\/ssl\/[^"]*|ld\.so\.cache|nss_[^"]*)"/ { print }
    ' "$1"
}

rel_sim
# a KMS contract of the simulator's seed: the plan shows its id only if the read went through
kms_id=$(jq -r '.kms_contracts[0].id' "$REPO_ROOT/tests/sim/seed-default.json")
[ -n "$kms_id" ] && [ "$kms_id" != null ] || rel_fail "no KMS contract in the simulator's seed"
for host in 127.0.0.1 localhost; do
    rel_log "terraform plan reading http://$host:$SIM_PORT"
    strace -f -qq -o "$WORK/strace.$host" -e trace=open,openat,openat2,execve,clone,clone3,fork,vfork \
        chroot "$ROOT" /usr/bin/env -i HOME=/work/home PATH=/usr/local/bin:/usr/bin:/bin \
        CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_CLI_CONFIG_FILE=/work/cli.tfrc \
        PHALA_CLOUD_API_KEY=phak_test_key \
        terraform -chdir=/work/tf plan -input=false -no-color \
        -var "api_prefix=http://$host:$SIM_PORT/api/v1" >"$WORK/plan.out" 2>&1 ||
        { cat "$WORK/plan.out" >&2; rel_fail "terraform plan via $host failed in the chroot"; }
    grep -qF "\"$kms_id\"" "$WORK/plan.out" ||
        { cat "$WORK/plan.out" >&2; rel_fail "plan via $host shows no KMS read from the simulator"; }
    grep -q "execve(\"[^\"]*${REL_NAME}_v$RELEASE_VERSION\"" "$WORK/strace.$host" ||
        rel_fail "strace saw no provider start"
    bad=$(forbidden_opens "$WORK/strace.$host")
    [ -z "$bad" ] || { echo "$bad" >&2; rel_fail "something opened a shared object or an OpenSSL config"; }
done
echo "PASS"
