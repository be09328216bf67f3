#!/usr/bin/env bash
# The assertion helpers of lib.sh themselves: each must be able to fail. In particular
# assert_contains refuses an empty expectation (grep finds "" in any text, so a computed expectation
# that came out empty would silently pass).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
fails() { # fails WHAT CMD… — CMD (run in a subshell) must exit non-zero
    local what=$1
    shift
    if ("$@") >/dev/null 2>&1; then acc_fail "$what passed"; fi
}
passes() { # passes WHAT CMD…
    local what=$1
    shift
    ("$@") >/dev/null 2>&1 || acc_fail "$what failed"
}
passes "assert_contains with the text present" assert_contains "one two" "two"
passes "assert_contains across a wrapped diagnostic" assert_contains $'│ one\n│ two' "one two"
fails "assert_contains with the text absent" assert_contains "one two" "three"
fails "assert_contains with an empty expectation" assert_contains "one two" ""
out=$( (assert_contains "one two" "" "the plan") 2>&1 || true)
[[ $out == *"assert_contains: the expected text for the plan is empty"* ]] ||
    acc_fail "the refusal does not say why: $out"
fails "assert_not_contains with the text present" assert_not_contains "one two" "two"
fails "assert_not_contains with an empty text" assert_not_contains "one two" ""
passes "assert_not_contains with the text absent" assert_not_contains "one two" "three"
passes "assert_eq with equal values" assert_eq a a
fails "assert_eq with different values" assert_eq a b
acc_log "lib.sh assertions: ok"
