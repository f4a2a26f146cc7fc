# functions.sh - the vocabulary of kiln's integration tests.
#
# Every tests/integration/*.sh starts with
#
#   . "$(dirname "$0")/lib/functions.sh"
#
# (tests/check-layering*.sh, one level up, with integration/lib/functions.sh
# after their own guess of top_srcdir) and says what it needs, what it
# checks and what it cleans up with these words only (topic helpers in
# lib/ are built on them):
#
#   requires CMD [ARGS]       skip (exit 77) unless CMD is installed, or,
#                             with ARGS, unless `CMD ARGS` succeeds
#   requires_root             skip unless running as root
#   skip MESSAGE              skip the test (exit 77)
#   fail MESSAGE              fail the test (exit 1)
#   ok MESSAGE                a check passed: "ok - MESSAGE"
#   note MESSAGE              a comment in the log: "# MESSAGE"
#   cleanup_fn CMD [ARGS]     run `CMD ARGS` when the test exits, however it
#                             exits; the last registered runs first
#   kill_if_running PID...    (for cleanup_fn) end processes still running
#   expect WHAT CMD...        CMD must succeed ("ok - WHAT")
#   expect_not WHAT CMD...    CMD must fail
#   expect_eq WHAT EXPECTED ACTUAL
#   expect_exit CODE [--out FILE] CMD...
#                             CMD must exit with CODE; with --out its stdout
#                             and stderr go to FILE, which is then shown
#   expect_grep [GREP-OPTIONS] PATTERN FILE      (FILE "-": stdin)
#   expect_no_grep [GREP-OPTIONS] PATTERN FILE
#   expect_line FILE TEXT     FILE has a line that is exactly TEXT
#   expect_no_line FILE TEXT
#   expect_file PATH          PATH is a regular file
#   expect_no_file PATH       nothing at PATH, not even a dangling link
#   wait_for [--while PID] WHAT CMD...
#                             poll until CMD succeeds; with --while, fail
#                             if process PID ends first
#
# No test states how long something may take: wait_for has no limit of
# its own.  `make check` runs every test under a generous wall-clock limit
# (tests/run-test), which turns a hang into a failure.
#
# The environment every test gets:
#   $top_srcdir $top_builddir $KILN   from `make check` (or guessed)
#   $TEST_TMP   a private directory, removed at exit
#   $TMPDIR     $TEST_TMP/tmp: kiln's temporary files, which must be gone
#               when kiln is (expect_no_leftovers)
#   $KILN_HOME  the test's own kiln home, $TEST_TMP/home, empty at the
#               start: kiln makes its catalog and probes the accelerator
#               there as on a new machine.  A home per test is what lets
#               `make -j` run tests side by side: a neighbour's build can
#               neither leave a work directory in it nor settle a killed
#               build before the test's own next command does.
#               ($KILN_TEST_HOME instead gives every test one shared home:
#               then run them one at a time.)  It is a place, not a
#               decision: nothing here sets LIBGUESTFS_*, KILN_ACCEL or
#               anything else kiln decides for itself.

set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${KILN:=$top_builddir/kiln}"
export top_srcdir top_builddir KILN

# ---- outcomes -----------------------------------------------------------

fail () { echo "FAIL: $*" >&2; exit 1; }
skip () { echo "SKIP: $*" >&2; exit 77; }
ok () { echo "ok - $*"; }
note () { echo "# $*"; }

requires () {
  if [ $# -eq 1 ]; then
    command -v "$1" > /dev/null 2>&1 || skip "$1 is not installed (scripts/install-deps)"
  else
    ( "$@" ) < /dev/null > /dev/null 2>&1 || skip "this test needs '$*' to work"
  fi
}

requires_root () {
  [ "$(id -u)" -eq 0 ] || skip "this test needs root"
}

# ---- cleanup ------------------------------------------------------------

_cleanup_count=0
cleanup_fn () {
  declare -ga "_cleanup_hook_$_cleanup_count"
  eval "_cleanup_hook_$_cleanup_count=(\"\$@\")"
  _cleanup_count=$((_cleanup_count + 1))
}

_run_cleanup_hooks () {
  local status=$? i
  trap '' INT TERM
  set +e
  for (( i = _cleanup_count - 1; i >= 0; i-- )); do
    local -n _hook="_cleanup_hook_$i"
    "${_hook[@]}"
    unset -n _hook
  done
  exit "$status"
}
trap _run_cleanup_hooks EXIT

kill_if_running () {
  local pid
  for pid; do kill "$pid" 2> /dev/null; done
  return 0
}
# A signal (the per-test limit sends TERM) exits, and so cleans up.
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- expectations -------------------------------------------------------

expect () {
  local what=$1; shift
  "$@" || fail "$what"
  ok "$what"
}

expect_not () {
  local what=$1; shift
  if "$@"; then fail "$what"; fi
  ok "$what"
}

expect_eq () {
  [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"
  ok "$1"
}

expect_exit () {
  local want=$1 out= rc=0
  shift
  if [ "${1:-}" = --out ]; then out=$2; shift 2; fi
  if [ -n "$out" ]; then
    "$@" > "$out" 2>&1 || rc=$?
    cat "$out"
  else
    "$@" || rc=$?
  fi
  [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want"
}

# _show FILE: the end of FILE on stderr, to say why an expectation failed
_show () {
  echo "--- ${2:-$1} (last 40 lines):" >&2
  tail -n 40 -- "$1" >&2
}

_grep_expectation () {
  local negate=$1; shift
  local file=${!#} pattern=${*: -2:1} input=$TEST_TMP/.grep-input
  if [ "$file" = - ]; then cat > "$input"; else input=$file; fi
  local found=0
  grep -q "${@:1:$#-1}" "$input" && found=1
  if [ "$found" = "$negate" ]; then
    _show "$input" "$file"
    if [ "$negate" = 1 ]; then fail "unexpected match for '$pattern' in $file"
    else fail "no match for '$pattern' in $file"; fi
  fi
}
expect_grep () { _grep_expectation 0 "$@"; }
expect_no_grep () { _grep_expectation 1 "$@"; }
expect_line () { expect_grep -xF -- "$2" "$1"; }
expect_no_line () { expect_no_grep -xF -- "$2" "$1"; }

expect_file () {
  [ -f "$1" ] || fail "expected a file at $1"
}

expect_no_file () {
  [ ! -e "$1" ] && [ ! -L "$1" ] || fail "expected nothing at $1"
}

wait_for () {
  local pid=
  if [ "$1" = --while ]; then pid=$2; shift 2; fi
  local what=$1; shift
  note "waiting for $what"
  until "$@"; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2> /dev/null; then
      "$@" && return 0
      fail "process $pid ended before $what"
    fi
    sleep 0.1
  done
}

# ---- the test's own places ----------------------------------------------

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kiln-test-XXXXXX") || fail "mktemp"
cleanup_fn rm -rf "$TEST_TMP"
export TMPDIR="$TEST_TMP/tmp"
mkdir -p "$TMPDIR"

export KILN_HOME="${KILN_TEST_HOME:-$TEST_TMP/home}"
mkdir -p "$KILN_HOME"

# take_daemon_turn: the tests that start libvirt daemons of their own
# (connect-daemon.sh, connect-session.sh) take turns on this host, as
# each needs to be the only one: held until the test exits.
take_daemon_turn () {
  requires flock
  mkdir -p "$top_builddir/tests/tmp" && exec 7> "$top_builddir/tests/tmp/daemon.lock" || fail "cannot open tests/tmp/daemon.lock"
  note "waiting for the other libvirt daemon test, if one runs"
  flock 7 || fail "flock tests/tmp/daemon.lock"
}

# ---- independent readers ------------------------------------------------

# guestfish as the tests use it to make fixtures and to read kiln's results
# back, never to run kiln: the direct backend under TCG (KVM may be present
# but unusable, as on nested hosts), the appliance cached in /var/tmp.
test_guestfish () {
  LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg \
    LIBGUESTFS_CACHEDIR="${LIBGUESTFS_CACHEDIR:-/var/tmp}" TMPDIR="$TEST_TMP" \
    guestfish "$@"
}

# ---- a build stopped in a stage (tests/reliability) ---------------------

# start_build_until OUT STAGE RECIPE: `kiln build --force RECIPE` in the
# background, its output in OUT; returns once it prints "stage: STAGE",
# with its pid in build_pid (stopped at the test's end if still running).
# Fails when the build ends first or the stage takes over 10 minutes.
start_build_until () {
  local out=$1 stage=$2 recipe=$3 waited=0
  "$KILN" build --force "$recipe" < /dev/null > "$out" 2>&1 &
  build_pid=$!
  cleanup_fn kill_if_running "$build_pid"
  until grep -q "stage: $stage\$" "$out"; do
    kill -0 "$build_pid" 2> /dev/null || { _show "$out" "kiln build"; fail "the build ended before stage $stage"; }
    sleep 0.1
    waited=$((waited + 1)); [ "$waited" -lt 6000 ] || fail "no stage $stage in 10 minutes"
  done
}

# build_ref OUT: the build (NAME/VERSION/N) kiln named in its output OUT
build_ref () {
  sed -n 's|.*build \([^ ]*/[^ ]*/[0-9]*\) (log .*|\1|p' "$1" | head -n 1
}

# expect_signalled OUT STAGE SIG EXIT MAX: sends SIG to build_pid and
# checks that kiln exits EXIT within MAX seconds, naming STAGE and the
# signal, with its build recorded as cancelled in the catalog
expect_signalled () {
  local out=$1 stage=$2 sig=$3 want=$4 max=$5 rc=0 t0 ref
  kill -0 "$build_pid" 2> /dev/null || { _show "$out" "kiln build"; fail "the build ended before the signal"; }
  kill "-$sig" "$build_pid"
  t0=$(date +%s)
  wait "$build_pid" || rc=$?
  note "kiln exited $(( $(date +%s) - t0 )) s after SIG$sig in $stage"
  [ "$rc" -eq "$want" ] || { _show "$out" "kiln build"; fail "$stage: exit $rc, expected $want"; }
  [ $(( $(date +%s) - t0 )) -le "$max" ] || fail "$stage: kiln took over $max s to stop"
  expect_grep -F "build failed in stage '$stage'" "$out"
  expect_grep -F "interrupted by signal" "$out"
  ref=$(build_ref "$out")
  [ "$("$KILN" images list | awk -v b="$ref" '$1 == b { print $2; exit }')" = cancelled ] \
    || fail "$stage: the catalog does not say cancelled: $("$KILN" images list | grep -F "$ref" | head -n 1)"
}

# ---- what kiln leaves behind --------------------------------------------

sha256 () { sha256sum "$1" | cut -d' ' -f1; }

# kiln_qemu_count [DIR]: qemu processes of kiln domains whose command line
# names DIR (default: this test's $TEST_TMP, where the agent sockets are),
# so that tests running side by side do not count each other's guests.
kiln_qemu_count () {
  pgrep -fc "qemu-system.*guest=kiln-.*${1:-$TEST_TMP}/" 2> /dev/null || true
}

# After kiln has finished: no guest of ours running, no work directory in
# $KILN_HOME, nothing left in $TMPDIR.
expect_no_leftovers () {
  local n left
  n=$(kiln_qemu_count)
  [ "${n:-0}" -eq 0 ] || fail "$n kiln qemu process(es) left running"
  if [ -d "$KILN_HOME/work" ] && [ -n "$(ls -A "$KILN_HOME/work")" ]; then
    fail "work directories left: $(ls "$KILN_HOME/work")"
  fi
  left=$(ls -A "$TMPDIR")
  [ -z "$left" ] || fail "temporary files left in \$TMPDIR: $left"
}
