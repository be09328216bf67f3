#!/usr/bin/env bash
# Two release runs from the same sources in different build trees give byte-identical zips (and so
# identical SHA256SUMS): nothing of the build path, the time or the machine's state gets in.
source "$(dirname "$0")/lib.sh"
a=$RELEASE_TEST_DIR/a/dist b=$RELEASE_TEST_DIR/b/dist
for arch in amd64 arm64; do
    f=${REL_NAME}_${RELEASE_VERSION}_linux_$arch.zip
    [ -f "$b/$f" ] || rel_fail "second run wrote no $f"
    cmp "$a/$f" "$b/$f" || rel_fail "$f differs between the two builds"
    echo "--- $f identical: $(sha256sum <"$a/$f" | cut -d' ' -f1)" >&2
done
cmp "$a/${REL_NAME}_${RELEASE_VERSION}_SHA256SUMS" "$b/${REL_NAME}_${RELEASE_VERSION}_SHA256SUMS" ||
    rel_fail "SHA256SUMS differ"
# The two runs really were separate builds: each tree compiled its own objects.
for run in a b; do
    [ -f "$RELEASE_TEST_DIR/$run/build/amd64/provider/terraform-provider-phala" ] ||
        rel_fail "run $run did not build in its own tree"
done
echo "PASS"
