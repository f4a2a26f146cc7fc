#!/usr/bin/env bash
# The rest of the domain: UEFI (OVMF picked by libvirt, Secure Boot off),
# a user-mode NIC, a read-only seed disk.  Boots a blank disk (firmware only,
# no OS), checks qemu's command line in the embedded root's log, and that
# the per-domain UEFI variable store is removed with the domain.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/libvirt.sh"

qemu-img create -q -f qcow2 "$LV_TMP/blank.qcow2" 64M || fail "qemu-img"
qemu-img create -q -f raw "$LV_TMP/seed.img" 1M || fail "qemu-img"
out="$LV_TMP/run.out"
rc=0
"$DRIVER" --root "$LV_ROOT" --prefix kiln-test --accel tcg --uefi --network-user \
  --disk "$LV_TMP/blank.qcow2" --format qcow2 --seed "$LV_TMP/seed.img" --seed-format raw \
  --console "$LV_TMP/console.log" --memory 512 --vcpus 1 --stage-timeout 5 \
  wait > "$out" 2> "$out.err" || rc=$?
[ "$rc" -eq 4 ] || fail "expected exit 4 (no OS: it never shuts off), got $rc: $(cat "$out" "$out.err")"
name=$(lv_get domain "$out")
log="$LV_ROOT/log/qemu/$name.log"
[ -f "$log" ] || fail "no qemu log $log"
grep -q 'OVMF_CODE[^ ]*\.fd' "$log" || fail "no OVMF in the qemu command line"
grep -q 'secboot\|ms\.fd' "$log" && fail "a Secure Boot firmware was picked"
grep -q '"type":"user"' "$log" || fail "no user-mode netdev"
grep -q '"driver":"virtio-net-pci"' "$log" || fail "no virtio NIC"
node=$(grep -o '"filename":"[^"]*seed.img","node-name":"[^"]*"' "$log" | sed 's/.*"node-name":"\([^"]*\)"/\1/')
[ -n "$node" ] || fail "no seed disk"
grep -q "\"node-name\":\"${node%-storage}-format\",\"read-only\":true" "$log" || fail "the seed disk is not read-only"
grep -q '"driver":"virtio-blk-pci"' "$log" || fail "no virtio disk"
grep -q -- '-cpu max' "$log" || fail "TCG guest without -cpu max"
[ -z "$(ls "$LV_ROOT/lib/qemu/nvram" 2>/dev/null)" ] || \
  fail "UEFI variable store left: $(ls "$LV_ROOT/lib/qemu/nvram")"
lv_expect_clean
