#!/usr/bin/env bash
# kiln run (apply one component, like awstoe run, leaving awstoe's log
# folder with --output DIR), kiln test (test phases against an existing
# image) and SIGTERM in the middle of a boot (whose log folder says failed).
# The component also puts a stand-in for cloud-init into the image: the test
# boot's agent must start its steps without waiting for cloud-init's final
# stage (no step of that plan needs it), which the stand-in would record.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")

cat > "$TEST_TMP/note.yaml" <<'YAML'
name: note
schemaVersion: 1.0
parameters:
  - Word:
      type: string
      default: plain
      description: what to write
phases:
  - name: build
    steps:
      - name: Write
        action: CreateFile
        inputs:
          - path: /etc/kiln-note
            content: '{{ Word }}'
            permissions: '0600'
      - name: Show
        action: ExecuteBash
        inputs:
          commands: ['cat /etc/kiln-note; echo']
      - name: JournalStandIn
        action: CreateFile
        inputs:
          - path: /var/log/journal/0123456789abcdef/system.journal
            content: 'what a step printed, as journald would keep it'
      - name: StandIn
        action: CreateFile
        inputs:
          - path: /usr/bin/cloud-init
            permissions: '0755'
            content: |
              #!/bin/sh
              # stand-in: records that someone waited for the final stage
              if [ "$1 $2" = "status --wait" ]; then : > /var/kiln-final-waited; fi
              exit 0
  - name: deploy-check
    steps:
      - name: Mark
        action: ExecuteBash
        inputs:
          commands: ['echo deployed > /etc/kiln-deploy']
      - name: Shrug
        action: ExecuteBash
        onFailure: Ignore
        inputs:
          commands: ['echo shrugging; exit 3']
  - name: test
    steps:
      - name: Present
        action: ExecuteBash
        inputs:
          commands: ['test "$(cat /etc/kiln-note)" = "{{ Word }}"']
      - name: NotWaited
        action: ExecuteBash
        inputs:
          commands: ['test ! -e /var/kiln-final-waited']
YAML

# 1. kiln run: the phases named (any name, like awstoe run --phases), result
# written, the image untouched; a phase the component lacks is refused first;
# --output is the log folder, and an image name there is refused
expect_exit 2 --out "$TEST_TMP/run-bad.out" "$KILN" run "$TEST_TMP/note.yaml" --image "$tiny" \
    --phases build,deploy-chek --memory 512M </dev/null
expect_grep -F "no phase 'deploy-chek' in the component; did you mean 'deploy-check'?" "$TEST_TMP/run-bad.out"
expect_exit 2 --out "$TEST_TMP/run-old.out" "$KILN" run "$TEST_TMP/note.yaml" --image "$tiny" \
    --memory 512M --output "$TEST_TMP/old.qcow2" </dev/null
expect_grep -F -- "use --output-image $TEST_TMP/old.qcow2" "$TEST_TMP/run-old.out"
expect_no_file "$TEST_TMP/old.qcow2"
expect_exit 0 --out "$TEST_TMP/run.out" "$KILN" run "$TEST_TMP/note.yaml" --image "$tiny" \
    --phases build,deploy-check --parameters Word=hey --memory 512M \
    --output "$TEST_TMP/runlogs" --execution-id run-ok --output-image "$TEST_TMP/noted.qcow2" </dev/null
[ -f "$TEST_TMP/noted.qcow2" ] || fail "kiln run wrote no output"
[ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "kiln run changed the image"
facts=$(test_guestfish --ro -a "$TEST_TMP/noted.qcow2" -i <<'GF' 2>&1
cat /etc/kiln-note
echo
cat /etc/kiln-deploy
is-file /usr/local/libexec/kiln/kiln-agent
echo journal=
ls /var/log/journal
echo state=
is-dir /var/lib/kiln-agent
GF
)
echo "$facts"
grep -qx hey <<<"$facts" || fail "the component's file is not in the output"
grep -qx deployed <<<"$facts" || fail "the deploy-check phase named in --phases did not run"
grep -qx true <<<"$facts" && fail "the agent or its plan was left in the output of kiln run"
[ -z "$(sed -n '/^journal=$/,/^state=$/p' <<<"$facts" | sed '1d;$d')" ] ||
  fail "the run's journal was left in the output: $(sed -n '/^journal=$/,/^state=$/p' <<<"$facts")"
expect_grep "took the agent, its plan and the journal out of the result" "$TEST_TMP/run.out"
expect_no_leftovers
ok "kiln run applies one component and writes the result"

# its log folder, as awstoe run leaves it (docs/awstoe-compat.md)
toe=$(ls -d "$TEST_TMP"/runlogs/TOE_*_UTC-0_run-ok)
[[ $(basename "$toe") =~ ^TOE_[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}-[0-9]{2}-[0-9]{2}_UTC-0_run-ok$ ]] ||
  fail "the log folder's name: $toe"
for f in document.yaml application.log console.log detailedoutput.json; do expect_file "$toe/$f"; done
d=$toe/detailedoutput.json
rfc3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'
expect_eq "the run's status" success "$(jq -r .status "$d")"
expect_eq "the executionId" run-ok "$(jq -r .executionId "$d")"
expect_eq "the document's steps" "Write Show JournalStandIn StandIn Mark Shrug" \
  "$(jq -r '[.documents[0].phases[].steps[].name] | join(" ")' "$d")"
expect_eq "the ignored step's status" ignored \
  "$(jq -r '.documents[0].phases[1].steps[1].status' "$d")"
expect "every time is RFC 3339 with an offset" jq -e --arg re "$rfc3339" \
  '[.startTime, .endTime, (.documents[0].phases[] | .startTime, .endTime, (.steps[] | .startTime, .endTime))] | all(test($re))' "$d"
expect "a step's outputs are a JSON string" jq -e \
  '.documents[0].phases[0].steps[1].outputs | fromjson | .stdout == "hey"' "$d"
expect_grep -F "step Show (ExecuteBash)" "$toe/console.log"
expect_line "$toe/console.log" hey
expect_line "$toe/console.log" shrugging
expect_grep -F "name: note" "$toe/document.yaml"
expect_grep -F "run succeeded" "$toe/application.log"

# 2. kiln test: the test phase passes on the result, fails on the original
expect_exit 0 --out "$TEST_TMP/test-pass.out" "$KILN" test "$TEST_TMP/noted.qcow2" --json \
    --component "$TEST_TMP/note.yaml" --parameters Word=hey --memory 512M </dev/null
# the agent said so before the first event of its first step (the events'
# order), and never waited
expect_grep "not waiting for cloud-init's final stage" "$TEST_TMP/test-pass.out"
no_wait=$(grep -n "not waiting for cloud-init's final stage" "$TEST_TMP/test-pass.out" | head -1 | cut -d: -f1)
first_step=$(grep -n '"step":"Present"' "$TEST_TMP/test-pass.out" | head -1 | cut -d: -f1)
[ -n "$first_step" ] && [ "$no_wait" -lt "$first_step" ] ||
  fail "the agent's no-wait log does not come before its first step"
expect_no_grep "waiting for cloud-init to finish" "$TEST_TMP/test-pass.out"
expect_exit 1 --out "$TEST_TMP/test-fail.out" "$KILN" test "$tiny" --component "$TEST_TMP/note.yaml" \
    --component command-succeeds --parameters "Word=hey,command=true" --memory 512M </dev/null
grep -q "step 'Present'" "$TEST_TMP/test-fail.out" || fail "the failing test step is not named"
[ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "kiln test changed the image"
expect_no_leftovers
ok "kiln test passes and fails as the test phase says"

# 3. SIGTERM while a step runs: the domain is destroyed, nothing is left
# but the log folder (--log-directory, AWSTOE's name), which says failed
cat > "$TEST_TMP/sleepy.yaml" <<'YAML'
name: sleepy
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Sleep
        action: ExecuteBash
        inputs:
          commands: ['echo sleeping; sleep 3600']
YAML
"$KILN" run "$TEST_TMP/sleepy.yaml" --image "$tiny" --memory 512M \
    --output-image "$TEST_TMP/never.qcow2" --log-directory "$TEST_TMP/termlogs" \
    </dev/null > "$TEST_TMP/term.out" 2>&1 &
pid=$!
wait_for --while "$pid" "the step to start" grep -q "sleepy/build/Sleep" "$TEST_TMP/term.out"
t0=$(date +%s)
kill -TERM $pid
wait $pid
status=$?
cat "$TEST_TMP/term.out"
note "stopped $(( $(date +%s) - t0 )) s after SIGTERM"
# 143 = 128 + SIGTERM, after the cleanup (docs/design.md, issue 13)
[ $status -eq 143 ] || fail "expected exit 143 after SIGTERM, got $status"
grep -qi "interrupted\|signal" "$TEST_TMP/term.out" || fail "the interruption is not reported"
[ ! -e "$TEST_TMP/never.qcow2" ] || fail "an output was written after SIGTERM"
d=$(ls "$TEST_TMP"/termlogs/TOE_*_UTC-0_*/detailedoutput.json)
expect_eq "the interrupted run's status" failed "$(jq -r .status "$d")"
expect_eq "the interrupted step" "Sleep failed" \
  "$(jq -r '.documents[0].phases[0].steps[0] | "\(.name) \(.status)"' "$d")"
expect_grep -F "signal" - <<<"$(jq -r '.documents[0].phases[0].steps[0].failureMessage' "$d")"
[[ $(jq -r .executionId "$d") =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] ||
  fail "the default executionId is not a UUID"
expect_grep -F "step Sleep (ExecuteBash), attempt 1" "$(dirname "$d")/console.log"
[ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "the image changed"
expect_no_leftovers
ok "SIGTERM destroys the domain and removes the work files"
