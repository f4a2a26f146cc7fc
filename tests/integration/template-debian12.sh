#!/usr/bin/env bash
# The debian-12 template, end to end: build it (mmdebstrap -> mkfs.ext4 -d
# -> sfdisk/dd -> GRUB in the libguestfs appliance -> qcow2), check the
# stored image offline, boot it under TCG (BIOS) with a NoCloud seed and
# read the serial console: GRUB -> kernel -> login prompt, cloud-init
# finished, sshd with host keys made at this boot, a DHCP lease, apt
# reaching the mirror.  A second build is a cache hit in under a second.
. "$top_srcdir/tests/integration/lib/common.sh"
. "$top_srcdir/tests/integration/template-lib.sh"
template_end_to_end debian-12 bios 1
