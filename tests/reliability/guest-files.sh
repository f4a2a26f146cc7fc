#!/usr/bin/env bash
# Guest files kiln reads back are hostile data (item 6 of the trust issue):
# a step that makes one of them huge fails the build with a message that
# names the file and both sizes; kiln neither copies it to the host nor
# crashes.  Two offline builds on the tiny image:
#   1. a step grows the offline agent's events file to 100 MiB (sparse: the
#      agent appends its own events after it) -> the offline stage fails,
#      the file is not downloaded;
#   2. a step appends 2 MiB to /etc/rc.local, which kiln edits to start and
#      remove its agent -> the build fails when kiln reads it back;
#   3. a step makes the guest a Debian (/etc/debian_version) with a 100 MiB
#      dpkg status file (sparse) -> generalize fails before libguestfs
#      would parse it for the SBOM's package list;
#   4. a step puts a character device (/dev/zero's numbers) where apk's
#      database is -> generalize fails: not a regular file (read, it would
#      never end).
# Each: exit 1, the message, nothing in the output directory, no QEMU, no
# work directory, no temp file, the parent unchanged.  ~2 min.
. "$(dirname "$0")/../integration/lib/functions.sh"
. "$top_srcdir/tests/integration/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")

# hostile_build NAME COMMAND: an offline build whose one step runs COMMAND
hostile_build () {
  local name=$1 command=$2 dir="$TEST_TMP/$1"
  mkdir -p "$dir"
  cat > "$dir/c.yaml" <<YAML
name: hostile-file
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Grow
        action: ExecuteBash
        inputs:
          commands: ['$command']
YAML
  cat > "$dir/recipe.yaml" <<YAML
name: rel-$name
version: 1.0.0
parent: $tiny
components:
  - component: ./c.yaml
    offline: true
build:
  memory: 512M
outputs:
  formats: [qcow2]
  directory: $dir/out
YAML
  expect_exit 1 --out "$dir.out" "$KILN" build "$dir/recipe.yaml" < /dev/null
}

# after NAME: what must hold after a failed hostile build
after () {
  local dir="$TEST_TMP/$1"
  [ -z "$(ls -A "$dir/out" 2> /dev/null)" ] || fail "$1: output left: $(ls -A "$dir/out")"
  [ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "$1: the parent changed"
  expect_no_leftovers
  ok "$1: no output, no leftovers, parent unchanged"
}

hostile_build events 'dd if=/dev/zero of=/var/lib/kiln-agent/events.jsonl bs=1 count=1 seek=104857600 conv=notrunc'
expect_grep "build failed in stage 'offline build'" "$TEST_TMP/events.out"
expect_grep -F "the guest's /var/lib/kiln-agent/events.jsonl is 100.0 MiB, more than the 64.0 MiB kiln reads back from a guest" "$TEST_TMP/events.out"
ok "events: $(grep -m1 'more than' "$TEST_TMP/events.out" | sed 's/^ *//')"
after events

hostile_build rclocal 'dd if=/dev/zero bs=1024 count=2048 >> /etc/rc.local'
expect_grep -F "the guest's /etc/rc.local is 2.0 MiB, more than the 1.0 MiB kiln reads back from a guest" "$TEST_TMP/rclocal.out"
ok "rc.local: $(grep -m1 'build failed' "$TEST_TMP/rclocal.out"): $(grep -m1 'more than' "$TEST_TMP/rclocal.out" | sed 's/^ *//')"
after rclocal

hostile_build dpkgstatus 'echo 12.0 > /etc/debian_version; mkdir -p /var/lib/dpkg; dd if=/dev/zero of=/var/lib/dpkg/status bs=1 count=1 seek=104857600'
expect_grep "build failed in stage 'generalize'" "$TEST_TMP/dpkgstatus.out"
expect_grep -F "the guest's /var/lib/dpkg/status is 100.0 MiB, more than the 64.0 MiB kiln reads back from a guest" "$TEST_TMP/dpkgstatus.out"
ok "dpkg status: $(grep -m1 'more than' "$TEST_TMP/dpkgstatus.out" | sed 's/^ *//')"
after dpkgstatus

hostile_build apkdevice 'mkdir -p /lib/apk/db; mknod /lib/apk/db/installed c 1 5'
expect_grep "build failed in stage 'generalize'" "$TEST_TMP/apkdevice.out"
expect_grep -F "the guest's /lib/apk/db/installed is not a regular file" "$TEST_TMP/apkdevice.out"
ok "apk database: $(grep -m1 'not a regular file' "$TEST_TMP/apkdevice.out" | sed 's/^ *//')"
after apkdevice
