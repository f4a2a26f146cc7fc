#!/bin/sh
# agent-events.sh - the agent's command line, bad plans reported as a failed
# run, the virtio-serial port found by name (a FIFO stands in for
# /dev/vportNpM under a fake sysfs): a host that reads late gets every
# event that matters, a host that never reads does not hang the agent.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/agent-lib.sh"

# ---- command line -------------------------------------------------------------
equals "--version" "kiln-agent 0.1.0" "$("$AGENT" --version)"
check "--help shows the usage" sh -c "'$AGENT' --help | grep -q '^Usage: kiln-agent --boot'"
rc=0; "$AGENT" > /dev/null 2>&1 || rc=$?
equals "no arguments: usage error" 2 "$rc"
rc=0; "$AGENT" --plan x --state-dir "$TMP/s" --bogus > /dev/null 2>&1 || rc=$?
equals "an unknown argument: usage error" 2 "$rc"
equals "--probe prints KILN-PROBE-OK (and, not being PID 1, powers nothing off)" "KILN-PROBE-OK 0" \
  "$("$AGENT" --probe) $?"

# ---- bad plans are reported as failed runs ------------------------------------
setup syntax bad-syntax.json
run_agent syntax
equals "invalid JSON: exit 2" 2 "$RC"
check "invalid JSON: the events still end with done" stream_is_valid syntax
equals "invalid JSON: done says where" "failed $TMP/syntax/plan.json: line 2, column 16: expected a value (object, list, string, number, true, false or null), found ','" \
  "$(done_field syntax status) $(done_field syntax failureMessage)"
setup shape bad-shape.json
run_agent shape
equals "a plan of the wrong shape: done names the member" \
  "2 $TMP/shape/plan.json: documents[0]: phases[0].steps[0].action: expected a string, found nothing" \
  "$RC $(done_field shape failureMessage)"
mkdir -p "$TMP/missing/root"
run_agent missing
equals "a missing plan" "2 cannot open $TMP/missing/plan.json: No such file or directory" \
  "$RC $(done_field missing failureMessage)"

# ---- the port ---------------------------------------------------------------------
make_port () {
  p=$TMP/$1
  mkdir -p "$p/sys/vport0p1" "$p/sys/vport0p2" "$p/dev"
  echo org.kiln.agent.0 > "$p/sys/vport0p1/name"
  echo org.qemu.guest_agent.0 > "$p/sys/vport0p2/name"
  mkfifo "$p/dev/vport0p1" "$p/dev/vport0p2"
}
run_port_agent () {
  c=$TMP/$1
  (cd "$c/root" && exec "$AGENT" --plan "$c/plan.json" --state-dir "$c/state" --log "$c/agent.log" \
    --port org.kiln.agent.0 --sysfs-dir "$c/sys" --dev-dir "$c/dev" --no-poweroff --reboot-exit) \
    > "$c/stdout" 2> "$c/stderr"
}

# A host that starts reading 3 s late: the agent runs on meanwhile, then
# the queue drains: every event but surplus output arrives, done last.
EXTRA=5 setup late port.json
make_port late
run_port_agent late &
agent_pid=$!
sleep 3
cat "$TMP/late/dev/vport0p1" > "$TMP/late/port.out" &
reader=$!
rc=0
wait "$agent_pid" || rc=$?
wait "$reader"
equals "late host: the run succeeds" 0 "$rc"
cp "$TMP/late/port.out" "$TMP/late/events.jsonl"
check "late host: the port carried valid JSON lines ending with done" stream_is_valid late
equals "late host: no event other than output was lost" \
  "$(jq -c 'select(.event != "output")' "$TMP/late/agent.log" | md5sum)" \
  "$(jq -c 'select(.event != "output")' "$TMP/late/port.out" | md5sum)"
check "late host: output beyond the budget went to the log only" \
  test "$(jq -j 'select(.event == "output" and .step == "Big") | .data' "$TMP/late/port.out" | wc -c)" -le 262144
equals "late host: the log has all output" 1000001 \
  "$(jq -j 'select(.event == "output" and .step == "Big") | .data' "$TMP/late/agent.log" | wc -c | tr -d ' ')"
check "late host: the other port was left alone" test ! -s "$TMP/late/dev/vport0p2"

# A host that opens the port but never reads: the agent must not hang.
EXTRA=0 setup deaf port.json
make_port deaf
sleep 60 <> "$TMP/deaf/dev/vport0p1" &
holder=$!
t0=$(date +%s)
rc=0
run_port_agent deaf || rc=$?
took=$(( $(date +%s) - t0 ))
kill "$holder" 2>/dev/null
equals "deaf host: the run still succeeds" 0 "$rc"
check "deaf host: the agent did not hang (${took} s)" test "$took" -le 20
equals "deaf host: the log has the whole run" "done" "$(tail -n 1 "$TMP/deaf/agent.log" | jq -r .event)"

# No port at all: the agent works with its log only.
EXTRA=0 setup noport port.json
mkdir -p "$TMP/noport/sys" "$TMP/noport/dev"
rc=0
run_port_agent noport || rc=$?
equals "no port: the run succeeds, logged" "0 done" "$rc $(tail -n 1 "$TMP/noport/agent.log" | jq -r .event)"

# ---- one agent per state folder ------------------------------------------------------
EXTRA=3 setup lock port.json
run_agent lock &
first=$!
c=$TMP/lock
# (start the second agent once the first one is running a step)
until grep -q '"step-start"' "$c/events.jsonl" 2>/dev/null; do sleep 0.1; done
rc=0
"$AGENT" --plan "$c/plan.json" --state-dir "$c/state" --events "$c/events2.jsonl" > /dev/null 2> "$c/err2" || rc=$?
wait "$first"
equals "a second agent on the same state folder refuses to run" 3 "$rc"
check "... and says why" grep -q "another kiln-agent is running" "$c/err2"

finish
