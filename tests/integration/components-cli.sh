#!/usr/bin/env bash
# components-cli.sh - `kiln components list|show` over the built-in library
. "$(dirname "$0")/lib/functions.sh"

out=$TEST_TMP/out

expect_exit 0 --out "$out" "$KILN" components --help
expect_grep "components show NAME" "$out"
ok "--help: exit 0, names both subcommands"

expect_exit 0 --out "$out" "$KILN" components list
expect_grep -E "^update-os +build,validate(,test)? +Update all packages" "$out"
expect_grep -E "^command-succeeds +test " "$out"
ok "list shows update-os with its phases, and command-succeeds"

expect_exit 0 --out "$out" "$KILN" components list --json
expect_grep '"name" : "update-os"' "$out"
ok "list --json names update-os"

expect_exit 0 --out "$out" "$KILN" components show update-os
expect_grep "DetectPackageManager (ExecuteBash)" "$out"
expect_grep "^Phase validate:" "$out"
ok "show lists the build steps and the validate phase"

expect_exit 0 --out "$out" "$KILN" components show command-succeeds
expect_grep "command (required)" "$out"
ok "show command-succeeds: the required parameter"
expect_exit 0 --out "$out" "$KILN" components show command-succeeds --json
expect_grep '"action" : "ExecuteBash"' "$out"
ok "show --json: the step"

expect_exit 2 --out "$out" "$KILN" components show update-oss
expect_grep "did you mean 'update-os'" "$out"
ok "show unknown: exit 2, suggests"
expect_exit 2 "$KILN" components frob
ok "unknown subcommand: exit 2"
expect_exit 2 "$KILN" components show
ok "show without NAME: exit 2"

# KILN_DATADIR points kiln at another library.
mkdir -p "$TEST_TMP/data/components"
cp "$top_srcdir/tests/fixtures/good/loops.yaml" "$TEST_TMP/data/components/my-loops.yaml"
KILN_DATADIR="$TEST_TMP/data" expect_exit 0 --out "$out" "$KILN" components list
expect_grep -E "^my-loops +build " "$out"
ok "a KILN_DATADIR library is listed"

expect_exit 0 "$KILN" validate "$top_srcdir"/components/*.yaml
ok "every built-in component validates"
