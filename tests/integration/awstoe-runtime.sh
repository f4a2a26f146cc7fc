#!/usr/bin/env bash
# The run-time rules real component documents rely on (issue 15 item 3), on
# the tiny image: `kiln run` (kiln's `awstoe run`) applies
# tests/fixtures/runtime/awstoe-runtime.yaml with a network card, and its
# log folder's detailedoutput.json says what each step did:
#   - a `cd` and an `export` in one entry hold in the step's later entries,
#     not in the next step;
#   - ExecuteBinary finds a bare program name on PATH;
#   - a relative WebDownload destination is relative to the agent's working
#     directory (/ in a boot), its `destination` output absolute;
#   - chaining of inputs[N] and outputs;
#   - maxAttempts with Abort (passes on the third try), with Ignore, and
#     onFailure: Continue (the run goes on, and fails);
#   - schemaVersion: 1 as a YAML integer.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

requires python3
requires jq
tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
cp "$top_srcdir/tests/fixtures/runtime/awstoe-runtime.yaml" "$TEST_TMP/"

# the file WebDownload fetches, from 10.0.2.2 (the host, for a guest on
# user-mode networking)
mkdir -p "$TEST_TMP/www/files"
printf 'alpha\n' > "$TEST_TMP/www/files/a.txt"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$TEST_TMP/www" > "$TEST_TMP/server.log" 2>&1 &
server=$!
cleanup_fn kill_if_running "$server"
wait_for --while "$server" "the HTTP server on port $PORT" curl -s -o /dev/null "http://127.0.0.1:$PORT/"

# FailsButGoesOn says Continue: the run goes on to its end, and fails
expect_exit 1 --out "$TEST_TMP/run.out" "$KILN" run "$TEST_TMP/awstoe-runtime.yaml" --image "$tiny" \
    --network --parameters "port=$PORT" --memory 512M --output "$TEST_TMP/logs" --execution-id rt </dev/null
expect_no_leftovers
d=$(ls -d "$TEST_TMP"/logs/TOE_*_rt)/detailedoutput.json
expect_file "$d"
status_of() { jq -r --arg s "$1" '.documents[0].phases[].steps[] | select(.name == $s) | .status' "$d"; }
stdout_of() { jq -r --arg s "$1" '.documents[0].phases[].steps[] | select(.name == $s) | .outputs | fromjson | .stdout' "$d"; }

for step in Network Fetch ShellState NextStep OnPath Chain ThirdTime AfterContinue; do
  expect_eq "step $step" success "$(status_of "$step")"
done
expect_eq "maxAttempts 2 with onFailure Ignore" ignored "$(status_of NeverWorks)"
expect_eq "onFailure Continue: the step failed" failed "$(status_of FailsButGoesOn)"
expect_eq "... and the run with it" failed "$(jq -r .status "$d")"
report=$(stdout_of AfterContinue)
echo "$report"
expect_line - "in-step=/var/kiln-rt carried" <<<"$report"
expect_line - "next-step=/ unset" <<<"$report"
expect_line - "chain=Linux rel/a.txt /rel/a.txt" <<<"$report"
expect_line - "tries=3 never=2" <<<"$report"
expect_line - "relative=alpha" <<<"$report"
ok "AWSTOE's run-time rules hold in a booted tiny image"
