#!/usr/bin/env bash
# Commits echo the compose hash exactly as the API's 465 gave it (issue 18 item 6), as Phala's CLI
# does: with or without 0x, in lower or upper case, for a CVM hashed in the compact (dstack) and in
# the indented (app-compose.json) form. Each round: a key change goes pending_onchain with the 465's
# hash, the hash is registered on the simulator's fake chain, the next apply commits with the token;
# the simulator records the compose_hash of that commit byte for byte.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
APP=0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f
jq '(.cvms[] | select(.id == "cvm_base01")) as $b
    | .cvms += [($b | .id = "cvm_indent" | .name = "indent" | .hash_form = "indent4")]' \
    "$REPO_ROOT/tests/sim/seed-default.json" >"$WORK/seed.json"
sim_start "$WORK/seed.json"
config() { # config CVM KEYS…
    local cvm=$1 env="" k
    shift
    for k in "$@"; do env="$env $k = \"v\","; done
    { phala_header; cat <<TF
resource "phala_encrypted_env" "e" {
  cvm_id = "$cvm"
  env    = { ${env%,} }
}
TF
    } | write_config; }

config cvm_base01 API_KEY
tf_ok init -input=false

round=0
for cvm in cvm_base01 cvm_indent; do
    rm -f "$TF/terraform.tfstate"
    for echo in plain 0x upper 0xupper; do
        round=$((round + 1))
        acc_log "$cvm, a 465 naming the hash as $echo: the commit echoes it"
        sim_admin POST "/cvms/$cvm/flow" "{\"hash_echo\":\"$echo\"}" >/dev/null
        config "$cvm" API_KEY "K$round"
        tf_ok apply -auto-approve -input=false
        assert_eq "$(state_attr phala_encrypted_env.e .status)" pending_onchain "pending"
        H=$(state_attr phala_encrypted_env.e .compose_hash)
        case $echo in
            plain) [[ $H =~ ^[0-9a-f]{64}$ ]] ;;
            0x) [[ $H =~ ^0x[0-9a-f]{64}$ ]] ;;
            upper) [[ $H =~ ^[0-9A-F]{64}$ && $H =~ [A-F] ]] ;;
            0xupper) [[ $H =~ ^0x[0-9A-F]{64}$ && $H =~ [A-F] ]] ;;
        esac || acc_fail "state should keep the 465's spelling ($echo), got $H"
        sim_admin POST /chain/register "{\"app_id\":\"$APP\",\"compose_hash\":\"$H\"}" >/dev/null
        tf_ok apply -auto-approve -input=false
        assert_eq "$(state_attr phala_encrypted_env.e .status)" applied "committed"
        assert_eq "$(sim_admin GET "/cvms/$cvm/flow" | jq -r .last_commit_hash)" "$H" \
            "the commit's compose_hash ($cvm, $echo)"
    done
done
echo PASS
