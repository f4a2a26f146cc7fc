#!/bin/sh
# A reboot inside the guest (reboot -f) keeps the agent channel working:
# lines from before and after the reboot arrive, then STOPPED.  The marker
# that tells the second boot from the first is written to the disk, a qcow2
# overlay on a parent image as in a build: the write lands in the overlay,
# the parent is never written.
. "$top_srcdir/tests/integration/libvirt-lib.sh"

lv_build_initramfs
qemu-img create -q -f qcow2 "$LV_TMP/parent.qcow2" 16M || lv_fail "qemu-img create"
qemu-img create -q -f qcow2 -b "$LV_TMP/parent.qcow2" -F qcow2 "$LV_TMP/disk.qcow2" || lv_fail "overlay"
parent_sum=$(sha256sum < "$LV_TMP/parent.qcow2")
out="$LV_TMP/run.out"
lv_run reboot "$out" --disk "$LV_TMP/disk.qcow2" --format qcow2 --line-timeout 120 --stage-timeout 300
[ "$LV_RC" -eq 0 ] || lv_fail "driver exit $LV_RC: $(cat "$out" "$out.err")"
expected='{"event":"hello","boot":1}
{"event":"reboot","boot":1}
{"event":"hello","boot":2}
{"event":"done","boot":2}'
got=$(sed -n 's/^line [0-9]* [0-9]* //p' "$out")
[ "$got" = "$expected" ] || lv_fail "lines differ: $got"
grep -q '^status stopped$' "$out" || lv_fail "no STOPPED: $(cat "$out")"
[ "$(grep -c 'Linux version' "$LV_TMP/console-reboot.log")" -ge 2 ] || \
  lv_fail "the console log does not show two boots"
[ "$(sha256sum < "$LV_TMP/parent.qcow2")" = "$parent_sum" ] || lv_fail "the parent image was written"
qemu-img convert -O raw "$LV_TMP/disk.qcow2" "$LV_TMP/disk.raw" || lv_fail "convert"
[ "$(head -c 5 "$LV_TMP/disk.raw")" = BOOT1 ] || lv_fail "the guest's write is not in the overlay"
lv_assert_clean
lv_log "two boots in $(lv_get elapsed-ms "$out") ms"
exit 0
