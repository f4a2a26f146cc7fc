#!/usr/bin/env bash
# agent-exec.sh - ExecuteBash / ExecuteBinary: outputs, output events,
# chaining, exit codes, maxAttempts, timeoutSeconds (no child left).
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/agent.sh"

agent_case exec exec.json
R=$(root exec)
EV=$(events exec)
run_agent exec
expect_eq "the run succeeds" 0 "$RC"
expect "the event stream is valid JSON lines ending with done" stream_is_valid exec

expect_eq "ExecuteBash stdout is the output, trailing newline dropped" "hello
world" "$(output_of exec Say stdout)"
expect_eq "stdout is streamed as output events" "hello|world|" \
  "$(jq -j 'select(.event == "output" and .step == "Say" and .stream == "stdout") | .data' "$EV" | tr '\n' '|')"
expect_eq "stderr is streamed too" "to-stderr|" \
  "$(jq -j 'select(.event == "output" and .step == "Say" and .stream == "stderr") | .data' "$EV" | tr '\n' '|')"
expect_eq "commands run as one script" multi-line "$(output_of exec Multi stdout)"
# (the agent runs in $R here; the step's cd goes to /)
expect_eq "a cd and an export in one entry hold in the step's later entries" \
  "/ held" "$(output_of exec CdExport stdout)"
expect_eq "they do not carry over to the next step" \
  "$R unset" "$(output_of exec NextStep stdout)"
expect_eq "ExecuteBinary finds a bare name on PATH, arguments are argv, chaining works" "hello
world-arg with space" "$(output_of exec Binary stdout)"
expect_eq "ExecuteBinary with an absolute path" x "$(output_of exec BinaryAbs stdout)"
expect_eq "a failing script: status" ignored "$(status_of exec Fail)"
expect_eq "a failing script: exit code" 7 "$(step_field exec Fail exitCode)"
expect_eq "a failing script: message" "the commands exited with status 7" "$(message_of exec Fail)"
expect_eq "a failing script keeps its stdout" partial "$(output_of exec Fail stdout)"
expect_eq "a missing binary: message" "cannot run kiln-no-such-binary: No such file or directory" "$(message_of exec Missing)"

# maxAttempts
expect_eq "maxAttempts: succeeds on the 2nd attempt" "success 2" \
  "$(status_of exec Retry) $(step_field exec Retry attempts)"
expect_eq "maxAttempts: one step-start per attempt" "1 2" \
  "$(jq -r 'select(.event == "step-start" and .step == "Retry") | .attempt' "$EV" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "maxAttempts: the outputs are those of the successful attempt" "xattempt 2" "$(output_of exec Chain2 stdout)"
expect_eq "maxAttempts: all attempts failing" "ignored 2" "$(status_of exec RetryFail) $(step_field exec RetryFail attempts)"

# timeoutSeconds
expect_eq "timeoutSeconds: the step fails" "ignored" "$(status_of exec Timeout)"
expect_eq "timeoutSeconds: message" "timed out after 2 s" "$(message_of exec Timeout)"
d=$(step_field exec Timeout durationMs)
expect "timeoutSeconds: not stopped before 2 s (took ${d} ms)" test "$d" -ge 2000
# The step sleeps 600 s in the foreground and in the background, then marks
# it: no mark means the agent stopped it rather than waiting it out.
expect "timeoutSeconds: the step's sleeps were cut short, not waited for" \
  test ! -e "$R/timeout-slept" -a ! -e "$R/timeout-background-slept"
wait_for_group_gone "$(cat "$R/timeout.pid")"
ok "timeoutSeconds: no process of the step is left"
expect_eq "timeoutSeconds announced in step-start" "2" "$(step_field exec Timeout timeoutSeconds step-start)"
expect_eq "timeoutSeconds -1: no limit" "success -1" \
  "$(status_of exec NoTimeout) $(step_field exec NoTimeout timeoutSeconds step-start)"

# Bounded output
sent=$(jq -j 'select(.event == "output" and .step == "Big") | .data' "$EV" | wc -c)
expect "output to the host stops after 256 KiB (sent $sent bytes)" test "$sent" -le 262144 -a "$sent" -gt 200000
expect_eq "one output event says truncated" 1 \
  "$(jq -r 'select(.event == "output" and .step == "Big" and .truncated == true) | .step' "$EV" | wc -l | tr -d ' ')"
expect_eq "no output event carries more than 4096 bytes" 0 \
  "$(jq -r 'select(.event == "output" and (.data | utf8bytelength) > 4096) | .step' "$EV" | wc -l | tr -d ' ')"
logged=$(jq -j 'select(.event == "output" and .step == "Big") | .data' "$TEST_TMP/exec/agent.log" | wc -c)
expect_eq "the guest log keeps all output" 400001 "$logged"
expect_eq "step-end outputs are bounded and marked" true "$(step_field exec Big outputsTruncated)"
expect "step-end stays under 64 KiB of outputs" \
  test "$(jq -c 'select(.event == "step-end" and .step == "Big") | .outputs' "$EV" | wc -c)" -le 65536

expect_eq "UTF-8 output survives" "café €" "$(output_of exec UTF8 stdout)"
expect_eq "stdin is /dev/null" stdin-empty "$(output_of exec Stdin stdout)"
expect_eq "non-output events are the same in the log and the stream" \
  "$(jq -c 'select(.event != "output")' "$EV" | md5sum)" "$(jq -c 'select(.event != "output")' "$TEST_TMP/exec/agent.log" | md5sum)"
