#!/usr/bin/env bash
# validate-cli.sh - the `kiln validate` command line: options, exit codes,
# sorted output, --json, and that nothing on disk changes.
. "$(dirname "$0")/lib/functions.sh"
requires jq

fixtures="$top_srcdir/tests/fixtures"
tmp=$TEST_TMP

expect_exit 0 --out "$tmp/help" "$KILN" validate --help
expect_grep -- "--kind" "$tmp/help"
expect_grep -- "--json" "$tmp/help"
ok "--help exits 0 and lists --kind and --json"

expect_exit 2 "$KILN" validate
ok "no FILE: exit 2"
expect_exit 2 --out "$tmp/out" "$KILN" validate --kind bogus "$fixtures/good/loops.yaml"
expect_grep "expected --kind component, recipe or pipeline" "$tmp/out"
ok "--kind bogus: exit 2, says what it expected"
expect_exit 2 "$KILN" validate --frobnicate x
ok "unknown option: exit 2"

expect_exit 0 "$KILN" validate "$fixtures/good/loops.yaml" "$fixtures/good/conditions.yaml"
ok "two valid files: exit 0"
expect_exit 0 "$KILN" validate --kind component "$fixtures/good/loops.yaml"
ok "--kind component on a component: exit 0"

expect_exit 2 --out "$tmp/out" "$KILN" validate "$tmp/does-not-exist.yaml"
expect_grep "does-not-exist.yaml: error: cannot read the file" "$tmp/out"
ok "missing file: exit 2, says it cannot read it"

# Every error of a file, sorted by position, in one run.
cat > "$tmp/many.yaml" <<'YAML'
name: many
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: A
        action: ExecuteBash
        timeoutSeconds: 0
        inputs:
          commands:
            - echo {{ Nope }}
      - name: A
        action: CreateFile
        inputs:
          - pth: /x
YAML
rc=0
"$KILN" validate "$tmp/many.yaml" "$fixtures/good/loops.yaml" > "$tmp/out" 2> "$tmp/err" || rc=$?
cat "$tmp/out" "$tmp/err"
expect_eq "one bad file among good ones: exit 2" 2 "$rc"
expect_eq "every error reported" 5 "$(grep -c ': error: ' "$tmp/err")"
expect "errors sorted by line" sort -n -c <(cut -d: -f2 "$tmp/err")
expect_grep "loops.yaml: valid component" "$tmp/out"
expect_grep "^$tmp/many.yaml:8:25: error: expected -1 (no limit) or 1 to 604800 seconds" "$tmp/err"
ok "the valid file is reported valid; errors read FILE:LINE:COL: error:"

# Warnings alone do not fail.
cat > "$tmp/warn.yaml" <<'YAML'
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: A
        action: ExecuteBash
        inputs:
          commands: ['echo {{ loop.value }}']
YAML
expect_exit 0 --out "$tmp/out" "$KILN" validate "$tmp/warn.yaml"
expect_grep "warn.yaml:8:28: warning: " "$tmp/out"
ok "warnings only: exit 0, warning printed"

# --json: one document with every file.
rc=0
"$KILN" validate --json "$tmp/many.yaml" "$fixtures/good/loops.yaml" > "$tmp/json" 2> "$tmp/err" || rc=$?
expect_eq "--json with a bad file: exit 2" 2 "$rc"
expect "--json prints nothing on stderr" test ! -s "$tmp/err"
expect "--json document has files, verdicts and diagnostics" jq -e --arg bad "$tmp/many.yaml" '
  (.files | length == 2)
  and .files[0].file == $bad and .files[0].kind == "component"
  and .files[0].valid == false and (.files[0].diagnostics | length == 5)
  and .files[0].diagnostics[0].line == 8 and .files[0].diagnostics[0].column == 25
  and .files[0].diagnostics[0].severity == "error"
  and .files[1].valid == true and .files[1].diagnostics == []
  and .valid == false' "$tmp/json"

# Nothing on disk changes: validation writes nothing, not even next to the
# documents or in the working directory.
mkdir "$tmp/ro"
cp "$fixtures/good/transfers.yaml" "$tmp/many.yaml" "$tmp/ro/"
( cd "$tmp/ro" && ls -lA --time-style=full-iso > ../before && \
  "$KILN" validate transfers.yaml many.yaml > /dev/null 2>&1; \
  ls -lA --time-style=full-iso > ../after )
expect "nothing on disk changes" cmp -s "$tmp/before" "$tmp/after"
