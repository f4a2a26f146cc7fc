#!/bin/sh
# run-fuzz.sh [--replay | --update-corpus | --runs N] [SECONDS] [TARGET...]
#
# Replays the committed corpus of each fuzz target (tests/fuzz/corpus/
# TARGET/), then fuzzes each target for SECONDS (default 15) starting from
# that corpus.  With no TARGET: every target in tests/fuzz/local.mk, one at
# a time.  --replay only replays (no fuzzing).  --update-corpus fuzzes,
# then merges what was found into tests/fuzz/corpus/TARGET/ (libFuzzer's
# -merge=1 keeps only inputs that add coverage); commit the result.
# --runs N fuzzes each target for N inputs with a fixed seed instead of for
# SECONDS: about the same inputs on every machine, however fast (not exactly
# the same: coverage feedback varies a little with memory layout); what CI
# uses.  The exploring runs are the timed ones.
#
# Needs a build configured with --enable-fuzz CC=clang (make fuzz-targets).
# fuzz-validate also starts from every fixture document (good, bad, AWSTOE
# samples, built-in components).  New inputs go to $KILN_FUZZ_DIR (default
# a temp dir, removed afterwards).  Exit 0 when nothing was found, non-zero
# on a crash, leak, timeout or out-of-memory (the reproducer is in
# $KILN_FUZZ_DIR/TARGET/artifacts, kept).
set -eu
mode=fuzz
runs=
case ${1:-} in
  --replay) mode=replay; shift ;;
  --update-corpus) mode=update; shift ;;
  --runs)
    case ${2:-} in
      ''|*[!0-9]*) echo "run-fuzz.sh: --runs needs a number of inputs" >&2; exit 2 ;;
    esac
    runs=$2; shift 2 ;;
esac
secs=15
case ${1:-} in
  ''|*[!0-9]*) ;;
  *) secs=$1; shift ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${top_srcdir:-$here/../..}
builddir=${top_builddir:-$srcdir}
if [ $# -eq 0 ]; then
  set -- fuzz-validate fuzz-plan fuzz-events fuzz-guest-files fuzz-agent-plan
fi

keep=${KILN_FUZZ_DIR:+yes}
work=${KILN_FUZZ_DIR:-$(mktemp -d)}

# dictionary for a target (none for the guest-file readers: their formats
# are many and short)
dict_of() {
  case $1 in
    fuzz-validate|fuzz-plan) echo "-dict=$srcdir/tests/fuzz/yaml.dict" ;;
    fuzz-events|fuzz-agent-plan) echo "-dict=$srcdir/tests/fuzz/json.dict" ;;
  esac
}

status=0
for target in "$@"; do
  fuzzer="$builddir/tests/fuzz/$target"
  seeds="$srcdir/tests/fuzz/corpus/$target"
  if [ ! -x "$fuzzer" ]; then
    echo "run-fuzz.sh: $fuzzer not built (./configure --enable-fuzz CC=clang; make fuzz-targets)" >&2
    exit 77
  fi
  if [ ! -d "$seeds" ]; then
    echo "run-fuzz.sh: no corpus $seeds" >&2
    exit 1
  fi
  tw="$work/$target"
  mkdir -p "$tw/corpus" "$tw/artifacts"
  # -runs=0: every input of the corpus once, nothing new
  echo "run-fuzz.sh: $target: replaying $(ls "$seeds" | wc -l) inputs"
  rc=0
  "$fuzzer" -runs=0 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$tw/artifacts/" "$seeds" >"$tw/replay.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -n 40 "$tw/replay.log" >&2
    echo "run-fuzz.sh: $target: replaying the corpus failed (exit $rc); reproducers in $tw/artifacts" >&2
    status=1; keep=yes; continue
  fi
  [ "$mode" = replay ] && continue

  if [ "$target" = fuzz-validate ]; then
    for f in "$srcdir"/tests/fixtures/good/*.yaml "$srcdir"/tests/fixtures/good/lib/*.yaml \
             "$srcdir"/tests/fixtures/bad/*.yaml "$srcdir"/tests/fixtures/awstoe/*.yaml \
             "$srcdir"/components/*.yaml; do
      [ -f "$f" ] && cp "$f" "$tw/corpus/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
  fi
  # libFuzzer writes new inputs to the first directory: a scratch one
  # shellcheck disable=SC2046
  if [ -n "$runs" ]; then
    bound="-runs=$runs -seed=1"
  else
    bound="-max_total_time=$secs"
  fi
  # shellcheck disable=SC2086  # bound is one or two options
  "$fuzzer" $bound -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 $(dict_of "$target") \
    -artifact_prefix="$tw/artifacts/" -print_final_stats=1 \
    "$tw/corpus" "$seeds" >"$tw/fuzz.log" 2>&1 || rc=$?
  grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$tw/fuzz.log" \
    | sed "s/^/run-fuzz.sh: $target: /"
  if [ "$rc" -ne 0 ]; then
    tail -n 60 "$tw/fuzz.log" >&2
    echo "run-fuzz.sh: $target: the fuzzer found a problem (exit $rc); reproducers in $tw/artifacts" >&2
    status=1; keep=yes; continue
  fi
  if [ -n "$runs" ]; then
    echo "run-fuzz.sh: $target: $runs inputs (seed 1) without a crash, leak or timeout"
  else
    echo "run-fuzz.sh: $target: ${secs}s without a crash, leak or timeout"
  fi
  if [ "$mode" = update ]; then
    # hand-written seeds (seed-*) stay as they are; of what the fuzzer found
    # (with the inputs kept before), -merge=1 keeps what adds coverage, and
    # of that a sample (by name: a content hash) up to $max inputs in all,
    # so that the committed corpus stays small
    max=${KILN_FUZZ_CORPUS_MAX:-40}
    mkdir -p "$tw/merged" "$tw/found"
    cp "$seeds"/seed-* "$tw/merged"/
    find "$seeds" -type f ! -name 'seed-*' -exec cp {} "$tw/found"/ \;
    "$fuzzer" -merge=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      "$tw/merged" "$tw/found" "$tw/corpus" \
      >"$tw/merge.log" 2>&1
    find "$seeds" -type f ! -name 'seed-*' -delete
    room=$((max - $(ls "$seeds" | wc -l)))
    if [ "$room" -gt 0 ]; then
      ls "$tw/merged" | grep -v '^seed-' | sort | head -n "$room" \
        | while read -r f; do cp "$tw/merged/$f" "$seeds/$f"; done
    fi
    echo "run-fuzz.sh: $target: corpus now $(ls "$seeds" | wc -l) inputs"
  fi
done
if [ -n "$keep" ]; then
  echo "run-fuzz.sh: logs and reproducers in $work" >&2
else
  rm -rf "$work"
fi
exit "$status"
