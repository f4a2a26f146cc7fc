#!/usr/bin/env bash
# trust-regular-files.sh - only regular files are images (issue 13, item
# 8): a FIFO, a character device (/dev/zero) or a directory as the image of
# `kiln convert` / `kiln inspect` or as a recipe's parent is an exit-2
# error naming what it is, at once (a FIFO used to hang convert, /dev/zero
# used to "succeed" with 0-byte artifacts), and nothing is written.
. "$(dirname "$0")/lib/functions.sh"

tmp=$TEST_TMP
mkfifo "$tmp/fifo.qcow2"
mkdir "$tmp/dir.qcow2"

kind_of () {
  case $1 in
    */fifo.qcow2) echo "a FIFO (named pipe)" ;;
    /dev/zero) echo "a character device" ;;
    */dir.qcow2) echo "a directory" ;;
  esac
}

for img in "$tmp/fifo.qcow2" /dev/zero "$tmp/dir.qcow2"; do
  kind=$(kind_of "$img")
  for inspect in --no-inspect ""; do
    # shellcheck disable=SC2086  # $inspect is empty or one word
    expect_exit 2 --out "$tmp/convert.out" "$KILN" convert $inspect \
      --format qcow2 --output-dir "$tmp/out" "$img"
    expect_grep -F "found $img, $kind" "$tmp/convert.out"
    expect_no_file "$tmp/out"
  done
  expect_exit 2 --out "$tmp/inspect.out" "$KILN" inspect "$img"
  expect_grep -F "found $img, $kind" "$tmp/inspect.out"
  ok "kiln convert and kiln inspect of $kind: exit 2 naming it, nothing written"

  cat > "$tmp/recipe.yaml" <<YAML
name: trust-regular
version: 1.0.0
parent: $img
outputs:
  directory: $tmp/out
YAML
  expect_exit 2 --out "$tmp/validate.out" "$KILN" validate "$tmp/recipe.yaml"
  expect_grep -F "$tmp/recipe.yaml:3:9: error: expected a disk image file for 'parent', found '$img', $kind" "$tmp/validate.out"
  expect_exit 2 --out "$tmp/build.out" "$KILN" build "$tmp/recipe.yaml" < /dev/null
  expect_grep -F "$tmp/recipe.yaml:3:9: error: expected a disk image file for 'parent'" "$tmp/build.out"
  expect_no_file "$tmp/out"
  expect_no_leftovers
  ok "a recipe whose parent is $kind: kiln validate and kiln build exit 2 at the parent"
done
