#!/bin/sh
# validate-cli.sh - the `kiln validate` command line: options, exit codes,
# sorted output, --json, and that nothing on disk changes.
: "${top_srcdir:?}" "${KILN:?}"
fixtures="$top_srcdir/tests/fixtures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check () {   # check DESCRIPTION COMMAND...
  d=$1; shift
  if "$@"; then echo "ok   $d"; else echo "FAIL $d"; fail=1; fi
}

"$KILN" validate --help > "$tmp/help" 2>&1
check "--help exits 0" test $? -eq 0
check "--help lists --kind and --json" grep -q -- "--kind" "$tmp/help"
check "--help lists --json" grep -q -- "--json" "$tmp/help"

"$KILN" validate > /dev/null 2>&1
check "no FILE: exit 2" test $? -eq 2
"$KILN" validate --kind bogus "$fixtures/good/loops.yaml" > "$tmp/out" 2>&1
check "--kind bogus: exit 2" test $? -eq 2
check "--kind bogus: says what it expected" grep -q "expected --kind component, recipe or pipeline" "$tmp/out"
"$KILN" validate --frobnicate x > /dev/null 2>&1
check "unknown option: exit 2" test $? -eq 2

"$KILN" validate "$fixtures/good/loops.yaml" "$fixtures/good/conditions.yaml" > "$tmp/out" 2>&1
check "two valid files: exit 0" test $? -eq 0
"$KILN" validate --kind component "$fixtures/good/loops.yaml" > /dev/null 2>&1
check "--kind component on a component: exit 0" test $? -eq 0

"$KILN" validate "$tmp/does-not-exist.yaml" > "$tmp/out" 2>&1
check "missing file: exit 2" test $? -eq 2
check "missing file: says it cannot read it" grep -q "does-not-exist.yaml: error: cannot read the file" "$tmp/out"

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
"$KILN" validate "$tmp/many.yaml" "$fixtures/good/loops.yaml" > "$tmp/out" 2> "$tmp/err"
check "one bad file among good ones: exit 2" test $? -eq 2
grep -c ': error: ' "$tmp/err" > "$tmp/count"
check "every error reported (5)" test "$(cat "$tmp/count")" -eq 5
cut -d: -f2 "$tmp/err" > "$tmp/lines"
sort -n -c "$tmp/lines" 2>/dev/null
check "errors sorted by line" test $? -eq 0
check "the valid file is reported valid" grep -q "loops.yaml: valid component" "$tmp/out"
check "error format FILE:LINE:COL: error:" grep -q "^$tmp/many.yaml:8:25: error: expected -1 (no limit) or 1 or more seconds" "$tmp/err"

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
"$KILN" validate "$tmp/warn.yaml" > "$tmp/out" 2>&1
check "warnings only: exit 0" test $? -eq 0
check "warning printed" grep -q "warn.yaml:8:28: warning: " "$tmp/out"

# --json: one document with every file.
"$KILN" validate --json "$tmp/many.yaml" "$fixtures/good/loops.yaml" > "$tmp/json" 2> "$tmp/err"
check "--json with a bad file: exit 2" test $? -eq 2
check "--json prints nothing on stderr" test ! -s "$tmp/err"
if command -v python3 > /dev/null 2>&1; then
  python3 - "$tmp/json" "$tmp/many.yaml" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
files = d["files"]
assert len(files) == 2, files
bad, good = files
assert bad["file"] == sys.argv[2] and bad["kind"] == "component"
assert bad["valid"] is False and len(bad["diagnostics"]) == 5
e = bad["diagnostics"][0]
assert e["line"] == 8 and e["column"] == 25 and e["severity"] == "error", e
assert good["valid"] is True and good["diagnostics"] == []
assert d["valid"] is False
PY
  check "--json document has files, verdicts and diagnostics" test $? -eq 0
else
  check "--json mentions the verdicts" grep -q '"valid" : false' "$tmp/json"
fi

# Nothing on disk changes: validation writes nothing, not even next to the
# documents or in the working directory.
mkdir "$tmp/ro"
cp "$fixtures/good/transfers.yaml" "$tmp/many.yaml" "$tmp/ro/"
( cd "$tmp/ro" && ls -lA --time-style=full-iso > ../before && \
  "$KILN" validate transfers.yaml many.yaml > /dev/null 2>&1; \
  ls -lA --time-style=full-iso > ../after )
check "nothing on disk changes" cmp -s "$tmp/before" "$tmp/after"

exit $fail
