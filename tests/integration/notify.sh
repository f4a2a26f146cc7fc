#!/usr/bin/env bash
# Notifications (docs/recipes-and-pipelines.md, "Notifications") on the
# tiny image: one real build whose recipe tells a command (the event on its
# stdin, argv as written, no shell), a webhook served by a small HTTP
# server on 127.0.0.1 started here, and a webhook on a port where nothing
# listens (a warning; the build still succeeds).  Then, without a boot: a
# pipeline run of the same recipe, skipped (an identical build is in the
# store), told to the pipeline's and the recipe's targets with the
# destination both list told once; and a build whose parent does not exist,
# told as failed.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"
requires jq
requires python3

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"

dir=$TEST_TMP/n
hooks=$TEST_TMP/hooks
mkdir -p "$dir" "$hooks"

# The webhook receiver: each POST's body and what came with it, in files
# written before it answers 204 (kiln waits for the answer).
cat > "$TEST_TMP/receiver.py" <<'PY'
import http.server, json, os, sys
out = sys.argv[1]
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        n = len([f for f in os.listdir(out) if f.endswith(".body")]) + 1
        with open(os.path.join(out, "%d.meta" % n), "w") as f:
            json.dump({"path": self.path,
                       "contentType": self.headers.get("Content-Type")}, f)
        with open(os.path.join(out, "%d.body.tmp" % n), "wb") as f:
            f.write(body)
        os.rename(os.path.join(out, "%d.body.tmp" % n),
                  os.path.join(out, "%d.body" % n))
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
with open(os.path.join(out, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(out, "port.tmp"), os.path.join(out, "port"))
server.serve_forever()
PY
python3 "$TEST_TMP/receiver.py" "$hooks" < /dev/null &
receiver=$!
cleanup_fn kill_if_running "$receiver"
wait_for --while "$receiver" "the webhook receiver to listen" test -s "$hooks/port"
port=$(cat "$hooks/port")
# a port nothing listens on: bound by the kernel's choice, then let go
dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat > "$dir/hello.yaml" <<'YAML'
name: notify-hello
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Write
        action: ExecuteBash
        inputs:
          commands:
            - echo notified > /etc/notify-test
YAML
# The command is an argv: kiln runs sh itself with these words, so '$HOME;
# echo no' reaches it as one literal argument.
cat > "$dir/recipe.yaml" <<YAML
name: notify-test
version: 1.0.0
parent: $tiny
components:
  - { component: ./hello.yaml, offline: true }   # no boot: notifications are the point
build:
  memory: 512M
outputs:
  name: notify-out
  formats: [qcow2]
  directory: $dir/out
notify:
  - on: [available, failed, skipped]
    command: [sh, -c, 'cat >> "\$0"; printf "%s\\n" "\$1" >> "\$0.arg"', $dir/command.jsonl, '\$HOME; echo no']
  - on: [available, failed, skipped]
    webhook: http://127.0.0.1:$port/hook/TOKEN
    timeout: 20s
  - on: [available]
    webhook: http://127.0.0.1:$dead/nobody-listens
    timeout: 10s
YAML
dead_line=$(grep -n "nobody-listens" "$dir/recipe.yaml" | cut -d: -f1)
dead_line=$((dead_line - 1))   # the target's map starts at its `on:` line

# --force: the catalog outlives the test, an earlier run's build would make
# this one up to date
expect_exit 0 --out "$TEST_TMP/build.out" "$KILN" build --force "$dir/recipe.yaml" < /dev/null
expect_grep "warning: the 'available' notification to webhook http://127.0.0.1:$dead (.*recipe.yaml:$dead_line) failed" "$TEST_TMP/build.out"
expect_no_grep "TOKEN\|nobody-listens" "$TEST_TMP/build.out"

# The command's stdin: one line of JSON.
expect_eq "the command was told once" 1 "$(wc -l < "$dir/command.jsonl")"
ev=$TEST_TMP/available.json
head -n 1 "$dir/command.jsonl" > "$ev"
jq . "$ev"
expect_eq "event" available "$(jq -r .event "$ev")"
expect_eq "state" available "$(jq -r .state "$ev")"
build=$(jq -r .build "$ev")
expect "the build reference ($build)" sh -c "echo '$build' | grep -Eq '^notify-test/1.0.0/[0-9]+\$'"
expect "kiln images knows the build" "$KILN" images show "$build"
expect_eq "recipe name" notify-test "$(jq -r .recipe.name "$ev")"
expect_eq "recipe path" "$(realpath "$dir/recipe.yaml")" "$(jq -r .recipe.path "$ev")"
expect_eq "no pipeline" null "$(jq -r .pipeline "$ev")"
expect_eq "no failure" null "$(jq -r .failure "$ev")"
expect "startedAt and finishedAt in UTC, in order" \
  jq -e '(.startedAt | test("^[0-9-]+T[0-9:]+Z$")) and (.finishedAt | test("^[0-9-]+T[0-9:]+Z$")) and .startedAt <= .finishedAt and (.seconds | type == "number")' "$ev"
expect_eq "one artifact" 1 "$(jq '.artifacts | length' "$ev")"
expect_eq "its format" qcow2 "$(jq -r '.artifacts[0].format' "$ev")"
artifact=$(jq -r '.artifacts[0].path' "$ev")
expect_file "$artifact"
expect_eq "its sha256" "$(sha256sum "$artifact" | cut -d' ' -f1)" "$(jq -r '.artifacts[0].sha256' "$ev")"
log=$(jq -r .log "$ev")
expect_file "$log"
expect_grep "the 'available' notification to webhook http://127.0.0.1:$dead .* failed" "$log"
expect_line "$dir/command.jsonl.arg" '$HOME; echo no'

# The webhook: the same JSON, POSTed as application/json.
expect_file "$hooks/1.body"
expect_no_file "$hooks/2.body"
expect_eq "the webhook's body is the command's line" "$(cat "$ev")" "$(cat "$hooks/1.body")"
expect_eq "content type" application/json "$(jq -r .contentType "$hooks/1.meta")"
expect_eq "the webhook's path" /hook/TOKEN "$(jq -r .path "$hooks/1.meta")"

# A pipeline run of the same recipe: nothing to build (the identical build
# is in the store), recorded and told as skipped.  The pipeline lists the
# recipe's command again (told once) and a target of its own.
cat > "$dir/pipeline.yaml" <<YAML
pipeline: notify-test-nightly
recipe: ./recipe.yaml
schedule: "0 3 * * *"
notify:
  - on: [skipped]
    command: [sh, -c, 'cat >> "\$0"; printf "%s\\n" "\$1" >> "\$0.arg"', $dir/command.jsonl, '\$HOME; echo no']
  - on: [skipped]
    command: [sh, -c, 'cat > "\$0"', $dir/pipeline.json]
YAML
expect_exit 0 --out "$TEST_TMP/run.out" "$KILN" pipeline run "$dir/pipeline.yaml" < /dev/null
expect_grep "pipeline notify-test-nightly: run [0-9]* skipped" "$TEST_TMP/run.out"
expect_no_grep "warning" "$TEST_TMP/run.out"   # the dead hook is told of available only

ev=$TEST_TMP/skipped.json
expect_eq "the shared command was told once more" 2 "$(wc -l < "$dir/command.jsonl")"
sed -n 2p "$dir/command.jsonl" > "$ev"
jq . "$ev"
expect_eq "event" skipped "$(jq -r .event "$ev")"
expect_eq "pipeline name" notify-test-nightly "$(jq -r .pipeline.name "$ev")"
expect_eq "trigger" manual "$(jq -r .pipeline.trigger "$ev")"
expect "the run number" jq -e '.pipeline.run | type == "number" and . > 0' "$ev"
expect "the reason" jq -e '.reason | test("identical build is in the store|nothing it depends on changed")' "$ev"
expect_eq "no failure" null "$(jq -r .failure "$ev")"
expect_eq "the pipeline's own target heard the same" "$(cat "$ev")" "$(cat "$dir/pipeline.json")"
expect_file "$hooks/2.body"
expect_eq "the recipe's webhook heard the same" "$(cat "$ev")" "$(cat "$hooks/2.body")"

# A build whose parent does not exist fails before it begins: told as
# failed, with the message, no build and no log.
cat > "$dir/broken.yaml" <<YAML
name: notify-test-broken
version: 1.0.0
parent: $dir/no-such-parent.qcow2
components:
  - ./hello.yaml
notify:
  command: [sh, -c, 'cat > "\$0"', $dir/failed.json]
YAML
expect_exit 2 --out "$TEST_TMP/broken.out" "$KILN" build "$dir/broken.yaml" < /dev/null
ev=$dir/failed.json
jq . "$ev"
expect_eq "event" failed "$(jq -r .event "$ev")"
expect "the failure's message names the parent" jq -e '.failure.message | contains("no-such-parent.qcow2")' "$ev"
expect_eq "no build" null "$(jq -r .build "$ev")"
expect_eq "no log" null "$(jq -r .log "$ev")"

expect_no_leftovers
