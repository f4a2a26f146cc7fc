#!/bin/sh
# validate-recipes.sh - `kiln validate` on recipes and pipelines end to end:
# the hello example, --kind, errors from every file a pipeline pulls in,
# every error of a file in one run, paths relative to the document.

: "${top_srcdir:?}" "${KILN:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok () { pass=$((pass + 1)); echo "ok   $*"; }
bad () { fail=$((fail + 1)); echo "FAIL $*"; sed 's/^/     | /' "$tmp/out"; }

# expect RC FRAGMENT DESCRIPTION -- kiln validate ARGS...
expect () {
  rc_want=$1 fragment=$2 what=$3
  shift 4
  "$KILN" validate "$@" >"$tmp/out" 2>&1
  rc=$?
  if [ "$rc" -ne "$rc_want" ]; then
    bad "$what: exit $rc, expected $rc_want"
  elif [ -n "$fragment" ] && ! grep -qF -- "$fragment" "$tmp/out"; then
    bad "$what: no line with '$fragment'"
  else
    ok "$what"
  fi
}

hello="$top_srcdir/examples/hello"
expect 0 "" "examples/hello validates" -- \
  "$hello/recipe.yaml" "$hello/pipeline.yaml" "$hello/components/hello.yaml"
if grep -v 'tiny.qcow2' "$tmp/out" | grep -q ': \(error\|warning\): '; then
  bad "examples/hello: unexpected diagnostics"
else
  ok "examples/hello: no diagnostics but the missing parent image"
fi

# from another directory: every reference is relative to its document
( cd "$tmp" && "$KILN" validate "$hello/pipeline.yaml" ) >"$tmp/out" 2>&1 \
  && ok "pipeline validates from another working directory" \
  || bad "pipeline validates from another working directory"

expect 2 "$hello/recipe.yaml:4:1: error: missing required key 'pipeline'" \
  "--kind pipeline on a recipe" -- --kind pipeline "$hello/recipe.yaml"
expect 2 "unknown key 'pipeline' in a recipe" \
  "--kind recipe on a pipeline" -- --kind recipe "$hello/pipeline.yaml"
expect 0 "" "--kind recipe on a recipe" -- --kind recipe "$hello/recipe.yaml"

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
expect 2 "$tmp/pipeline.yaml:3:25: error: in schedule: expected a day-of-week 1-7 or SUN-SAT, found '9'" \
  "pipeline: schedule error inside the string" -- "$tmp/pipeline.yaml"
want="$tmp/components/broken.yaml:6:17: error:
$tmp/pipeline.yaml:3:25: error:
$tmp/pipeline.yaml:4:11: error:
$tmp/recipe.yaml:1:7: error:
$tmp/recipe.yaml:2:10: error:
$tmp/recipe.yaml:4:7: error:
$tmp/recipe.yaml:6:10: error:
$tmp/recipe.yaml:10:18: error:"
got=$(grep -o '^[^ ]*: error:' "$tmp/out")
if [ "$got" = "$want" ]; then
  ok "pipeline: every error of the pipeline, its recipe and its component"
else
  bad "pipeline: errors were
$got
expected
$want"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
