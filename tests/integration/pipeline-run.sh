#!/usr/bin/env bash
# kiln pipeline run on the tiny image: one real build through the same
# engine as kiln build, a tick while that run is going (skipped, never run
# twice), a tick after it (skipped: nothing changed), status and list; and a
# pipeline whose parent never resolves, disabled by kiln after
# disable_after failed runs (no boot needed for that).
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"
requires jq
requires flock

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"

dir=$TEST_TMP/p
mkdir -p "$dir"
cat > "$dir/hello.yaml" <<'YAML'
name: pipeline-hello
schemaVersion: 1.0
parameters:
  - Word:
      type: string
      default: hello
phases:
  - name: build
    steps:
      - name: Write
        action: ExecuteBash
        inputs:
          commands:
            - echo '{{ Word }}' > /etc/pipeline-word
YAML
cat > "$dir/recipe.yaml" <<YAML
name: pipeline-test
version: 1.0.0
parent: $tiny
components:
  - component: ./hello.yaml
    offline: true          # no boot: the pipeline is the point
    parameters:
      Word: howdy
build:
  memory: 512M
outputs:
  name: pipeline-out
  formats: [qcow2]
  directory: $dir/out
YAML
cat > "$dir/nightly.yaml" <<'YAML'
pipeline: pipeline-test-nightly
recipe: ./recipe.yaml
schedule: "cron(0 3 * * ? *)"
timezone: Europe/Berlin
YAML

status_json () { "$KILN" pipeline status "$dir/nightly.yaml" --json; }
last_result () { status_json | jq -r '.lastRun.result'; }

# The test holds the recipe's build lock, so the first run, once it has
# recorded itself as running, waits for it: the second tick comes while the
# first run is certainly still going.
mkdir -p "$KILN_HOME/locks"
exec 9> "$KILN_HOME/locks/pipeline-test.lock"
flock 9 || fail "cannot take the recipe lock"
# (9>&-: the run must not inherit the test's hold on the lock)
"$KILN" pipeline run "$dir/nightly.yaml" --trigger schedule > "$TEST_TMP/run1.out" 2>&1 < /dev/null 9>&- &
run1=$!
cleanup_fn kill_if_running "$run1"
wait_for --while "$run1" "the first run to be recorded as running" \
  sh -c "[ \"\$($KILN pipeline status '$dir/nightly.yaml' --json | jq -r .lastRun.result)\" = running ]"

expect_exit 0 --out "$TEST_TMP/run2.out" "$KILN" pipeline run "$dir/nightly.yaml" --trigger schedule < /dev/null 9>&-
expect_grep "skipped: run [0-9]* (process $run1, .*) is still going" "$TEST_TMP/run2.out"
ok "a tick while the previous run is going is skipped"
expect_eq "the skipped tick is recorded" skipped "$(last_result)"

exec 9>&-   # release the recipe lock: the first run builds
rc=0; wait "$run1" || rc=$?
cat "$TEST_TMP/run1.out"
expect_eq "the first run's exit code" 0 "$rc"
# (the catalog outlives the test: a run of an earlier test is compared with)
expect_grep -E "building: (no earlier build of this pipeline to compare with|the recipe's text changed)" "$TEST_TMP/run1.out"
expect_grep "pipeline pipeline-test-nightly: run [0-9]* available pipeline-test/1.0.0/[0-9]" "$TEST_TMP/run1.out"
status_json > "$TEST_TMP/status1.json"
cat "$TEST_TMP/status1.json"
# the last run is the tick skipped while run 1 built; the last build is run 1's
expect_eq "status: the last run" skipped "$(jq -r .lastRun.result "$TEST_TMP/status1.json")"
expect_eq "status: the last build's result" available "$(jq -r .lastBuild.result "$TEST_TMP/status1.json")"
expect_eq "status: the last build's trigger" schedule "$(jq -r .lastBuild.trigger "$TEST_TMP/status1.json")"
build=$(jq -r .lastBuild.build "$TEST_TMP/status1.json")
expect "status names the build, which kiln images knows" \
  "$KILN" images show "$build"
expect "the build's artifact is in the output directory" \
  test -s "$dir/out/pipeline-out/pipeline-out.qcow2"
next=$(jq -r .nextRun "$TEST_TMP/status1.json")
expect "status: the next run is at 03:00 in the pipeline's zone ($next)" \
  sh -c "echo '$next' | grep -Eq 'T03:00:00\\+0[12]:00\$'"
expect_eq "status: enabled" true "$(jq -r .enabled "$TEST_TMP/status1.json")"

expect_exit 0 --out "$TEST_TMP/run3.out" "$KILN" pipeline run "$dir/nightly.yaml" < /dev/null
expect_grep "skipped: nothing it depends on changed since run [0-9]*, build $build" "$TEST_TMP/run3.out"
expect_eq "the unchanged run is recorded as skipped" skipped "$(last_result)"
expect_eq "...with its trigger" manual "$(status_json | jq -r .lastRun.trigger)"

"$KILN" pipeline list > "$TEST_TMP/list.out"
cat "$TEST_TMP/list.out"
expect_grep "^pipeline-test-nightly  *yes  *skipped " "$TEST_TMP/list.out"
expect_eq "list --json: the last run" skipped \
  "$("$KILN" pipeline list --json | jq -r '.[] | select(.pipeline == "pipeline-test-nightly") | .lastRun.result')"

# The last component changes: the next run builds, saying what changed.
# (The test stops that build with SIGTERM once it has begun: one build of
# the tiny image is enough here; the run is recorded as cancelled.)
sed -i 's/default: hello/default: hi/' "$dir/hello.yaml"
"$KILN" pipeline run "$dir/nightly.yaml" > "$TEST_TMP/run4.out" 2>&1 < /dev/null &
run4=$!
cleanup_fn kill_if_running "$run4"
wait_for --while "$run4" "the changed run's build to begin" \
  grep -q "stage: offline build" "$TEST_TMP/run4.out"
kill -TERM "$run4"
rc=0; wait "$run4" || rc=$?
cat "$TEST_TMP/run4.out"
expect_eq "a run stopped by SIGTERM exits 143" 143 "$rc"
expect_grep "building: component ./hello.yaml: its text changed" "$TEST_TMP/run4.out"
expect_grep "pipeline pipeline-test-nightly: run [0-9]* cancelled pipeline-test/1.0.0/[0-9]" "$TEST_TMP/run4.out"
expect_eq "the stopped run is recorded as cancelled" cancelled "$(last_result)"
expect_no_leftovers
ok "a changed component makes the next run build; SIGTERM cancels it cleanly"

# A pipeline that can only fail (its parent is a recipe with no build):
# disabled after disable_after failures in a row, then skipped.
cat > "$dir/broken-recipe.yaml" <<YAML
name: pipeline-test-broken
version: 1.0.0
parent: pipeline-test-no-such-recipe@1.x
components:
  - ./hello.yaml
outputs:
  directory: $dir/broken-out
YAML
cat > "$dir/broken.yaml" <<'YAML'
pipeline: pipeline-test-broken
recipe: ./broken-recipe.yaml
schedule: "0 3 * * *"
disable_after: 2
YAML
# The catalog outlives the test: start from an enabled pipeline.
expect "enable resets the pipeline" "$KILN" pipeline enable "$dir/broken.yaml"
expect_exit 2 --out "$TEST_TMP/broken1.out" "$KILN" pipeline run "$dir/broken.yaml" < /dev/null
expect_grep "pipeline pipeline-test-broken: run [0-9]* failed: .*pipeline-test-no-such-recipe" "$TEST_TMP/broken1.out"
expect_no_grep "disabled" "$TEST_TMP/broken1.out"
expect_exit 2 --out "$TEST_TMP/broken2.out" "$KILN" pipeline run "$dir/broken.yaml" < /dev/null
expect_grep "pipeline pipeline-test-broken: disabled: 2 runs in a row failed" "$TEST_TMP/broken2.out"
expect_exit 0 --out "$TEST_TMP/broken3.out" "$KILN" pipeline run "$dir/broken.yaml" < /dev/null
expect_grep "skipped: the pipeline is disabled: 2 runs in a row failed" "$TEST_TMP/broken3.out"
"$KILN" pipeline status "$dir/broken.yaml" > "$TEST_TMP/broken-status.out"
cat "$TEST_TMP/broken-status.out"
expect_grep "enabled:  no (2 runs in a row failed" "$TEST_TMP/broken-status.out"
expect_eq "status --json: disabled" false \
  "$("$KILN" pipeline status "$dir/broken.yaml" --json | jq -r .enabled)"
expect "enable enables it again" "$KILN" pipeline enable "$dir/broken.yaml"
expect_eq "status --json: enabled again" true \
  "$("$KILN" pipeline status "$dir/broken.yaml" --json | jq -r .enabled)"

# Bad input: FILE:LINE:COL, exit 2, no run recorded.
printf 'pipeline: pipeline-test-bad\nrecipe: ./recipe.yaml\nschedule: "cron(0 3 * * ?)"\n' > "$dir/bad.yaml"
expect_exit 2 --out "$TEST_TMP/bad.out" "$KILN" pipeline run "$dir/bad.yaml" < /dev/null
expect_grep "bad.yaml:3:[0-9]*:" "$TEST_TMP/bad.out"
"$KILN" pipeline list | expect_no_grep "pipeline-test-bad" -

expect_no_leftovers
