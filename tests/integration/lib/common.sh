# Sourced by integration tests: shared environment and checks.
# Tests get $top_srcdir, $top_builddir and $KILN from `make check`.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${KILN:=$top_builddir/kiln}"
export LIBGUESTFS_BACKEND=direct
export LIBGUESTFS_BACKEND_SETTINGS=force_tcg
# One kiln home for the whole test run: the accel probe result and the
# catalog are shared; each test uses its own recipe names.
export KILN_HOME="${KILN_TEST_HOME:-$top_builddir/tests/tmp/kiln-home}"
mkdir -p "$KILN_HOME"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
ok() { echo "ok - $*"; }

# A private temp dir removed at exit.  kiln's own temporary files go to
# $TEST_TMP/tmp so a test can tell that kiln left none behind (libguestfs
# keeps its appliance cache in /var/tmp as usual).
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kiln-test-XXXXXX")
export TMPDIR="$TEST_TMP/tmp"
mkdir -p "$TMPDIR"
export LIBGUESTFS_CACHEDIR="${LIBGUESTFS_CACHEDIR:-/var/tmp}"
cleanup_hooks=()
on_exit() {
  local h
  for h in "${cleanup_hooks[@]+"${cleanup_hooks[@]}"}"; do eval "$h" || true; done
  rm -rf "$TEST_TMP"
}
trap on_exit EXIT

# qemu processes of this test's kiln domains: named kiln-..., with their
# agent socket under this test's TMPDIR (other runs may share the machine)
kiln_qemu_count() {
  pgrep -fc "qemu-system.*guest=kiln-.*$TEST_TMP/" 2>/dev/null || true
}

# Leftovers of a job: work dirs, socket dirs.
assert_no_leftovers() {
  local n
  n=$(kiln_qemu_count)
  [ "${n:-0}" -eq 0 ] || fail "$n kiln qemu process(es) left running"
  if [ -d "$KILN_HOME/work" ] && [ -n "$(ls -A "$KILN_HOME/work")" ]; then
    fail "work directories left: $(ls "$KILN_HOME/work")"
  fi
  local left
  left=$(ls -A "$TMPDIR")
  [ -z "$left" ] || fail "temporary files left in \$TMPDIR: $left"
}

sha256() { sha256sum "$1" | cut -d' ' -f1; }
