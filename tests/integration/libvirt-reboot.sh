#!/usr/bin/env bash
# A reboot inside the guest (reboot -f) keeps the agent channel working:
# lines from before and after the reboot arrive, then STOPPED.  The marker
# that tells the second boot from the first is written to the disk, a qcow2
# overlay on a parent image as in a build: the write lands in the overlay,
# the parent is never written.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/libvirt.sh"

lv_build_initramfs
qemu-img create -q -f qcow2 "$LV_TMP/parent.qcow2" 16M || fail "qemu-img create"
qemu-img create -q -f qcow2 -b "$LV_TMP/parent.qcow2" -F qcow2 "$LV_TMP/disk.qcow2" || fail "overlay"
parent_sum=$(sha256sum < "$LV_TMP/parent.qcow2")
out="$LV_TMP/run.out"
lv_run reboot "$out" --disk "$LV_TMP/disk.qcow2" --format qcow2
[ "$LV_RC" -eq 0 ] || fail "driver exit $LV_RC: $(cat "$out" "$out.err")"
expected='{"event":"hello","boot":1}
{"event":"reboot","boot":1}
{"event":"hello","boot":2}
{"event":"done","boot":2}'
got=$(sed -n 's/^line [0-9]* [0-9]* //p' "$out")
[ "$got" = "$expected" ] || fail "lines differ: $got"
grep -q '^status stopped$' "$out" || fail "no STOPPED: $(cat "$out")"
[ "$(grep -c 'Linux version' "$LV_TMP/console-reboot.log")" -ge 2 ] || \
  fail "the console log does not show two boots"
[ "$(sha256sum < "$LV_TMP/parent.qcow2")" = "$parent_sum" ] || fail "the parent image was written"
qemu-img convert -O raw "$LV_TMP/disk.qcow2" "$LV_TMP/disk.raw" || fail "convert"
[ "$(head -c 5 "$LV_TMP/disk.raw")" = BOOT1 ] || fail "the guest's write is not in the overlay"
lv_expect_clean
note "two boots in $(lv_get elapsed-ms "$out") ms"
