#!/bin/sh
# components-cli.sh - `kiln components list|show` over the built-in library
: "${top_srcdir:?}" "${KILN:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check () {
  d=$1; shift
  if "$@"; then echo "ok   $d"; else echo "FAIL $d"; fail=1; fi
}

"$KILN" components --help > "$tmp/out" 2>&1
check "--help: exit 0" test $? -eq 0
check "--help names both subcommands" grep -q "components show NAME" "$tmp/out"

"$KILN" components list > "$tmp/out" 2>&1
check "list: exit 0" test $? -eq 0
check "list shows update-os with its phases" grep -Eq "^update-os +build,validate(,test)? +Update all packages" "$tmp/out"
check "list shows command-succeeds" grep -Eq "^command-succeeds +test " "$tmp/out"

"$KILN" components list --json > "$tmp/out" 2>&1
check "list --json: exit 0" test $? -eq 0
check "list --json names update-os" grep -q '"name" : "update-os"' "$tmp/out"

"$KILN" components show update-os > "$tmp/out" 2>&1
check "show: exit 0" test $? -eq 0
check "show lists the build steps" grep -q "DetectPackageManager (ExecuteBash)" "$tmp/out"
check "show lists the validate phase" grep -q "^Phase validate:" "$tmp/out"

"$KILN" components show command-succeeds > "$tmp/out" 2>&1
check "show command-succeeds: the required parameter" grep -q "command (required)" "$tmp/out"
"$KILN" components show command-succeeds --json > "$tmp/out" 2>&1
check "show --json: the step" grep -q '"action" : "ExecuteBash"' "$tmp/out"

"$KILN" components show update-oss > "$tmp/out" 2>&1
check "show unknown: exit 2" test $? -eq 2
check "show unknown: suggests" grep -q "did you mean 'update-os'" "$tmp/out"
"$KILN" components frob > /dev/null 2>&1
check "unknown subcommand: exit 2" test $? -eq 2
"$KILN" components show > /dev/null 2>&1
check "show without NAME: exit 2" test $? -eq 2

# KILN_DATADIR points kiln at another library.
mkdir -p "$tmp/data/components"
cp "$top_srcdir/tests/fixtures/good/loops.yaml" "$tmp/data/components/my-loops.yaml"
KILN_DATADIR="$tmp/data" "$KILN" components list > "$tmp/out" 2>&1
check "KILN_DATADIR library is listed" grep -Eq "^my-loops +build " "$tmp/out"

# Every built-in component is valid.
"$KILN" validate "$top_srcdir"/components/*.yaml > "$tmp/out" 2>&1
check "every built-in component validates" test $? -eq 0

exit $fail
