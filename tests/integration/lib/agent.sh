# agent.sh - running kiln-agent on the host in test mode (sourced after
# functions.sh by the agent-*.sh tests).
#
# Each test runs the static agent strictly inside $TEST_TMP: plans come
# from tests/fixtures/plans/, where @ROOT@ stands for the case's scratch
# folder.  KILN_AGENT picks another agent binary (e.g. agent/kiln-agent-asan
# for a sanitizer run: `make check-agent-asan`).
#
#   agent_case CASE FIXTURE   $TEST_TMP/CASE/{plan.json,root/}; the plan's
#                             @ROOT@ becomes the root folder (@EXTRA@ and
#                             @PORT@ the values of $EXTRA and $PORT)
#   run_agent CASE [ARGS...]  runs the agent on the case; $RC gets its status
#   events CASE / root CASE   the case's event file / root folder
#   step_field CASE STEP FIELD [EVENT]   a member of a step's last event
#   status_of / output_of / message_of / done_field / count_events
#   expect_valid_stream CASE  JSON lines with RFC 3339 times, done last
#   wait_for_group_gone PGID  until no live process of the group remains

requires jq
AGENT=${KILN_AGENT:-$top_builddir/agent/kiln-agent}
FIXTURES=$top_srcdir/tests/fixtures/plans
[ -x "$AGENT" ] || fail "the agent $AGENT is not built"
note "agent: $AGENT"

agent_case () {
  local dir=$TEST_TMP/$1
  mkdir -p "$dir/root"
  sed -e "s|@ROOT@|$dir/root|g" -e "s|@EXTRA@|${EXTRA:-}|g" -e "s|@PORT@|${PORT:-}|g" \
    "$FIXTURES/$2" > "$dir/plan.json"
}

# expect_no_sanitizer_report FILE: an agent built with ASan/UBSan reports
# on stderr; any report fails the test.
expect_no_sanitizer_report () {
  expect_no_grep -e 'Sanitizer' -e 'runtime error:' "$1"
}

run_agent () {
  local c=$TEST_TMP/$1
  shift
  RC=0
  # (the outer subshell keeps the shell's "Killed" notices out of the output)
  ( (cd "$c/root" && exec "$AGENT" --plan "$c/plan.json" --state-dir "$c/state" --events "$c/events.jsonl" \
    --log "$c/agent.log" --no-poweroff --reboot-exit "$@") > "$c/stdout" 2> "$c/stderr"; exit $? ) 2> /dev/null || RC=$?
  expect_no_sanitizer_report "$c/stderr"
}

events () { echo "$TEST_TMP/$1/events.jsonl"; }
root () { echo "$TEST_TMP/$1/root"; }

# (objects and lists as JSON)
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
  local f line
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
expect_valid_stream () {
  expect "$1: the events are JSON lines with times, done last" stream_is_valid "$1"
}

# group_gone PGID: no live (non-zombie) process of the group remains
group_gone () {
  ! ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}
wait_for_group_gone () {
  wait_for "no process of group $1 to remain" group_gone "$1"
}
