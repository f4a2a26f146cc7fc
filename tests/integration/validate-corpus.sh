#!/bin/sh
# validate-corpus.sh - `kiln validate` gives the right verdict and location.
#
# Every tests/fixtures/bad/*.yaml starts with
#   # expect: LINE:COL: <fragment of the message>
# and must make `kiln validate` exit 2 with an error line
#   FILE:LINE:COL: error: ...<fragment>...
# Every tests/fixtures/good/*.yaml and tests/fixtures/awstoe/*.yaml must
# validate with exit 0.  A few inputs that are better generated than
# committed (over 1 MiB) are made here.  One line per file; any mismatch
# fails the test.

: "${top_srcdir:?}" "${KILN:?}"
fixtures="$top_srcdir/tests/fixtures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0

ok () { pass=$((pass + 1)); echo "ok   $*"; }
bad () { fail=$((fail + 1)); echo "FAIL $*"; }

# check_bad FILE LINE:COL FRAGMENT
check_bad () {
  file=$1 at=$2 fragment=$3
  out=$("$KILN" validate "$file" 2>&1)
  rc=$?
  if [ "$rc" -ne 2 ]; then
    bad "$file: exit $rc, expected 2"
    printf '%s\n' "$out" | sed 's/^/     | /'
    return
  fi
  if [ -n "$at" ]; then where="$file:$at: error: "; else where="$file: error: "; fi
  if printf '%s\n' "$out" | grep -F -- "$where" \
       | grep -qF -- "$fragment"; then
    ok "$file"
  else
    bad "$file: expected '$where...$fragment...'"
    printf '%s\n' "$out" | sed 's/^/     | /'
  fi
}

n_bad=0
for f in "$fixtures"/bad/*.yaml; do
  [ -e "$f" ] || continue
  n_bad=$((n_bad + 1))
  first=$(head -n 1 "$f")
  case "$first" in
    "# expect: "*) ;;
    *) bad "$f: first line is not '# expect: LINE:COL: fragment'"; continue ;;
  esac
  spec=${first#"# expect: "}
  at=${spec%%: *}
  fragment=${spec#*: }
  check_bad "$f" "$at" "$fragment"
done

# Over 1 MiB: refused before parsing.
big="$tmp/too-big.yaml"
{
  printf 'name: big\nschemaVersion: 1.0\ndescription: "'
  head -c 1100000 /dev/zero | tr '\0' 'x'
  printf '"\n'
} > "$big"
check_bad "$big" "1:1" "expected a document of at most 1 MiB"

# A directory is not a document.
check_bad "$tmp" "" "expected a document file, found a directory"

for f in "$fixtures"/good/*.yaml "$fixtures"/awstoe/*.yaml; do
  out=$("$KILN" validate "$f" 2>&1)
  rc=$?
  if [ "$rc" -eq 0 ]; then
    ok "$f"
  else
    bad "$f: exit $rc, expected 0"
    printf '%s\n' "$out" | sed 's/^/     | /'
  fi
done

echo "$pass passed, $fail failed ($n_bad bad documents in the corpus)"
[ "$fail" -eq 0 ]
