# agent-lib.sh - helpers for the kiln-agent integration tests (sourced).
#
# Each test runs the static agent on the host in test mode, strictly inside
# a temporary folder: plans come from tests/fixtures/plans/, where @ROOT@
# stands for the test's scratch folder.  KILN_AGENT picks another agent
# binary (e.g. agent/kiln-agent-asan for a sanitizer run).
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
AGENT=${KILN_AGENT:-$top_builddir/agent/kiln-agent}
FIXTURES=$top_srcdir/tests/fixtures/plans

if [ ! -x "$AGENT" ]; then
  echo "not ok - the agent $AGENT is not built"
  exit 1
fi
if ! command -v jq >/dev/null 2>&1; then
  echo "SKIP: jq is not installed (apt-get install jq)"
  exit 77
fi

echo "# agent: $AGENT"
TMP=$(mktemp -d /tmp/kiln-agent-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
PASSED=0
FAILED=0

ok () { PASSED=$((PASSED + 1)); echo "ok - $*"; }
not_ok () { FAILED=$((FAILED + 1)); echo "not ok - $*"; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check () {
  desc=$1
  shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# equals DESCRIPTION EXPECTED ACTUAL
equals () {
  if [ "$2" = "$3" ]; then
    ok "$1"
  else
    not_ok "$1: expected [$2], got [$3]"
  fi
}

# setup CASE FIXTURE: $TMP/CASE/{plan.json,root/}; the plan's @ROOT@ becomes
# the root folder (@EXTRA@ and @PORT@ the values of $EXTRA and $PORT).
setup () {
  case_dir=$TMP/$1
  mkdir -p "$case_dir/root"
  sed -e "s|@ROOT@|$case_dir/root|g" -e "s|@EXTRA@|${EXTRA:-}|g" -e "s|@PORT@|${PORT:-}|g" \
    "$FIXTURES/$2" > "$case_dir/plan.json"
}

# run_agent CASE [ARGS...]: runs the agent for the case; RC gets its status.
run_agent () {
  c=$TMP/$1
  shift
  RC=0
  # (the outer subshell keeps the shell's "Killed" notices out of the output)
  ( (cd "$c/root" && exec "$AGENT" --plan "$c/plan.json" --state-dir "$c/state" --events "$c/events.jsonl" \
    --log "$c/agent.log" --no-poweroff --reboot-exit "$@") > "$c/stdout" 2> "$c/stderr"; exit $? ) 2> /dev/null || RC=$?
}

events () { echo "$TMP/$1/events.jsonl"; }
root () { echo "$TMP/$1/root"; }

# step_field CASE STEP FIELD [EVENT]: a member of the last event of a step
# (objects and lists as JSON).
step_field () {
  jq -rs --arg s "$2" --arg e "${4:-step-end}" \
    '[.[] | select(.event == $e and .step == $s)] | last | .'"$3"' | if type == "object" or type == "array" then tojson else tostring end' \
    "$(events "$1")"
}
status_of () { step_field "$1" "$2" status; }
output_of () { jq -rs --arg s "$2" --arg k "$3" '[.[] | select(.event == "step-end" and .step == $s)] | last | .outputs[$k] | tostring' "$(events "$1")"; }
message_of () { step_field "$1" "$2" failureMessage; }
done_field () { jq -rs '[.[] | select(.event == "done")] | last | .'"$2"' | tostring' "$(events "$1")"; }
count_events () { jq -r --arg e "$2" --arg s "${3:-}" 'select(.event == $e and ($s == "" or .step == $s)) | .event' "$(events "$1")" | wc -l | tr -d ' '; }

# stream_is_valid CASE: every line is a JSON object with event and an RFC
# 3339 UTC time, and the last event is done.
stream_is_valid () {
  f=$(events "$1")
  [ -s "$f" ] || return 1
  while IFS= read -r line; do
    printf '%s\n' "$line" | jq -e 'type == "object" and (.event | type == "string")
      and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$"))' > /dev/null || {
      echo "bad event line: $line" >&2
      return 1
    }
  done < "$f"
  [ "$(tail -n 1 "$f" | jq -r .event)" = done ]
}

# group_alive PGID: does any live (non-zombie) process of the group remain?
# Waits up to 3 s for the group to die.
group_alive () {
  n=0
  while [ $n -lt 30 ]; do
    ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }' || return 1
    sleep 0.1
    n=$((n + 1))
  done
  return 0
}

# wait_for_file FILE: waits up to 20 s for FILE to exist and not be empty.
wait_for_file () {
  n=0
  while [ ! -s "$1" ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
  [ -s "$1" ]
}

finish () {
  # A sanitizer build (KILN_AGENT=agent/kiln-agent-asan) reports here.
  if grep -l -e 'Sanitizer' -e 'runtime error:' "$TMP"/*/stderr > /dev/null 2>&1; then
    not_ok "sanitizer reports: $(grep -l -e 'Sanitizer' -e 'runtime error:' "$TMP"/*/stderr | tr '\n' ' ')"
    grep -h -A20 -e 'Sanitizer' -e 'runtime error:' "$TMP"/*/stderr | head -n 60
  fi
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
