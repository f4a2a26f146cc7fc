#!/usr/bin/env bash
# validate-recipes.sh - `kiln validate` on recipes and pipelines end to end:
# the hello example, --kind, errors from every file a pipeline pulls in,
# every error of a file in one run, paths relative to the document.
. "$(dirname "$0")/lib/functions.sh"

tmp=$TEST_TMP
hello="$top_srcdir/examples/hello"

expect_exit 0 --out "$tmp/out" "$KILN" validate \
  "$hello/recipe.yaml" "$hello/pipeline.yaml" "$hello/components/hello.yaml"
# not a pipe: expect_no_grep's fail must end this shell, not a subshell
grep -v 'tiny.qcow2' "$tmp/out" > "$tmp/out-but-tiny" || true
expect_no_grep ': \(error\|warning\): ' "$tmp/out-but-tiny"
ok "examples/hello validates: no diagnostics but the missing parent image"

# from another directory: every reference is relative to its document
( cd "$tmp" && expect_exit 0 "$KILN" validate "$hello/pipeline.yaml" ) || exit 1
ok "pipeline validates from another working directory"

expect_exit 2 --out "$tmp/out" "$KILN" validate --kind pipeline "$hello/recipe.yaml"
expect_grep -F "$hello/recipe.yaml:4:1: error: missing required key 'pipeline'" "$tmp/out"
ok "--kind pipeline on a recipe"
expect_exit 2 --out "$tmp/out" "$KILN" validate --kind recipe "$hello/pipeline.yaml"
expect_grep -F "unknown key 'pipeline' in a recipe" "$tmp/out"
ok "--kind recipe on a pipeline"
expect_exit 0 "$KILN" validate --kind recipe "$hello/recipe.yaml"
ok "--kind recipe on a recipe"

# every problem of a recipe in one run, sorted by position
cat >"$tmp/recipe.yaml" <<'YAML'
name: Web
version: 1.2
parent: debian-12
disk: 8 gigs
build:
  vcpus: 0
components:
  - ./components/broken.yaml
outputs:
  formats: [raw, vmdkk]
YAML
mkdir -p "$tmp/components"
cat >"$tmp/components/broken.yaml" <<'YAML'
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Hello
        action: ExecuteBsh
YAML
cat >"$tmp/pipeline.yaml" <<'YAML'
pipeline: nightly
recipe: recipe.yaml
schedule: "cron(0 3 ? * 9 *)"
timezone: Europe/Berln
YAML
expect_exit 2 --out "$tmp/out" "$KILN" validate "$tmp/pipeline.yaml"
expect_grep -F "$tmp/pipeline.yaml:3:25: error: in schedule: expected a day-of-week 1-7 or SUN-SAT, found '9'" "$tmp/out"
ok "pipeline: schedule error inside the string"
want="$tmp/components/broken.yaml:6:17: error:
$tmp/pipeline.yaml:3:25: error:
$tmp/pipeline.yaml:4:11: error:
$tmp/recipe.yaml:1:7: error:
$tmp/recipe.yaml:2:10: error:
$tmp/recipe.yaml:4:7: error:
$tmp/recipe.yaml:6:10: error:
$tmp/recipe.yaml:10:18: error:"
expect_eq "pipeline: every error of the pipeline, its recipe and its component" \
  "$want" "$(grep -o '^[^ ]*: error:' "$tmp/out")"
