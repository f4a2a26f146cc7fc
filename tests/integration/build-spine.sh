#!/usr/bin/env bash
# The build spine end to end on the tiny image: inject, build boot (with an
# exit-194 rerun and a Reboot that resumes), generalize, test boot, output.
# The output is then read back with guestfish by this test.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")

cp "$top_srcdir/tests/fixtures/spine/spine-hello.yaml" "$TEST_TMP/"
cat > "$TEST_TMP/recipe.yaml" <<YAML
name: spine-test
version: 1.0.0
description: build spine integration test
parent: $tiny
components:
  - component: ./spine-hello.yaml
    parameters:
      Greeting: { value: howdy, secret: true }
build:
  memory: 512M
  vcpus: 2
outputs:
  name: spine-out
  formats: [qcow2]
  directory: $TEST_TMP/out
YAML

start=$(date +%s)
expect_exit 0 --out "$TEST_TMP/build.out" "$KILN" build --force "$TEST_TMP/recipe.yaml" </dev/null
note "build took $(( $(date +%s) - start )) s"

out="$TEST_TMP/out/spine-out/spine-out.qcow2"
(cd "$TEST_TMP/out/spine-out" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not check"
jq -e ".artifacts[0].sha256" "$TEST_TMP/out/spine-out/manifest.json" >/dev/null || fail "manifest.json has no artifact digest"
# Greeting is marked secret in the recipe: the guest gets it (checked below),
# the manifest and the other files beside the image never show it.
[ "$(jq -r '.components[0].parameters.Greeting' "$TEST_TMP/out/spine-out/manifest.json")" = "<redacted>" ] ||
  fail "the secret parameter is not redacted in manifest.json: $(jq -c '.components[0]' "$TEST_TMP/out/spine-out/manifest.json")"
! grep -rl --exclude='*.qcow2' howdy "$TEST_TMP/out/spine-out" || fail "the secret value is in the files above"
[ -f "$out" ] || fail "no output image $out"
qemu-img check -q "$out" || fail "qemu-img check failed on the output"
backing=$(qemu-img info --output=json "$out" | jq -r '."backing-filename" // empty')
[ -z "$backing" ] || fail "the output still has a backing file: $backing"

# Read the result back, independently of kiln.
test_guestfish --ro -a "$out" -i <<'GF' > "$TEST_TMP/facts" 2>&1 || { cat "$TEST_TMP/facts"; fail "guestfish could not read the output"; }
echo greeting=
cat /etc/kiln-test/greeting.txt
echo
echo mode=
stat /etc/kiln-test/greeting.txt | grep '^mode:'
echo chained=
cat /etc/kiln-test/chained.txt
echo loop=
cat /etc/kiln-test/loop.txt
echo exit194=
cat /etc/kiln-test/exit194.txt
echo reboot=
cat /etc/kiln-test/reboot.txt
echo agent=
is-file /usr/local/libexec/kiln/kiln-agent
is-dir /var/lib/kiln-agent
echo rclocal=
-grep kiln-agent /etc/rc.local
echo machine-id-size=
filesize /etc/machine-id
echo hostkeys=
ls /etc/ssh
echo end
GF
cat "$TEST_TMP/facts"
facts=$(cat "$TEST_TMP/facts")
for line in "howdy from kiln" computed-howdy 0:apple 1:pear first resumed before after; do
  expect_line "$TEST_TMP/facts" "$line"
done
# mode 0640 on a regular file = 0100640 = 33184
grep -q '^mode: 33184$' <<<"$facts" || fail "greeting.txt mode is not 0640"
[ "$(grep -c '^after$' <<<"$facts")" -eq 1 ] || fail "the step after the Reboot ran more than once"
[ "$(grep -c '^before$' <<<"$facts")" -eq 1 ] || fail "the step before the Reboot ran again after it"
sed -n '/^agent=$/,/^rclocal=$/p' <<<"$facts" | grep -qx true && fail "the agent or its state is still in the image"
sed -n '/^rclocal=$/,/^machine-id-size=$/p' <<<"$facts" | grep -q 'kiln-agent' && fail "rc.local still starts the agent"
sed -n '/^machine-id-size=$/{n;p}' <<<"$facts" | grep -qx 0 || fail "machine-id is not empty"
sed -n '/^hostkeys=$/,/^end$/p' <<<"$facts" | grep -q ssh_host && fail "SSH host keys are still in the image"

grep -q 'test-phase-ran\|GreetingSurvives' "$KILN_HOME"/logs/spine-test/1.0.0/*.log || fail "the build log does not show the test phase"
[ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "the parent image changed"
expect_no_leftovers

# The same recipe again: the build key matches, nothing is rebuilt.
"$KILN" build "$TEST_TMP/recipe.yaml" </dev/null > "$TEST_TMP/again.out" 2>&1 || { cat "$TEST_TMP/again.out"; fail "the second build failed"; }
cat "$TEST_TMP/again.out"
grep -q "up to date" "$TEST_TMP/again.out" || fail "an identical build was not recognised"
expect_no_leftovers

# kiln images / kiln logs on the build just made (the newest spine-test).
"$KILN" images show spine-test --json > "$TEST_TMP/show.json" || fail "kiln images show failed"
build=$(jq -r .build "$TEST_TMP/show.json")
store=$(jq -r .image "$TEST_TMP/show.json")
[ "$(jq -r .state "$TEST_TMP/show.json")" = available ] || fail "kiln images show: state $(jq -r .state "$TEST_TMP/show.json")"
[ -f "$store" ] || fail "kiln images show: no image at $store"
jq -e --arg p "$out" 'any(.artifacts[]; .path == $p and .present)' "$TEST_TMP/show.json" >/dev/null ||
  fail "kiln images show does not list $out"
"$KILN" images list | grep -q "^$build  *available " || fail "kiln images list does not show $build"
"$KILN" logs "$build" > "$TEST_TMP/build.log" || fail "kiln logs $build failed"
grep -q 'WriteGreeting' "$TEST_TMP/build.log" || fail "kiln logs: no WriteGreeting step in the log"
# the up-to-date run gave its build number back, with its log
[ "$(grep -c 'up to date' "$TEST_TMP/build.log")" = 0 ] || fail "kiln logs: the log has another run's lines"
"$KILN" logs spine-test/9.9.9 2> "$TEST_TMP/nolog.err"; rc=$?
[ $rc = 2 ] && grep -q "the newest build of spine-test is $build" "$TEST_TMP/nolog.err" ||
  fail "kiln logs of a missing build: exit $rc, $(cat "$TEST_TMP/nolog.err")"
"$KILN" images prune spine-test --keep 0 --dry-run > "$TEST_TMP/prune.out" || fail "kiln images prune --dry-run failed"
grep -q "^$build: would be removed from the image store" "$TEST_TMP/prune.out" && [ -f "$store" ] ||
  fail "kiln images prune --dry-run: $(cat "$TEST_TMP/prune.out")"
"$KILN" images rm "$build" || fail "kiln images rm $build failed"
[ ! -e "$store" ] || fail "kiln images rm left $store"
[ -f "$out" ] || fail "kiln images rm touched the output directory"
"$KILN" images list | grep -q "^$build " && fail "kiln images list still shows $build"
[ "$("$KILN" images show "$build" --json | jq -r .state)" = deleted ] || fail "$build is not marked deleted"
"$KILN" logs "$build" > /dev/null || fail "kiln logs after rm failed"
# prune --keep 0: no spine-test build stays in the store (in a home shared
# by runs, KILN_TEST_HOME, older ones from earlier runs go too)
"$KILN" images prune spine-test --keep 0 || fail "kiln images prune failed"
"$KILN" images list spine-test | grep -q ' available ' && fail "kiln images prune left a build"
ls "$KILN_HOME/images/spine-test/1.0.0" 2>/dev/null | grep -q . && fail "kiln images prune left files in the store"
ok "build spine: output has exactly the component's changes, generalized"
