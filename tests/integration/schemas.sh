#!/usr/bin/env bash
# schemas.sh - the JSON Schemas kiln installs for editors agree with kiln
# validate: every good document (tests/fixtures/good and awstoe, examples/,
# components/, templates/) passes an independent validator (Debian's
# python3-jsonschema), and a sample of bad ones (tests/fixtures/bad, plus
# bad templates made here) fails it as kiln validate fails them.
. "$(dirname "$0")/lib/functions.sh"

py=/usr/bin/python3
"$py" -c 'import jsonschema, yaml' 2> /dev/null ||
  skip "Debian's python3-jsonschema and python3-yaml are not installed"
requires jq
tmp=$TEST_TMP
# a home of its own, not the shared one: kiln template list and the refused
# template builds below read no state other tests left there
export KILN_HOME="$tmp/home"
schemas="$top_builddir/schemas"
for k in recipe pipeline template component; do
  expect "$k.schema.json was generated" test -s "$schemas/$k.schema.json"
done
expect "no kiln annotation left in the schemas" \
  test "$(cat "$schemas"/*.schema.json | grep -c x-kiln)" -eq 0

# The compatibility suite (tests/fixtures/awstoe, written for kiln) uses
# every action, operator, step option and loop form the component schema
# knows, so docs/awstoe-compat.md can point at it for each.
suite="$top_srcdir/tests/fixtures/awstoe"
uses () { cat "$suite"/*.yaml | grep -Eq -- "$1"; }
for a in $(jq -r '.definitions.step.properties.action.enum[]' "$schemas/component.schema.json"); do
  expect "the awstoe suite runs action $a" uses "action: $a\$"
done
for op in $(jq -r '.definitions.condition.properties | keys[] | select(. != "path" and . != "value")' \
              "$schemas/component.schema.json"); do
  expect "the awstoe suite uses operator $op" uses "[ -]$op:"
done
for k in $(jq -r '.definitions.step.properties | keys[]' "$schemas/component.schema.json") \
         $(jq -r '.definitions.loop.properties | keys[]' "$schemas/component.schema.json") \
         list delimiter start end updateBy allowedValues constants; do
  expect "the awstoe suite uses key $k" uses "^ *(- )?$k:"
done
for v in $(jq -r '.definitions.step.properties.onFailure.anyOf[0].enum[]' "$schemas/component.schema.json"); do
  expect "the awstoe suite uses onFailure: $v" uses "onFailure: $v\$"
done
for v in $(jq -r '.definitions.ifCondition.properties.then.enum[]' "$schemas/component.schema.json"); do
  expect "the awstoe suite uses then/else: $v" uses "(then|else): $v\$"
done
for form in 'outputs\.stdout' 'outputs\.(files|content|destination|status)' 'inputs\[[0-9]+\]\.' \
            'loop\.(index|value)' '[a-z]+\.(index|value) *\}\}' '^ *- name: (build|validate|test)$' \
            '^ *- name: container-host-test$' '^ *- name: audit$'; do
  expect "the awstoe suite uses $form" uses "$form"
done

# kind and verdict of each document as kiln validate sees it
kind_of () { "$KILN" validate --json "$1" 2> /dev/null | jq -r '.files[0] | "\(.kind) \(.valid)"'; }
cd "$top_srcdir" || fail "cd $top_srcdir"
: > "$tmp/good"
for f in tests/fixtures/good/*.yaml tests/fixtures/awstoe/*.yaml examples/*/*.yaml \
         examples/*/components/*.yaml components/*.yaml; do
  read -r kind valid <<< "$(kind_of "$f")"
  expect "kiln validate: $f is a valid $kind" test "$valid" = true
  echo "$kind $f" >> "$tmp/good"
done
for f in templates/*.yaml; do
  echo "template $f" >> "$tmp/good"
done
expect "kiln template list reads every template" \
  test "$("$KILN" template list --json | jq -s 'length')" -eq "$(ls templates/*.yaml | wc -l)"

rc=0
"$py" tests/integration/schema-check.py "$schemas" < "$tmp/good" > "$tmp/good.out" || rc=$?
[ "$rc" -ne 2 ] || { cat "$tmp/good.out"; fail "the schemas are valid draft-07 schemas"; }
ok "the schemas are valid draft-07 schemas"
while read -r verdict kind path rest; do
  [ "$verdict" = VALID ] || note "$rest"
  expect "schema: $kind ${path%:} passes" test "$verdict" = VALID
done < "$tmp/good.out"
expect "every good document was checked" test "$(wc -l < "$tmp/good.out")" -eq "$(wc -l < "$tmp/good")"

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
  recipe-lifecycle-unknown-key pipeline-lifecycle-resource
  recipe-lifecycle-parents-deprecate recipe-lifecycle-parents-versions
  recipe-notify-webhook step-timeout-huge
  step-maxattempts-huge loop-for-bound-huge inputs-reboot-delay-huge
  step-name-empty step-name-slash step-name-braces phase-name-slash"
: > "$tmp/bad"
for name in $sample; do
  f=tests/fixtures/bad/$name.yaml
  read -r kind valid <<< "$(kind_of "$f")"
  expect "kiln validate rejects $name ($kind)" test "$valid" = false
  echo "$kind $f" >> "$tmp/bad"
done

# bad templates: kiln template build refuses them before doing anything
mkdir -p "$tmp/t"
make_bad () {   # make_bad NAME SED-EXPRESSION
  sed "$2" templates/debian-12.yaml > "$tmp/t/$1.yaml"
  echo "template $tmp/t/$1.yaml" >> "$tmp/bad"
  expect_exit 2 --out "$tmp/t/$1.out" "$KILN" template build "$tmp/t/$1.yaml"
  ok "kiln template build refuses $1 (exit 2)"
}
make_bad unknown-key 's/^bootloader:/bootloaderr:/'
make_bad firmware-efi 's/^firmware: bios/firmware: efi/'
make_bad disk-unknown-key 's/^  partition-table:/  partition-tabel:/'
make_bad no-suite '/^suite:/d'
make_bad store-compress-yes 's/^  compress: false/  compress: yes/'

"$py" tests/integration/schema-check.py "$schemas" < "$tmp/bad" > "$tmp/bad.out"
while read -r verdict kind path rest; do
  expect "schema: $kind $(basename "${path%:}") fails" test "$verdict" = INVALID
  note "${rest:0:150}"
done < "$tmp/bad.out"
expect "every bad sample was checked" test "$(wc -l < "$tmp/bad.out")" -eq "$(wc -l < "$tmp/bad")"

# The README shows the line that makes a YAML language server use them.
expect_grep '^# yaml-language-server: \$schema=/usr/share/kiln/schemas/recipe.schema.json' README.md
ok "README: the yaml-language-server modeline"
