#!/usr/bin/env bash
# outputs-convert.sh - kiln convert on the tiny test image: every format read
# back by an independent reader (qemu-img, od, tar, xmllint, sha256sum, jq),
# plus the all-or-nothing behaviour on interrupt and failure.
# One libguestfs launch (the inspection); no VM boot.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"
for t in qemu-img xmllint jq tar od sha256sum; do requires "$t"; done

tiny=$(kiln_tiny_image) || fail "cannot build the tiny image"
work=$TEST_TMP

# A source whose virtual size is not a whole MiB (the VHD must be padded).
vsize=$(qemu-img info --output=json -f qcow2 "$tiny" | jq '."virtual-size"')
src=$work/src.qcow2
qemu-img create -q -f qcow2 -b "$tiny" -F qcow2 "$src" $((vsize + 1536))
src_size=$((vsize + 1536))
out=$work/out

t0=$(date +%s)
expect_exit 0 --out "$work/convert.log" "$KILN" convert "$src" --input-format qcow2 \
  --format qcow2,raw,vmdk,vhdx,vhd,ova --output-dir "$out" --name tiny --target aws,kvm \
  --allow-lint-errors --tag Project=kiln-test --aws-bucket my-bucket --aws-prefix golden/
note "kiln convert: $(( $(date +%s) - t0 )) s"

cd "$out" || fail "cd $out"
for f in tiny.qcow2 tiny.raw tiny.vmdk tiny.vhdx tiny.vhd tiny.ova manifest.json \
         SHA256SUMS aws-import-image.json aws-import-snapshot.json aws-register-image.json; do
  expect "$f written" test -s "$f"
done
expect "no temporary directory left" test -z "$(ls -A | grep '^\.')"
expect "sha256sum -c SHA256SUMS" sha256sum --quiet -c SHA256SUMS

# The manifest's digests and sizes are those of the files.
n=$(jq '.artifacts | length' manifest.json)
expect "manifest lists 6 artifacts" test "$n" = 6
for i in $(seq 0 $((n - 1))); do
  f=$(jq -r ".artifacts[$i].file" manifest.json)
  expect "manifest sha256 of $f" test "$(jq -r ".artifacts[$i].sha256" manifest.json)" = \
    "$(sha256sum "$f" | cut -d' ' -f1)"
  expect "manifest fileSize of $f" test "$(jq -r ".artifacts[$i].fileSize" manifest.json)" = \
    "$(stat -c %s "$f")"
done
expect "manifest guest arch" test "$(jq -r .guest.arch manifest.json)" = x86_64
expect "manifest kernel" test "$(jq -r .guest.kernel manifest.json)" != null
expect "manifest tags" test "$(jq -r .tags.Project manifest.json)" = kiln-test
expect "manifest lint targets" test "$(jq -c .lint.targets manifest.json)" = '["aws","kvm"]'
# The tiny initramfs has virtio only: NVMe is missing for AWS.
expect "manifest lint finding for aws" \
  test "$(jq -r '[.lint.findings[] | select(.target=="aws" and .id=="initramfs-missing-driver")] | length' manifest.json)" = 1
expect "manifest timing of distribute" \
  test "$(jq -r '.timings[] | select(.stage=="distribute") | .milliseconds > 0' manifest.json)" = true
if [ "$(jq -r .packages manifest.json)" != null ]; then
  expect "SBOM written with the package list" test -s sbom.cdx.json
fi

info() { qemu-img info --output=json "$@"; }
# qcow2
expect "qcow2: format" test "$(info tiny.qcow2 | jq -r .format)" = qcow2
expect "qcow2: qemu-img check" qemu-img check -q tiny.qcow2
expect "qcow2: same content as the source" qemu-img compare -q -f qcow2 -F qcow2 "$src" tiny.qcow2
# raw: byte-identical to the source, sparse
expect "raw: same size as the source" test "$(stat -c %s tiny.raw)" = "$src_size"
expect "raw: byte-identical to the source" qemu-img compare -q -f qcow2 -F raw "$src" tiny.raw
src_alloc=$(qemu-img info --output=json -f qcow2 "$tiny" | jq '."actual-size"')
raw_alloc=$(( $(stat -c %b tiny.raw) * $(stat -c %B tiny.raw) ))
expect "raw: sparse ($raw_alloc bytes allocated, source $src_alloc)" \
  test "$raw_alloc" -le $((src_alloc * 2 + 4194304))
# vmdk: streamOptimized, sparse header version 3, adapter lsilogic
expect "vmdk: format" test "$(info tiny.vmdk | jq -r .format)" = vmdk
expect "vmdk: createType streamOptimized" \
  test "$(info tiny.vmdk | jq -r '."format-specific".data."create-type"')" = streamOptimized
expect "vmdk: magic KDMV, header version 3" \
  test "$(od -A n -t x1 -N 8 tiny.vmdk | tr -d ' \n')" = 4b444d5603000000
expect "vmdk: ddb.adapterType lsilogic" grep -aq 'ddb.adapterType = "lsilogic"' tiny.vmdk
expect "vmdk: same content" qemu-img compare -q -f qcow2 -F vmdk "$src" tiny.vmdk
# vhdx
expect "vhdx: format" test "$(info tiny.vhdx | jq -r .format)" = vhdx
expect "vhdx: qemu-img check" qemu-img check -q tiny.vhdx
expect "vhdx: same content" qemu-img compare -q -f qcow2 -F vhdx "$src" tiny.vhdx
# vhd: footer "conectix", disk type 2 (fixed), current size a whole MiB
mib_size=$(( (src_size + 1048575) / 1048576 * 1048576 ))
vhd_bytes=$(stat -c %s tiny.vhd)
footer=$(tail -c 512 tiny.vhd | od -A n -t x1 -v | tr -d ' \n')
expect "vhd: footer cookie conectix" test "${footer:0:16}" = 636f6e6563746978
expect "vhd: disk type 2 (fixed)" test "${footer:120:8}" = 00000002
expect "vhd: current size $mib_size (whole MiB)" test $((16#${footer:96:16})) = "$mib_size"
expect "vhd: file = size + 512-byte footer" test "$vhd_bytes" = $((mib_size + 512))
expect "vhd: qemu-img reads it as vpc" test "$(info -f vpc tiny.vhd | jq -r '."virtual-size"')" = "$mib_size"
expect "vhd: same content (padding is zeros)" qemu-img compare -q -f qcow2 -F vpc "$src" tiny.vhd
vhd_alloc=$(( $(stat -c %b tiny.vhd) * $(stat -c %B tiny.vhd) ))
expect "vhd: sparse ($vhd_alloc bytes allocated)" test "$vhd_alloc" -le $((src_alloc * 2 + 4194304))
# ova: tar order, .mf digests, OVF parsed back, sizes
members=$(tar -tf tiny.ova | tr '\n' ' ')
expect "ova: members in order ovf, mf, disk" test "$members" = "tiny.ovf tiny.mf tiny-disk1.vmdk "
mkdir -p "$work/ova" && tar -xf tiny.ova -C "$work/ova"
expect "ova: ovf is well-formed XML" xmllint --noout "$work/ova/tiny.ovf"
xp() { xmllint --xpath "$1" "$work/ova/tiny.ovf"; }
ovf_size=$(xp 'string(//*[local-name()="File"]/@*[local-name()="size"])')
expect "ova: File ovf:size = tar member size" \
  test "$ovf_size" = "$(tar -tvf tiny.ova tiny-disk1.vmdk | awk '{print $3}')"
expect "ova: Disk capacity = VMDK virtual size" \
  test "$(xp 'string(//*[local-name()="Disk"]/@*[local-name()="capacity"])')" = \
       "$(info "$work/ova/tiny-disk1.vmdk" | jq '."virtual-size"')"
expect "ova: OperatingSystemSection present" test -n "$(xp 'string(//*[local-name()="OperatingSystemSection"]/@*[local-name()="id"])')"
expect "ova: controller lsilogic" test "$(xp 'string(//*[local-name()="Item"][*[local-name()="ResourceType"]=6]/*[local-name()="ResourceSubType"])')" = lsilogic
expect "ova: NIC VmxNet3" test "$(xp 'string(//*[local-name()="Item"][*[local-name()="ResourceType"]=10]/*[local-name()="ResourceSubType"])')" = VmxNet3
while read -r line; do
  name=$(sed -n 's/^SHA256(\(.*\))= .*/\1/p' <<<"$line")
  want=${line##*= }
  expect "ova: .mf digest of $name" test "$want" = "$(sha256sum "$work/ova/$name" | cut -d' ' -f1)"
done < "$work/ova/tiny.mf"
expect "ova: disk is the streamOptimized VMDK" cmp -s "$work/ova/tiny-disk1.vmdk" tiny.vmdk
# AWS import files
expect "aws: import-image uses the VMDK" \
  test "$(jq -r '.DiskContainers[0].Format + " " + .DiskContainers[0].UserBucket.S3Bucket + " " + .DiskContainers[0].UserBucket.S3Key' aws-import-image.json)" = "VMDK my-bucket golden/tiny.vmdk"
expect "aws: import-snapshot uses the raw disk" \
  test "$(jq -r .DiskContainer.Format aws-import-snapshot.json)" = RAW
expect "aws: register-image from inspection" \
  test "$(jq -r '.Architecture + " " + .BootMode + " " + .RootDeviceName' aws-register-image.json)" = "x86_64 legacy-bios /dev/xvda"
expect "aws: tags" test "$(jq -r '.TagSpecifications[0].Tags[0].Key' aws-import-image.json)" = Project

# The other sub-formats (no inspection, no launch): monolithicSparse VMDK for
# workstation hypervisors, compressed qcow2, fixed VHDX, dynamic VHD.
sub=$work/sub
expect_exit 0 --out "$work/sub.log" "$KILN" convert "$src" --input-format qcow2 --no-inspect -q \
  --output-dir "$sub" --name t --format vmdk:monolithicSparse,qcow2:compressed,vhdx:fixed,vhd:dynamic
expect "vmdk:monolithicSparse: createType" \
  test "$(info "$sub/t.vmdk" | jq -r '."format-specific".data["create-type"]')" = monolithicSparse
expect "vmdk:monolithicSparse: same content" qemu-img compare -q -f qcow2 -F vmdk "$src" "$sub/t.vmdk"
expect "qcow2:compressed: qemu-img check" qemu-img check -q "$sub/t.qcow2"
expect "qcow2:compressed: same content" qemu-img compare -q -f qcow2 -F qcow2 "$src" "$sub/t.qcow2"
# qemu-img map reports no offset for compressed clusters: data without one
expect "qcow2:compressed: clusters are compressed" \
  test "$(qemu-img map --output=json -f qcow2 "$sub/t.qcow2" | jq '[.[] | select(.data and (has("offset") | not))] | length')" -gt 0
expect "vhdx:fixed: qemu-img check" qemu-img check -q "$sub/t.vhdx"
expect "vhdx:fixed: file holds the whole disk" test "$(stat -c %s "$sub/t.vhdx")" -ge "$src_size"
expect "vhdx:fixed: same content" qemu-img compare -q -f qcow2 -F vhdx "$src" "$sub/t.vhdx"
dfooter=$(tail -c 512 "$sub/t.vhd" | od -A n -t x1 -v | tr -d ' \n')
expect "vhd:dynamic: footer disk type 3 (dynamic)" test "${dfooter:120:8}" = 00000003
expect "vhd:dynamic: current size $mib_size (whole MiB)" test $((16#${dfooter:96:16})) = "$mib_size"
expect "vhd:dynamic: same content" qemu-img compare -q -f qcow2 -F vpc "$src" "$sub/t.vhd"
expect "sub-formats: SHA256SUMS" sh -c 'cd "$1" && sha256sum --quiet -c SHA256SUMS' sh "$sub"
expect "sub-formats: manifest names them" \
  test "$(jq -r '[.artifacts[] | .format + ":" + .subformat] | sort | join(" ")' "$sub/manifest.json")" = \
  "qcow2:compressed vhd:dynamic vhdx:fixed vmdk:monolithicSparse"

# Same names again: refused, nothing touched.
before=$(sha256sum SHA256SUMS)
expect_exit 2 --out "$work/again.log" "$KILN" convert "$src" --input-format qcow2 --format raw \
  --output-dir "$out" --name tiny --no-inspect -q
expect "existing files: exit 2, saying so" grep -q "already exists" "$work/again.log"
expect "existing files: unchanged" test "$before" = "$(sha256sum SHA256SUMS)"

# Interrupted: SIGINT during a slow streamOptimized conversion leaves nothing.
big=$work/big.raw
truncate -s 1G "$big"
head -c 300M /dev/urandom | dd of="$big" conv=notrunc status=none
mkdir -p "$work/int"
"$KILN" convert "$big" --input-format raw --format vmdk,raw,vhd,ova --no-inspect \
  --output-dir "$work/int" --name big -q > "$work/int.log" 2>&1 &
pid=$!
converting () { pgrep -f "qemu-img convert.*$work/int" > /dev/null; }
wait_for --while "$pid" "a conversion to run" converting
kill -INT $pid
rc=0
wait $pid || rc=$?
expect_eq "interrupted: exit 1 (cancelled)" 1 "$rc"
expect "interrupted: says cancelled" grep -q cancelled "$work/int.log"
expect "interrupted: output directory empty" test -z "$(ls -A "$work/int")"
expect "interrupted: no qemu-img left" test -z "$(pgrep -f "qemu-img convert.*$work/int" || true)"

# A failing conversion (VHD over 2040 GiB) leaves nothing either.
qemu-img create -q -f qcow2 "$work/huge.qcow2" 3T
expect_exit 1 --out "$work/fail.log" "$KILN" convert "$work/huge.qcow2" --input-format qcow2 \
  --format qcow2,vhd --no-inspect --output-dir "$work/fail" --name huge -q
expect "failed conversion: names the artifact" grep -q "huge.vhd" "$work/fail.log"
expect "failed conversion: output directory empty" test -z "$(ls -A "$work/fail")"

