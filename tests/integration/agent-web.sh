#!/bin/sh
# agent-web.sh - WebDownload against a local HTTP server (127.0.0.1 only):
# file and folder destinations, checksums verified by the agent, HTTP
# errors, overwrite, and what gets left on disk.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/agent-lib.sh"

if ! command -v python3 > /dev/null 2>&1 || ! command -v curl > /dev/null 2>&1; then
  echo "SKIP: python3 (for a local HTTP server) or curl is missing"
  exit 77
fi
mkdir -p "$TMP/www/files"
printf 'alpha\n' > "$TMP/www/files/a.txt"
printf 'beta\n' > "$TMP/www/files/b.txt"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$TMP/www" > "$TMP/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$TMP"' EXIT
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/" || [ $i -ge 50 ]; do sleep 0.2; i=$((i + 1)); done

EXTRA=$(sha256sum < "$TMP/www/files/a.txt" | cut -d' ' -f1) setup web web.json
R=$(root web)
run_agent web
equals "the run succeeds" 0 "$RC"
check "valid event stream" stream_is_valid web
equals "a file destination" alpha "$(cat "$R/dl/a.txt")"
equals "a folder destination keeps the URL's file name (query and fragment dropped)" beta "$(cat "$R/dl/dir/b.txt")"
equals "output destination lists the files, one per line" "$R/dl/a.txt
$R/dl/dir/b.txt" "$(output_of web Get destination)"
equals "a matching checksum" "success alpha" "$(status_of web Checked) $(cat "$R/dl/checked.txt")"
equals "a wrong checksum fails" ignored "$(status_of web BadSum)"
check "... naming both sums" sh -c "grep -q 'MD5 checksum mismatch' '$(events web)'"
check "... and leaves nothing behind" test ! -e "$R/dl/bad.txt" -a ! -e "$R/dl/bad.txt.kiln-download"
equals "HTTP 404 fails at once" "ignored WebDownload: http://127.0.0.1:$PORT/files/missing.txt: HTTP status 404" \
  "$(status_of web NotFound) $(message_of web NotFound)"
check "... without retrying (404 is final)" test "$(step_field web NotFound durationMs)" -lt 1000
equals "overwrite false refuses an existing file" "ignored alpha" "$(status_of web NoOverwrite) $(cat "$R/dl/a.txt")"
equals "an existing file with the expected checksum is not downloaded again" success "$(status_of web SkipSame)"
equals "only http and https" "WebDownload: the source must be an http:// or https:// URL, found 'file:///etc/passwd'" \
  "$(message_of web NotHttp)"
equals "inputs chain into later steps" alpha "$(output_of web Chain stdout)"

finish
