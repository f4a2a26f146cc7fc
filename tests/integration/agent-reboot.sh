#!/usr/bin/env bash
# agent-reboot.sh - exit 194 and Reboot across (simulated) reboots, progress
# kept on disk, power loss in the middle of a step, SIGTERM, and a step
# that keeps killing the agent.  --reboot-exit makes a reboot request save
# the state and exit 75; running the agent again is the next boot.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/agent.sh"

agent_case reboot reboot.json
R=$(root reboot)
EV=$(events reboot)

run_agent reboot
expect_eq "boot 1: exit 194 makes the agent exit 75" 75 "$RC"
expect_eq "boot 1: a reboot event for the same step" "Exit194 exit194" \
  "$(jq -r 'select(.event == "reboot") | "\(.step) \(.reason)"' "$EV" | tail -n 1)"
expect "boot 1: state.json is on disk" test -s "$TEST_TMP/reboot/state/state.json"
expect_eq "boot 1: no done yet" 0 "$(count_events reboot done)"

run_agent reboot
expect_eq "boot 2: hello says boot 2, resumed" "2 true" \
  "$(jq -r 'select(.event == "hello") | "\(.boot) \(.resumed)"' "$EV" | tail -n 1)"
expect_eq "boot 2: the same step ran again and succeeded" "2 success" \
  "$(count_events reboot step-start Exit194) $(status_of reboot Exit194)"
expect_eq "boot 2: the Reboot action exits 75 after its delay" 75 "$RC"
expect_eq "boot 2: reboot event with reason Reboot" "RebootNow Reboot" \
  "$(jq -r 'select(.event == "reboot") | "\(.step) \(.reason)"' "$EV" | tail -n 1)"

run_agent reboot
expect_eq "boot 3: the Reboot step ends successfully without starting again" "1 success" \
  "$(count_events reboot step-start RebootNow) $(status_of reboot RebootNow)"
d=$(step_field reboot RebootNow durationMs)
expect "boot 3: the Reboot step's duration covers its delay (${d} ms)" test "$d" -ge 1000
expect_eq "boot 3: exit 194 inside a loop iteration" 75 "$RC"

run_agent reboot
expect_eq "boot 4: the plan finishes" 0 "$RC"
expect "boot 4: valid event stream over all boots" stream_is_valid reboot
expect_eq "each step ran as AWSTOE says (same step after exit 194, next step after Reboot)" \
  "before first second after final" "$(tr '\n' ' ' < "$R/trace" | sed 's/ $//')"
expect_eq "the loop resumed at the iteration that asked for the reboot" "a b b c" \
  "$(tr '\n' ' ' < "$R/loop-trace" | sed 's/ $//')"
expect_eq "outputs of earlier iterations survive the reboot; the 194 run's are dropped" "a
b
c" "$(output_of reboot LoopReboot stdout)"
expect_eq "three reboot events" 3 "$(count_events reboot reboot)"
expect_eq "one done" 1 "$(count_events reboot done)"

run_agent reboot
expect_eq "boot 5: a finished plan is not run again" "0 before first second after final" \
  "$RC $(tr '\n' ' ' < "$R/trace" | sed 's/ $//')"
expect_eq "boot 5: done is reported again" "2 success" \
  "$(count_events reboot done) $(done_field reboot status)"

# ---- power loss in the middle of a step -----------------------------------------
agent_case power powerloss.json
R=$(root power)
c=$TEST_TMP/power
(cd "$R" && exec "$AGENT" --plan "$c/plan.json" --state-dir "$c/state" --events "$c/events.jsonl" \
  --log "$c/agent.log" --no-poweroff --reboot-exit) > /dev/null 2>&1 &
agent_pid=$!
wait_for --while "$agent_pid" "step Long to run" test -s "$R/runs"
kill -9 "$agent_pid"
kill -9 -- "-$(cat "$R/pgid")" 2>/dev/null
wait "$agent_pid" 2>/dev/null
expect "power loss: the agent was cut off in the middle of the step" test ! -e "$R/runs2" -a "$(wc -l < "$R/runs")" -eq 1
run_agent power
expect_eq "power loss: the next start finishes the plan" 0 "$RC"
expect_eq "power loss: the step that was cut off ran again" "2 2 success" \
  "$(wc -l < "$R/runs" | tr -d ' ') $(count_events power step-start Long) $(status_of power Long)"
expect_eq "power loss: steps before it did not run again" "first last" "$(tr '\n' ' ' < "$R/trace" | sed 's/ $//')"
expect "power loss: a warning says the step was cut off" \
  grep -q 'step Long was cut off by an unexpected stop' "$(events power)"

# ---- SIGTERM while a step runs ---------------------------------------------------
agent_case term powerloss.json
R=$(root term)
c=$TEST_TMP/term
(cd "$R" && exec "$AGENT" --plan "$c/plan.json" --state-dir "$c/state" --events "$c/events.jsonl" \
  --log "$c/agent.log" --no-poweroff --reboot-exit) > /dev/null 2>&1 &
agent_pid=$!
wait_for --while "$agent_pid" "step Long to run" test -s "$R/runs"
kill -TERM "$agent_pid"
rc=0
wait "$agent_pid" || rc=$?
expect_eq "SIGTERM: the agent stops with status 143" 143 "$rc"
wait_for_group_gone "$(cat "$R/pgid")"
ok "SIGTERM: the step's processes are gone"
run_agent term
expect_eq "SIGTERM: the next start reruns the step and finishes" "0 success" "$RC $(status_of term Long)"
# (an agent that had let the step finish would not have started it again)
expect_eq "SIGTERM: the step was cut off, not waited for" "2 2" \
  "$(wc -l < "$R/runs" | tr -d ' ') $(count_events term step-start Long)"

# ---- a step that keeps killing the agent -----------------------------------------
agent_case crash crashloop.json
R=$(root crash)
for n in 1 2 3 4; do run_agent crash; done
expect_eq "crash loop: the agent died 4 times" "4 137" "$(wc -l < "$R/kills" | tr -d ' ') $RC"
run_agent crash
expect_eq "crash loop: the 5th start gives up on the step" "1 failed" "$RC $(status_of crash KillsAgent)"
expect_eq "... and says why" "the step was cut off 4 times by an unexpected stop (reboot or power loss)" \
  "$(message_of crash KillsAgent)"
