#!/usr/bin/env bash
# Builds that must fail, and fail cleanly: a failing step, a hanging step, a
# guest that never boots, a failing test step.  Each: exit 1 naming what
# failed, no qemu process left, no temp files left, the parent unchanged,
# nothing written to the output directory.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")

# build NAME PARENT TIMEOUT COMPONENT-YAML: writes the recipe, runs kiln,
# leaves the exit status in $status and the output in $TEST_TMP/NAME.out
build() {
  local name=$1 parent=$2 timeout=$3
  mkdir -p "$TEST_TMP/$name"
  cat > "$TEST_TMP/$name/c.yaml"
  cat > "$TEST_TMP/$name/recipe.yaml" <<YAML
name: fail-$name
version: 1.0.0
parent: $parent
components:
  - ./c.yaml
build:
  memory: 512M
  timeout: $timeout
outputs:
  formats: [qcow2]
  directory: $TEST_TMP/$name/out
YAML
  local t0=$(date +%s)
  "$KILN" build --force "$TEST_TMP/$name/recipe.yaml" </dev/null > "$TEST_TMP/$name.out" 2>&1
  status=$?
  elapsed=$(( $(date +%s) - t0 ))
  echo "--- $name: exit $status after ${elapsed}s"
  cat "$TEST_TMP/$name.out"
}

check_clean() {
  local name=$1
  [ $status -eq 1 ] || fail "$name: expected exit 1, got $status"
  [ ! -e "$TEST_TMP/$name/out" ] || [ -z "$(ls -A "$TEST_TMP/$name/out")" ] \
    || fail "$name: something was written to the output directory: $(ls "$TEST_TMP/$name/out")"
  [ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "$name: the parent image changed"
  assert_no_leftovers
}

# 1. a failing step: named, with its output
build failing "$tiny" 15m <<'YAML'
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
check_clean failing
grep -q "step 'Breaks'" "$TEST_TMP/failing.out" || fail "failing: the step is not named"
grep -q "about to fail with a clear message" "$TEST_TMP/failing.out" || fail "failing: the step's output is not shown"
grep -q "NeverRuns" "$TEST_TMP/failing.out" && fail "failing: a step after the failure ran"
ok "a failing step fails the build and is named"

# 2. a hanging step is stopped at its timeoutSeconds
build hanging "$tiny" 15m <<'YAML'
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
check_clean hanging
grep -q "step 'Hangs'" "$TEST_TMP/hanging.out" || fail "hanging: the step is not named"
grep -qi "timed out\|timeout" "$TEST_TMP/hanging.out" || fail "hanging: no timeout reported"
[ "$elapsed" -lt 600 ] || fail "hanging: took ${elapsed}s"
ok "a hanging step is stopped at its timeoutSeconds"

# 3. a guest that never boots: the boot code in the MBR is zeroed in an
#    overlay of the tiny image
broken="$TEST_TMP/broken.qcow2"
qemu-img create -q -f qcow2 -b "$tiny" -F qcow2 "$broken" || fail "overlay"
qemu-io -f qcow2 -c 'write -z 0 440' "$broken" >/dev/null || fail "qemu-io"
broken_sum=$(sha256 "$broken")
build noboot "$broken" 90s <<'YAML'
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
check_clean noboot
[ "$(sha256 "$broken")" = "$broken_sum" ] || fail "noboot: the parent overlay changed"
[ "$elapsed" -lt 300 ] || fail "noboot: did not fail within the stage timeout (${elapsed}s)"
grep -qi "did not start the kiln agent\|timeout" "$TEST_TMP/noboot.out" || fail "noboot: no boot failure reported"
ok "a guest that never boots fails within the stage timeout"

# 4. a failing test step: nothing is distributed
build testfail "$tiny" 15m <<'YAML'
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
check_clean testfail
grep -q "step 'ExpectsOther'" "$TEST_TMP/testfail.out" || fail "testfail: the test step is not named"
grep -q "test boot" "$TEST_TMP/testfail.out" || fail "testfail: the stage is not named"
ok "a failing test step fails the build before anything is distributed"
