#!/usr/bin/env bash
# agent-vm.sh - the static agent in a real (TCG) guest: a Debian kernel and
# a tiny initramfs, booted directly by qemu.
#  1. --probe as PID 1 (kernel argument kiln-probe): prints KILN-PROBE-OK
#     on the console and powers the guest off (what the libvirt backend's
#     accel probe relies on).
#  2. --boot under a busybox init script: the agent finds the virtio-serial
#     port org.kiln.agent.0 by name in sysfs and reports its events there;
#     no bash in the guest, so ExecuteBash falls back to /bin/sh.
# Needs the host's kernel in /boot, static busybox and cpio; skips without.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/agent.sh"

STATIC_AGENT=$top_builddir/agent/kiln-agent   # the VM needs the static build
QEMU=${QEMU_SYSTEM:-qemu-system-x86_64}
KERNEL=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$KERNEL" ] && [ -r "$KERNEL" ] || skip "needs a readable kernel in /boot"
requires busybox
requires cpio
requires "$QEMU"
BUSYBOX=$(command -v busybox)
file -L "$BUSYBOX" | grep -q 'statically linked' || skip "$BUSYBOX is not statically linked (install busybox-static)"
KVER=${KERNEL#/boot/vmlinuz-}
MODS=/lib/modules/$KVER/kernel/drivers

make_initramfs () {  # DIR OUTPUT
  (cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) > "$2"
}

boot () {  # NAME INITRD APPEND [QEMU ARGS...]: returns qemu's status
  name=$1 initrd=$2 append=$3
  shift 3
  rc=0
  "$QEMU" -machine pc,accel=tcg -m 256 -nodefaults -no-user-config -display none \
    -serial "file:$TEST_TMP/$name.console" -kernel "$KERNEL" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 $append" -no-reboot "$@" > "$TEST_TMP/$name.qemu" 2>&1 || rc=$?
  return $rc
}

# ---- 1. the probe as PID 1 ---------------------------------------------------------
mkdir -p "$TEST_TMP/probe"
cp "$STATIC_AGENT" "$TEST_TMP/probe/init"
make_initramfs "$TEST_TMP/probe" "$TEST_TMP/probe.cpio.gz"
t0=$(date +%s)
rc=0
boot probe "$TEST_TMP/probe.cpio.gz" "quiet kiln-probe" || rc=$?
expect_eq "probe: the guest powers itself off (qemu exits 0)" 0 "$rc"
expect "probe: KILN-PROBE-OK on the serial console" grep -q KILN-PROBE-OK "$TEST_TMP/probe.console"
echo "# probe boot took $(( $(date +%s) - t0 )) s"

# ---- 2. --boot with the virtio-serial port ---------------------------------------
R=$TEST_TMP/initrd
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/lib/modules" "$R/usr/local/libexec/kiln" \
  "$R/var/lib/kiln-agent" "$R/var/log"
cp "$BUSYBOX" "$R/bin/busybox"
cp "$STATIC_AGENT" "$R/usr/local/libexec/kiln/kiln-agent"
for m in virtio/virtio_ring virtio/virtio virtio/virtio_pci_legacy_dev virtio/virtio_pci_modern_dev \
         virtio/virtio_pci char/virtio_console; do
  [ -e "$MODS/$m.ko" ] && cp "$MODS/$m.ko" "$R/lib/modules/"
done
cp "$FIXTURES/vm.json" "$R/var/lib/kiln-agent/plan.json"
cat > "$R/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_console; do
  [ -e /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko
done
/usr/local/libexec/kiln/kiln-agent --boot --no-poweroff
echo "AGENT-EXIT=$?"
echo "LOG-LINES=$(wc -l < /var/log/kiln-agent.log)"
poweroff -f
INIT
chmod 0755 "$R/init"
make_initramfs "$R" "$TEST_TMP/boot.cpio.gz"
t0=$(date +%s)
rc=0
boot agent "$TEST_TMP/boot.cpio.gz" "quiet" \
  -device virtio-serial-pci,id=vs \
  -chardev "file,id=agent,path=$TEST_TMP/port.out" \
  -device virtserialport,bus=vs.0,chardev=agent,name=org.kiln.agent.0 || rc=$?
echo "# agent boot took $(( $(date +%s) - t0 )) s"
expect_eq "boot: the guest booted, ran the agent and stopped (qemu exits 0)" 0 "$rc"
expect "boot: the agent exited 0" grep -q "AGENT-EXIT=0" "$TEST_TMP/agent.console"
mkdir -p "$TEST_TMP/vm"
cp "$TEST_TMP/port.out" "$TEST_TMP/vm/events.jsonl" 2>/dev/null
expect "boot: the events came over the virtio-serial port, valid, done last" stream_is_valid vm
expect_eq "boot: hello is first" hello "$(head -n 1 "$TEST_TMP/vm/events.jsonl" | jq -r .event)"
expect_eq "boot: every step succeeded" "success success success success success" \
  "$(jq -r 'select(.event == "step-end") | .status' "$TEST_TMP/vm/events.jsonl" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "boot: ExecuteBash fell back to /bin/sh, and said so" 1 \
  "$(jq -r 'select(.event == "log" and (.message | test("/bin/bash is missing"))) | .level' "$TEST_TMP/vm/events.jsonl" | wc -l | tr -d ' ')"
expect_eq "boot: chaining in the guest" "hello from Linux" "$(output_of vm Read content)"
expect_eq "boot: ExecuteBinary in the guest" Linux "$(output_of vm Kernel stdout)"
expect_eq "boot: done" success "$(done_field vm status)"
expect "boot: progress lines on the console" grep -q "kiln-agent: step-end" "$TEST_TMP/agent.console"
