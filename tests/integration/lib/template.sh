# template.sh - the debian-12 template tests' shared parts (sourced after
# functions.sh by golden-web.sh, template-debian12*.sh and
# template-components-debian.sh).
#
#   use_debian_home           take turns on the kiln home of these tests
#   template_end_to_end NAME FIRMWARE ROOT-PARTITION
#                             build (or find) template NAME, check the stored
#                             image offline, boot it under TCG with a NoCloud
#                             seed (BIOS, or UEFI through OVMF) and read the
#                             serial console; a second build is a cache hit
#
# Building the debian-12 template costs minutes under TCG, so it is built
# once per test run: golden-web.sh runs first, empties the debian home and
# builds the template there with the README's own command, in a scrubbed
# environment; the later tests find it there.  Run alone, a test builds
# what it needs itself.

ovmf_code=/usr/share/OVMF/OVMF_CODE_4M.fd
ovmf_vars=/usr/share/OVMF/OVMF_VARS_4M.fd

KILN_DEBIAN_HOME="${KILN_TEST_HOME:-$top_builddir/tests/tmp/kiln-home}"
KILN_DEBIAN_HOME="${KILN_DEBIAN_HOME%/}-debian"

# use_debian_home: KILN_HOME becomes the debian home, held (flock) until the
# test exits, so that under make -j these tests take turns on it.
use_debian_home () {
  requires flock
  export KILN_HOME=$KILN_DEBIAN_HOME
  mkdir -p "$KILN_HOME" || fail "mkdir $KILN_HOME"
  exec 8> "$KILN_HOME.lock" || fail "cannot open $KILN_HOME.lock"
  note "waiting for the debian home $KILN_HOME (other debian tests use it)"
  flock 8 || fail "flock $KILN_HOME.lock"
}

template_end_to_end () {
local tname=$1 firmware=$2 rootpart=$3
requires_root
requires mmdebstrap
requires jq
requires sqlite3
seedtool="$top_builddir/tests/integration/kiln-make-seed"
[ -x "$seedtool" ] || fail "$seedtool was not built"
use_debian_home

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---- 1. build ------------------------------------------------------------
t0=$(now)
"$KILN" template build "$tname" --json > "$TEST_TMP/build.jsonl" 2> "$TEST_TMP/build.err" \
  || fail "kiln template build $tname failed: $(tail -c 3000 "$TEST_TMP/build.err"; tail -n 5 "$TEST_TMP/build.jsonl")"
t1=$(now)
res=$(jq -c 'select(.event == "template")' "$TEST_TMP/build.jsonl")
[ -n "$res" ] || fail "no 'template' event in --json output: $(cat "$TEST_TMP/build.jsonl")"
img=$(jq -r .image <<<"$res")
[ -f "$img" ] || fail "the stored image $img does not exist"
store=$(dirname "$img")
meta="$store/template.json"
[ -f "$meta" ] || fail "no $meta"
note "build: $(secs "$t0" "$t1") s this run (cache hit: $(jq -r .cacheHit <<<"$res"))"
note "measure: template build steps (s): $(jq -c .timings "$meta")"
note "measure: tree $(( $(jq .treeSize "$meta") / 1048576 )) MiB, image $(( $(jq .allocatedSize "$meta") / 1048576 )) MiB allocated, $(( $(jq .virtualSize "$meta") / 1073741824 )) GiB virtual"

# ---- 2. the stored image --------------------------------------------------
info=$(qemu-img info --output=json "$img") || fail "qemu-img info $img"
[ "$(jq -r .format <<<"$info")" = qcow2 ] || fail "not a qcow2: $info"
[ "$(jq -r '."backing-filename" // empty' <<<"$info")" = "" ] || fail "the template image has a backing file"
alloc=$(( $(stat -c %b "$img") * $(stat -c %B "$img") ))
[ "$alloc" -le $(( 2 * 1024 * 1024 * 1024 )) ] || fail "image allocates $alloc bytes, more than 2 GiB"
qemu-img check -q "$img" || fail "qemu-img check $img"
[ "$(jq -r .digest "$meta")" = "$(basename "$store")" ] || fail "store directory is not the digest"
[ -s "$store/build.log" ] || fail "no build log in the store"
sqlite3 "$KILN_HOME/catalog.db" "select count(*) from templates where name='$tname' and image_path='$img'" \
  | grep -qx 1 || fail "no catalog row for $img"
ok "stored image: qcow2, $(( alloc / 1048576 )) MiB allocated (<= 2 GiB), consistent, in the catalog"

# offline: what must not be baked in, what must be (one appliance launch)
gf=$(test_guestfish --ro -a "$img" -i <<'GF' 2>&1
glob-expand /etc/ssh/ssh_host_*
echo ==machine-id-size
filesize /etc/machine-id
echo ==fstab
cat /etc/fstab
echo ==network
cat /etc/systemd/network/90-kiln-dhcp.network
echo ==grub
cat /etc/default/grub.d/50-kiln.cfg
echo ==datasources
cat /etc/cloud/cloud.cfg.d/90-kiln-datasources.cfg
echo ==apt-lists
glob-expand /var/lib/apt/lists/*_Packages
echo ==efi
glob-expand /boot/efi/EFI/BOOT/*
echo ==keyunit
is-file /etc/systemd/system/ssh-hostkeys-firstboot.service
GF
) || fail "guestfish on the template image: $gf"
grep -q '^/etc/ssh/ssh_host' <<<"$gf" && fail "SSH host keys are baked into the image: $gf"
grep -A1 '^==machine-id-size' <<<"$gf" | grep -qx 0 || fail "/etc/machine-id is not empty: $gf"
root_uuid=$(jq -r .rootUuid "$meta")
grep -q "^UUID=$root_uuid[[:space:]]/[[:space:]]ext4" <<<"$gf" || fail "fstab does not mount / by UUID $root_uuid: $gf"
grep -q '^Name=en\* eth\*' <<<"$gf" && grep -q '^DHCP=yes' <<<"$gf" || fail "no DHCP-on-any-NIC networkd file: $gf"
grep -q 'console=ttyS0,115200n8' <<<"$gf" && grep -q 'GRUB_TERMINAL="console serial"' <<<"$gf" || fail "GRUB serial settings missing: $gf"
grep -q 'datasource_list: \[ NoCloud, Ec2, None \]' <<<"$gf" || fail "cloud-init datasources: $gf"
grep -A1 '^==apt-lists' <<<"$gf" | grep -q '_Packages' && fail "apt lists left in the image: $gf"
grep -A1 '^==keyunit' <<<"$gf" | grep -qx true || fail "no first-boot host key unit: $gf"
if [ "$firmware" = uefi ]; then
  grep -A1 '^==efi' <<<"$gf" | grep -q '/boot/efi/EFI/BOOT/BOOTX64.EFI' || fail "no EFI fallback loader: $gf"
  grep -qE '^UUID=[0-9A-F]{4}-[0-9A-F]{4}[[:space:]]/boot/efi[[:space:]]vfat' <<<"$gf" || fail "no /boot/efi in fstab: $gf"
fi
ok "offline: no host keys, empty machine-id, fstab by UUID, networkd DHCP, serial GRUB, datasources, no apt lists"

# ---- 3. boot it ------------------------------------------------------------
# A throw-away overlay, 1 GiB bigger than the template: cloud-init must grow
# the root filesystem to it.
overlay="$TEST_TMP/boot.qcow2"
qemu-img create -q -f qcow2 -b "$img" -F qcow2 "$overlay" 4G || fail "overlay"
cat > "$TEST_TMP/extra.yaml" <<'EOF'
write_files:
  - path: /root/kiln-check.sh
    permissions: "0755"
    content: |
      #!/bin/bash
      # printed on the serial console for the test to read
      exec > /dev/ttyS0 2>&1
      boot=$(( $(date +%s) - $(cut -d. -f1 /proc/uptime) ))
      total=0; fresh=0
      for k in /etc/ssh/ssh_host_*_key; do
        [ -f "$k" ] || continue
        total=$((total + 1))
        [ "$(stat -c %Y "$k")" -ge "$boot" ] && fresh=$((fresh + 1))
      done
      echo "KILN-CHECK host-keys: $fresh of $total made at this boot"
      echo "KILN-CHECK sshd: $(systemctl is-active ssh.service)"
      echo "KILN-CHECK machine-id: $(cat /etc/machine-id)"
      echo "KILN-CHECK address: $(ip -4 -o addr show scope global | awk '{print $2, $4}' | tr '\n' ' ')"
      echo "KILN-CHECK route: $(ip -4 route show default | head -n1)"
      echo "KILN-CHECK networkd: $(networkctl list --no-legend 2>/dev/null | awk '$2 != "lo" {print $2, $4, $5}' | tr '\n' ' ')"
      echo "KILN-CHECK root: $(findmnt -n -o SOURCE,FSTYPE /) size $(df -BM --output=size / | tail -n1 | tr -d ' ')"
      echo "KILN-CHECK qemu-guest-agent: $(systemctl is-active qemu-guest-agent.service)"
      echo "KILN-CHECK grub-devices: $(debconf-show grub-pc 2>/dev/null | grep -o ' grub-pc/install_devices: .*' | cut -d: -f2 | tr -d ' ')"
      echo "KILN-CHECK failed-units: $(systemctl --failed --no-legend --plain | awk '{print $1}' | tr '\n' ' ')"
      if apt-get -q update > /tmp/apt.log 2>&1; then a=ok; else a="failed: $(tail -n 3 /tmp/apt.log | tr '\n' ' ')"; fi
      echo "KILN-CHECK apt-update: $a"
      echo "KILN-CHECK end"
runcmd:
  - [/root/kiln-check.sh]
power_state:
  mode: poweroff
  delay: now
  condition: true
EOF
"$seedtool" "$TEST_TMP/seed.img" "kiln-template-test-$$" kiln-t1 "$TEST_TMP/extra.yaml" \
  || fail "kiln-make-seed"

firmware_args=()
if [ "$firmware" = uefi ]; then
  cp "$ovmf_vars" "$TEST_TMP/vars.fd" || fail "copy $ovmf_vars"
  firmware_args=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$ovmf_code"
                 -drive "if=pflash,format=raw,unit=1,file=$TEST_TMP/vars.fd")
fi
console="$TEST_TMP/console.log"
: > "$console"
qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1536 -machine pc \
  -display none -no-user-config -nodefaults -no-reboot -monitor none \
  "${firmware_args[@]}" \
  -serial "file:$console" \
  -drive "file=$overlay,if=virtio,format=qcow2" \
  -drive "file=$TEST_TMP/seed.img,if=virtio,format=raw,readonly=on" \
  -nic user,model=virtio-net-pci \
  -device virtio-serial-pci \
  -chardev "socket,id=qga,path=$TEST_TMP/qga.sock,server=on,wait=off" \
  -device virtserialport,chardev=qga,name=org.qemu.guest_agent.0 \
  > "$TEST_TMP/qemu.log" 2>&1 &
qpid=$!
cleanup_fn kill_if_running "$qpid"
b0=$(now)

# When each milestone first appears on the console (seconds after start).
declare -A seen=()
# (systemd colours its status lines: escape sequences sit between words)
marks=(grub:"GNU GRUB" kernel:"Linux version" systemd:"Welcome to .*Debian" \
       sshd:"Started .*ssh.service" login:" login:" \
       cloudinit:"Cloud-init v\. .* finished at" checks:"KILN-CHECK end")
# The guest powers itself off when its checks are done (cloud-init's
# power_state): until then, note when each milestone shows up.
note "waiting for the guest to run its checks and power off"
while kill -0 "$qpid" 2>/dev/null; do
  for m in "${marks[@]}"; do
    k=${m%%:*}; re=${m#*:}
    [ -n "${seen[$k]:-}" ] && continue
    grep -qE -- "$re" "$console" && seen[$k]=$(secs "$b0" "$(now)")
  done
  sleep 0.5
done
wait "$qpid"; qrc=$?
[ "$qrc" -eq 0 ] || fail "qemu exited $qrc: $(cat "$TEST_TMP/qemu.log")"
for m in "${marks[@]}"; do
  k=${m%%:*}; re=${m#*:}
  [ -n "${seen[$k]:-}" ] || { grep -qE -- "$re" "$console" && seen[$k]="$(secs "$b0" "$(now)")(late)"; }
done
note "measure: boot milestones (s after qemu start): grub ${seen[grub]:-} kernel ${seen[kernel]:-} systemd ${seen[systemd]:-} sshd ${seen[sshd]:-} login ${seen[login]:-} cloud-init-finished ${seen[cloudinit]:-} checks-done ${seen[checks]:-} poweroff $(secs "$b0" "$(now)")"
cp "$console" "${KILN_TEST_KEEP_CONSOLE:-/dev/null}" 2>/dev/null || true

guest_report() { grep -a "KILN-CHECK $1" "$console" | tail -n1 | tr -d '\r'; }
for k in grub kernel login cloudinit checks; do
  [ -n "${seen[$k]:-}" ] || fail "never saw '$k' on the serial console; tail: $(tail -n 40 "$console")"
done
ok "serial console: GRUB -> kernel -> login prompt -> cloud-init finished"

keys=$(guest_report host-keys)
[[ "$keys" =~ host-keys:\ ([0-9]+)\ of\ ([0-9]+) ]] || fail "no host key report: $keys"
[ "${BASH_REMATCH[2]}" -ge 3 ] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] \
  || fail "host keys not all made at this boot: $keys"
grep -q 'KILN-CHECK sshd: active' "$console" || fail "sshd not active: $(guest_report sshd)"
ok "sshd active with ${BASH_REMATCH[2]} host keys made at this boot"

grep -qE 'KILN-CHECK machine-id: [0-9a-f]{32}' "$console" || fail "no machine-id: $(guest_report machine-id)"
grep -qE 'KILN-CHECK address: [a-z0-9]+ 10\.0\.2\.15/24' "$console" || fail "no DHCP address: $(guest_report address)"
grep -q 'KILN-CHECK route: default via 10.0.2.2' "$console" || fail "no default route: $(guest_report route)"
grep -qE 'KILN-CHECK networkd: .*routable configured' "$console" || fail "networkd: $(guest_report networkd)"
ok "networkd: DHCP lease 10.0.2.15 on $(guest_report address | awk '{print $3}')"

grep -qE "KILN-CHECK root: /dev/vda$rootpart ext4 size (3[89][0-9]{2}|40[0-9]{2})M" "$console" \
  || fail "root not grown to the 4 GiB disk: $(guest_report root)"
grep -q 'KILN-CHECK qemu-guest-agent: active' "$console" || fail "qemu-guest-agent: $(guest_report qemu-guest-agent)"
if [ "$firmware" = bios ]; then
  grep -q 'KILN-CHECK grub-devices: /dev/vda' "$console" || fail "grub-pc does not know its boot disk: $(guest_report grub-devices)"
fi
failed_units=$(guest_report failed-units | sed 's/.*failed-units: *//; s/ *$//')
[ -z "$failed_units" ] || fail "failed units at boot: $failed_units"
grep -q 'KILN-CHECK apt-update: ok' "$console" || fail "apt-get update in the guest: $(guest_report apt-update)"
ok "root grown to the disk, guest agent up, no failed units, apt reaches the mirror"

# ---- 4. reuse ----------------------------------------------------------------
c0=$(now)
out=$("$KILN" template build "$tname" --json 2>&1) || fail "second build: $out"
c1=$(now)
jq -s -e '.[] | select(.event == "template") | .cacheHit == true' <<<"$out" >/dev/null || fail "second build was not a cache hit: $out"
took=$(secs "$c0" "$c1")
note "measure: cache hit $took s"
ok "second build: a cache hit"
}
