#!/usr/bin/env bash
# Lifecycle policies on the tiny image, with two real builds of one recipe
# (1.0.0 by kiln build, 1.0.1 by a pipeline run whose rule deprecates
# 1.0.0 after the build): kiln images deprecate/undeprecate by hand (a bad
# BUILD changes nothing), kiln lifecycle run --dry-run with a `keep: 1`
# delete rule, the real run doing exactly what the dry run said (the store
# copy and the log gone, the output directory's files kept, the newest
# build kept), and a second run doing nothing.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"
requires jq

# A kiln home of its own even when KILN_TEST_HOME shares one among the
# tests: `kiln lifecycle run` without FILE reads every recipe and pipeline
# the catalog knows, and a shared home has other tests' (and earlier
# runs') builds.
export KILN_HOME=$TEST_TMP/home
mkdir -p "$KILN_HOME"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"

dir=$TEST_TMP/l
mkdir -p "$dir"
cat > "$dir/hello.yaml" <<'YAML'
name: lifecycle-hello
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Write
        action: ExecuteBash
        inputs:
          commands:
            - echo hello > /etc/lifecycle-hello
YAML
# recipe VERSION [LIFECYCLE-YAML]
recipe () {
  cat > "$dir/recipe.yaml" <<YAML
name: lifecycle-test
version: $1
parent: $tiny
components:
  - { component: ./hello.yaml, offline: true }   # no boot: the rules are the point
build:
  memory: 512M
outputs:
  name: lc
  formats: [qcow2]
  directory: $dir/out-$1
${2:-}
YAML
}
cat > "$dir/nightly.yaml" <<'YAML'
pipeline: lifecycle-test-nightly
recipe: ./recipe.yaml
schedule: "cron(0 3 * * ? *)"
lifecycle:
  - action: deprecate
    keep: 1
YAML

old=lifecycle-test/1.0.0/1
new=lifecycle-test/1.0.1/1
show () { "$KILN" images show "$1" --json; }
deprecated () { show "$1" | jq -r .deprecated; }
state () { show "$1" | jq -r .state; }

recipe 1.0.0
expect_exit 0 --out "$TEST_TMP/build1.out" "$KILN" build "$dir/recipe.yaml" < /dev/null
show "$old" > "$TEST_TMP/old.json"
old_image=$(jq -r .image "$TEST_TMP/old.json")
old_log=$(jq -r .log "$TEST_TMP/old.json")
old_output=$dir/out-1.0.0/lc/lc.qcow2
expect_file "$old_image"
expect_file "$old_log"
expect_file "$old_output"

# The pipeline builds 1.0.1, then applies its rule: 1.0.0 deprecated.
recipe 1.0.1
expect_exit 0 --out "$TEST_TMP/pipeline.out" "$KILN" pipeline run "$dir/nightly.yaml" < /dev/null
expect_grep "pipeline lifecycle-test-nightly: run 1 available $new" "$TEST_TMP/pipeline.out"
expect_line "$TEST_TMP/pipeline.out" \
  "deprecated $old, by rule: deprecate builds beyond the newest 1 ($dir/nightly.yaml:5)"
expect_no_grep "$new, by rule" "$TEST_TMP/pipeline.out"
expect "the pipeline run deprecated $old" \
  test "$(deprecated "$old")" != null
expect_eq "...not the newest build" null "$(deprecated "$new")"
"$KILN" images list > "$TEST_TMP/list1.out"
cat "$TEST_TMP/list1.out"
expect_grep "^$old  *deprecated " "$TEST_TMP/list1.out"
expect_grep "^$new  *available " "$TEST_TMP/list1.out"
"$KILN" images show "$old" | expect_grep "^deprecated " -

# By hand.
expect_exit 0 --out "$TEST_TMP/undep.out" "$KILN" images undeprecate "$old"
expect_line "$TEST_TMP/undep.out" "$old: undeprecated"
expect_eq "undeprecate clears the mark" null "$(deprecated "$old")"
"$KILN" images list | expect_grep "^$old  *available " -
expect_exit 0 --out "$TEST_TMP/dep.out" "$KILN" images deprecate "$new"
expect_line "$TEST_TMP/dep.out" "$new: deprecated"
expect "deprecate sets the mark" test "$(deprecated "$new")" != null
expect_exit 0 --out "$TEST_TMP/dep2.out" "$KILN" images deprecate "$new"
expect_grep "^$new: already deprecated" "$TEST_TMP/dep2.out"
expect_exit 0 "$KILN" images undeprecate "$new"
expect_eq "deprecated builds stay available" available "$(state "$new")"
# A bad BUILD among good ones: exit 2, nothing changes.
expect_exit 2 --out "$TEST_TMP/bad1.out" "$KILN" images deprecate "$old" lifecycle-test/9.9.9/1
expect_grep "lifecycle-test/9.9.9" "$TEST_TMP/bad1.out"
expect_exit 2 --out "$TEST_TMP/bad2.out" "$KILN" images deprecate "Not A/Build"
expect_eq "a bad BUILD changed nothing" null "$(deprecated "$old")"

# Rules: keep the newest build of lifecycle-test, delete the rest.
recipe 1.0.1 'lifecycle:
  - action: delete
    keep: 1'
rule_line=$(grep -n '^  - action: delete' "$dir/recipe.yaml" | cut -d: -f1)
expect_exit 0 --out "$TEST_TMP/dry.out" "$KILN" lifecycle run --dry-run "$dir/recipe.yaml"
expect_line "$TEST_TMP/dry.out" \
  "would delete $old, by rule: delete builds beyond the newest 1 ($dir/recipe.yaml:$rule_line)"
expect_eq "the dry run says one thing" 1 "$(grep -c . "$TEST_TMP/dry.out")"
expect_eq "the dry run changed nothing" available "$(state "$old")"
expect_file "$old_image"
expect_file "$old_log"
# Without FILE: the recipe and the pipeline the catalog knows (the
# pipeline's deprecate rule gives way to the recipe's delete rule).
expect_exit 0 --out "$TEST_TMP/dry-all.out" "$KILN" lifecycle run --dry-run
expect "without FILE, the same plan" cmp "$TEST_TMP/dry.out" "$TEST_TMP/dry-all.out"

# Bad FILE: FILE:LINE:COL, exit 2, nothing done.
expect_exit 2 --out "$TEST_TMP/badfile.out" "$KILN" lifecycle run "$dir/recipe.yaml" "$dir/hello.yaml"
expect_grep "^$dir/hello.yaml:1:1: error: expected a recipe or a pipeline" "$TEST_TMP/badfile.out"
printf 'lifecycle-bad: [\n' > "$dir/bad.yaml"
expect_exit 2 --out "$TEST_TMP/badyaml.out" "$KILN" lifecycle run "$dir/bad.yaml"
expect_grep "^$dir/bad.yaml:[0-9]*:[0-9]*: " "$TEST_TMP/badyaml.out"
expect_eq "a bad FILE changed nothing" available "$(state "$old")"

# The real run does what the dry run said.
expect_exit 0 --out "$TEST_TMP/real.out" "$KILN" lifecycle run "$dir/recipe.yaml"
sed 's/^would delete /deleted /' "$TEST_TMP/dry.out" > "$TEST_TMP/dry-as-done.out"
expect "the real run printed what the dry run said, in the past tense" \
  cmp "$TEST_TMP/dry-as-done.out" "$TEST_TMP/real.out"
expect_eq "$old is deleted" deleted "$(state "$old")"
expect_no_file "$old_image"
expect_no_file "$old_log"
expect_file "$old_output"
ok "the store copy and the log are gone, the output directory's file stays"
expect_eq "the newest build is kept" available "$(state "$new")"
expect_file "$(show "$new" | jq -r .image)"

expect_exit 0 --out "$TEST_TMP/again.out" "$KILN" lifecycle run "$dir/recipe.yaml"
expect_line "$TEST_TMP/again.out" "Nothing to do (1 lifecycle rule)."
expect_no_grep "deleted" "$TEST_TMP/again.out"

expect_no_leftovers
