#!/usr/bin/env bash
# guestfs-inspect.sh - OS facts and packages of the tiny disks; a disk with
# no OS and a disk with two OSes are refused with clear errors (exit 2).
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/guestfs-disks.sh"
build_tiny_disks
W=$TEST_TMP

# One launch: facts + packages (a read-only handle on the cached disk).
"$GT" --ro --log "$W/sd.log" "$TINY_DIR/sd.qcow2" inspect list-packages \
  > "$W/sd.out" 2> "$W/sd.err" || { cat "$W/sd.err"; fail "inspect sd"; }
cat "$W/sd.out"
for kv in type=linux distro=debian major_version=12 minor_version=5 \
          arch=x86_64 hostname=tiny-sd root_device=/dev/sda2 root_fstype=ext4 \
          firmware=uefi package_format=deb package_manager=apt \
          has_systemd=yes partition_table=gpt \
          kernels=6.1.0-18-amd64,6.1.0-21-amd64 \
          "pkg base-files 12.4+deb12u5 amd64" \
          "pkg bsdutils 1:2.38.1-5+deb12u1 amd64" \
          "pkg tzdata 2024a-0+deb12u1 all"; do
  expect_line "$W/sd.out" "$kv"
done
# the log got the appliance console and the trace, stderr stayed quiet
grep -q 'libguestfs: trace: inspect_os' "$W/sd.log" || fail "no trace in the log"
grep -q 'kiln: appliance launched in' "$W/sd.log" || fail "no launch time in the log"
[ ! -s "$W/sd.err" ] || { cat "$W/sd.err"; fail "stderr not empty"; }

# Data but no operating system: exit 2 and the message says so.
expect_exit 2 --out "$W/noos.out" "$GT" --ro "$TINY_DIR/noos.qcow2" inspect
expect_grep -F "no operating system found in $TINY_DIR/noos.qcow2" "$W/noos.out"
ok "a disk with data but no OS: exit 2, says so"

# Two roots: exit 2, both named.
expect_exit 2 --out "$W/two.out" "$GT" --ro "$TINY_DIR/two.qcow2" inspect
expect_grep "holds 2 operating systems: /dev/sda1 (.*), /dev/sda2 (.*)" "$W/two.out"
ok "a disk with two OSes: exit 2, both named"

grep '^# time' "$W/sd.out" | sed 's/^/sd: /'
