#!/bin/sh
# A reboot inside the guest (reboot -f) keeps the agent channel working:
# lines from before and after the reboot arrive, then STOPPED.  The marker
# that tells the second boot from the first is written to a qcow2 disk
# (virtio_blk), which also exercises the boot-disk path.
. "$top_srcdir/tests/integration/libvirt-lib.sh"

lv_build_initramfs
qemu-img create -q -f qcow2 "$LV_TMP/disk.qcow2" 16M || lv_fail "qemu-img create"
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
lv_assert_clean
lv_log "two boots in $(lv_get elapsed-ms "$out") ms"
exit 0
