#!/usr/bin/env bash
# SIGTERM and kill -9 of kiln in the prepare stage (item 10 of the trust
# issue; the other stages are kill-stages.sh's and the signal-*.sh tests').
# Prepare is a tenth of a second, except when another process is opening
# kiln's embedded libvirt root at the same moment: kiln then waits for that
# process's lock ($KILN_HOME/libvirt.lock).  Here flock(1) plays that other
# process and holds the lock, so kiln is certainly in prepare:
#   1. SIGTERM while it waits: exit 143 within 5 s, "build failed in stage
#      'prepare'", "interrupted by signal", the catalog says cancelled,
#      nothing left (the wait used to ignore signals until the lock came
#      free);
#   2. kill -9 while it waits: once the lock is free, the next kiln marks
#      the build failed "kiln was killed during prepare" and removes its
#      work directory (which holds the overlay prepare made).
# No guest boots: ~10 s.
. "$(dirname "$0")/../integration/lib/functions.sh"
. "$top_srcdir/tests/integration/lib/tiny-image.sh"
requires flock --version

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")
name=rel-prepare
cat > "$TEST_TMP/recipe.yaml" <<YAML
name: $name
version: 1.0.0
parent: $tiny
components:
  - component: command-succeeds
    parameters: { command: "true" }
build:
  memory: 512M
outputs:
  formats: [qcow2]
  directory: $TEST_TMP/out
YAML

# the lock kiln takes to open $KILN_HOME/libvirt; made as kiln makes it
lock=$KILN_HOME/libvirt.lock
[ -e "$lock" ] || ( umask 077; : >> "$lock" )
holder=
hold_lock () {
  flock "$lock" sleep 600 &
  holder=$!
  cleanup_fn kill_if_running "$holder"
  held () { ! flock -n "$lock" true; }
  wait_for "the other process to hold the lock" held
}
release_lock () { kill "$holder" 2> /dev/null; wait "$holder" 2> /dev/null; return 0; }

# start_in_prepare OUT: a build, once it waits in prepare; sets pid
start_in_prepare () {
  "$KILN" build --force "$TEST_TMP/recipe.yaml" < /dev/null > "$1" 2>&1 &
  pid=$!
  cleanup_fn kill_if_running "$pid"
  in_prepare () { grep -q 'stage: prepare$' "$1"; }
  wait_for --while "$pid" "the prepare stage" in_prepare "$1"
  sleep 1
  kill -0 "$pid" 2> /dev/null || { _show "$1" "kiln build"; fail "the build did not wait for the lock"; }
}

# 1. SIGTERM
hold_lock
start_in_prepare "$TEST_TMP/term.out"
kill -TERM "$pid"
t0=$(date +%s)
rc=0
wait "$pid" || rc=$?
note "kiln exited $(( $(date +%s) - t0 )) s after SIGTERM"
[ "$rc" -eq 143 ] || { _show "$TEST_TMP/term.out" "kiln build"; fail "exit $rc, expected 143"; }
[ $(( $(date +%s) - t0 )) -le 5 ] || fail "kiln took over 5 s to stop while it waited for the lock"
expect_grep -F "build failed in stage 'prepare'" "$TEST_TMP/term.out"
expect_grep -F "interrupted by signal" "$TEST_TMP/term.out"
ref=$(sed -n "s|.*build \($name/1.0.0/[0-9]*\) (log .*|\1|p" "$TEST_TMP/term.out" | head -n 1)
expect_exit 0 --out "$TEST_TMP/term-show.out" "$KILN" images show "$ref"
expect_grep -E "^state +cancelled$" "$TEST_TMP/term-show.out"
expect_eq "nothing in the output directory" "" "$(ls -A "$TEST_TMP/out" 2> /dev/null)"
expect_no_leftovers
ok "SIGTERM while prepare waits for the libvirt root: exit 143 at once, cancelled, nothing left"
release_lock

# 2. kill -9
hold_lock
start_in_prepare "$TEST_TMP/killed.out"
work_dirs=$(compgen -G "$KILN_HOME/work/$name-*") || fail "no work directory while prepare waits"
kill -KILL "$pid"
wait "$pid" 2> /dev/null
expect_eq "kiln was killed" 137 "$?"
ref=$(sed -n "s|.*build \($name/1.0.0/[0-9]*\) (log .*|\1|p" "$TEST_TMP/killed.out" | head -n 1)
[ -n "$ref" ] || { _show "$TEST_TMP/killed.out"; fail "kiln did not name its build"; }
release_lock
expect_exit 0 --out "$TEST_TMP/show.out" "$KILN" images show "$ref"
expect_grep -F "$ref marked failed: kiln was killed during prepare" "$TEST_TMP/show.out"
expect_grep -E "^state +failed$" "$TEST_TMP/show.out"
for dir in $work_dirs; do expect_no_file "$dir"; done
expect_eq "nothing in the output directory" "" "$(ls -A "$TEST_TMP/out" 2> /dev/null)"
expect_eq "the parent is unchanged" "$parent_sum" "$(sha256 "$tiny")"
expect_no_leftovers
ok "kill -9 while prepare waits: the next kiln recovers the build"
