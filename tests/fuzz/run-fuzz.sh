#!/bin/sh
# run-fuzz.sh [SECONDS] - run the validator fuzz target (default 60 s).
#
# Needs a build configured with --enable-fuzz CC=clang.  The seed corpus is
# every fixture document (good, bad, AWSTOE samples, built-in components);
# new inputs the fuzzer finds go to $KILN_FUZZ_DIR (default a temp dir,
# removed afterwards).  Exit 0 when nothing was found, non-zero on a crash,
# leak, timeout or out-of-memory (the reproducer is in the work dir).
set -eu
secs=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${top_srcdir:-$here/../..}
builddir=${top_builddir:-$srcdir}
fuzzer="$builddir/tests/fuzz/fuzz-validate"
if [ ! -x "$fuzzer" ]; then
  echo "run-fuzz.sh: $fuzzer not built (./configure --enable-fuzz CC=clang; make)" >&2
  exit 77
fi
work=${KILN_FUZZ_DIR:-$(mktemp -d)}
mkdir -p "$work/corpus" "$work/artifacts"
for f in "$srcdir"/tests/fixtures/good/*.yaml "$srcdir"/tests/fixtures/good/lib/*.yaml \
         "$srcdir"/tests/fixtures/bad/*.yaml "$srcdir"/tests/fixtures/awstoe/*.yaml \
         "$srcdir"/components/*.yaml; do
  [ -f "$f" ] && cp "$f" "$work/corpus/$(basename "$(dirname "$f")")-$(basename "$f")"
done
rc=0
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -dict="$srcdir/tests/fuzz/yaml.dict" \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
  "$work/corpus" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "run-fuzz.sh: the fuzzer found a problem; reproducers in $work/artifacts" >&2
  exit "$rc"
fi
[ -n "${KILN_FUZZ_DIR:-}" ] || rm -rf "$work"
echo "run-fuzz.sh: ${secs}s without a crash, leak or timeout"
