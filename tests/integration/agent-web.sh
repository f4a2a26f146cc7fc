#!/usr/bin/env bash
# agent-web.sh - WebDownload against a local HTTP server (127.0.0.1 only):
# file and folder destinations, checksums verified by the agent, HTTP
# errors, overwrite, and what gets left on disk.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/agent.sh"

requires python3
requires curl
mkdir -p "$TEST_TMP/www/files"
printf 'alpha\n' > "$TEST_TMP/www/files/a.txt"
printf 'beta\n' > "$TEST_TMP/www/files/b.txt"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$TEST_TMP/www" > "$TEST_TMP/server.log" 2>&1 &
server=$!
cleanup_fn kill_if_running "$server"
wait_for --while "$server" "the HTTP server on port $PORT" curl -s -o /dev/null "http://127.0.0.1:$PORT/"

EXTRA=$(sha256sum < "$TEST_TMP/www/files/a.txt" | cut -d' ' -f1) agent_case web web.json
R=$(root web)
run_agent web
expect_eq "the run succeeds" 0 "$RC"
expect "valid event stream" stream_is_valid web
expect_eq "a file destination" alpha "$(cat "$R/dl/a.txt")"
expect_eq "a folder destination keeps the URL's file name (query and fragment dropped)" beta "$(cat "$R/dl/dir/b.txt")"
expect_eq "output destination lists the files, one per line" "$R/dl/a.txt
$R/dl/dir/b.txt" "$(output_of web Get destination)"
expect_eq "a relative destination is relative to the agent's working directory" "alpha beta" \
  "$(cat "$R/rel/a.txt") $(cat "$R/rel/dir/b.txt")"
expect_eq "... and its output is the absolute path" "$R/rel/a.txt
$R/rel/dir/b.txt" "$(output_of web Relative destination)"
expect_eq "a matching checksum" "success alpha" "$(status_of web Checked) $(cat "$R/dl/checked.txt")"
expect_eq "a wrong checksum fails" ignored "$(status_of web BadSum)"
expect "... naming both sums" sh -c "grep -q 'MD5 checksum mismatch' '$(events web)'"
expect "... and leaves nothing behind" test ! -e "$R/dl/bad.txt" -a ! -e "$R/dl/bad.txt.kiln-download"
expect_eq "HTTP 404 fails at once" "ignored WebDownload: http://127.0.0.1:$PORT/files/missing.txt: HTTP status 404" \
  "$(status_of web NotFound) $(message_of web NotFound)"
expect_eq "... without retrying (404 is final): one request" 1 \
  "$(grep -c '"GET /files/missing.txt HTTP/1.[01]" 404' "$TEST_TMP/server.log")"
expect_eq "overwrite false refuses an existing file" "ignored alpha" "$(status_of web NoOverwrite) $(cat "$R/dl/a.txt")"
expect_eq "an existing file with the expected checksum is not downloaded again" success "$(status_of web SkipSame)"
expect_eq "only http and https" "WebDownload: the source must be an http:// or https:// URL, found 'file:///etc/passwd'" \
  "$(message_of web NotHttp)"
expect_eq "inputs chain into later steps" alpha "$(output_of web Chain stdout)"
