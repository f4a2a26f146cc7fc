#!/usr/bin/env bash
# The debian-12 template, end to end: build it (mmdebstrap -> mkfs.ext4 -d
# -> sfdisk/dd -> GRUB in the libguestfs appliance -> qcow2), check the
# stored image offline, boot it under TCG (BIOS) with a NoCloud seed and
# read the serial console: GRUB -> kernel -> login prompt, cloud-init
# finished, sshd with host keys made at this boot, a DHCP lease, apt
# reaching the mirror.  A second build is a cache hit.
# In a full run the build itself is golden-web.sh's (the README's command,
# in a fresh home); this test then checks and boots what it built.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/template.sh"
template_end_to_end debian-12 bios 1
