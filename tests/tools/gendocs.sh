#!/usr/bin/env bash
# gendocs.sh — writes docs/ (registry layout: index.md, data-sources/<name>.md, resources/<name>.md,
# functions/<name>.md) from `terraform providers schema -json` of the built provider plus the files
# under examples/ (provider.tf / data-source.tf / resource.tf / function.tf as the example,
# guide.md for extra prose, import.sh), and the guides in examples/guides/ (docs/guides/).
# `make docs` runs it; tests/acceptance/test_docs.sh regenerates into a temp dir and fails when the
# committed docs differ.
# Usage: gendocs.sh BUILD_DIR [OUT_DIR]
set -euo pipefail
BUILD=$(cd "${1:?build dir}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${2:-$ROOT/docs}
command -v terraform >/dev/null || { echo "gendocs: terraform is not on PATH" >&2; exit 1; }

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/home" "$W/cfg"
source "$ROOT/tests/tools/tfmirror.sh"
tf_mirror "$W" "$BUILD/provider/terraform-provider-phala" phala phala
cat >"$W/cfg/main.tf" <<'TF'
terraform {
  required_providers {
    phala = { source = "local.dev/phala/phala" }
  }
}
TF
export HOME=$W/home CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
terraform -chdir="$W/cfg" init -input=false >/dev/null
terraform -chdir="$W/cfg" providers schema -json >"$W/schema.json"
P='.provider_schemas["local.dev/phala/phala"]'

# jq program: markdown for one block (attributes grouped Required / Optional / Read-Only, then the
# nested blocks), following the layout of HashiCorp's tfplugindocs.
JQ_LIB='
def tname:
  if type == "string" then {"string":"String","number":"Number","bool":"Boolean","dynamic":"Dynamic"}[.]
  elif .[0] == "object" then "Object"
  else ({"list":"List","set":"Set","map":"Map","tuple":"Tuple"}[.[0]]) + " of " + (.[1] | tname) end;
def attr_line($n; $a):
  "- `\($n)` (\($a.type | tname)\(if $a.sensitive then ", Sensitive" else "" end)\(if $a.write_only then ", Write-only" else "" end)\(if $a.deprecated then ", Deprecated" else "" end)) \($a.description // "" | gsub("\n"; " "))";
def group($title; f):
  [ (.attributes // {}) | to_entries[] | select(.value | f) ] as $xs
  | if ($xs | length) == 0 then empty else
      "### \($title)\n\n" + ([ $xs[] | attr_line(.key; .value) ] | join("\n")) + "\n" end;
def block_md:
  [ group("Required"; .required == true),
    group("Optional"; .optional == true),
    group("Read-Only"; (.computed == true) and (.optional != true)),
    ( (.block_types // {}) | to_entries | if length == 0 then empty else
        "### Blocks\n\n" + ([ .[] | "- `\(.key)` (Block \(.value.nesting_mode)\(if (.value.max_items // 0) > 0 then ", Max: \(.value.max_items)" else "" end)) \(.value.block.description // "")" ] | join("\n")) + "\n"
      end ),
    ( (.block_types // {}) | to_entries[] |
        "<a id=\"nestedblock--\(.key)\"></a>\n### Nested Schema for `\(.key)`\n\n" +
        ([ (.value.block.attributes // {}) | to_entries[] | attr_line(.key; .value) ] | join("\n")) + "\n" )
  ] | join("\n");
'

front() { # front TITLE DESCRIPTION
    printf -- '---\npage_title: "%s"\nsubcategory: ""\ndescription: |-\n  %s\n---\n\n' "$1" "$2"
}
example() { # example FILE — a terraform code block, if the example exists
    [ -f "$1" ] || return 0
    printf '## Example Usage\n\n```terraform\n'
    cat "$1"
    printf '```\n\n'
}

rm -rf "$OUT"
mkdir -p "$OUT/data-sources" "$OUT/resources" "$OUT/functions" "$OUT/guides"
cp "$ROOT"/examples/guides/*.md "$OUT/guides/" # guides are prose: copied as written

desc=$(jq -r "$P.provider.block.description" "$W/schema.json")
{
    front "phala Provider" "$desc"
    echo "# phala Provider"
    echo
    echo "$desc"
    echo
    example "$ROOT/examples/provider/provider.tf"
    echo "## Schema"
    echo
    jq -r "$JQ_LIB $P.provider.block | block_md" "$W/schema.json"
    if [ -f "$ROOT/examples/provider/guide.md" ]; then
        echo
        cat "$ROOT/examples/provider/guide.md"
    fi
} >"$OUT/index.md"

for kind in data_source resource; do
    case $kind in
    data_source) key=data_source_schemas sub=data-sources label="Data Source" ex=data-source.tf ;;
    resource) key=resource_schemas sub=resources label=Resource ex=resource.tf ;;
    esac
    for name in $(jq -r "$P.$key // {} | keys[]" "$W/schema.json"); do
        short=${name#phala_}
        desc=$(jq -r "$P.$key[\"$name\"].block.description" "$W/schema.json")
        {
            front "$name $label - phala" "$desc"
            echo "# $name ($label)"
            echo
            echo "$desc"
            echo
            example "$ROOT/examples/$sub/$name/$ex"
            echo "## Schema"
            echo
            jq -r "$JQ_LIB $P.$key[\"$name\"].block | block_md" "$W/schema.json"
            if [ -f "$ROOT/examples/$sub/$name/guide.md" ]; then
                echo
                cat "$ROOT/examples/$sub/$name/guide.md"
            fi
            if [ -f "$ROOT/examples/$sub/$name/import.sh" ]; then
                printf '\n## Import\n\nImport is supported using the following syntax:\n\n```shell\n'
                cat "$ROOT/examples/$sub/$name/import.sh"
                printf '```\n'
            fi
        } >"$OUT/$sub/$short.md"
    done
done
# Provider functions, as tfplugindocs lays them out: signature, then the numbered arguments.
for name in $(jq -r "$P.functions // {} | keys[]" "$W/schema.json"); do
    F="$P.functions[\"$name\"]"
    {
        front "$name function - phala" "$(jq -r "$F.summary" "$W/schema.json")"
        echo "# function: $name"
        echo
        jq -r "$F.description" "$W/schema.json"
        echo
        example "$ROOT/examples/functions/$name/function.tf"
        echo "## Signature"
        echo
        echo '```text'
        jq -r "$JQ_LIB $F | \"$name(\" + ([ (.parameters // [])[] | \"\(.name) \(.type | tname | ascii_downcase)\" ] + (if .variadic_parameter then [\"\(.variadic_parameter.name)... \(.variadic_parameter.type | tname | ascii_downcase)\"] else [] end) | join(\", \")) + \") \" + (.return_type | tname | ascii_downcase)" "$W/schema.json"
        echo '```'
        echo
        echo "## Arguments"
        echo
        jq -r "$JQ_LIB $F | [ (.parameters // [])[] ] + (if .variadic_parameter then [.variadic_parameter | .name += \" (variadic)\"] else [] end) | to_entries[] | \"\(.key + 1). \\u0060\(.value.name)\\u0060 (\(.value.type | tname)) \(.value.description // \"\")\"" "$W/schema.json"
        if [ -f "$ROOT/examples/functions/$name/guide.md" ]; then
            echo
            cat "$ROOT/examples/functions/$name/guide.md"
        fi
    } >"$OUT/functions/$name.md"
done
echo "docs written to $OUT"
