#!/usr/bin/env bash
# kill -9 of kiln in each stage that kill-during-boot.sh (build boot),
# kill-offline.sh (offline build), prepare-stage.sh (prepare) and
# connect-daemon.sh (resolve) do not cover: inject, generalize, test
# inject, test boot, distribute (item 10 of the trust issue).  After each,
# the next kiln marks the build failed naming the stage, no QEMU and no
# work directory of it remains, no temp file in $TMPDIR, nothing in the
# output directory (a kill in distribute leaves a hidden temporary
# directory there, which the next kiln removes), and the parent is
# unchanged.  The parent carries 384 MiB of data past the tiny image's
# filesystem, so distribute (flatten, convert to raw and vmdk, checksums)
# takes long enough to be killed in.  ~4 min: five builds, each killed
# further along.
. "$(dirname "$0")/../integration/lib/functions.sh"
. "$top_srcdir/tests/integration/lib/tiny-image.sh"
requires qemu-io
[ -n "${KILN_SLOW_TESTS:-}" ] || skip "kill -9 in five stages (five builds, ~4 min) is a slow test: run with KILN_SLOW_TESTS=1"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
tiny_sum=$(sha256 "$tiny")
parent=$TEST_TMP/parent.qcow2
qemu-img convert -O qcow2 "$tiny" "$parent" || fail "cannot copy the tiny image"
qemu-img resize -q "$parent" 768M || fail "cannot grow the parent"
qemu-io -c "write -q -P 0x5a 300M 384M" "$parent" > /dev/null \
  || fail "cannot write the parent's extra data"
parent_sum=$(sha256 "$parent")
name=rel-killed-stages

cat > "$TEST_TMP/c.yaml" <<'YAML'
name: killed-stages
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Work
        action: ExecuteBash
        inputs:
          commands: ["echo built > /etc/kiln-killed-stages"]
  - name: test
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands: ["grep -q built /etc/kiln-killed-stages"]
YAML
# booted.yaml: the inject stage comes before a build boot; offline.yaml:
# the build step runs in the appliance (no inject, no build boot), the
# quicker way to the later stages
for mode in booted offline; do
  cat > "$TEST_TMP/$mode.yaml" <<YAML
name: $name
version: 1.0.0
parent: $parent
components:
  - component: ./c.yaml
    offline: $([ $mode = offline ] && echo true || echo false)
build:
  memory: 512M
outputs:
  formats: [raw, vmdk]
  directory: $TEST_TMP/out
YAML
done

# this test's QEMU processes: the appliances and domains work on disks in
# the build's work directory
qemus () { pgrep -fc "qemu-system.*$KILN_HOME/work/$name-" 2> /dev/null || true; }
no_qemu () { [ "$(qemus)" -eq 0 ]; }

# distribute's temporary directory in the output directory
distributing () { compgen -G "$TEST_TMP/out/*/.kiln-distribute.*" > /dev/null; }

# kill_in RECIPE STAGE DELAY: starts the build, kill -9 DELAY seconds after
# kiln prints "stage: STAGE" (for distribute: as soon as it writes in the
# output directory), then checks what the next kiln recovers
kill_in () {
  local recipe=$1 stage=$2 delay=$3 out=$TEST_TMP/killed-${2// /-}.out ref
  start_build_until "$out" "$stage" "$TEST_TMP/$recipe.yaml"
  [ "$stage" != distribute ] || wait_for --while "$build_pid" "distribute to write" distributing
  sleep "$delay"
  kill -0 "$build_pid" 2> /dev/null || { _show "$out" "kiln build"; fail "$stage: the build ended before it was killed"; }
  kill -KILL "$build_pid"
  wait "$build_pid" 2> /dev/null
  expect_eq "$stage: kiln was killed" 137 "$?"
  ref=$(build_ref "$out")
  [ -n "$ref" ] || { _show "$out"; fail "$stage: kiln did not name its build"; }

  # the next kiln, whatever it is asked, recovers first
  expect_exit 0 --out "$TEST_TMP/show.out" "$KILN" images show "$ref"
  expect_grep -F "$ref marked failed: kiln was killed during $stage" "$TEST_TMP/show.out"
  expect_grep -E "^state +failed$" "$TEST_TMP/show.out"
  wait_for "$stage: no QEMU left" no_qemu
  expect_eq "$stage: no work directory left" "" \
    "$(compgen -G "$KILN_HOME/work/$name-*" || true)"
  expect_eq "$stage: no temp file left in \$TMPDIR" "" "$(ls -A "$TMPDIR")"
  expect_eq "$stage: nothing in the output directory" "" \
    "$(ls -A "$TEST_TMP/out" 2> /dev/null)"
  expect_eq "$stage: the parent is unchanged" "$parent_sum" "$(sha256 "$parent")"
  ok "kill -9 during $stage: the next kiln recovered it"
}

# appliance stages: killed while the appliance launches or works
kill_in booted inject 3
kill_in offline generalize 3
kill_in offline "test inject" 3
kill_in offline "test boot" 2
kill_in offline distribute 0
expect_grep -E "removed $TEST_TMP/out/.*/\.kiln-distribute\.[0-9]+\..*, left by a kiln that was killed" "$TEST_TMP/show.out"
ok "the temporary directory distribute left in the output directory was removed"
expect_eq "the tiny image is unchanged" "$tiny_sum" "$(sha256 "$tiny")"
expect_no_leftovers
