#!/usr/bin/env bash
# SIGINT and SIGTERM in the stages the other signal tests leave out (item
# 10 of the trust issue; signal-stages.sh has inject and test inject,
# libvirt-sigterm.sh the build boot, build-offline.sh the offline build):
# SIGINT while resolve reads the parent's digest, SIGTERM while generalize
# works in the appliance, SIGINT while the test boot runs its step,
# SIGTERM while distribute flattens and converts the image.  Each: kiln
# stops within 5 s (digests are read with the job's cancellable), exits
# 130 or 143 naming the stage and the signal, the catalog says cancelled,
# nothing is left (no QEMU, no work directory, no temp file, nothing in
# the output directory, no hidden temporary directory there either), the
# parent is unchanged.  The parent carries 1.5 GiB of data past the tiny
# image's filesystem, so that resolve and distribute take seconds.  The
# builds are offline: no build boot comes first.  (Prepare is
# prepare-stage.sh's.)  ~3 min.
. "$(dirname "$0")/../integration/lib/functions.sh"
. "$top_srcdir/tests/integration/lib/tiny-image.sh"
requires qemu-io
[ -n "${KILN_SLOW_TESTS:-}" ] || skip "SIGINT/SIGTERM in four outer stages (~3-4 min) is a slow test: run with KILN_SLOW_TESTS=1"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
tiny_sum=$(sha256 "$tiny")

# new_parent FILE: a fresh parent (its digest is not in the catalog yet)
new_parent () {
  qemu-img convert -O qcow2 "$tiny" "$1" || fail "cannot copy the tiny image"
  qemu-img resize -q "$1" 2G || fail "cannot grow the parent"
  qemu-io -c "write -q -P 0x5a 300M 1536M" "$1" > /dev/null \
    || fail "cannot write the parent's extra data"
}

# write_recipe NAME [test]: an offline build step; with "test", a test
# step that takes a while
write_recipe () {
  mkdir -p "$TEST_TMP/$1"
  cat > "$TEST_TMP/$1/c.yaml" <<'YAML'
name: signalled-outer
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Work
        action: ExecuteBash
        inputs:
          commands: ["echo built > /etc/kiln-signalled"]
YAML
  if [ "${2:-}" = test ]; then
    cat >> "$TEST_TMP/$1/c.yaml" <<'YAML'
  - name: test
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands: ["grep -q built /etc/kiln-signalled", "sleep 60"]
YAML
  fi
  cat > "$TEST_TMP/$1/recipe.yaml" <<YAML
name: rel-$1
version: 1.0.0
parent: $TEST_TMP/parent.qcow2
components:
  - component: ./c.yaml
    offline: true
build:
  memory: 512M
outputs:
  formats: [raw, vmdk]
  directory: $TEST_TMP/$1/out
YAML
}

# signal_in NAME STAGE SIGNAL EXIT DELAY: starts the build, sends SIGNAL
# DELAY seconds after "stage: STAGE" is printed, checks what must hold
signal_in () {
  local name=$1 stage=$2 sig=$3 want=$4 delay=$5
  local out=$TEST_TMP/$name.out
  start_build_until "$out" "$stage" "$TEST_TMP/$name/recipe.yaml"
  sleep "$delay"
  grep -q "stage: $stage\$" <(tail -n 3 "$out") \
    || note "$name: kiln printed more since the stage began: $(tail -n 1 "$out")"
  expect_signalled "$out" "$stage" "$sig" "$want" 5
  expect_eq "$name: nothing in the output directory" "" \
    "$(ls -A "$TEST_TMP/$name/out" 2> /dev/null)"
  expect_eq "$name: the parent is unchanged" "$parent_sum" "$(sha256 "$TEST_TMP/parent.qcow2")"
  expect_no_leftovers
  ok "SIG$sig during $stage: exit $want, cancelled, nothing left"
}

new_parent "$TEST_TMP/parent.qcow2"
parent_sum=$(sha256 "$TEST_TMP/parent.qcow2")
# sha256 read the file: what resolve reads comes from the page cache, as a
# second build's would; 1.5 GiB still takes kiln seconds to digest
write_recipe resolve
signal_in resolve resolve INT 130 0.5

# the digest is now in the catalog
write_recipe generalize test
signal_in generalize generalize TERM 143 2
write_recipe testboot test
signal_in testboot "test boot" INT 130 4
write_recipe distribute
signal_in distribute distribute TERM 143 1
expect_eq "the tiny image is unchanged" "$tiny_sum" "$(sha256 "$tiny")"
