#!/bin/bash
# schemas.sh - the JSON Schemas kiln installs for editors agree with kiln
# validate: every good document (tests/fixtures/good and awstoe, examples/,
# components/, templates/) passes an independent validator (Debian's
# python3-jsonschema), and a sample of bad ones (tests/fixtures/bad, plus
# bad templates made here) fails it as kiln validate fails them.
: "${top_srcdir:?}" "${top_builddir:?}" "${KILN:?}"
set -u
py=/usr/bin/python3
"$py" -c 'import jsonschema, yaml' 2> /dev/null ||
  { echo "SKIP: Debian's python3-jsonschema and python3-yaml are not installed"; exit 77; }
command -v jq > /dev/null || { echo "SKIP: jq is missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KILN_HOME="$tmp/home"
failed=0
check () {   # check DESCRIPTION COMMAND...
  local d=$1; shift
  if "$@"; then echo "ok   $d"; else echo "FAIL $d"; failed=1; fi
}
schemas="$top_builddir/schemas"
for k in recipe pipeline template component; do
  check "$k.schema.json was generated" test -s "$schemas/$k.schema.json"
done
check "no kiln annotation left in the schemas" \
  test "$(cat "$schemas"/*.schema.json | grep -c x-kiln)" -eq 0

# kind and verdict of each document as kiln validate sees it
kind_of () { "$KILN" validate --json "$1" 2> /dev/null | jq -r '.files[0] | "\(.kind) \(.valid)"'; }
cd "$top_srcdir" || exit 1
: > "$tmp/good"
for f in tests/fixtures/good/*.yaml tests/fixtures/awstoe/*.yaml examples/*/*.yaml \
         examples/*/components/*.yaml components/*.yaml; do
  read -r kind valid <<< "$(kind_of "$f")"
  check "kiln validate: $f is a valid $kind" test "$valid" = true
  echo "$kind $f" >> "$tmp/good"
done
for f in templates/*.yaml; do
  echo "template $f" >> "$tmp/good"
done
check "kiln template list reads every template" \
  test "$("$KILN" template list --json | jq -s 'length')" -eq "$(ls templates/*.yaml | wc -l)"

"$py" tests/integration/schema-check.py "$schemas" < "$tmp/good" > "$tmp/good.out"
check "the schemas are valid draft-07 schemas" test $? -ne 2
while read -r verdict kind path rest; do
  check "schema: $kind ${path%:} passes" test "$verdict" = VALID
  [ "$verdict" = VALID ] || echo "     $rest"
done < "$tmp/good.out"
check "every good document was checked" test "$(wc -l < "$tmp/good.out")" -eq "$(wc -l < "$tmp/good")"

# Bad documents: one or more of each kind of mistake a schema can see
# (unknown key, value not in a list, missing key, wrong type, malformed
# value, wrong shape of an action's inputs).  kiln validate rejects each;
# so must the schema.
sample="recipe-unknown-key recipe-build-unknown-key recipe-outputs-unknown-key
  recipe-entry-unknown-key recipe-accel recipe-formats-unknown recipe-targets
  recipe-name-missing recipe-aws-no-bucket recipe-vcpus-type
  recipe-timeout-no-unit recipe-disk-space recipe-qcow2-compress
  recipe-param-two-values recipe-formats-duplicate pipeline-unknown-key
  pipeline-when pipeline-schedule-missing pipeline-enabled phase-misspelt
  phase-missing-steps param-unknown-key param-missing-type loop-unknown-key
  constant-missing-value cond-unknown-operator cond-then-invalid
  inputs-bash-missing-commands inputs-bash-commands-string inputs-file-map-shape
  inputs-algorithm-sha384 inputs-webdownload-ftp inputs-permissions-not-octal
  inputs-boolean-maybe inputs-symlink-missing-target pipeline-lifecycle-action
  pipeline-lifecycle-neither pipeline-notify-both pipeline-notify-event
  recipe-lifecycle-unknown-key recipe-notify-webhook"
: > "$tmp/bad"
for name in $sample; do
  f=tests/fixtures/bad/$name.yaml
  read -r kind valid <<< "$(kind_of "$f")"
  check "kiln validate rejects $name ($kind)" test "$valid" = false
  echo "$kind $f" >> "$tmp/bad"
done

# bad templates: kiln template build refuses them before doing anything
mkdir -p "$tmp/t"
make_bad () {   # make_bad NAME SED-EXPRESSION
  sed "$2" templates/debian-12.yaml > "$tmp/t/$1.yaml"
  echo "template $tmp/t/$1.yaml" >> "$tmp/bad"
  "$KILN" template build "$tmp/t/$1.yaml" > /dev/null 2>&1
  check "kiln template build refuses $1 (exit 2)" test $? -eq 2
}
make_bad unknown-key 's/^bootloader:/bootloaderr:/'
make_bad firmware-efi 's/^firmware: bios/firmware: efi/'
make_bad disk-unknown-key 's/^  partition-table:/  partition-tabel:/'
make_bad no-suite '/^suite:/d'
make_bad store-compress-yes 's/^  compress: false/  compress: yes/'

"$py" tests/integration/schema-check.py "$schemas" < "$tmp/bad" > "$tmp/bad.out"
while read -r verdict kind path rest; do
  check "schema: $kind $(basename "${path%:}") fails" test "$verdict" = INVALID
  [ "$verdict" = INVALID ] && echo "     ${rest:0:150}"
done < "$tmp/bad.out"
check "every bad sample was checked" test "$(wc -l < "$tmp/bad.out")" -eq "$(wc -l < "$tmp/bad")"

# The README shows the line that makes a YAML language server use them.
check "README: the yaml-language-server modeline" \
  grep -q '^# yaml-language-server: \$schema=/usr/share/kiln/schemas/recipe.schema.json' README.md

exit $failed
