#!/usr/bin/env bash
# Direct kernel boot of the host kernel into a busybox initramfs (TCG): every
# agent-channel line arrives in order, a 100 KiB line whole, a line over
# 1 MiB is reported and skipped without losing the next one, the channel
# reports STOPPED after poweroff, the console log holds the kernel's boot
# text, and no qemu is left.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/libvirt.sh"

lv_build_initramfs
out="$LV_TMP/run.out"
lv_run lines "$out"
# Exit 1: the overlong line was reported as an error (and skipped).
[ "$LV_RC" -eq 1 ] || fail "driver exit $LV_RC: $(cut -c1-200 "$out" "$out.err")"
grep -q '^status error .*longer than 1048576 bytes' "$out" || fail "overlong line not reported: $(cut -c1-200 "$out")"

grep -q '^status stopped$' "$out" || fail "no STOPPED: $(cut -c1-200 "$out")"
[ "$(lv_get lines "$out")" = 7 ] || fail "expected 7 lines: $(cut -c1-200 "$out")"
# In order, each whole.
n=0
while read -r tag idx len text; do
  [ "$tag" = line ] || continue
  n=$((n+1))
  [ "$idx" = "$n" ] || fail "line index $idx, expected $n"
  echo "$text" | grep -q "\"n\":$n[,}]" || fail "line $n out of order: $(echo "$text" | cut -c1-100)"
done < "$out"
long=$(grep '^line 3 ' "$out" | cut -d' ' -f3)
[ "$long" = $((102400 + 34)) ] || fail "long line has $long bytes, expected $((102400 + 34))"
grep '^line 3 ' "$out" | grep -q 'xxxxxxxxxx"}$' || fail "long line damaged at its end"

console="$LV_TMP/console-lines.log"
grep -q 'Linux version' "$console" || fail "console log lacks the kernel boot text"
grep -q 'kiln-test-init: mode=lines port=/dev/vport' "$console" || fail "console log lacks the init's output"
[ ! -e "$LV_TMP/agent-lines.sock" ] || fail "agent socket left behind"

lv_expect_clean
note "boot-to-first-line $(lv_get first-line-ms "$out") ms, stopped after $(lv_get elapsed-ms "$out") ms"
