#!/usr/bin/env bash
# SIGINT and SIGTERM while a libguestfs appliance works (item 10 of the
# trust issue; a signal during a boot is libvirt-sigterm.sh's): SIGINT
# while the inject stage's appliance is still launching, SIGTERM while the
# test inject stage's appliance launches.  Each: kiln stops at once (the
# appliance is killed, not waited for), exits 130 or 143 naming the stage
# and the signal, the catalog says cancelled, nothing is left (no QEMU, no
# work directory, no temp file, nothing in the output directory), the
# parent is unchanged.
. "$(dirname "$0")/../integration/lib/functions.sh"
. "$top_srcdir/tests/integration/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")

# write_recipe NAME OFFLINE
write_recipe () {
  mkdir -p "$TEST_TMP/$1"
  cat > "$TEST_TMP/$1/c.yaml" <<'YAML'
name: signalled
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Work
        action: ExecuteBash
        inputs:
          commands: ["echo built > /etc/kiln-signalled"]
  - name: test
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands: ["grep -q built /etc/kiln-signalled"]
YAML
  cat > "$TEST_TMP/$1/recipe.yaml" <<YAML
name: rel-$1
version: 1.0.0
parent: $tiny
components:
  - component: ./c.yaml
    offline: $2
build:
  memory: 512M
outputs:
  formats: [qcow2]
  directory: $TEST_TMP/$1/out
YAML
}

# signal_in NAME STAGE SIGNAL EXIT: starts the build, sends SIGNAL 5 s
# after "stage: STAGE" is printed, and checks what must hold
signal_in () {
  local name=$1 stage=$2 sig=$3 want=$4
  start_build_until "$TEST_TMP/$name.out" "$stage" "$TEST_TMP/$name/recipe.yaml"
  sleep 5
  expect_signalled "$TEST_TMP/$name.out" "$stage" "$sig" "$want" 15
  [ ! -e "$TEST_TMP/$name/out" ] || [ -z "$(ls -A "$TEST_TMP/$name/out")" ] \
    || fail "$name: something was written to the output directory"
  [ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "$name: the parent image changed"
  expect_no_leftovers
  ok "SIG$sig during $stage: exit $want at once, cancelled, nothing left"
}

# 1. SIGINT while the inject appliance launches (it takes 20-30 s here)
write_recipe inject false
signal_in inject inject INT 130

# 2. SIGTERM while the test inject appliance launches, after an offline
# build and its generalize (the component has a test step; offline, so no
# boot comes first).  (A signal in the middle of an appliance's work, not
# its launch, is build-offline.sh's SIGTERM during the offline steps.)
write_recipe testinject true
signal_in testinject "test inject" TERM 143
