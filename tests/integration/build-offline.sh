#!/usr/bin/env bash
# Offline components (issue 12, item 1) on the tiny image: a recipe whose
# only component says `offline: true` runs its build and validate steps in
# the libguestfs appliance, with no build boot, and generalizes in the same
# launch; the test phase still runs on a boot of the result.  Steps that need
# a running system are refused at validation (exit 2, at the step) or, when
# only the run shows it, stop the build saying why.  The result is read back
# with guestfish.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")
cp "$top_srcdir"/tests/fixtures/offline/*.yaml "$TEST_TMP/"

# write_recipe FILE COMPONENT: an offline recipe on the tiny image
write_recipe() {
  cat > "$1" <<YAML
name: offline-test
version: 1.0.0
description: offline build integration test
parent: $tiny
components:
  - component: ./$2
    offline: true
build:
  memory: 512M
outputs:
  name: offline-out
  formats: [qcow2]
  directory: $TEST_TMP/out
YAML
}

# 1. Refused at validation: a Reboot and a literal exit 194, each at its step.
write_recipe "$TEST_TMP/reboot.yaml" offline-reboot.yaml
expect_exit 2 --out "$TEST_TMP/reboot.out" "$KILN" build "$TEST_TMP/reboot.yaml" </dev/null
expect_grep "offline-reboot.yaml:13:15: error: step 'Again' (build phase): expected a command that runs offline, found 'exit 194'" "$TEST_TMP/reboot.out"
expect_grep "offline-reboot.yaml:15:17: error: step 'Restart' (build phase): expected an action that runs offline, found Reboot" "$TEST_TMP/reboot.out"
expect_grep "marked offline at $TEST_TMP/reboot.yaml:7:14" "$TEST_TMP/reboot.out"
expect_no_file "$TEST_TMP/out"
ok "Reboot and exit 194 in an offline component are refused at their steps"

# 2. The offline build: no inject stage and no build boot; one appliance
# launch runs the steps and generalizes; the test boot runs the test phase.
write_recipe "$TEST_TMP/recipe.yaml" offline-work.yaml
expect_exit 0 --out "$TEST_TMP/build.out" "$KILN" build --force "$TEST_TMP/recipe.yaml" </dev/null
expect_grep "stage: offline build" "$TEST_TMP/build.out"
expect_no_grep "stage: build boot" "$TEST_TMP/build.out"
expect_no_grep "stage: inject$" "$TEST_TMP/build.out"
for step in build/WriteFile build/Where build/Record validate/FilesThere test/SurvivedOnBoot; do
  expect_grep "step: offline-work/$step: success" "$TEST_TMP/build.out"
done
log=$("$KILN" logs offline-test --path)
launches=$(grep -c "libguestfs appliance up in" "$log")
expect_eq "libguestfs launches (offline build and generalize in one, test inject)" 2 "$launches"
# the tiny image has no cloud-init to fetch the agent from the seed
expect_grep -F "the agent and the test plan go in with an appliance launch: the image has no cloud-init" "$TEST_TMP/build.out"
ok "an all-offline recipe has no build boot and one launch before the test boot"

out="$TEST_TMP/out/offline-out/offline-out.qcow2"
expect_file "$out"
test_guestfish --ro -a "$out" -i <<'GF' > "$TEST_TMP/facts" 2>&1 || { cat "$TEST_TMP/facts"; fail "guestfish could not read the output"; }
echo hello=
cat /etc/kiln-offline/hello.txt
echo
echo where=
cat /etc/kiln-offline/where.txt
echo size=
cat /etc/kiln-offline/size.txt
echo agent=
exists /usr/local/libexec/kiln/kiln-agent
exists /var/lib/kiln-agent
GF
expect_grep "hello offline" "$TEST_TMP/facts"
expect_grep "^13$" "$TEST_TMP/facts"
# chained output from the step before, written by a command in the chroot
expect_grep "^pid1=" "$TEST_TMP/facts"
expect_eq "no agent and no agent state in the image" "false
false" "$(sed -n '/^agent=/,$p' "$TEST_TMP/facts" | tail -n 2)"
[ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "the parent image changed"
ok "the offline steps' files are in the image, the agent is not, the parent is unchanged"

# 3. A failing offline step stops the build, named, with no artifact.
rm -rf "$TEST_TMP/out"
write_recipe "$TEST_TMP/fails.yaml" offline-fails.yaml
expect_exit 1 --out "$TEST_TMP/fails.out" "$KILN" build "$TEST_TMP/fails.yaml" </dev/null
expect_grep "offline-fails/build/Breaks" "$TEST_TMP/fails.out"
expect_grep "about to fail" "$TEST_TMP/fails.out"
expect_no_file "$TEST_TMP/out/offline-out"
ok "a failing offline step fails the build at that step"

# 4. An exit 194 only the run shows: stopped, saying a reboot was asked for.
write_recipe "$TEST_TMP/late.yaml" offline-reboots-late.yaml
expect_exit 1 --out "$TEST_TMP/late.out" "$KILN" build "$TEST_TMP/late.yaml" </dev/null
expect_grep "a step asked for a reboot, which an offline component cannot do" "$TEST_TMP/late.out"
expect_no_file "$TEST_TMP/out/offline-out"
ok "a reboot asked for at run time stops the offline build"

# 5. SIGTERM while offline steps run: the appliance is killed at once (the
# step would sleep ten minutes), exit 143, nothing left running or behind.
write_recipe "$TEST_TMP/sleeps.yaml" offline-sleeps.yaml
"$KILN" build "$TEST_TMP/sleeps.yaml" > "$TEST_TMP/sleeps.out" 2>&1 </dev/null &
kiln_pid=$!
wait_for --while "$kiln_pid" "the offline steps to start" grep -q "running the build and validate steps offline" "$TEST_TMP/sleeps.out"
sleep 3
kill -TERM "$kiln_pid"
rc=0; wait "$kiln_pid" || rc=$?
expect_eq "exit status after SIGTERM" 143 "$rc"
expect_grep "interrupted by signal 15" "$TEST_TMP/sleeps.out"
expect_eq "appliances left running" 0 "$(pgrep -fc "qemu-system.*$KILN_HOME/work/" || true)"
expect_no_leftovers
ok "SIGTERM stops an offline build at once, leaving nothing running"
