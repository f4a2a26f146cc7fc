#!/usr/bin/env bash
# agent-events.sh - the agent's command line, bad plans reported as a failed
# run, the virtio-serial port found by name (a FIFO stands in for
# /dev/vportNpM under a fake sysfs): a host that reads late gets every
# event that matters, a host that never reads does not hang the agent.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/agent.sh"

# ---- command line -------------------------------------------------------------
expect_eq "--version" "kiln-agent 0.1.0" "$("$AGENT" --version)"
expect "--help shows the usage" sh -c "'$AGENT' --help | grep -q '^Usage: kiln-agent --boot'"
rc=0; "$AGENT" > /dev/null 2>&1 || rc=$?
expect_eq "no arguments: usage error" 2 "$rc"
rc=0; "$AGENT" --plan x --state-dir "$TEST_TMP/s" --bogus > /dev/null 2>&1 || rc=$?
expect_eq "an unknown argument: usage error" 2 "$rc"
expect_eq "--probe prints KILN-PROBE-OK (and, not being PID 1, powers nothing off)" "KILN-PROBE-OK 0" \
  "$("$AGENT" --probe) $?"

# ---- bad plans are reported as failed runs ------------------------------------
agent_case syntax bad-syntax.json
run_agent syntax
expect_eq "invalid JSON: exit 2" 2 "$RC"
expect "invalid JSON: the events still end with done" stream_is_valid syntax
expect_eq "invalid JSON: done says where" "failed $TEST_TMP/syntax/plan.json: line 2, column 16: expected a value (object, list, string, number, true, false or null), found ','" \
  "$(done_field syntax status) $(done_field syntax failureMessage)"
agent_case shape bad-shape.json
run_agent shape
expect_eq "a plan of the wrong shape: done names the member" \
  "2 $TEST_TMP/shape/plan.json: documents[0]: phases[0].steps[0].action: expected a string, found nothing" \
  "$RC $(done_field shape failureMessage)"
mkdir -p "$TEST_TMP/missing/root"
run_agent missing
expect_eq "a missing plan" "2 cannot open $TEST_TMP/missing/plan.json: No such file or directory" \
  "$RC $(done_field missing failureMessage)"

# ---- the port ---------------------------------------------------------------------
make_port () {
  p=$TEST_TMP/$1
  mkdir -p "$p/sys/vport0p1" "$p/sys/vport0p2" "$p/dev"
  echo org.kiln.agent.0 > "$p/sys/vport0p1/name"
  echo org.qemu.guest_agent.0 > "$p/sys/vport0p2/name"
  mkfifo "$p/dev/vport0p1" "$p/dev/vport0p2"
}
run_port_agent () {
  local c=$TEST_TMP/$1
  (cd "$c/root" && exec "$AGENT" --plan "$c/plan.json" --state-dir "$c/state" --log "$c/agent.log" \
    --port org.kiln.agent.0 --sysfs-dir "$c/sys" --dev-dir "$c/dev" --no-poweroff --reboot-exit) \
    > "$c/stdout" 2> "$c/stderr"
  local rc=$?
  expect_no_sanitizer_report "$c/stderr"
  return $rc
}
# step_logged LOG EVENT STEP: the agent's log has that event of that step
# (a line still being written does not count)
step_logged () {
  jq -R --arg e "$2" --arg s "$3" 'fromjson? | select(.event == $e and .step == $s)' "$1" | grep -q .
}

# A host that starts reading late, once the agent has run a step without
# it: the agent runs on meanwhile, then the queue drains: every event but
# surplus output arrives, done last.
EXTRA=5 agent_case late port.json
make_port late
run_port_agent late &
agent_pid=$!
wait_for --while "$agent_pid" "the agent to finish step Big with nobody reading" \
  step_logged "$TEST_TMP/late/agent.log" step-end Big
cat "$TEST_TMP/late/dev/vport0p1" > "$TEST_TMP/late/port.out" &
reader=$!
rc=0
wait "$agent_pid" || rc=$?
wait "$reader"
expect_eq "late host: the run succeeds" 0 "$rc"
cp "$TEST_TMP/late/port.out" "$TEST_TMP/late/events.jsonl"
expect "late host: the port carried valid JSON lines ending with done" stream_is_valid late
expect_eq "late host: no event other than output was lost" \
  "$(jq -c 'select(.event != "output")' "$TEST_TMP/late/agent.log" | md5sum)" \
  "$(jq -c 'select(.event != "output")' "$TEST_TMP/late/port.out" | md5sum)"
expect "late host: output beyond the budget went to the log only" \
  test "$(jq -j 'select(.event == "output" and .step == "Big") | .data' "$TEST_TMP/late/port.out" | wc -c)" -le 262144
expect_eq "late host: the log has all output" 1000001 \
  "$(jq -j 'select(.event == "output" and .step == "Big") | .data' "$TEST_TMP/late/agent.log" | wc -c | tr -d ' ')"
expect "late host: the other port was left alone" test ! -s "$TEST_TMP/late/dev/vport0p2"

# A host that opens the port but never reads (the holder keeps it open
# until the agent is done): the agent must not hang on it.
EXTRA=0 agent_case deaf port.json
make_port deaf
sleep infinity <> "$TEST_TMP/deaf/dev/vport0p1" &
holder=$!
cleanup_fn kill_if_running "$holder"
rc=0
run_port_agent deaf || rc=$?
expect_eq "deaf host: the run still succeeds, with the port held open and unread" 0 "$rc"
expect_eq "deaf host: the log has the whole run" "done" "$(tail -n 1 "$TEST_TMP/deaf/agent.log" | jq -r .event)"

# No port at all: the agent works with its log only.
EXTRA=0 agent_case noport port.json
mkdir -p "$TEST_TMP/noport/sys" "$TEST_TMP/noport/dev"
rc=0
run_port_agent noport || rc=$?
expect_eq "no port: the run succeeds, logged" "0 done" "$rc $(tail -n 1 "$TEST_TMP/noport/agent.log" | jq -r .event)"

# ---- one agent per state folder ------------------------------------------------------
EXTRA=3 agent_case lock port.json
run_agent lock &
first=$!
c=$TEST_TMP/lock
# (start the second agent once the first one is running a step)
wait_for --while "$first" "the first agent to start a step" grep -qs '"step-start"' "$c/events.jsonl"
rc=0
"$AGENT" --plan "$c/plan.json" --state-dir "$c/state" --events "$c/events2.jsonl" > /dev/null 2> "$c/err2" || rc=$?
wait "$first"
expect_eq "a second agent on the same state folder refuses to run" 3 "$rc"
expect "... and says why" grep -q "another kiln-agent is running" "$c/err2"
