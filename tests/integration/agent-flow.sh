#!/usr/bin/env bash
# agent-flow.sh - loops, if/then/else with the operators, Assert, onFailure
# Continue / Ignore / Abort and the phase / document / run statuses.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/agent.sh"

# ---- loops ---------------------------------------------------------------
agent_case loops loops.json
R=$(root loops)
run_agent loops
expect_eq "loops: the run succeeds" 0 "$RC"
expect "loops: valid event stream" stream_is_valid loops
expect_eq "for start/end/updateBy is inclusive; loop.index and loop.value" "0:1
1:3
2:5" "$(output_of loops ForUp stdout)"
expect_eq "a named for loop counting down ({{ down.index }}, {{ down.value }})" "0 1 2" \
  "$(cat "$R/down-3.txt") $(cat "$R/down-2.txt") $(cat "$R/down-1.txt")"
expect_eq "forEach list with a named loop" "alpha
beta gamma" "$(cat "$R/list.txt")"
expect_eq "outputs of iterations are joined with newlines" "0
1" "$(output_of loops ForEachList stdout)"
expect_eq "forEach {list, delimiter}" "a
b
c" "$(output_of loops ForEachDelim stdout)"
expect_eq "a loop list from a chained output" "xa
xb
xc" "$(output_of loops ChainLoop stdout)"
expect_eq "a failing iteration does not stop the others" "0 1 2 3" "$(tr '\n' ' ' < "$R/ran.txt" | sed 's/ $//')"
expect_eq "the failure lists the failed iterations" "loop iterations 1, 3 failed: the commands exited with status 1" \
  "$(message_of loops LoopFail)"
expect_eq "outputs of the iterations that ran are kept" "out0
out1
out2
out3" "$(output_of loops LoopFail stdout)"
expect_eq "maxAttempts reruns the whole loop" "a b a b" "$(tr '\n' ' ' < "$R/retry.txt" | sed 's/ $//')"
expect_eq "... and then succeeds" "success 2" "$(status_of loops LoopRetry) $(step_field loops LoopRetry attempts)"
expect_eq "timeoutSeconds covers the whole loop" "timed out after 2 s" "$(message_of loops LoopTimeout)"
n=$(wc -l < "$R/slow.txt")
expect "... which stops early ($n of 100 iterations ran)" test "$n" -ge 1 -a "$n" -le 4
expect_eq "loop variables outside a loop stay as written" "{{ loop.value }}" "$(output_of loops Outside stdout)"
expect_eq "a loop with updateBy 0 fails the step" "loop.for: updateBy must not be 0" "$(message_of loops BadLoop)"

# ---- if and Assert -------------------------------------------------------------
EXTRA=$(printf 'hello\n' | sha256sum | cut -d' ' -f1) agent_case conditions conditions.json
R=$(root conditions)
run_agent conditions
expect_eq "conditions: the run succeeds" 0 "$RC"
expect "conditions: valid event stream" stream_is_valid conditions
expect_eq "a false condition skips the step" "skipped" "$(status_of conditions SkipMe)"
expect "... without running it" test ! -e "$R/SkipMe.ran"
expect_eq "a skipped step has no step-start and 0 attempts" "0 0" \
  "$(count_events conditions step-start SkipMe) $(step_field conditions SkipMe attempts)"
for s in RunMe ElseExecute Hash Pattern Numbers StringCmp Empty; do
  expect "if: $s runs" test -e "$R/$s.ran"
  expect_eq "if: $s succeeds" success "$(status_of conditions $s)"
done
for s in ThenSkip HashWrong; do
  expect "if: $s does not run" test ! -e "$R/$s.ran"
  expect_eq "if: $s is skipped" skipped "$(status_of conditions $s)"
done
expect_eq "an invalid condition fails the step" ignored "$(status_of conditions BadIf)"
expect_eq "... saying why" "if: unknown condition operator 'bogusOperator'" "$(message_of conditions BadIf)"
expect_eq "Assert that holds" success "$(status_of conditions AssertOK)"
expect_eq "Assert that does not hold fails" ignored "$(status_of conditions AssertFail)"
expect_eq "... with the condition in the message" 'Assert: the condition is false: {"numberEquals":"1","value":"2"}' \
  "$(message_of conditions AssertFail)"

# ---- onFailure -------------------------------------------------------------------
agent_case onfailure onfailure.json
R=$(root onfailure)
run_agent onfailure
expect_eq "onFailure: the run fails (exit 1)" 1 "$RC"
expect "onFailure: valid event stream" stream_is_valid onfailure
phases=$(jq -r 'select(.event == "phase-end") | "\(.document)/\(.phase)=\(.status)"' "$(events onfailure)" | tr '\n' ' ')
expect_eq "phase statuses: Continue fails the phase, Ignore gives successWithIgnoredFailure, Abort stops" \
  "one/build=failed one/validate=success two/build=successWithIgnoredFailure three/build=failed " "$phases"
expect_eq "Continue: the failed step, then the next step runs" "failed success" \
  "$(status_of onfailure C1) $(status_of onfailure C2)"
expect_eq "Ignore: IgnoredFailure" "ignored success" "$(status_of onfailure I1) $(status_of onfailure I2)"
expect_eq "Abort: the step fails" failed "$(status_of onfailure A1)"
expect "Abort: nothing after it runs (steps, phases, documents)" \
  test ! -e "$R/A2.ran" -a ! -e "$R/A3.ran" -a ! -e "$R/F1.ran"
expect_eq "phases not selected by the plan do not run" "0" "$(count_events onfailure step-start T1)"
expect_eq "done names the first failure" "failed one build C1 the commands exited with status 1" \
  "$(done_field onfailure status) $(done_field onfailure failedDocument) $(done_field onfailure failedPhase) $(done_field onfailure failedStep) $(done_field onfailure failureMessage)"

# ---- if ... then: Abort ---------------------------------------------------------
agent_case ifabort if-abort.json
R=$(root ifabort)
run_agent ifabort
expect_eq "then: Abort fails the run whatever onFailure says" "1 failed" "$RC $(status_of ifabort AbortMe)"
expect_eq "... with a message" "if: the condition is true and its action is Abort" "$(message_of ifabort AbortMe)"
expect "... and runs neither the step nor the next one" test ! -e "$R/AbortMe.ran" -a ! -e "$R/after"
