#!/usr/bin/env bash
# kill -9 of kiln during the build boot of the tiny image, then the next
# kiln recovers (item 9 of the trust issue): the build is failed naming
# the stage, its guest is stopped, its work and socket directories and
# store temp files are gone, the parent is unchanged, and a new build of
# the same recipe succeeds.
. "$(dirname "$0")/../integration/lib/functions.sh"
. "$top_srcdir/tests/integration/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")
name=rel-killed-boot

# The component's one step: waits for ever the first time (the build is
# killed meanwhile), writes a file the second time.
write_recipe () {
  cat > "$TEST_TMP/c.yaml" <<YAML
name: killed
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Work
        action: ExecuteBash
        inputs:
          commands: ["$1"]
YAML
  cat > "$TEST_TMP/recipe.yaml" <<YAML
name: $name
version: 1.0.0
parent: $tiny
components:
  - ./c.yaml
build:
  memory: 512M
outputs:
  name: $name
  formats: [qcow2]
  directory: $TEST_TMP/out
YAML
}

guest_running () { [ "$(kiln_qemu_count)" -gt 0 ]; }
work_dir_made () { compgen -G "$KILN_HOME/work/$name-*" > /dev/null; }
# the agent has started the step: the guest is up and libvirt is done
# starting it (a kill in the middle of the domain's start is another case)
step_running () { grep -q "step: killed/build/Work$" "$TEST_TMP/killed.out"; }
# on a failure below, what the killed kiln printed and the end of its log
show_killed_build () {
  [ -n "${test_done:-}" ] && return 0
  _show "$TEST_TMP/killed.out" "what the killed kiln printed"
  local log
  log=$(sed -n "s|.*build $name/1.0.0/[0-9]* (log \(.*\))$|\1|p" "$TEST_TMP/killed.out" | head -n 1)
  [ -n "$log" ] && [ -f "$log" ] && _show "$log" "its build log"
  return 0
}

# 1. a build killed while its guest runs the step
write_recipe "sleep 3600"
"$KILN" build --force "$TEST_TMP/recipe.yaml" < /dev/null > "$TEST_TMP/killed.out" 2>&1 &
kiln_pid=$!
cleanup_fn kill_if_running "$kiln_pid"
cleanup_fn show_killed_build
wait_for --while "$kiln_pid" "the build's guest to run its step" step_running
wait_for --while "$kiln_pid" "the build's guest" guest_running
wait_for --while "$kiln_pid" "the build's work directory" work_dir_made
work_dirs=$(compgen -G "$KILN_HOME/work/$name-*")
ref=$(sed -n "s|.*build \($name/1.0.0/[0-9]*\) (log .*|\1|p" "$TEST_TMP/killed.out" | head -n 1)
[ -n "$ref" ] || { _show "$TEST_TMP/killed.out"; fail "kiln did not name its build"; }
kill -KILL "$kiln_pid"
wait "$kiln_pid" 2> /dev/null
expect_eq "kiln was killed" 137 "$?"
# what a killed kiln leaves: its guest, its work and socket directories
guest_running || fail "the killed kiln's guest is not running (nothing to recover)"
[ -n "$(ls -A "$TMPDIR")" ] || fail "the killed kiln left no socket directory (nothing to recover)"
ok "kill -9 during the build boot leaves a guest, a work and a socket directory"

# 2. the next kiln, whatever it does, recovers first
expect_exit 0 --out "$TEST_TMP/show.out" "$KILN" images show "$ref"
expect_grep -F "$ref marked failed: kiln was killed during build boot" "$TEST_TMP/show.out"
expect_grep -E "^state +failed$" "$TEST_TMP/show.out"
expect_grep -E "^failure +kiln was killed during build boot$" "$TEST_TMP/show.out"
ok "the build is marked failed, naming the stage"
expect_eq "no qemu process of the killed build" 0 "$(kiln_qemu_count)"
for dir in $work_dirs; do expect_no_file "$dir"; done
ok "the work directory is removed"
expect_eq "no socket directory or temp file left in \$TMPDIR" "" "$(ls -A "$TMPDIR")"
expect_eq "no store temp file left" "" \
  "$(find "$KILN_HOME/images" -path "*$name*" -name '*.tmp' 2> /dev/null)"
expect_eq "the parent image is unchanged" "$parent_sum" "$(sha256 "$tiny")"

# 3. a new build of the same recipe succeeds, and nothing is recovered twice
write_recipe "echo recovered > /etc/kiln-recovered"
expect_exit 0 --out "$TEST_TMP/again.out" "$KILN" build --force "$TEST_TMP/recipe.yaml" < /dev/null
expect_no_grep "marked failed" "$TEST_TMP/again.out"
expect_grep "^build $name/1.0.0/[0-9]* succeeded" "$TEST_TMP/again.out"
expect_file "$TEST_TMP/out/$name/$name.qcow2"
ok "a new build succeeds after the recovery"
expect_eq "the parent image is still unchanged" "$parent_sum" "$(sha256 "$tiny")"
expect_no_leftovers
ok "nothing left behind"
test_done=1
