#!/usr/bin/env bash
# SIGTERM to the process that owns a running domain: its signal handler
# (a GLib unix signal source) destroys every domain, the reader is
# cancelled, and no qemu is left.  After SIGKILL, the next process to open
# the embedded root destroys the orphan.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/libvirt.sh"

lv_build_initramfs
out="$LV_TMP/run.out"
"$DRIVER" --root "$LV_ROOT" --prefix kiln-test --accel tcg \
  --kernel "$LV_KERNEL" --initrd "$LV_INITRD" \
  --cmdline "console=ttyS0 panic=-1 kilnmode=forever" \
  --console "$LV_TMP/console.log" --socket "$LV_TMP/agent.sock" \
  --memory 512 --vcpus 1 run > "$out" 2> "$out.err" &
pid=$!
wait_for --while "$pid" "the guest's first line" grep -q '^line 1 ' "$out"
[ -n "$(lv_qemu_pids)" ] || fail "no qemu running for the domain"
kill -TERM $pid
rc=0
wait $pid || rc=$?
[ "$rc" -eq 5 ] || fail "expected exit 5 (cancelled), got $rc: $(cat "$out" "$out.err")"
grep -q '^signal 15$' "$out" || fail "the signal was not handled: $(cat "$out")"
grep -q '^status cancelled' "$out" || fail "the reader was not cancelled: $(cat "$out")"
lv_expect_clean
note "SIGTERM handled, domain destroyed"

# SIGKILL cannot be handled: the guest outlives its owner.  The next process
# that opens the embedded root (whose lock proves the owner is gone)
# destroys such orphans.
"$DRIVER" --root "$LV_ROOT" --prefix kiln-test --accel tcg \
  --kernel "$LV_KERNEL" --initrd "$LV_INITRD" \
  --cmdline "console=ttyS0 panic=-1 kilnmode=silent" \
  --console "$LV_TMP/console2.log" --memory 512 --vcpus 1 \
  run > "$out" 2> "$out.err" &
pid=$!
wait_for --while "$pid" "the domain to start" grep -q '^start-ms ' "$out"
kill -KILL $pid
wait $pid 2>/dev/null
[ -n "$(lv_qemu_pids)" ] || fail "expected the orphaned qemu to outlive its owner"
"$DRIVER" --root "$LV_ROOT" list > "$out" 2> "$out.err" || fail "reopen: $(cat "$out" "$out.err")"
grep -q 'left running in .* by an earlier kiln process' "$out.err" || fail "orphan not reported: $(cat "$out.err")"
lv_expect_clean
note "SIGKILL: the orphan was destroyed by the next process opening the root"
