#!/bin/sh
# agent-exec.sh - ExecuteBash / ExecuteBinary: outputs, output events,
# chaining, exit codes, maxAttempts, timeoutSeconds (no child left).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/agent-lib.sh"

setup exec exec.json
R=$(root exec)
EV=$(events exec)
start=$(date +%s)
run_agent exec
took=$(( $(date +%s) - start ))
equals "the run succeeds" 0 "$RC"
check "the event stream is valid JSON lines ending with done" stream_is_valid exec

equals "ExecuteBash stdout is the output, trailing newline dropped" "hello
world" "$(output_of exec Say stdout)"
equals "stdout is streamed as output events" "hello|world|" \
  "$(jq -j 'select(.event == "output" and .step == "Say" and .stream == "stdout") | .data' "$EV" | tr '\n' '|')"
equals "stderr is streamed too" "to-stderr|" \
  "$(jq -j 'select(.event == "output" and .step == "Say" and .stream == "stderr") | .data' "$EV" | tr '\n' '|')"
equals "commands run as one script" multi-line "$(output_of exec Multi stdout)"
equals "ExecuteBinary finds a bare name on PATH, arguments are argv, chaining works" "hello
world-arg with space" "$(output_of exec Binary stdout)"
equals "ExecuteBinary with an absolute path" x "$(output_of exec BinaryAbs stdout)"
equals "a failing script: status" ignored "$(status_of exec Fail)"
equals "a failing script: exit code" 7 "$(step_field exec Fail exitCode)"
equals "a failing script: message" "the commands exited with status 7" "$(message_of exec Fail)"
equals "a failing script keeps its stdout" partial "$(output_of exec Fail stdout)"
equals "a missing binary: message" "cannot run kiln-no-such-binary: No such file or directory" "$(message_of exec Missing)"

# maxAttempts
equals "maxAttempts: succeeds on the 2nd attempt" "success 2" \
  "$(status_of exec Retry) $(step_field exec Retry attempts)"
equals "maxAttempts: one step-start per attempt" "1 2" \
  "$(jq -r 'select(.event == "step-start" and .step == "Retry") | .attempt' "$EV" | tr '\n' ' ' | sed 's/ $//')"
equals "maxAttempts: the outputs are those of the successful attempt" "xattempt 2" "$(output_of exec Chain2 stdout)"
equals "maxAttempts: all attempts failing" "ignored 2" "$(status_of exec RetryFail) $(step_field exec RetryFail attempts)"

# timeoutSeconds
equals "timeoutSeconds: the step fails" "ignored" "$(status_of exec Timeout)"
equals "timeoutSeconds: message" "timed out after 2 s" "$(message_of exec Timeout)"
d=$(step_field exec Timeout durationMs)
check "timeoutSeconds: stopped after ~2 s (took ${d} ms)" test "$d" -ge 2000 -a "$d" -lt 6000
pgid=$(cat "$R/timeout.pid")
check "timeoutSeconds: no process of the step is left" eval '! group_alive "$pgid"'
equals "timeoutSeconds announced in step-start" "2" "$(step_field exec Timeout timeoutSeconds step-start)"
equals "timeoutSeconds -1: no limit" "success -1" \
  "$(status_of exec NoTimeout) $(step_field exec NoTimeout timeoutSeconds step-start)"
check "the whole run did not wait for the sleeps (${took} s)" test "$took" -lt 30

# Bounded output
sent=$(jq -j 'select(.event == "output" and .step == "Big") | .data' "$EV" | wc -c)
check "output to the host stops after 256 KiB (sent $sent bytes)" test "$sent" -le 262144 -a "$sent" -gt 200000
equals "one output event says truncated" 1 \
  "$(jq -r 'select(.event == "output" and .step == "Big" and .truncated == true) | .step' "$EV" | wc -l | tr -d ' ')"
equals "no output event carries more than 4096 bytes" 0 \
  "$(jq -r 'select(.event == "output" and (.data | utf8bytelength) > 4096) | .step' "$EV" | wc -l | tr -d ' ')"
logged=$(jq -j 'select(.event == "output" and .step == "Big") | .data' "$TMP/exec/agent.log" | wc -c)
equals "the guest log keeps all output" 400001 "$logged"
equals "step-end outputs are bounded and marked" true "$(step_field exec Big outputsTruncated)"
check "step-end stays under 64 KiB of outputs" \
  test "$(jq -c 'select(.event == "step-end" and .step == "Big") | .outputs' "$EV" | wc -c)" -le 65536

equals "UTF-8 output survives" "café €" "$(output_of exec UTF8 stdout)"
equals "stdin is /dev/null" stdin-empty "$(output_of exec Stdin stdout)"
equals "non-output events are the same in the log and the stream" \
  "$(jq -c 'select(.event != "output")' "$EV" | md5sum)" "$(jq -c 'select(.event != "output")' "$TMP/exec/agent.log" | md5sum)"

finish
