#!/usr/bin/env bash
# validate-corpus.sh - `kiln validate` gives the right verdict and location.
#
# Every tests/fixtures/bad/*.yaml starts with
#   # expect: LINE:COL: <fragment of the message>
# and must make `kiln validate` exit 2 with an error line
#   FILE:LINE:COL: error: ...<fragment>...
# Every tests/fixtures/good/*.yaml and tests/fixtures/awstoe/*.yaml must
# validate with exit 0.  A few inputs that are better generated than
# committed (over 1 MiB) are made here.  One line per file.
. "$(dirname "$0")/lib/functions.sh"

fixtures="$top_srcdir/tests/fixtures"

# expect_refused FILE LINE:COL FRAGMENT
expect_refused () {
  local file=$1 at=$2 fragment=$3 where
  expect_exit 2 --out "$TEST_TMP/out" "$KILN" validate "$file"
  if [ -n "$at" ]; then where="$file:$at: error: "; else where="$file: error: "; fi
  # not a pipe: expect_grep's fail must end this shell, not a subshell
  grep -F -- "$where" "$TEST_TMP/out" > "$TEST_TMP/at" || true
  expect_grep -F -- "$fragment" "$TEST_TMP/at"
  ok "$file"
}

n_bad=0
for f in "$fixtures"/bad/*.yaml; do
  n_bad=$((n_bad + 1))
  first=$(head -n 1 "$f")
  case "$first" in
    "# expect: "*) ;;
    *) fail "$f: first line is not '# expect: LINE:COL: fragment'" ;;
  esac
  spec=${first#"# expect: "}
  expect_refused "$f" "${spec%%: *}" "${spec#*: }"
done
[ "$n_bad" -gt 0 ] || fail "no bad documents in $fixtures/bad"

# Over 1 MiB: refused before parsing.
big="$TEST_TMP/too-big.yaml"
{
  printf 'name: big\nschemaVersion: 1.0\ndescription: "'
  head -c 1100000 /dev/zero | tr '\0' 'x'
  printf '"\n'
} > "$big"
expect_refused "$big" "1:1" "expected a document of at most 1 MiB"

# A directory is not a document.
mkdir "$TEST_TMP/dir"
expect_refused "$TEST_TMP/dir" "" "expected a document file, found a directory"

for f in "$fixtures"/good/*.yaml "$fixtures"/awstoe/*.yaml; do
  expect_exit 0 --out "$TEST_TMP/out" "$KILN" validate "$f"
  ok "$f"
done
note "$n_bad bad documents in the corpus"
