#!/bin/sh
# A guest that never writes and never stops: read_line answers TIMEOUT at
# the deadline, and destroying the domain leaves no qemu behind.  A second
# process opening the same embedded root meanwhile falls back to ROOT-2.
. "$top_srcdir/tests/integration/libvirt-lib.sh"

lv_build_initramfs
out="$LV_TMP/run.out"
(lv_run silent "$out" --line-timeout 20; echo "$LV_RC" > "$LV_TMP/rc") &
job=$!
# Meanwhile a second process wants the same embedded root: libvirt allows
# one process per root, so it gets the first free sibling.
i=0
until grep -q '^start-ms ' "$out" 2>/dev/null; do
  i=$((i+1)); [ $i -lt 1200 ] || lv_fail "no domain within 120 s"; sleep 0.1
done
second=$("$DRIVER" --root "$LV_ROOT" list 2>&1) || lv_fail "second process: $second"
echo "$second" | grep -qx "root $LV_ROOT-2" || lv_fail "second process did not move to $LV_ROOT-2: $second"
wait $job
LV_RC=$(cat "$LV_TMP/rc")
[ "$LV_RC" -eq 4 ] || lv_fail "expected exit 4 (timeout), got $LV_RC: $(cat "$out" "$out.err")"
grep -q '^status timeout$' "$out" || lv_fail "no TIMEOUT: $(cat "$out")"
[ "$(lv_get lines "$out")" = 0 ] || lv_fail "the silent guest sent lines: $(cat "$out")"
# 20 s after the read started, i.e. after the domain was created.
ms=$(( $(lv_get elapsed-ms "$out") - $(lv_get start-ms "$out") ))
[ "$ms" -ge 20000 ] && [ "$ms" -le 25000 ] || lv_fail "timeout after $ms ms, expected ~20000"
# On a loaded host the guest may not have got far; that changes nothing here.
grep -q 'kiln-test-init: mode=silent' "$LV_TMP/console-silent.log" || \
  lv_log "note: the guest had not reached its init within 20 s"
lv_assert_clean
lv_log "timed out after $ms ms (deadline 20 s)"
exit 0
