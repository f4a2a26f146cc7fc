#!/usr/bin/env bash
# The built-in component library: every document validates, documents its
# parameters, has a test phase; the example and fixture recipes that use
# them validate.
. "$(dirname "$0")/lib/functions.sh"

lib="$top_srcdir/components"
expected="command-succeeds configure-cloud-init create-user enable-service
file-contains harden-ssh http-ok install-packages package-installed
port-listening reboot-check service-running set-locale set-timezone update-os"

for name in $expected; do
  [ -f "$lib/$name.yaml" ] || fail "components/$name.yaml is missing"
done
n=$(ls "$lib"/*.yaml | wc -l)
[ "$n" -eq 15 ] || fail "expected 15 built-in components, found $n"

out=$("$KILN" validate "$lib"/*.yaml 2>&1) || fail "kiln validate failed: $out"
[ "$(grep -c ': valid component$' <<<"$out")" -eq 15 ] || fail "not all valid: $out"
grep -q 'warning' <<<"$out" && fail "warnings in the library: $out"
ok "kiln validate: 15 built-in components, no warnings"

list=$("$KILN" components list) || fail "components list"
for name in $expected; do
  grep -q "^$name " <<<"$list" || fail "components list lacks $name"
  show=$("$KILN" components show "$name") || fail "components show $name"
  # every parameter is described: "  name = 'default'  - description"
  bad=$(awk '/^Parameters:/{p=1;next} /^$/{p=0} p' <<<"$show" | grep -v -e ' - ' -e '(none)' || true)
  [ -z "$bad" ] || fail "components show $name: parameter without a description: $bad"
  grep -q '^Phase test:' <<<"$show" || fail "$name has no test phase"
done
ok "components show: each has described parameters and a test phase"

# the build components change something in build and check it in test
for name in configure-cloud-init create-user enable-service harden-ssh \
            install-packages reboot-check set-locale set-timezone update-os; do
  "$KILN" components show "$name" | grep -q '^Phase build:' || fail "$name has no build phase"
done
ok "build components have build phases"

# recipes using them: the golden-web example and the component test drafts
recipes="$top_srcdir/examples/golden-web/recipe.yaml
$top_srcdir/tests/fixtures/recipes/components-debian.yaml
$top_srcdir/tests/fixtures/recipes/components-tiny.yaml"
for r in $recipes; do
  out=$("$KILN" validate "$r" 2>&1); rc=$?
  [ "$rc" -eq 0 ] || fail "kiln validate $r: exit $rc: $out"
  ok "recipe validates: ${r#$top_srcdir/}"
done

# every built-in component is used by at least one test recipe
for name in $expected; do
  grep -qE "(^[[:space:]]*- |component: )$name([[:space:]]|\$)" $recipes \
    || fail "no test recipe uses $name"
done
ok "each built-in component is exercised by a recipe"
