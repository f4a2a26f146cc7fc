#!/bin/sh
# agent-flow.sh - loops, if/then/else with the operators, Assert, onFailure
# Continue / Ignore / Abort and the phase / document / run statuses.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/agent-lib.sh"

# ---- loops ---------------------------------------------------------------
setup loops loops.json
R=$(root loops)
run_agent loops
equals "loops: the run succeeds" 0 "$RC"
check "loops: valid event stream" stream_is_valid loops
equals "for start/end/updateBy is inclusive; loop.index and loop.value" "0:1
1:3
2:5" "$(output_of loops ForUp stdout)"
equals "a named for loop counting down ({{ down.index }}, {{ down.value }})" "0 1 2" \
  "$(cat "$R/down-3.txt") $(cat "$R/down-2.txt") $(cat "$R/down-1.txt")"
equals "forEach list with a named loop" "alpha
beta gamma" "$(cat "$R/list.txt")"
equals "outputs of iterations are joined with newlines" "0
1" "$(output_of loops ForEachList stdout)"
equals "forEach {list, delimiter}" "a
b
c" "$(output_of loops ForEachDelim stdout)"
equals "a loop list from a chained output" "xa
xb
xc" "$(output_of loops ChainLoop stdout)"
equals "a failing iteration does not stop the others" "0 1 2 3" "$(tr '\n' ' ' < "$R/ran.txt" | sed 's/ $//')"
equals "the failure lists the failed iterations" "loop iterations 1, 3 failed: the commands exited with status 1" \
  "$(message_of loops LoopFail)"
equals "outputs of the iterations that ran are kept" "out0
out1
out2
out3" "$(output_of loops LoopFail stdout)"
equals "maxAttempts reruns the whole loop" "a b a b" "$(tr '\n' ' ' < "$R/retry.txt" | sed 's/ $//')"
equals "... and then succeeds" "success 2" "$(status_of loops LoopRetry) $(step_field loops LoopRetry attempts)"
equals "timeoutSeconds covers the whole loop" "timed out after 2 s" "$(message_of loops LoopTimeout)"
n=$(wc -l < "$R/slow.txt")
check "... which stops early ($n of 100 iterations ran)" test "$n" -ge 1 -a "$n" -le 4
equals "loop variables outside a loop stay as written" "{{ loop.value }}" "$(output_of loops Outside stdout)"
equals "a loop with updateBy 0 fails the step" "loop.for: updateBy must not be 0" "$(message_of loops BadLoop)"

# ---- if and Assert -------------------------------------------------------------
EXTRA=$(printf 'hello\n' | sha256sum | cut -d' ' -f1) setup conditions conditions.json
R=$(root conditions)
run_agent conditions
equals "conditions: the run succeeds" 0 "$RC"
check "conditions: valid event stream" stream_is_valid conditions
equals "a false condition skips the step" "skipped" "$(status_of conditions SkipMe)"
check "... without running it" test ! -e "$R/SkipMe.ran"
equals "a skipped step has no step-start and 0 attempts" "0 0" \
  "$(count_events conditions step-start SkipMe) $(step_field conditions SkipMe attempts)"
for s in RunMe ElseExecute Hash Pattern Numbers StringCmp Empty; do
  check "if: $s runs" test -e "$R/$s.ran"
  equals "if: $s succeeds" success "$(status_of conditions $s)"
done
for s in ThenSkip HashWrong; do
  check "if: $s does not run" test ! -e "$R/$s.ran"
  equals "if: $s is skipped" skipped "$(status_of conditions $s)"
done
equals "an invalid condition fails the step" ignored "$(status_of conditions BadIf)"
equals "... saying why" "if: unknown condition operator 'bogusOperator'" "$(message_of conditions BadIf)"
equals "Assert that holds" success "$(status_of conditions AssertOK)"
equals "Assert that does not hold fails" ignored "$(status_of conditions AssertFail)"
equals "... with the condition in the message" 'Assert: the condition is false: {"numberEquals":"1","value":"2"}' \
  "$(message_of conditions AssertFail)"

# ---- onFailure -------------------------------------------------------------------
setup onfailure onfailure.json
R=$(root onfailure)
run_agent onfailure
equals "onFailure: the run fails (exit 1)" 1 "$RC"
check "onFailure: valid event stream" stream_is_valid onfailure
phases=$(jq -r 'select(.event == "phase-end") | "\(.document)/\(.phase)=\(.status)"' "$(events onfailure)" | tr '\n' ' ')
equals "phase statuses: Continue fails the phase, Ignore gives successWithIgnoredFailure, Abort stops" \
  "one/build=failed one/validate=success two/build=successWithIgnoredFailure three/build=failed " "$phases"
equals "Continue: the failed step, then the next step runs" "failed success" \
  "$(status_of onfailure C1) $(status_of onfailure C2)"
equals "Ignore: IgnoredFailure" "ignored success" "$(status_of onfailure I1) $(status_of onfailure I2)"
equals "Abort: the step fails" failed "$(status_of onfailure A1)"
check "Abort: nothing after it runs (steps, phases, documents)" \
  test ! -e "$R/A2.ran" -a ! -e "$R/A3.ran" -a ! -e "$R/F1.ran"
equals "phases not selected by the plan do not run" "0" "$(count_events onfailure step-start T1)"
equals "done names the first failure" "failed one build C1 the commands exited with status 1" \
  "$(done_field onfailure status) $(done_field onfailure failedDocument) $(done_field onfailure failedPhase) $(done_field onfailure failedStep) $(done_field onfailure failureMessage)"

# ---- if ... then: Abort ---------------------------------------------------------
setup ifabort if-abort.json
R=$(root ifabort)
run_agent ifabort
equals "then: Abort fails the run whatever onFailure says" "1 failed" "$RC $(status_of ifabort AbortMe)"
equals "... with a message" "if: the condition is true and its action is Abort" "$(message_of ifabort AbortMe)"
check "... and runs neither the step nor the next one" test ! -e "$R/AbortMe.ran" -a ! -e "$R/after"

finish
