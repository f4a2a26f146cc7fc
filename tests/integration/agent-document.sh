#!/usr/bin/env bash
# agent-document.sh - ExecuteDocument: nesting (3 levels, a 4th refused),
# the child's phases filter, its own chaining, a reboot deep inside a child
# resumes there, failures and the summary outputs.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/agent.sh"

agent_case doc document.json
R=$(root doc)
EV=$(events doc)
run_agent doc
expect_eq "exit 194 in a nested document (depth 2) asks for a reboot" 75 "$RC"
expect_eq "the reboot event names the nested step and its depth" "level2 L2Reboot 2 exit194" \
  "$(jq -r 'select(.event == "reboot") | "\(.document) \(.step) \(.depth) \(.reason)"' "$EV")"
run_agent doc
expect_eq "the next start resumes inside the nested document and finishes" 0 "$RC"
expect "valid event stream" stream_is_valid doc
expect_eq "steps ran once each, in order, across the reboot" "l1 l2 l2-after-reboot l3 v" \
  "$(tr '\n' ' ' < "$R/trace" | sed 's/ $//')"
expect_eq "the parent step did not start again after the reboot" 1 "$(count_events doc step-start Nested)"
expect_eq "a 4th level of nesting is refused" "ExecuteDocument: documents nest at most 3 levels deep" \
  "$(message_of doc L3Nest)"
expect "... and does not run" test "$(grep -c l4 "$R/trace")" -eq 0
expect "the child's phases filter holds (test phases did not run)" test ! -e "$R/L1Test.ran" -a ! -e "$R/L2Test.ran"
expect_eq "chaining works inside a child document" "one-chained" "$(output_of doc L1Chain stdout)"
expect_eq "a child document does not see its parent's steps" "{{ build.Prep.inputs[0].content }}" \
  "$(output_of doc L1Isolated stdout)"
expect_eq "events of nested steps carry the document and depth" "level1 1|level2 2|level3 3" \
  "$(jq -r 'select(.event == "step-end" and (.step == "L1Step" or .step == "L2Step" or .step == "L3Step")) | "\(.document) \(.depth)"' "$EV" | tr '\n' '|' | sed 's/|$//')"
expect_eq "phase events of nested documents" "level1/build level2/build level3/build level1/validate bad/build" \
  "$(jq -r 'select(.event == "phase-start" and .document != "main") | "\(.document)/\(.phase)"' "$EV" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "a failing child fails the ExecuteDocument step" ignored "$(status_of doc ChildFails)"
expect_eq "... with the child's failure in the message" \
  "ExecuteDocument bad: phase build, step B1: the commands exited with status 5" "$(message_of doc ChildFails)"
expect "... and Abort inside the child stops the child" test ! -e "$R/B2.ran"
expect_eq "a document that is not inline is refused" ignored "$(status_of doc NotInline)"
expect_eq "the summary outputs (status, executedStepCount, failedStepCount) chain" "success 5 failed 1" \
  "$(output_of doc Summary stdout)"
expect_eq "the plan succeeds" success "$(done_field doc status)"
