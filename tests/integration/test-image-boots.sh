#!/usr/bin/env bash
# test-image-boots.sh - the tiny test image (scripts/make-test-image) is what
# the integration tests need: MBR, ext4 root by UUID, one Linux root for
# libguestfs inspection, the generalization targets; it boots from its own
# bootloader under TCG, runs /etc/rc.local, talks on the virtio-serial port
# org.kiln.agent.0, reboots and powers off cleanly (the VM exits by itself).
# The --no-bootloader image never reaches userland.
#
# One libguestfs launch (checks + a marker appended to rc.local in an
# overlay), one VM run of two boots, one short run of the no-bootloader image.
# The time from VM start to rc.local is reported, not judged.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

for tool in qemu-system-x86_64 qemu-img guestfish socat flock dumpe2fs jq; do
  command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
  requires "$tool"
done
now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }

work=$TEST_TMP

# ------------------------------------------------------------------ build
t0=$(now_ms)
img=$(kiln_tiny_image) || fail "building the tiny image"
note "image $img ready after $(( ($(now_ms) - t0) / 1000 )) s (built now or reused)"

# ------------------------------------------------------------ container
info=$(qemu-img info --output=json "$img") || fail "qemu-img info"
vsize=$(jq -r '."virtual-size"' <<<"$info")
asize=$(jq -r '."actual-size"' <<<"$info")
format=$(jq -r '.format' <<<"$info")
note "image: format $format, virtual $((vsize / 1048576)) MiB, allocated $((asize / 1048576)) MiB"
expect "image is qcow2" [ "$format" = qcow2 ]
expect "virtual size <= 256 MiB ($vsize bytes)" [ "$vsize" -le $((256 * 1048576)) ]

# -------------------------------------------- one appliance: checks + marker
overlay=$work/overlay.qcow2
qemu-img create -q -f qcow2 -b "$img" -F qcow2 "$overlay" || fail "overlay"

# rc.local marker: boot 1 reports over the agent port with bash, notes the
# boot on disk and reboots; boot 2 reports whether ext4 had to replay its
# journal (a dirty reboot) and powers off.
cat > "$work/marker.sh" <<'EOF'
# kiln test-image-boots marker
port=
for d in /sys/class/virtio-ports/*; do
  [ "$(cat "$d/name" 2>/dev/null)" = org.kiln.agent.0 ] && port=/dev/${d##*/}
done
[ -n "$port" ] || { echo "marker: no org.kiln.agent.0 port"; port=/dev/console; }
if [ ! -e /var/lib/kiln-test/booted ]; then
  mkdir -p /var/lib/kiln-test && echo 1 > /var/lib/kiln-test/booted && sync
  /bin/bash -c 'echo "kiln-test boot=1 uptime=$(cut -d" " -f1 /proc/uptime) bash=$BASH_VERSION user=$(id -un) port=$1"' bash "$port" > "$port"
  reboot
else
  echo "kiln-test boot=2 uptime=$(cut -d' ' -f1 /proc/uptime) replays=$(dmesg | grep -c 'recovery complete') booted=$(cat /var/lib/kiln-test/booted)" > "$port"
  poweroff
fi
EOF

gf_out=$work/guestfish.out
t_gf=$(now_ms)
test_guestfish --rw --format=qcow2 -a "$overlay" > "$gf_out" 2> "$work/guestfish.err" <<EOF
run
echo @parttype
part-get-parttype /dev/sda
echo @partitions
list-partitions
echo @bootable
part-get-bootable /dev/sda 1
echo @mbrid
part-get-mbr-id /dev/sda 1
echo @fstype
vfs-type /dev/sda1
echo @uuid
vfs-uuid /dev/sda1
echo @roots
inspect-os
echo @ostype
inspect-get-type /dev/sda1
echo @product
inspect-get-product-name /dev/sda1
mount /dev/sda1 /
echo @fstab
cat /etc/fstab
echo @extlinux
cat /boot/extlinux/extlinux.conf
echo @ldlinux
is-file /boot/extlinux/ldlinux.sys
echo @modules
find /lib/modules
download /etc/rc.local "$work/rc.local.orig"
echo @passwd
cat /etc/passwd
echo @group
cat /etc/group
echo @shadow
stat /etc/shadow
echo @machineid
filesize /etc/machine-id
echo @present
is-file /etc/ssh/ssh_host_ed25519_key
is-file /etc/ssh/ssh_host_ed25519_key.pub
is-file /etc/ssh/ssh_host_rsa_key
is-file /etc/ssh/ssh_host_rsa_key.pub
is-file /root/.bash_history
is-file /var/log/messages
is-file /var/lib/dhcp/dhclient.leases
is-file /var/lib/systemd/random-seed
is-file /bin/bash
is-file /bin/busybox
is-file /etc/os-release
echo @tmpfiles
ls /tmp
ls /var/tmp
echo @end
! cat "$work/rc.local.orig" "$work/marker.sh" > "$work/rc.local.new"
upload "$work/rc.local.new" /etc/rc.local
umount-all
EOF
gf_rc=$?
note "guestfish (one launch, checks + rc.local marker): $(( ($(now_ms) - t_gf) / 1000 )) s"
if [ $gf_rc -ne 0 ]; then
  cat "$work/guestfish.err"
  fail "guestfish checks did not run"
fi
# section NAME: the lines guestfish printed after "@NAME"
section() { awk -v s="@$1" '/^@/ { on = ($0 == s); next } on' "$gf_out"; }

uuid=$(section uuid)
expect "MBR partition table (msdos)" [ "$(section parttype)" = msdos ]
expect "exactly one partition, /dev/sda1" [ "$(section partitions)" = /dev/sda1 ]
expect "partition 1 is bootable" [ "$(section bootable)" = true ]
expect "partition 1 is type 0x83 (Linux)" grep -Eqx "0x83|131" <(section mbrid)
expect "root filesystem is ext4" [ "$(section fstype)" = ext4 ]
expect "root filesystem has a UUID ($uuid)" [ -n "$uuid" ]
expect "libguestfs inspection finds exactly one root, /dev/sda1" [ "$(section roots)" = /dev/sda1 ]
expect "inspected OS type is linux ($(section product))" [ "$(section ostype)" = linux ]
expect "/etc/fstab mounts / by UUID" grep -Eq "^UUID=$uuid[[:space:]]+/[[:space:]]+ext4" <(section fstab)
expect "extlinux.conf boots root=UUID=$uuid on ttyS0" \
  grep -Eq "APPEND .*root=UUID=$uuid .*console=ttyS0" <(section extlinux)
expect "extlinux is installed (ldlinux.sys)" [ "$(section ldlinux)" = true ]
expect "modules for the kernel are in the root fs" grep -q '/virtio_console.ko$' <(section modules)
expect "rc.local has no 'exit 0'" bash -c '! grep -Eq "^[[:space:]]*exit 0" "$1"' _ "$work/rc.local.orig"
expect "rc.local starts with #!/bin/sh" grep -q '^#!/bin/sh' "$work/rc.local.orig"
expect "passwd has root and kiln 1000:1000" \
  bash -c 'grep -q "^root:x:0:0:" <<<"$1" && grep -q "^kiln:x:1000:1000:" <<<"$1"' _ "$(section passwd)"
expect "group has kiln 1000" grep -q '^kiln:x:1000:' <(section group)
expect "/etc/shadow is root:shadow 0640" \
  bash -c 'grep -q "^mode: 33184$" <<<"$1" && grep -q "^uid: 0$" <<<"$1" && grep -q "^gid: 42$" <<<"$1"' _ "$(section shadow)"
expect "/etc/machine-id is not empty" [ "$(section machineid)" -gt 0 ]
expect "generalization targets and bash are present" \
  bash -c '[ "$(grep -c "^true$" <<<"$1")" -eq 11 ]' _ "$(section present)"
expect "a file in /tmp and in /var/tmp" [ "$(section tmpfiles | grep -c .)" -ge 2 ]

# ------------------------------------------------------------ boot it
serial=$work/serial.log
agent=$work/agent.log
sock=$work/agent.sock
qemu_common=(-accel tcg -cpu max -smp 2 -m 512 -nographic -nodefaults -no-user-config
             -monitor none -device virtio-serial-pci)

t_start=$(now_ms)
qemu-system-x86_64 "${qemu_common[@]}" -serial "file:$serial" \
  -drive "file=$overlay,if=virtio,format=qcow2" \
  -chardev "socket,id=agent,path=$sock,server=on,wait=off" \
  -device virtserialport,chardev=agent,name=org.kiln.agent.0 \
  2> "$work/qemu.err" &
qpid=$!
cleanup_fn kill_if_running "$qpid"
wait_for --while "$qpid" "qemu's agent socket" test -S "$sock"
# Read the agent port, stamping each line with ms since VM start and the CPU
# ms qemu used so far (comparable between loaded and idle hosts).
hz=$(getconf CLK_TCK)
qemu_cpu_ms() {
  local st
  read -r -a st < "/proc/$qpid/stat" 2>/dev/null || { echo 0; return; }
  echo $(( (st[13] + st[14]) * 1000 / hz ))
}
socat -u "UNIX-CONNECT:$sock" - 2>/dev/null |
  while IFS= read -r line; do
    echo "$(( $(now_ms) - t_start )) $(qemu_cpu_ms) $line"
  done > "$agent" &
reader=$!

# Two boots, then the guest powers itself off.
note "waiting for the guest to boot twice and power off"
qrc=0
wait "$qpid" || qrc=$?
t_end=$(now_ms)
wait "$reader"
note "serial console:"; sed 's/^/#   /' "$serial" | tr -d '\r'
note "agent port:"; sed 's/^/#   /' "$agent"

expect "the console shows the kernel (its version, from the initramfs)" \
  grep -q "kiln-tiny initramfs: kernel [0-9]" "$serial"
expect "rc.local ran (console)" grep -q "kiln-tiny: rc.local ran" "$serial"
boot1=$(grep ' kiln-test boot=1 ' "$agent" | head -n1)
boot2=$(grep ' kiln-test boot=2 ' "$agent" | head -n1)
expect "boot 1: rc.local wrote to org.kiln.agent.0 with /bin/bash as root" \
  grep -Eq 'bash=5\.[0-9.]+.* user=root port=/dev/vport[0-9]+p[0-9]+' <<<"$boot1"
expect "boot 2 after 'reboot': rc.local ran again, the file from boot 1 is there" \
  grep -q ' booted=1' <<<"$boot2"
expect "reboot was clean (no ext4 journal replay on boot 2)" grep -q ' replays=0 ' <<<"$boot2"
expect "the VM exited by itself after 'poweroff' (status $qrc)" [ "$qrc" = 0 ]
expect "console shows the power-down" grep -q "reboot: Power down" "$serial"

read -r ms1 cpu1 _ <<<"$boot1"
up1=$(sed -n 's/.* uptime=\([0-9.]*\) .*/\1/p' <<<"$boot1")
note "measure: first boot reached rc.local ${ms1:-?} ms after VM start (qemu CPU ${cpu1:-?} ms, guest uptime ${up1:-?} s); whole run (2 boots + 2 shutdowns) $((t_end - t_start)) ms"

# Clean poweroff: the filesystem in the overlay is marked clean.
qemu-img convert -O raw "$overlay" "$work/after.raw" &&
  dumpe2fs -h "$work/after.raw?offset=1048576" > "$work/dumpe2fs.out" 2>/dev/null
expect "after poweroff the root filesystem is clean" grep -Eq '^Filesystem state: +clean$' "$work/dumpe2fs.out"
expect_not "after poweroff the journal needs no recovery" grep -q needs_recovery "$work/dumpe2fs.out"
rm -f "$work/after.raw"

# ------------------------------------------------ the image that never boots
noboot=$(kiln_tiny_image --no-bootloader) || fail "building the --no-bootloader image"
nb_overlay=$work/noboot.qcow2
nb_serial=$work/noboot-serial.log
qemu-img create -q -f qcow2 -b "$noboot" -F qcow2 "$nb_overlay" || fail "overlay"
qemu-system-x86_64 "${qemu_common[@]}" -serial "file:$nb_serial" \
  -drive "file=$nb_overlay,if=virtio,format=qcow2" 2> "$work/qemu-noboot.err" &
nbpid=$!
cleanup_fn kill_if_running "$nbpid"
wait_for --while "$nbpid" "SeaBIOS to try the disk" grep -qs "Booting from Hard Disk" "$nb_serial"
ok "--no-bootloader: SeaBIOS tried the disk"
# Nothing comes after that: watch the console for a while (a slow host only
# makes the watch weaker, never the verdict wrong).
sleep 10
expect "--no-bootloader: the VM is still running" kill -0 "$nbpid"
expect_not "--no-bootloader: no bootloader, kernel or userland output" \
  grep -Eq "SYSLINUX|kiln-tiny|Linux version" "$nb_serial"
