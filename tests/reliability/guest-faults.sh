#!/usr/bin/env bash
# A hostile or broken guest, in one build boot of the tiny image (item 10
# of the trust issue).  One step prints a 3 MB line and bytes that are not
# UTF-8 through the agent, then plays a hostile agent: kills the real one,
# writes to kiln's channel itself (a line that is not UTF-8, one that is
# not JSON, one nested 100 deep), and panics the guest kernel.  kiln must
# get through the flood with its memory bounded, notice the panic on the console at once (the
# domain keeps running after a panic: without that, the build waits for
# the recipe's timeout), fail naming the step, and leave nothing behind.
. "$(dirname "$0")/../integration/lib/functions.sh"
. "$top_srcdir/tests/integration/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")

cat > "$TEST_TMP/c.yaml" <<'YAML'
name: hostile
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Flood
        action: ExecuteBash
        inputs:
          commands:
            - |
              # through the agent: a 3 MB line, bytes that are not UTF-8
              head -c 3000000 /dev/zero | tr '\0' a
              printf '\n\377\376 not utf-8\n'
              # then as a hostile agent: kill the real one and write to
              # kiln's channel directly
              exec > /dev/null 2>&1
              for d in /proc/[0-9]*; do
                [ "$(cat "$d/comm" 2> /dev/null)" = kiln-agent ] && kill -9 "${d#/proc/}"
              done
              for n in /sys/class/virtio-ports/*; do
                [ "$(cat "$n/name")" = org.kiln.agent.0 ] && port=/dev/${n##*/}
              done
              sleep 1
              {
                printf '\377\376{"event":"output"}\nnot json at all\n'
                printf '%.0s[' $(seq 100); printf '\n'
              } > "$port"
              echo garbage-sent > /dev/console
              echo c > /proc/sysrq-trigger
              sleep 600
YAML
cat > "$TEST_TMP/recipe.yaml" <<YAML
name: rel-guest-faults
version: 1.0.0
parent: $tiny
components:
  - ./c.yaml
build:
  memory: 512M
  timeout: 20m
outputs:
  formats: [qcow2]
  directory: $TEST_TMP/out
YAML

# kiln's peak resident memory, read from /proc while it runs
started=$(date +%s)
"$KILN" build --force "$TEST_TMP/recipe.yaml" < /dev/null > "$TEST_TMP/build.out" 2>&1 &
pid=$!
peak=0
while kill -0 "$pid" 2> /dev/null; do
  hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$pid/status" 2> /dev/null)
  [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
  sleep 1
done
rc=0; wait "$pid" || rc=$?
ended=$(date +%s)
[ "$rc" -eq 1 ] || { _show "$TEST_TMP/build.out" "kiln build"; fail "exit $rc, expected 1"; }
ok "the build fails (exit 1)"

expect_grep -F "step: hostile/build/Flood" "$TEST_TMP/build.out"
note "kiln's peak RSS: $(( peak / 1024 )) MiB"
[ "$peak" -gt 0 ] && [ "$peak" -lt $(( 150 * 1024 )) ] \
  || fail "kiln's peak RSS was $(( peak / 1024 )) MiB (over 150 MiB, or not read)"
log=$KILN_HOME/logs/rel-guest-faults/1.0.0/$(sed -n 's|.*build rel-guest-faults/1.0.0/\([0-9]*\) (log.*|\1|p' "$TEST_TMP/build.out" | head -n 1).log
expect_file "$log"
expect_grep -F "garbage-sent" "$log"
# each hostile line is logged, escaped, and passed over
expect_grep -F 'unparseable line from the guest (JSON data must be UTF-8 encoded): \xff\xfe{"event":"output"}' "$log"
expect_grep -F 'unparseable line from the guest (<data>:1:3: Parse error' "$log"
expect_grep -F 'unparseable line from the guest (JSON nested more than 32 levels deep)' "$log"
ok "the flood is survived with bounded memory"

# the panic: named with its step, at once, not at the recipe's timeout
# (20 minutes)
expect_grep -F "the guest kernel panicked during step hostile/build/Flood: Kernel panic - not syncing" "$TEST_TMP/build.out"
note "kiln build took $(( ended - started )) s"
[ $(( ended - started )) -lt 600 ] || fail "the build took $(( ended - started )) s: the panic was not noticed"
ok "the panic fails the build naming the step"

[ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "the parent image changed"
[ ! -e "$TEST_TMP/out" ] || [ -z "$(ls -A "$TEST_TMP/out")" ] \
  || fail "something was written to the output directory"
expect_no_leftovers
ok "nothing left behind, the parent unchanged"
