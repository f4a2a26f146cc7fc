#!/usr/bin/env bash
# Accel auto: the real decision (TCG on a host without working KVM) and its
# cache; then the probe machinery itself, run under TCG with the /dev/kvm
# check skipped (test-only options of the driver), so that a probe guest
# really boots here: success + cache hit, a probe that powers off without
# the marker, a probe that times out.  A TCG probe on a loaded host can take
# minutes: the probes that must boot get a day (--probe-timeout counts in
# seconds and has no "none"), so only the per-test limit bounds them.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/libvirt.sh"

lv_find_kernel
probe="$top_builddir/tests/integration/probe-init"
silent="$top_builddir/tests/integration/probe-init-silent"
[ -x "$probe" ] && [ -x "$silent" ] || fail "probe-init programs not built"
a_day=86400
accel () { "$DRIVER" --root "$LV_ROOT" --kernel "$LV_KERNEL" accel "$@" 2>"$LV_TMP/accel.err"; }

# 1. The real thing.
out1=$(accel --cache-dir "$LV_TMP/c1" --probe-init "$probe") || fail "accel: $out1 $(cat "$LV_TMP/accel.err")"
out2=$(accel --cache-dir "$LV_TMP/c1" --probe-init "$probe") || fail "accel: $out2"
a1=$(echo "$out1" | sed -n 's/^accel //p'); a2=$(echo "$out2" | sed -n 's/^accel //p')
[ "$a1" = "$a2" ] || fail "the second decision differs: $out1 / $out2"
if [ "$a1" = kvm ]; then
  echo "$out1" | grep -q 'reason a kvm probe guest reached userland' || fail "kvm without a probe: $out1"
else
  [ "$a1" = tcg ] || fail "unexpected: $out1"
  echo "$out1" | grep -q '^reason .' || fail "tcg without a reason: $out1"
fi
if echo "$out1" | grep -q 'probe guest'; then
  echo "$out2" | grep -q 'cached in' || fail "second decision not from the cache: $out2"
fi
note "real decision: $(echo "$out1" | tr '\n' ' ')"
note "second call: $(echo "$out2" | tr '\n' ' ')"

# 2. The probe machinery under TCG: boots, prints the marker, is cached.
t1=$(accel --cache-dir "$LV_TMP/c2" --probe-init "$probe" --no-kvm-check --probe-accel tcg --probe-timeout "$a_day") || fail "probe: $t1 $(cat "$LV_TMP/accel.err")"
echo "$t1" | grep -qx 'accel kvm' || fail "the tcg probe guest did not reach userland: $t1"
echo "$t1" | grep -q 'reason a tcg probe guest reached userland' || fail "reason: $t1"
[ -f "$LV_TMP/c2/accel-probe.json" ] || fail "no cache file"
grep -q "\"key\" : \"$(uname -r)|QEMU " "$LV_TMP/c2/accel-probe.json" || fail "cache key: $(cat "$LV_TMP/c2/accel-probe.json")"
[ "$(ls "$LV_TMP/c2")" = accel-probe.json ] || fail "probe left files: $(ls "$LV_TMP/c2")"
t2=$(accel --cache-dir "$LV_TMP/c2" --probe-init "$probe" --no-kvm-check --probe-accel tcg --probe-timeout "$a_day") || fail "cached: $t2"
echo "$t2" | grep -qx 'accel kvm' || fail "cached answer differs: $t2"
echo "$t2" | grep -q 'cached in' || fail "not answered from the cache: $t2"
ms2=$(echo "$t2" | sed -n 's/^decision-ms //p')
note "probe boot (tcg) decided in $(echo "$t1" | sed -n 's/^decision-ms //p') ms; cached answer in $ms2 ms"

# 3. A probe guest that powers off without the marker -> tcg, fast.
f=$(accel --cache-dir "$LV_TMP/c3" --probe-init "$silent" --no-kvm-check --probe-accel tcg --probe-timeout "$a_day") || fail "silent: $f"
echo "$f" | grep -qx 'accel tcg' || fail "silent probe: $f"
echo "$f" | grep -q 'stopped without reaching userland' || fail "silent probe reason: $f"
note "failing probe: $(echo "$f" | tr '\n' ' ')"

# 4. A probe guest that does not make it in time -> tcg with the timeout.
f=$(accel --cache-dir "$LV_TMP/c4" --probe-init "$probe" --no-kvm-check --probe-accel tcg --probe-timeout 2) || fail "timeout: $f"
echo "$f" | grep -qx 'accel tcg' || fail "timed-out probe: $f"
echo "$f" | grep -q 'did not reach userland within 2 s' || fail "timed-out probe reason: $f"
note "timed-out probe: $(echo "$f" | tr '\n' ' ')"

# 5. A probe guest that cannot start under KVM nor under TCG (a kernel
#    that is not there) says nothing about KVM: an error, nothing cached.
set +e
f=$("$DRIVER" --root "$LV_ROOT" --kernel "$LV_TMP/no-such-kernel" accel \
      --cache-dir "$LV_TMP/c5" --probe-init "$probe" --no-kvm-check \
      --probe-accel kvm --probe-timeout 5 2>"$LV_TMP/accel.err")
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "unstartable probe: exit $rc, expected 3: $f"
echo "$f" | grep -q 'no domain starts on .*, with or without KVM' || fail "unstartable probe: $f"
[ -z "$(ls "$LV_TMP/c5" 2>/dev/null)" ] || fail "unstartable probe left or cached: $(ls "$LV_TMP/c5")"
note "unstartable probe: $(echo "$f" | tr '\n' ' ' | cut -c1-200)"

# 6. A KVM probe that fails on a host where the same guest starts under
#    TCG is an answer about KVM: tcg, cached.  (Only where KVM does not
#    work: elsewhere the probe succeeds, as case 1 showed.)
if [ "$a1" = tcg ]; then
  f=$(accel --cache-dir "$LV_TMP/c6" --probe-init "$probe" --no-kvm-check --probe-accel kvm --probe-timeout 5) || fail "kvm probe: $f $(cat "$LV_TMP/accel.err")"
  echo "$f" | grep -qx 'accel tcg' || fail "kvm probe where KVM does not work: $f"
  [ -f "$LV_TMP/c6/accel-probe.json" ] || fail "a KVM answer was not cached"
  note "kvm probe here: $(echo "$f" | tr '\n' ' ' | cut -c1-200)"
fi

lv_expect_clean
