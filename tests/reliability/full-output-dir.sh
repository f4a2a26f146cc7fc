#!/usr/bin/env bash
# The output directory fills up during distribute (a 4 MiB tmpfs; the tiny
# image's qcow2 alone is ~20 MiB): the build fails cleanly, naming the
# stage and the full disk; no partial artifact, SHA256SUMS or manifest is
# left in the output directory, no temp file anywhere; the catalog says
# failed (not building, not available) and holds no image for the build;
# the parent is unchanged.  (Item 10 of the trust issue; that a new build
# succeeds after a failure is kill-during-boot.sh's.)
. "$(dirname "$0")/../integration/lib/functions.sh"
. "$top_srcdir/tests/integration/lib/tiny-image.sh"
requires_root   # mount -t tmpfs
requires jq

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")
name=rel-full-output

full=$TEST_TMP/full
mkdir -p "$full"
mount -t tmpfs -o size=4m tmpfs "$full" || skip "cannot mount a tmpfs here"
cleanup_fn umount -l "$full"

write_recipe () {
  cat > "$TEST_TMP/c.yaml" <<YAML
name: fills
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Work
        action: ExecuteBash
        inputs:
          commands: ["echo built > /etc/kiln-full-output"]
YAML
  cat > "$TEST_TMP/recipe.yaml" <<YAML
name: $name
version: 1.0.0
parent: $tiny
components:
  # offline: the build's steps are not what this is about (no build boot)
  - component: ./c.yaml
    offline: true
build:
  memory: 512M
outputs:
  name: $name
  formats: [qcow2, raw]
  directory: $1
YAML
}

write_recipe "$full"
expect_exit 1 --out "$TEST_TMP/full.out" "$KILN" build --force "$TEST_TMP/recipe.yaml" < /dev/null
expect_grep "build failed in stage 'distribute'" "$TEST_TMP/full.out"
expect_grep -i "no space left on device" "$TEST_TMP/full.out"
ok "a full output directory fails the build in distribute, saying why"

expect_eq "nothing left in the full output directory" "" "$(ls -A "$full")"
expect_no_leftovers
expect_eq "the parent image is unchanged" "$parent_sum" "$(sha256 "$tiny")"
ref=$(sed -n "s|.*build \($name/1.0.0/[0-9]*\) (log .*|\1|p" "$TEST_TMP/full.out" | head -n 1)
[ -n "$ref" ] || fail "kiln did not name its build"
"$KILN" images show "$ref" --json > "$TEST_TMP/show.json" 2>&1 \
  || { _show "$TEST_TMP/show.json"; fail "kiln images show $ref"; }
expect_eq "the catalog says failed" failed "$(jq -r .state "$TEST_TMP/show.json")"
expect_eq "no image in the store for the failed build" "" \
  "$(find "$KILN_HOME/images" -path "*$name*" -type f 2> /dev/null)"
ok "the catalog is consistent: failed, no stored image"
