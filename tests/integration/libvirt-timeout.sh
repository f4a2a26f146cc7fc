#!/usr/bin/env bash
# A guest that never writes and never stops: read_line answers TIMEOUT at
# the deadline, and destroying the domain leaves no qemu behind.  A second
# process opening the same embedded root meanwhile falls back to ROOT-2.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/libvirt.sh"

lv_build_initramfs
out="$LV_TMP/run.out"
(lv_run silent "$out" --line-timeout 20; echo "$LV_RC" > "$LV_TMP/rc") &
job=$!
# Meanwhile a second process wants the same embedded root: libvirt allows
# one process per root, so it gets the first free sibling.
wait_for --while "$job" "the domain to start" grep -qs '^start-ms ' "$out"
second=$("$DRIVER" --root "$LV_ROOT" list 2>&1) || fail "second process: $second"
echo "$second" | grep -qx "root $LV_ROOT-2" || fail "second process did not move to $LV_ROOT-2: $second"
wait $job
LV_RC=$(cat "$LV_TMP/rc")
[ "$LV_RC" -eq 4 ] || fail "expected exit 4 (timeout), got $LV_RC: $(cat "$out" "$out.err")"
grep -q '^status timeout$' "$out" || fail "no TIMEOUT: $(cat "$out")"
[ "$(lv_get lines "$out")" = 0 ] || fail "the silent guest sent lines: $(cat "$out")"
# 20 s after the read started, i.e. after the domain was created.
ms=$(( $(lv_get elapsed-ms "$out") - $(lv_get start-ms "$out") ))
[ "$ms" -ge 20000 ] || fail "timeout after $ms ms, before the 20 s deadline"
# On a loaded host the guest may not have got far; that changes nothing here.
grep -q 'kiln-test-init: mode=silent' "$LV_TMP/console-silent.log" || \
  note "the guest had not reached its init within 20 s"
lv_expect_clean
note "timed out after $ms ms (deadline 20 s)"
