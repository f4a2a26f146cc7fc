#!/usr/bin/env bash
# SIGINT and SIGTERM during `kiln template build` (item 9 of the trust
# issue: it handles them like `kiln build`): each 5 s into mmdebstrap's
# bootstrap, the build stops within seconds, exits 130 or 143 saying so,
# and leaves no mmdebstrap process, no mount under $KILN_HOME, no work
# directory, no temp file and no stored template.  mmdebstrap's own
# children (apt) are stopped too: it only waits for them on SIGTERM.
# Its own fresh $KILN_HOME (not the debian tests' home).  ~25 s.
. "$(dirname "$0")/../integration/lib/functions.sh"

requires_root
requires mmdebstrap --version
export KILN_HOME="$TEST_TMP/home"

ours () { pgrep -f "mmdebstrap.*$KILN_HOME" 2> /dev/null || true; }
bootstrapping () { [ -n "$(ours)" ]; }
mounts_under_home () { grep -c " $KILN_HOME/" /proc/mounts || true; }
unmount_leftovers () {   # a failed test must not leave mounts behind
  grep " $KILN_HOME/" /proc/mounts | awk '{print $2}' | sort -r \
    | while read -r m; do umount -l "$m"; done
  return 0
}
cleanup_fn unmount_leftovers

# signal_bootstrap SIGNAL EXIT
signal_bootstrap () {
  local sig=$1 want=$2 out="$TEST_TMP/$1.out" pid rc t0 t1
  "$KILN" template build debian-12 < /dev/null > "$out" 2>&1 &
  pid=$!
  cleanup_fn kill_if_running "$pid"
  wait_for --while "$pid" "mmdebstrap to run" bootstrapping
  sleep 5
  bootstrapping || { _show "$out"; fail "$sig: mmdebstrap ended within 5 s"; }
  t0=$(date +%s)
  kill -"$sig" "$pid"
  wait "$pid"; rc=$?
  t1=$(date +%s)
  [ "$rc" -eq "$want" ] || { _show "$out"; fail "$sig: exit $rc, expected $want"; }
  expect_grep "interrupted by signal" "$out"
  ok "$sig during the bootstrap: exit $rc after $((t1 - t0)) s"
  expect_eq "$sig: no mmdebstrap process left" "" "$(ours)"
  expect_eq "$sig: no mount left under \$KILN_HOME" 0 "$(mounts_under_home)"
  expect_eq "$sig: no work directory left" "" "$(ls -A "$KILN_HOME/work" 2> /dev/null)"
  expect_eq "$sig: no temp file left" "" "$(ls -A "$TMPDIR")"
  expect_eq "$sig: no template stored" "" \
    "$(find "$KILN_HOME/templates" -name '*.qcow2' -o -name '*.part-*' 2> /dev/null)"
}

signal_bootstrap INT 130
signal_bootstrap TERM 143
