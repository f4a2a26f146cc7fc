#!/usr/bin/env bash
# guestfs-generalize.sh - the generalize stage as a build runs it (agent
# installed, then generalize + zero free space in one launch):
# every listed item is gone and named in the actions, machine-id is empty
# but present, what must stay stays; fstrim gives the space of a deleted
# 48 MiB file back (qcow2 allocation measured); the parent never changes.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/guestfs-disks.sh"
build_tiny_disks
W=$TEST_TMP

parent="$TINY_DIR/sd.qcow2"
parent_sum=$(sha256sum < "$parent")
parent_mtime=$(stat -c %Y.%y "$parent")

printf 'agent\n' > "$W/agent"
printf '{"version": 1}\n' > "$W/plan.json"
head -c $((48 * 1024 * 1024)) /dev/urandom > "$W/big"

# an overlay grown by 64 MiB (kiln's overlay + resize) + the writes below
"$GT" overlay "$parent" qcow2 "$W/sd.qcow2" || fail "overlay"
"$GT" resize "$W/sd.qcow2" qcow2 $(( (160 + 64) * 1048576 )) || fail "resize"
"$GT" info "$W/sd.qcow2" qcow2 > "$W/info" || fail "info"
expect_line "$W/info" "backing_file=$parent"
expect_line "$W/info" "backing_format=qcow2"
expect_line "$W/info" "virtual_size=$(( (160 + 64) * 1048576 ))"
size0=$(qemu-img info -U --output=json "$W/sd.qcow2" | sed -n 's/.*"actual-size": \([0-9]*\).*/\1/p')

"$GT" --log "$W/gen.log" "$W/sd.qcow2" \
  install-agent "$W/agent" "$W/plan.json" \
  write-text /var/log/kiln-agent.log 'step output\n' 0644 \
  upload "$W/big" /root/big.bin 0600 sync host-size \
  rm /root/big.bin sync host-size \
  generalize zero host-size \
  read /etc/machine-id "$W/machine-id" stat /etc/machine-id \
  manifest "$W/after" > "$W/gen.out" 2> "$W/gen.err" ||
  { cat "$W/gen.err"; fail "generalize run"; }
cat "$W/gen.out"
size_end=$(qemu-img info -U --output=json "$W/sd.qcow2" | sed -n 's/.*"actual-size": \([0-9]*\).*/\1/p')

# ---- what generalize removed, and said it removed ----
A="$W/gen.out"
act () { grep -q "^action $1: .*$2" "$A" || fail "action $1 does not name $2"; }
gone () { if grep -q " $1\$" "$W/after"; then fail "$1 still there"; fi; }
kept () { grep -q " $1\$" "$W/after" || fail "$1 was removed"; }
act agent /usr/local/libexec/kiln/kiln-agent
act agent /var/log/kiln-agent.log
act agent /var/lib/kiln-agent
act machine-id "emptied /etc/machine-id"
act machine-id /var/lib/dbus/machine-id
act ssh-hostkeys /etc/ssh/ssh_host_ed25519_key
act ssh-hostkeys /etc/ssh/ssh_host_rsa_key.pub
act cloud-init /var/lib/cloud/instances
act cloud-init /var/log/cloud-init.log
act logs "removed /var/log/journal/0123456789abcdef0123456789abcdef"
act logs /var/log/syslog.1
act logs "truncated .*/var/log/syslog"
act logs /var/log/apt/history.log
act tmp /tmp/.hidden
act tmp /var/tmp/builddir
act shell-history /root/.bash_history
act shell-history /home/alice/.zsh_history
act dhcp-leases /var/lib/dhcp/dhclient.eth0.leases
act dhcp-leases /var/lib/NetworkManager/internal-1234-eth0.lease
act random-seed /var/lib/systemd/random-seed
act udev-persistent-net /etc/udev/rules.d/70-persistent-net.rules
act package-cache /var/cache/apt/archives/nginx_1.22.1-9_amd64.deb
act package-cache /var/cache/apt/pkgcache.bin
for p in /usr/local/libexec/kiln/kiln-agent /var/lib/kiln-agent \
         /var/log/kiln-agent.log /etc/systemd/system/kiln-agent.service \
         /etc/systemd/system/multi-user.target.wants/kiln-agent.service \
         /var/lib/dbus/machine-id /etc/ssh/ssh_host_ed25519_key \
         /etc/ssh/ssh_host_ed25519_key.pub /etc/ssh/ssh_host_rsa_key \
         /etc/ssh/ssh_host_rsa_key.pub /var/lib/cloud/instances \
         /var/lib/cloud/instance /var/log/cloud-init.log \
         /var/log/cloud-init-output.log /var/log/syslog.1 /var/log/syslog.2.gz \
         /var/log/journal/0123456789abcdef0123456789abcdef /tmp/junk \
         /tmp/.hidden /var/tmp/builddir /root/.bash_history /root/.ash_history \
         /home/alice/.bash_history /home/alice/.zsh_history \
         /var/lib/dhcp/dhclient.eth0.leases \
         /var/lib/NetworkManager/internal-1234-eth0.lease \
         /var/lib/systemd/random-seed /etc/udev/rules.d/70-persistent-net.rules \
         /var/cache/apt/archives/nginx_1.22.1-9_amd64.deb \
         /var/cache/apt/pkgcache.bin /root/big.bin; do
  gone "$p"
done
# emptied, truncated or kept - never removed
expect_line "$W/gen.out" "stat /etc/machine-id mode=0644 size=0"
[ ! -s "$W/machine-id" ] || fail "machine-id not empty"
grep -q '^file 0644 0:0 0 [0-9a-f]* /var/log/syslog$' "$W/after" || fail "syslog not truncated"
grep -q '^file 0664 0:0 0 [0-9a-f]* /var/log/wtmp$' "$W/after" || fail "wtmp lost its mode"
for p in /etc/ssh/sshd_config /etc/udev/rules.d/99-keep.rules \
         /home/alice/notes.txt /var/lib/cloud/seed/nocloud/meta-data \
         /var/lib/NetworkManager/NetworkManager.state \
         /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages \
         /var/cache/apt/archives/partial /var/cache/apt/archives/lock \
         /var/log/journal /tmp /var/tmp /boot/efi/EFI/BOOT/BOOTX64.EFI; do
  kept "$p"
done
grep -q '^dir 1777 0:0 - - /tmp$' "$W/after" || fail "/tmp lost its mode"

# ---- free space: the deleted file's clusters go back ----
sizes=$(sed -n 's/^host-size //p' "$W/gen.out" | tr '\n' ' ')
set -- $sizes
with_file=$1 deleted=$2 trimmed=$3
mib () { echo $(( $1 / 1048576 )); }
note "qcow2 allocation: start $(mib "$size0") MiB, with 48 MiB file $(mib "$with_file") MiB, file deleted $(mib "$deleted") MiB, after generalize+fstrim $(mib "$trimmed") MiB, closed $(mib "$size_end") MiB"
[ "$with_file" -gt $((size0 + 40 * 1048576)) ] || fail "the 48 MiB file did not reach the qcow2"
[ "$deleted" -gt $((size0 + 40 * 1048576)) ] || fail "deleting alone already freed space?"
[ "$size_end" -lt $((with_file - 40 * 1048576)) ] || fail "zero_free_space did not give the space back"
grep -q 'kiln: fstrim /: ' "$W/gen.log" || fail "fstrim not logged"
grep 'kiln: \(fstrim\|zero_free_space\|generalized\|appliance launched\)' "$W/gen.log"

# ---- the parent never changed ----
[ "$(sha256sum < "$parent")" = "$parent_sum" ] || fail "parent content changed"
[ "$(stat -c %Y.%y "$parent")" = "$parent_mtime" ] || fail "parent mtime changed"
"$GT" check "$W/sd.qcow2" qcow2 || fail "overlay check"
grep '^# time' "$W/gen.out"
