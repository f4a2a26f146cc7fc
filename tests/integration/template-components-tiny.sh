#!/usr/bin/env bash
# The built-in test components that need no distribution (command-succeeds,
# file-contains, port-listening, http-ok) on the tiny busybox image, through
# a real `kiln build`: their test phases run on the test boot.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
fixtures="$top_srcdir/tests/fixtures/recipes"
cp -r "$fixtures/components" "$TEST_TMP/"
sed -e "s|^parent: .*|parent: $tiny|" \
    -e "s|^  formats: .*|  formats: [qcow2]\n  directory: $TEST_TMP/out|" \
    "$fixtures/components-tiny.yaml" > "$TEST_TMP/recipe.yaml"

expect_exit 0 --out "$TEST_TMP/build.out" "$KILN" build "$TEST_TMP/recipe.yaml" </dev/null
for step in command-succeeds/test/RunCommand file-contains/test/FileContains \
            port-listening/test/PortOpen http-ok/test/Fetch; do
  grep -q "step: $step: success" "$TEST_TMP/build.out" || fail "no successful $step"
done
ok "command-succeeds, file-contains, port-listening, http-ok pass on the tiny image"

# and they can fail: a wrong expectation fails the build at the test stage
sed -e 's|text: tiny and well }|text: not on the page }|' "$TEST_TMP/recipe.yaml" > "$TEST_TMP/bad.yaml"
grep -q 'not on the page' "$TEST_TMP/bad.yaml" || fail "could not make the failing recipe"
expect_exit 1 --out "$TEST_TMP/bad.out" "$KILN" build "$TEST_TMP/bad.yaml" </dev/null
grep -q "file-contains" "$TEST_TMP/bad.out" || fail "the failure does not name file-contains: $(cat "$TEST_TMP/bad.out")"
ok "a failing test component fails the build (exit 1)"
