#!/usr/bin/env bash
# kill -9 of kiln while an offline step runs in its libguestfs appliance
# (item 10 of the trust issue; the build boot's case is
# kill-during-boot.sh): the appliance does not outlive kiln (libguestfs's
# recovery process stops it), and the next kiln marks the build failed
# naming the stage, removes its work directory and temp files; the parent
# is unchanged.  ~40 s (one appliance launch).
. "$(dirname "$0")/../integration/lib/functions.sh"
. "$top_srcdir/tests/integration/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")
name=rel-killed-offline
cp "$top_srcdir/tests/fixtures/offline/offline-sleeps.yaml" "$TEST_TMP/c.yaml"
cat > "$TEST_TMP/recipe.yaml" <<YAML
name: $name
version: 1.0.0
parent: $tiny
components:
  - component: ./c.yaml
    offline: true
build:
  memory: 512M
outputs:
  formats: [qcow2]
  directory: $TEST_TMP/out
YAML

# the appliance works on the build's overlay in its work directory
appliances () { pgrep -fc "qemu-system.*$KILN_HOME/work/$name-" 2> /dev/null || true; }
appliance_running () { [ "$(appliances)" -gt 0 ]; }
step_running () { grep -q "running the build and validate steps offline" "$TEST_TMP/killed.out"; }

"$KILN" build --force "$TEST_TMP/recipe.yaml" < /dev/null > "$TEST_TMP/killed.out" 2>&1 &
kiln_pid=$!
cleanup_fn kill_if_running "$kiln_pid"
wait_for --while "$kiln_pid" "the offline steps to start" step_running
wait_for --while "$kiln_pid" "the appliance" appliance_running
work_dirs=$(compgen -G "$KILN_HOME/work/$name-*") || fail "no work directory while the build runs"
ref=$(sed -n "s|.*build \($name/1.0.0/[0-9]*\) (log .*|\1|p" "$TEST_TMP/killed.out" | head -n 1)
[ -n "$ref" ] || { _show "$TEST_TMP/killed.out"; fail "kiln did not name its build"; }
sleep 2   # the step (sleep 600) is running in the appliance
kill -KILL "$kiln_pid"
wait "$kiln_pid" 2> /dev/null
expect_eq "kiln was killed" 137 "$?"
no_appliance () { [ "$(appliances)" -eq 0 ]; }
wait_for "the appliance to stop with kiln" no_appliance
ok "kill -9 during an offline step: the appliance stopped with kiln"

expect_exit 0 --out "$TEST_TMP/show.out" "$KILN" images show "$ref"
expect_grep -F "$ref marked failed: kiln was killed during offline build" "$TEST_TMP/show.out"
expect_grep -E "^state +failed$" "$TEST_TMP/show.out"
ok "the next kiln marks the build failed, naming the stage"
for dir in $work_dirs; do expect_no_file "$dir"; done
ok "the work directory is removed"
expect_eq "no temp file left in \$TMPDIR" "" "$(ls -A "$TMPDIR")"
expect_eq "nothing in the output directory" "" "$(ls -A "$TEST_TMP/out" 2> /dev/null)"
expect_eq "the parent image is unchanged" "$parent_sum" "$(sha256 "$tiny")"
expect_no_leftovers
