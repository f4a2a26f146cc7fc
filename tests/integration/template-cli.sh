#!/usr/bin/env bash
# kiln template list/build: arguments, template errors, the store - without
# building (the build itself is template-debian12.sh).
. "$(dirname "$0")/lib/functions.sh"
requires jq
# an empty home of its own: nothing is built here
export KILN_HOME="$TEST_TMP/home"

out=$("$KILN" template list) || fail "template list exited $?"
grep -q '^debian-12 .*bookworm .*bios' <<<"$out" || fail "list lacks debian-12: $out"
grep -q '^debian-12-uefi .*uefi' <<<"$out" || fail "list lacks debian-12-uefi: $out"
ok "template list"

json=$("$KILN" template list --json) || fail "template list --json exited $?"
jq -s -e '.[] | select(.name == "debian-12") | (.digest | test("^[0-9a-f]{64}$"))' <<<"$json" >/dev/null \
  || fail "--json has no debian-12 digest: $json"
jq -s -e '.[] | select(.name == "debian-12") | .built == null' <<<"$json" >/dev/null \
  || fail "an empty KILN_HOME reports debian-12 as built"
ok "template list --json"

# bad input: exit 2, FILE:LINE:COL, nothing built
cat > "$TEST_TMP/bad.yaml" <<'T'
name: bad
distribution: debain
suite: bookworm
packages: [openssh-server]
disk: {size: 10Q}
T
err=$("$KILN" template build "$TEST_TMP/bad.yaml" 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "bad template: exit $rc, expected 2: $err"
grep -q "bad.yaml:2:15: error: .*did you mean 'debian'" <<<"$err" || fail "no position for distribution: $err"
grep -q "bad.yaml:5:14: error: expected a size" <<<"$err" || fail "no position for size: $err"
grep -q "bad.yaml:4:11: error: expected a kernel package" <<<"$err" || fail "no kernel error: $err"
[ ! -e "$KILN_HOME/templates/bad" ] || fail "a bad template created $KILN_HOME/templates/bad"
ok "invalid template: exit 2 with FILE:LINE:COL"

err=$("$KILN" template build no-such-template 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q "no template named 'no-such-template'.*debian-12" <<<"$err" \
  || fail "unknown template: exit $rc: $err"
err=$("$KILN" template build debian-12 --mirror 'ftp://x y' 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q -- "--mirror: expected an http" <<<"$err" || fail "bad --mirror: exit $rc: $err"
err=$("$KILN" template frobnicate 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "unknown subcommand: exit $rc"
"$KILN" template --help | grep -q 'kiln template build' || fail "--help"
ok "unknown names, bad options: exit 2"

# the shipped templates are clean (no warnings either)
"$KILN" template list >/dev/null 2>"$TEST_TMP/warn" || fail "list failed"
[ ! -s "$TEST_TMP/warn" ] || fail "warnings for shipped templates: $(cat "$TEST_TMP/warn")"
ok "shipped templates load without warnings"
