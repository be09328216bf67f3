#!/usr/bin/env bash
# Provider functions through the real terraform (outputs and `terraform console`): cvm_id in every
# form the API accepts, parse_dotenv on the dotenv fixtures (the same values env_file sends to the
# CVM), env_pubkey_signer on the signature vectors of research/phala-api.md §4.4, compose_hash and
# compose_hash_indent4 on the compose vectors of §6.2 and, with env keys, against Phala's npm SDKs
# and the hash phala_encrypted_env is asked to register, and errors that name the argument at
# fault. Functions are pure: the same call twice gives the same result.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
{ phala_header; echo 'output "ok" { value = provider::phala::cvm_id("cvm_phala01") }'; } | write_config
tf_ok init -input=false
console() { printf '%s\n' "$1" | terraform -chdir="$TF" console -no-color 2>&1; }

acc_log "cvm_id: the SDKs' normalisation"
assert_eq "$(console 'provider::phala::cvm_id("6f1d0c3e-2b4a-4c8d-9e7f-0a1b2c3d4e5f")')" '"6f1d0c3e2b4a4c8d9e7f0a1b2c3d4e5f"' "UUID with dashes"
assert_eq "$(console 'provider::phala::cvm_id("6f1d0c3e2b4a4c8d9e7f0a1b2c3d4e5f")')" '"6f1d0c3e2b4a4c8d9e7f0a1b2c3d4e5f"' "UUID without dashes"
assert_eq "$(console 'provider::phala::cvm_id("0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f")')" '"app_0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f"' "app id"
assert_eq "$(console 'provider::phala::cvm_id("app_0b5e6d8f")')" '"app_0b5e6d8f"' "app_ form"
assert_eq "$(console 'provider::phala::cvm_id("cvm_phala01")')" '"cvm_phala01"' "other ids as they are"
out=$(console 'provider::phala::cvm_id("..")') || true
assert_contains "$out" 'Invalid value for "id" parameter' "the error names the argument"

acc_log "parse_dotenv: the dotenv fixtures, as env_file reads them"
for env in "$REPO_ROOT"/tests/data/dotenv/*.env; do
    want=$(jq -cS 'map({(.[0]): .[1]}) | add // {}' "${env%.env}.expected.json") # pairs, in order
    got=$(console "jsonencode(provider::phala::parse_dotenv(file(\"$env\")))" | jq -r . | jq -cS .)
    assert_eq "$got" "$want" "parse_dotenv of $(basename "$env")"
done
acc_log "parse_dotenv and env_file put the same env on the CVM"
{ phala_header; cat <<TF
resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_phala01"
  env    = provider::phala::parse_dotenv(file("$REPO_ROOT/tests/data/dotenv/basic.env"))
}
TF
} | write_config
tf_ok apply -auto-approve -input=false
via_function=$(sim_env cvm_phala01)
{ phala_header; cat <<TF
resource "phala_encrypted_env" "e" {
  cvm_id   = "cvm_phala01"
  env_file = file("$REPO_ROOT/tests/data/dotenv/basic.env")
}
TF
} | write_config
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_env cvm_phala01)" "$via_function" "the CVM's env both ways"
tf_ok destroy -auto-approve -input=false

acc_log "env_pubkey_signer: the §4.4 vectors (legacy signatures)"
for name in upstream_legacy upstream_legacy_0x_app_id; do
    v=$(jq -c --arg n "$name" '.valid[] | select(.name == $n)' "$REPO_ROOT/tests/data/crypto/pubkey_sig.json")
    call="provider::phala::env_pubkey_signer(\"$(jq -r .public_key <<<"$v")\", \"$(jq -r .signature <<<"$v")\", \"$(jq -r .app_id <<<"$v")\")"
    assert_eq "$(console "$call")" "\"0x$(jq -r .signer <<<"$v")\"" "signer of $name"
    assert_eq "$(console "$call == $call")" "true" "$name: the same arguments, the same result"
done
out=$(console 'provider::phala::env_pubkey_signer("e33a1832c6562067ff8f844a61e51ad051f1180b66ec2551fb0251735f3ee90a", "00", "0000000000000000000000000000000000000000")') || true
assert_contains "$out" 'Invalid value for "signature" parameter' "a bad signature is blamed on signature"
out=$(console 'provider::phala::env_pubkey_signer("e33a", "00", "0000000000000000000000000000000000000000")') || true
assert_contains "$out" 'Invalid value for "public_key" parameter' "a bad key is blamed on public_key"
out=$(console 'provider::phala::env_pubkey_signer("e33a1832c6562067ff8f844a61e51ad051f1180b66ec2551fb0251735f3ee90a", "8542c49081fbf4e03f62034f13fbf70630bdf256a53032e38465a27c36fd6bed7a5e7111652004aef37f7fd92fbfc1285212c4ae6a6154203a48f5e16cad2cef00", "xyz")') || true
assert_contains "$out" 'Invalid value for "app_id" parameter' "a bad app id is blamed on app_id"
# Terraform ends the message with its own period: ours must not bring a second one
assert_not_contains "$(flatten "$out")" 'optionally 0x..' "one period"
out=$(console 'provider::phala::cvm_id("")') || true
assert_contains "$(flatten "$out")" 'is not a CVM id' "an empty id is refused"

acc_log "compose_hash, compose_hash_indent4: the vectors of research §6.2 and the data file"
V=$REPO_ROOT/tests/data/crypto/compose_hash.json
# The functions never normalise: vectors of the SDK's normalize=true option are left out.
VEC='.vectors | map(select(.normalize | not))'
hashes() { # hashes FUNCTION JQ-VECTORS — FUNCTION(file(input)) of each vector, one per line
    local n i paths=""
    n=$(jq "$2 | length" "$V")
    for ((i = 0; i < n; i++)); do
        jq -j "$2 | .[$i].input" "$V" >"$WORK/vector_$i.json"
        paths+="${paths:+, }\"$WORK/vector_$i.json\""
    done
    console "jsonencode([for f in [$paths] : provider::phala::$1(file(f))])" | jq -r . | jq -r '.[]'
}
assert_eq "$(hashes compose_hash "$VEC")" "$(jq -r "$VEC | .[].hash" "$V")" "compact vectors"
assert_eq "$(hashes compose_hash_indent4 .indent4_vectors)" "$(jq -r '.indent4_vectors[].hash' "$V")" "indented vectors"
A=$WORK/vector_A.json
jq -j '.vectors[] | select(.name == "A") | .input' "$V" >"$A"
assert_eq "$(console "provider::phala::compose_hash(file(\"$A\"))")" '"4b188ac5129265d1660f016f5477ea3d29c7a46b594dc66c709ffa16ecd2aed6"' "§6.2 A, compact"
assert_eq "$(console "provider::phala::compose_hash_indent4(file(\"$A\"))")" '"a4cfd123ffb20ed9aff6f0345af923d68f10d75ae2726ef8d8882eae2cadd03a"' "§6.2 A, indented"
B=$WORK/vector_B.json
jq -j '.vectors[] | select(.name == "B") | .input' "$V" >"$B"
# jsonencode escapes < > & as \u003c…: the same compose, the same hash
assert_eq "$(console "provider::phala::compose_hash(jsonencode(jsondecode(file(\"$B\"))))")" "\"$(jq -r '.vectors[] | select(.name == "B") | .hash' "$V")\"" "§6.2 B through jsonencode"

acc_log "compose_hash with env_keys: what @phala/dstack-sdk and @phala/cloud compute"
[ -d "$REPO_ROOT/tests/node/node_modules/@phala/dstack-sdk" ] || acc_fail "tests/node/node_modules is missing: run make deps"
sdk() { node "$REPO_ROOT/tests/node/compose_hash.mjs" "$@"; } # compact, then indented
for f in "$A" "$B"; do
    want=$(sdk "$f" ZED_TOKEN API_KEY _X1)
    assert_eq "$(console "provider::phala::compose_hash(file(\"$f\"), [\"ZED_TOKEN\", \"API_KEY\", \"_X1\"])")" "\"$(sed -n 1p <<<"$want")\"" "$(basename "$f"): compact, keys replaced and sorted"
    assert_eq "$(console "provider::phala::compose_hash_indent4(file(\"$f\"), [\"ZED_TOKEN\", \"API_KEY\", \"_X1\"])")" "\"$(sed -n 2p <<<"$want")\"" "$(basename "$f"): indented, keys replaced and sorted"
done
NOENVS=$WORK/vector_noenvs.json # a compose without allowed_envs gets the member
jq -j '.vectors[] | select(.name == "test_outputs_1") | .input' "$V" >"$NOENVS"
assert_eq "$(console "provider::phala::compose_hash(file(\"$NOENVS\"), [\"DATABASE_URL\"])")" "\"$(sdk "$NOENVS" DATABASE_URL | sed -n 1p)\"" "allowed_envs added"
assert_eq "$(console "provider::phala::compose_hash(file(\"$A\"), [\"API_KEY\"]) == provider::phala::compose_hash(file(\"$A\"))")" true "the same keys, the same hash"
assert_eq "$(console "provider::phala::compose_hash(file(\"$A\"), []) == provider::phala::compose_hash(file(\"$A\"))")" false "[] empties allowed_envs"

acc_log "compose_hash: a NUL inside a string is kept (jsonencode writes it as \\u0000), as the SDK keeps it"
printf '%s' '{"a":"\u0000x","b":""}' >"$WORK/nul.json"
assert_eq "$(console 'provider::phala::compose_hash(jsonencode({ a = "\u0000x", b = "" }))')" "\"$(sdk "$WORK/nul.json" | sed -n 1p)\"" "a NUL through jsonencode"
printf '%s' '{"a":"\u0000x","b":"\ud800"}' >"$WORK/odd.json"
want=$(sdk "$WORK/odd.json")
assert_eq "$(console "provider::phala::compose_hash(file(\"$WORK/odd.json\"))")" "\"$(sed -n 1p <<<"$want")\"" "NUL and lone surrogate, compact"
assert_eq "$(console "provider::phala::compose_hash_indent4(file(\"$WORK/odd.json\"))")" "\"$(sed -n 2p <<<"$want")\"" "NUL and lone surrogate, indented"
out=$(console 'provider::phala::compose_hash("{\"a\":\"\u0000\"}")' || true) # a raw NUL: not JSON
assert_contains "$(flatten "$out")" 'control character (0x00) inside a string must be escaped' "a raw NUL is refused, not cut"

acc_log "compose_hash with env_keys is the hash phala_encrypted_env is asked to register"
curl -s -H 'X-API-Key: phak_test_key' "$SIM/api/v1/cvms/cvm_base01/compose_file" >"$WORK/base01.json"
{ phala_header; cat <<'TF'
resource "phala_encrypted_env" "o" {
  cvm_id = "cvm_base01"
  env    = { API_KEY = "one", EXTRA = "e", ALPHA = "a" }
}
TF
} | write_config
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.o .status)" pending_onchain "a key change waits for the chain"
H=$(state_attr phala_encrypted_env.o .compose_hash)
assert_eq "$(console "provider::phala::compose_hash(file(\"$WORK/base01.json\"), [\"EXTRA\", \"API_KEY\", \"ALPHA\"])")" "\"$H\"" "the function's hash is the resource's compose_hash"
assert_eq "$(sdk "$WORK/base01.json" EXTRA API_KEY ALPHA | sed -n 1p)" "$H" "and the SDK's"
tf_ok destroy -auto-approve -input=false

acc_log "compose_hash errors name the argument"
err() { console "$1" || true; } # console exits non-zero on an error
out=$(err 'provider::phala::compose_hash("{not json")')
assert_contains "$out" 'Invalid value for "app_compose" parameter: app compose is not valid JSON' "not JSON"
assert_contains "$out" 'jsonencode({ … }) or file("app-compose.json")' "not JSON: what to pass"
out=$(err 'provider::phala::compose_hash_indent4("[\"services\"]")')
assert_contains "$out" 'Invalid value for "app_compose" parameter: app compose must be a JSON object' "not an object"
out=$(err 'provider::phala::compose_hash("{}", ["API_KEY", "1ST"])')
assert_contains "$out" 'Invalid value for "env_keys" parameter: env_keys[1] ("1ST") is not a valid variable name' "invalid key"
out=$(err 'provider::phala::compose_hash("{}", ["API_KEY", ""])')
assert_contains "$out" 'env_keys[1] ("") is not a valid variable name' "empty key"
out=$(err 'provider::phala::compose_hash("{}", ["B", "A", "B"])')
assert_contains "$out" 'Invalid value for "env_keys" parameter: "B" appears more than once in env_keys' "duplicate key"
out=$(err 'provider::phala::compose_hash("{}", ["A", null])')
assert_contains "$out" 'Invalid value for "env_keys" parameter: env_keys[1] is null' "null key"
out=$(err 'provider::phala::compose_hash("{}", ["A"], ["B"])')
assert_contains "$out" 'Invalid value for "env_keys" parameter: give env_keys once, as one list' "two lists"

acc_log "functions in outputs, planned and applied"
{ phala_header; cat <<'TF'
output "id" { value = provider::phala::cvm_id("6F1D0C3E-2B4A-4C8D-9E7F-0A1B2C3D4E5F") }
output "env" { value = provider::phala::parse_dotenv("A=1\nexport B=\"two words\"\n") }
output "hash" { value = provider::phala::compose_hash(jsonencode({ runner = "docker-compose" }), ["B", "A"]) }
TF
} | write_config
tf_ok apply -auto-approve -input=false
assert_eq "$(terraform -chdir="$TF" output -raw id)" "6F1D0C3E2B4A4C8D9E7F0A1B2C3D4E5F" "output of cvm_id"
assert_eq "$(terraform -chdir="$TF" output -json env | jq -cS .)" '{"A":"1","B":"two words"}' "output of parse_dotenv"
echo '{"runner":"docker-compose"}' >"$WORK/runner.json"
assert_eq "$(terraform -chdir="$TF" output -raw hash)" "$(sdk "$WORK/runner.json" B A | sed -n 1p)" "output of compose_hash"
echo PASS
