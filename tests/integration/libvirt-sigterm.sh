#!/bin/sh
# SIGTERM to the process that owns a running domain: its signal handler
# (a GLib unix signal source) destroys every domain, the reader is
# cancelled, and no qemu is left.  After SIGKILL, the next process to open
# the embedded root destroys the orphan.
. "$top_srcdir/tests/integration/libvirt-lib.sh"

lv_build_initramfs
out="$LV_TMP/run.out"
"$DRIVER" --root "$LV_ROOT" --prefix kiln-test --accel tcg \
  --kernel "$LV_KERNEL" --initrd "$LV_INITRD" \
  --cmdline "console=ttyS0 panic=-1 kilnmode=forever" \
  --console "$LV_TMP/console.log" --socket "$LV_TMP/agent.sock" \
  --memory 512 --vcpus 1 --stage-timeout 300 run > "$out" 2> "$out.err" &
pid=$!
i=0
until grep -q '^line 1 ' "$out"; do
  i=$((i+1))
  [ $i -lt 1200 ] || { kill -KILL $pid; lv_fail "no line within 120 s: $(cat "$out")"; }
  kill -0 $pid 2>/dev/null || lv_fail "driver died: $(cat "$out" "$out.err")"
  sleep 0.1
done
[ -n "$(lv_qemu_pids)" ] || lv_fail "no qemu running for the domain"
kill -TERM $pid
rc=0
wait $pid || rc=$?
[ "$rc" -eq 5 ] || lv_fail "expected exit 5 (cancelled), got $rc: $(cat "$out" "$out.err")"
grep -q '^signal 15$' "$out" || lv_fail "the signal was not handled: $(cat "$out")"
grep -q '^status cancelled' "$out" || lv_fail "the reader was not cancelled: $(cat "$out")"
lv_assert_clean
lv_log "SIGTERM handled, domain destroyed"

# SIGKILL cannot be handled: the guest outlives its owner.  The next process
# that opens the embedded root (whose lock proves the owner is gone)
# destroys such orphans.
"$DRIVER" --root "$LV_ROOT" --prefix kiln-test --accel tcg \
  --kernel "$LV_KERNEL" --initrd "$LV_INITRD" \
  --cmdline "console=ttyS0 panic=-1 kilnmode=silent" \
  --console "$LV_TMP/console2.log" --memory 512 --vcpus 1 --stage-timeout 300 \
  run > "$out" 2> "$out.err" &
pid=$!
i=0
until grep -q '^start-ms ' "$out"; do
  i=$((i+1))
  [ $i -lt 1200 ] || { kill -KILL $pid; lv_fail "domain not started within 120 s: $(cat "$out")"; }
  sleep 0.1
done
kill -KILL $pid
wait $pid 2>/dev/null
[ -n "$(lv_qemu_pids)" ] || lv_fail "expected the orphaned qemu to outlive its owner"
"$DRIVER" --root "$LV_ROOT" list > "$out" 2> "$out.err" || lv_fail "reopen: $(cat "$out" "$out.err")"
grep -q 'left running in .* by an earlier kiln process' "$out.err" || lv_fail "orphan not reported: $(cat "$out.err")"
lv_assert_clean
lv_log "SIGKILL: the orphan was destroyed by the next process opening the root"
exit 0
