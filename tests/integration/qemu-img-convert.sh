#!/usr/bin/env bash
# qemu-img-convert.sh - kiln_qemu_img_convert on a real guest disk into
# every output format kiln distributes; each result is checked by
# `qemu-img compare` against the source; a failing conversion leaves no
# partial file.  No appliance launch here (beyond the shared tiny disks).
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/guestfs-disks.sh"
build_tiny_disks
W=$TEST_TMP

src="$TINY_DIR/sd.qcow2"
src_sum=$(sha256sum < "$src")
# an overlay with its own data on top, converted as a flattened image
new_overlay sd "$W/top.qcow2"

conv () { # conv NAME FMT EXPECT_INFO_FMT ARGS...
  name=$1 fmt=$2 info_fmt=$3; shift 3
  "$GT" convert "$W/top.qcow2" qcow2 "$W/$name" "$fmt" "$@" > "$W/$name.out" ||
    fail "convert to $name"
  grep -q '^progress-calls [1-9]' "$W/$name.out" || fail "$name: no progress"
  qemu-img compare -q -f qcow2 -F "$fmt" "$W/top.qcow2" "$W/$name" ||
    fail "$name differs from the source"
  got=$(qemu-img info --output=json -f "$fmt" "$W/$name" | sed -n 's/.*"format": "\([a-z0-9]*\)".*/\1/p')
  [ "$got" = "$info_fmt" ] || fail "$name: format $got"
  [ -z "$(qemu-img info --output=json -f "$fmt" "$W/$name" | grep backing-filename)" ] ||
    fail "$name still has a backing file"
  echo "$name: $(sed -n 's/^# time convert-[a-z0-9]* //p' "$W/$name.out") s, $(du -k "$W/$name" | cut -f1) KiB"
}
conv out.raw raw raw
conv out.qcow2 qcow2 qcow2
conv outc.qcow2 qcow2 qcow2 -c -m 16 -W
conv out.vmdk vmdk vmdk -o subformat=streamOptimized -o adapter_type=lsilogic -c
conv out.vhd vpc vpc -o subformat=fixed -o force_size=on
conv out.vhdx vhdx vhdx

head -c 4 "$W/out.vmdk" | grep -q KDMV || fail "vmdk magic"
# fixed VHD: raw data + 512-byte footer "conectix"
vsize=$(qemu-img info --output=json -f qcow2 "$W/top.qcow2" | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p')
[ "$(stat -c %s "$W/out.vhd")" = $((vsize + 512)) ] || fail "fixed VHD size"
tail -c 512 "$W/out.vhd" | head -c 8 | grep -q conectix || fail "VHD footer"

# a conversion that fails removes its partial output
if "$GT" convert "$W/top.qcow2" qcow2 "$W/bad.vmdk" vmdk -o subformat=nonsense \
     > "$W/bad.out" 2> "$W/bad.err"; then
  fail "bad subformat accepted"
fi
cat "$W/bad.err"
[ ! -e "$W/bad.vmdk" ] || fail "partial output left behind"

[ "$(sha256sum < "$src")" = "$src_sum" ] || fail "the source's backing file changed"
