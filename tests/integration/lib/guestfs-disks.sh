# guestfs-disks.sh - the tiny test disks of the guestfs-*.sh and
# qemu-img-*.sh tests (sourced after functions.sh).
#
# Builds the disks once (one guestfish launch, cached in the build tree and
# shared by the tests through a lock) and gives each test its own qcow2
# overlay on them, so the cached disks double as "parent images that must
# never change".
#
#   sd.qcow2    GPT: ESP (vfat, /boot/efi) + ext4 root; "Debian 12" with a
#               fake systemd (/sbin/init -> /lib/systemd/systemd), dpkg
#               status with 3 packages, and every kind of file generalize
#               must remove.
#   rc.qcow2    MBR, one ext4 root; busybox init, /etc/rc.local ending in
#               `exit 0`.
#   two.qcow2   two Linux roots (inspection must refuse to choose)
#   noos.qcow2  a filesystem with data but no operating system
#
# The disks are made with guestfish (test_guestfish: an independent tool);
# kiln's backend is driven by tests/integration/kiln-guest-test ($GT), which
# chooses TCG as kiln's stages do once kiln has decided.

GT="$top_builddir/tests/integration/kiln-guest-test"
TINY_DIR="$top_builddir/tests/integration/guestfs-work/tiny-disks"

requires guestfish
requires qemu-img
requires test -x /bin/busybox
[ -x "$GT" ] || fail "$GT not built (make check builds it)"

build_tiny_disks () {
  local stamp_want t0
  stamp_want=$(cat "$top_srcdir/tests/integration/lib/guestfs-disks.sh" /bin/busybox | sha256sum | cut -c1-16)
  mkdir -p "$TINY_DIR"
  (
    flock 9
    if [ "$(cat "$TINY_DIR/stamp" 2>/dev/null)" = "$stamp_want" ]; then exit 0; fi
    rm -f "$TINY_DIR"/*.qcow2 "$TINY_DIR/stamp"
    t0=$(date +%s)
    test_guestfish <<GF || exit 1
disk-create $TINY_DIR/sd.qcow2 qcow2 160M
disk-create $TINY_DIR/rc.qcow2 qcow2 128M
disk-create $TINY_DIR/two.qcow2 qcow2 96M
disk-create $TINY_DIR/noos.qcow2 qcow2 32M
add-drive $TINY_DIR/sd.qcow2 format:qcow2
add-drive $TINY_DIR/rc.qcow2 format:qcow2
add-drive $TINY_DIR/two.qcow2 format:qcow2
add-drive $TINY_DIR/noos.qcow2 format:qcow2
run

# ---- sd: GPT, ESP + root ----
part-init /dev/sda gpt
part-add /dev/sda p 2048 34815
part-add /dev/sda p 34816 -2048
part-set-gpt-type /dev/sda 1 C12A7328-F81F-11D2-BA4B-00A0C93EC93B
mkfs vfat /dev/sda1
mkfs ext4 /dev/sda2 label:kilnroot
mount /dev/sda2 /
mkdir-p /boot/efi
mount /dev/sda1 /boot/efi
mkdir-p /boot/efi/EFI/BOOT
write /boot/efi/EFI/BOOT/BOOTX64.EFI "not really"
mkdir-p /etc/ssh
mkdir-p /etc/systemd/system
mkdir-p /etc/udev/rules.d
mkdir-p /bin
mkdir-p /sbin
mkdir-p /lib/systemd
mkdir-p /lib/modules/6.1.0-18-amd64/kernel
mkdir-p /lib/modules/6.1.0-21-amd64/kernel
mkdir-p /usr/local/bin
mkdir-p /root
mkdir-p /home/alice
mkdir-p /tmp
chmod 01777 /tmp
mkdir-p /var/tmp/builddir
chmod 01777 /var/tmp
mkdir-p /var/log/apt
mkdir-p /var/log/journal/0123456789abcdef0123456789abcdef
mkdir-p /var/lib/dbus
mkdir-p /var/lib/dpkg
mkdir-p /var/lib/cloud/instances/i-0abc/sem
mkdir-p /var/lib/cloud/seed/nocloud
mkdir-p /var/lib/dhcp
mkdir-p /var/lib/NetworkManager
mkdir-p /var/lib/systemd
mkdir-p /var/lib/apt/lists
mkdir-p /var/cache/apt/archives/partial
upload /bin/busybox /bin/busybox
chmod 0755 /bin/busybox
ln /bin/busybox /bin/sh
ln /bin/busybox /bin/ls
cp /bin/busybox /lib/systemd/systemd
ln-s ../lib/systemd/systemd /sbin/init
write /etc/os-release "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nID=debian\n"
write /etc/debian_version "12.5\n"
write /etc/hostname "tiny-sd\n"
write /etc/fstab "LABEL=kilnroot / ext4 defaults 0 1\n/dev/sda1 /boot/efi vfat defaults 0 2\n"
write /etc/machine-id "0123456789abcdef0123456789abcdef\n"
write /var/lib/dbus/machine-id "0123456789abcdef0123456789abcdef\n"
write /etc/ssh/sshd_config "PermitRootLogin no\n"
write /etc/ssh/ssh_host_ed25519_key "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n"
write /etc/ssh/ssh_host_ed25519_key.pub "ssh-ed25519 AAAAfake root@tiny\n"
write /etc/ssh/ssh_host_rsa_key "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n"
write /etc/ssh/ssh_host_rsa_key.pub "ssh-rsa AAAAfake root@tiny\n"
chmod 0600 /etc/ssh/ssh_host_ed25519_key
chmod 0600 /etc/ssh/ssh_host_rsa_key
write /etc/udev/rules.d/70-persistent-net.rules "SUBSYSTEM==\"net\", ATTR{address}==\"52:54:00:12:34:56\", NAME=\"eth0\"\n"
write /etc/udev/rules.d/99-keep.rules "# not generalized\n"
write /var/log/syslog "Jan  1 00:00:00 tiny kernel: hello\n"
write /var/log/syslog.1 "old\n"
write /var/log/syslog.2.gz "old gz\n"
write /var/log/dpkg.log "2024-01-01 install foo\n"
write /var/log/apt/history.log "Start-Date: 2024-01-01\n"
write /var/log/wtmp "wtmp-bytes"
chmod 0664 /var/log/wtmp
write /var/log/journal/0123456789abcdef0123456789abcdef/system.journal "LPKSHHRH"
write /var/log/cloud-init.log "cloud-init ran\n"
write /var/log/cloud-init-output.log "cloud-init output\n"
write /tmp/junk "junk\n"
write /tmp/.hidden "hidden\n"
write /var/tmp/builddir/obj.o "obj\n"
write /root/.bash_history "ls\nsecret-command\n"
write /root/.ash_history "ls\n"
write /home/alice/.bash_history "whoami\n"
write /home/alice/.zsh_history ": 1700000000:0;ls\n"
write /home/alice/notes.txt "keep me\n"
write /var/lib/cloud/instances/i-0abc/sem/config_ssh "x\n"
ln-s /var/lib/cloud/instances/i-0abc /var/lib/cloud/instance
write /var/lib/cloud/seed/nocloud/meta-data "instance-id: keep\n"
write /var/lib/dhcp/dhclient.eth0.leases "lease { fixed-address 10.0.2.15; }\n"
write /var/lib/NetworkManager/internal-1234-eth0.lease "ADDRESS=10.0.2.15\n"
write /var/lib/NetworkManager/NetworkManager.state "[main]\n"
write /var/lib/systemd/random-seed "0123456789"
write /var/cache/apt/archives/nginx_1.22.1-9_amd64.deb "deb"
write /var/cache/apt/archives/lock ""
write /var/cache/apt/pkgcache.bin "cache"
write /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages "Package: nginx\n"
write /var/lib/dpkg/status "Package: base-files\nStatus: install ok installed\nPriority: required\nArchitecture: amd64\nVersion: 12.4+deb12u5\nDescription: base\n\nPackage: bsdutils\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:2.38.1-5+deb12u1\nDescription: utils\n\nPackage: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2024a-0+deb12u1\nDescription: tz\n\n"
umount-all

# ---- rc: MBR, busybox init, rc.local ----
part-disk /dev/sdb mbr
mkfs ext4 /dev/sdb1
mount /dev/sdb1 /
mkdir-p /bin
mkdir-p /sbin
mkdir-p /etc/init.d
mkdir-p /tmp
mkdir-p /var/log
mkdir-p /root
upload /bin/busybox /bin/busybox
chmod 0755 /bin/busybox
ln /bin/busybox /bin/sh
ln /bin/busybox /bin/ls
ln-s ../bin/busybox /sbin/init
write /etc/os-release "PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"11\"\nID=debian\n"
write /etc/debian_version "11.9\n"
write /etc/hostname "tiny-rc\n"
write /etc/fstab "/dev/sda1 / ext4 defaults 0 1\n"
write /etc/inittab "::sysinit:/etc/init.d/rcS\n"
write /etc/init.d/rcS "#!/bin/sh\n[ -x /etc/rc.local ] && /etc/rc.local\n"
chmod 0755 /etc/init.d/rcS
write /etc/rc.local "#!/bin/sh -e\n# rc.local\necho started > /dev/console\n\nexit 0\n"
chmod 0754 /etc/rc.local
write /etc/machine-id "fedcba9876543210fedcba9876543210\n"
write /var/log/messages "boot\n"
umount-all

# ---- two: two Linux roots ----
part-init /dev/sdc mbr
part-add /dev/sdc p 2048 98303
part-add /dev/sdc p 98304 -2048
mkfs ext4 /dev/sdc1
mkfs ext4 /dev/sdc2
mount /dev/sdc1 /
mkdir-p /bin
mkdir-p /etc
upload /bin/busybox /bin/sh
write /etc/os-release "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian first\"\n"
write /etc/fstab "/dev/sda1 / ext4 defaults 0 1\n"
umount-all
mount /dev/sdc2 /
mkdir-p /bin
mkdir-p /etc
upload /bin/busybox /bin/sh
write /etc/os-release "ID=fedora\nVERSION_ID=39\nPRETTY_NAME=\"Fedora second\"\n"
write /etc/fstab "/dev/sda2 / ext4 defaults 0 1\n"
umount-all

# ---- noos: data only ----
part-disk /dev/sdd mbr
mkfs ext4 /dev/sdd1
mount /dev/sdd1 /
write /readme.txt "just data\n"
umount-all
GF
    echo "# tiny disks built in $(( $(date +%s) - t0 )) s" >&2
    echo "$stamp_want" > "$TINY_DIR/stamp"
  ) 9>"$TINY_DIR/.lock" || fail "could not build the tiny test disks"
}

# new_overlay NAME OUT [SIZE]: a qcow2 overlay on tiny disk NAME
new_overlay () {
  qemu-img create -q -f qcow2 -b "$TINY_DIR/$1.qcow2" -F qcow2 "$2" ${3:-} ||
    fail "qemu-img create overlay on $1"
}

