#!/usr/bin/env bash
# Builds that must fail, and fail cleanly: a failing step, a hanging step, a
# guest that never boots (stopped by the recipe's build.timeout), a failing
# test step.  Each: exit 1 naming what
# failed, no qemu process left, no temp files left, the parent unchanged,
# nothing written to the output directory.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")

# expect_failed_build NAME PARENT [BUILD-TIMEOUT [OFFLINE]] < COMPONENT-YAML:
# writes the recipe, runs kiln build (output in $TEST_TMP/NAME.out), which
# must exit 1 having written nothing and changed nothing.  BUILD-TIMEOUT is
# the recipe's build.timeout (kiln's default when empty); OFFLINE "offline"
# runs the component's build phase offline (no build boot).
expect_failed_build () {
  local name=$1 parent=$2 timeout=${3:-} offline=${4:-}
  mkdir -p "$TEST_TMP/$name"
  cat > "$TEST_TMP/$name/c.yaml"
  cat > "$TEST_TMP/$name/recipe.yaml" <<YAML
name: fail-$name
version: 1.0.0
parent: $parent
components:
  - component: ./c.yaml
${offline:+    offline: true}
build:
  memory: 512M
${timeout:+  timeout: $timeout}
outputs:
  formats: [qcow2]
  directory: $TEST_TMP/$name/out
YAML
  expect_exit 1 --out "$TEST_TMP/$name.out" "$KILN" build --force "$TEST_TMP/$name/recipe.yaml" < /dev/null
  [ ! -e "$TEST_TMP/$name/out" ] || [ -z "$(ls -A "$TEST_TMP/$name/out")" ] \
    || fail "$name: something was written to the output directory: $(ls "$TEST_TMP/$name/out")"
  [ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "$name: the parent image changed"
  expect_no_leftovers
}

# 1. a failing step: named, with its output
expect_failed_build failing "$tiny" <<'YAML'
name: failing
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Fine
        action: ExecuteBash
        inputs:
          commands: [echo fine]
      - name: Breaks
        action: ExecuteBash
        inputs:
          commands:
            - echo "about to fail with a clear message"
            - exit 3
      - name: NeverRuns
        action: ExecuteBash
        inputs:
          commands: [touch /never]
YAML
grep -q "step 'Breaks'" "$TEST_TMP/failing.out" || fail "failing: the step is not named"
grep -q "about to fail with a clear message" "$TEST_TMP/failing.out" || fail "failing: the step's output is not shown"
grep -q "NeverRuns" "$TEST_TMP/failing.out" && fail "failing: a step after the failure ran"
ok "a failing step fails the build and is named"

# 2. a hanging step is stopped at its timeoutSeconds
expect_failed_build hanging "$tiny" <<'YAML'
name: hanging
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Hangs
        action: ExecuteBash
        timeoutSeconds: 5
        inputs:
          commands: [sleep 3600]
YAML
grep -q "step 'Hangs'" "$TEST_TMP/hanging.out" || fail "hanging: the step is not named"
grep -qi "timed out\|timeout" "$TEST_TMP/hanging.out" || fail "hanging: no timeout reported"
ok "a hanging step is stopped at its timeoutSeconds"

# 3. a guest that never boots: the boot code in the MBR is zeroed in an
#    overlay of the tiny image
broken="$TEST_TMP/broken.qcow2"
qemu-img create -q -f qcow2 -b "$tiny" -F qcow2 "$broken" || fail "overlay"
qemu-io -f qcow2 -c 'write -z 0 440' "$broken" >/dev/null || fail "qemu-io"
broken_sum=$(sha256 "$broken")
# (the shortest build.timeout a recipe may give; the tiny image boots in
# about 10 s, 20 s under load)
expect_failed_build noboot "$broken" 60s <<'YAML'
name: noboot
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Unreachable
        action: ExecuteBash
        inputs:
          commands: [echo unreachable]
YAML
[ "$(sha256 "$broken")" = "$broken_sum" ] || fail "noboot: the parent overlay changed"
grep -qi "did not start the kiln agent\|timeout" "$TEST_TMP/noboot.out" || fail "noboot: no boot failure reported"
ok "a guest that never boots fails at the recipe's build timeout"

# 4. a failing test step: nothing is distributed (the build phase offline:
#    the test boot is what this is about)
expect_failed_build testfail "$tiny" "" offline <<'YAML'
name: testfail
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Write
        action: CreateFile
        inputs:
          - path: /etc/kiln-testfail
            content: built
  - name: test
    steps:
      - name: ExpectsOther
        action: ExecuteBash
        inputs:
          commands:
            - grep -q other /etc/kiln-testfail
YAML
grep -q "step 'ExpectsOther'" "$TEST_TMP/testfail.out" || fail "testfail: the test step is not named"
grep -q "test boot" "$TEST_TMP/testfail.out" || fail "testfail: the stage is not named"
ok "a failing test step fails the build before anything is distributed"
