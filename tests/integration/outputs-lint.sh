#!/usr/bin/env bash
# outputs-lint.sh - the import-readiness rules on real images: fixtures made
# from the tiny test image (tests/fixtures/lint/make-lint-fixtures, one
# libguestfs launch) that pass every rule or violate them.  The BIOS pair
# goes through `kiln convert --target all` (the passing one converts, with
# SBOM and OVF guest type from inspection; the failing one must refuse to
# write), the UEFI pair through `kiln inspect --json --target all`, and so
# do five more fixtures for the rules the pairs cannot show (another OS, no
# kernel, 17 TiB, no partition table, f2fs root, GPT on BIOS, i386 and
# aarch64 userlands, DHCP for one interface name, an ESP the guest does not
# mount, no importable format).  pass-bios and pass-uefi pass every rule.
# Ten launches in all, two at a time; no VM boot.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"
for t in jq cpio zstd guestfish xmllint tar sha256sum; do requires "$t"; done

tiny=$(kiln_tiny_image) || fail "cannot build the tiny image"
work=$TEST_TMP

t0=$(date +%s)
expect_exit 0 --out "$work/fixtures.log" "$top_srcdir/tests/fixtures/lint/make-lint-fixtures" "$tiny" "$work"
note "fixtures built in $(( $(date +%s) - t0 )) s"

# has FILE ID TARGET SEVERITY: the finding is in the JSON findings
has() {
  jq -e --arg id "$2" --arg t "$3" --arg s "$4" \
    'any(.findings[]; .id == $id and .target == $t and .severity == $s)' "$1" >/dev/null
}
# lacks FILE ID: no finding with that id for any target
lacks() {
  jq -e --arg id "$2" 'all(.findings[]; .id != $id)' "$1" >/dev/null
}
# expect_finding FILE ID TARGET SEVERITY
expect_finding () {
  has "$@" || {
    jq -c '.findings[] | [.id, .target, .severity]' "$1" | sed 's/^/#   /'
    fail "$(basename "$1" .json): expected $2 [$3] $4"
  }
  ok "$(basename "$1" .json): $2 [$3] $4"
}
# expect_no_finding FILE ID
expect_no_finding () {
  lacks "$@" || fail "$(basename "$1" .json): unexpected $2"
  ok "$(basename "$1" .json): no $2"
}

inspect() { # NAME -> $work/NAME.json, its exit code in $work/NAME.rc
  local t1 rc; t1=$(date +%s)
  "$KILN" inspect "$work/$1.qcow2" --input-format qcow2 --target all --json \
    > "$work/$1.json" 2> "$work/$1.err"
  rc=$?
  echo $rc > "$work/$1.rc"
  echo "kiln inspect $1: exit $rc in $(( $(date +%s) - t1 )) s" >> "$work/$1.err"
}
# inspect_pair A B: two launches side by side (the machine has the cores,
# each appliance is one vCPU); reports in a stable order.
inspect_pair() {
  inspect "$1" & inspect "$2" & wait
  sed 's/^/#   /' "$work/$1.err" "$work/$2.err"
}
rc_of() { cat "$work/$1.rc"; }

# --- pass-bios: clean for every target, so kiln convert goes ahead ---
t1=$(date +%s)
"$KILN" convert "$work/pass-bios.qcow2" --input-format qcow2 --format ova,raw,vhd \
  --target all --json --output-dir "$work/pass-out" > "$work/pass.jsonl" 2> "$work/pass.err"
rc=$?
echo "# kiln convert pass-bios: exit $rc in $(( $(date +%s) - t1 )) s"
sed 's/^/#   /' "$work/pass.err"
m=$work/pass-out/manifest.json
if [ $rc -eq 0 ] && ! grep -q '"event":"lint"' "$work/pass.jsonl" && [ "$(jq '.lint.findings | length' "$m")" = 0 ]; then
  ok "pass-bios: no findings, converted"
else
  grep '"event":"lint"' "$work/pass.jsonl" | jq -c '.findings[]' | sed 's/^/#   /'
  fail "pass-bios: expected no findings and exit 0 (got $rc)"
fi
jq -n --slurpfile m "$m" '{findings: $m[0].lint.findings}' > "$work/pass-bios.json"
[ "$(jq -r '.guest.distro + " " + .guest.version + " " + .guest.firmware' "$m")" = "debian 12.5 bios" ] ||
  fail "pass-bios: manifest guest $(jq -c .guest "$m")"
ok "pass-bios: manifest guest debian 12.5 bios"
[ "$(jq -r '.lint.targets | join(",")' "$m")" = "kvm,aws,azure,vsphere" ] ||
  fail "pass-bios: lint targets"
ok "pass-bios: manifest lint targets"
[ "$(jq -r '[.packages[].name] | join(",")' "$m")" = "bash,libc6" ] ||
  fail "pass-bios: packages $(jq -c .packages "$m")"
ok "pass-bios: manifest packages from dpkg"
sbom=$work/pass-out/sbom.cdx.json
[ "$(jq -r '.bomFormat + " " + .specVersion' "$sbom")" = "CycloneDX 1.5" ] ||
  fail "pass-bios: SBOM header"
ok "pass-bios: SBOM is CycloneDX 1.5"
[ "$(jq -r '.components[] | select(.name == "bash") | .purl' "$sbom")" = \
  "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12" ] ||
  fail "pass-bios: purl $(jq -c '.components[0]' "$sbom")"
ok "pass-bios: SBOM purl"
(cd "$work/pass-out" && sha256sum --quiet -c SHA256SUMS) || fail "pass-bios: SHA256SUMS"
ok "pass-bios: SHA256SUMS"
tar -xOf "$work/pass-out/pass-bios.ova" pass-bios.ovf > "$work/pass.ovf"
[ "$(xmllint --xpath 'string(//*[local-name()="OperatingSystemSection"]/@*[local-name()="osType"])' "$work/pass.ovf")" = debian11_64Guest ] ||
  fail "pass-bios: OVF osType"
ok "pass-bios: OVF guest type from inspection"
[ "$(jq -r .EnaSupport "$work/pass-out/aws-register-image.json")" = true ] ||
  fail "pass-bios: EnaSupport"
ok "pass-bios: register-image EnaSupport (ena in modules.dep)"

# --- fail-bios: kiln convert refuses, and says why ---
# (no-kernel, 17 TiB, converts to qcow2 only: beside it, checked below)
t1=$(date +%s)
"$KILN" convert "$work/no-kernel.qcow2" --input-format qcow2 --format qcow2 \
  --target all --json --output-dir "$work/nk-out" > "$work/nk.jsonl" 2> "$work/nk.err" &
nk_pid=$!
"$KILN" convert "$work/fail-bios.qcow2" --input-format qcow2 --format raw,vhd \
  --target all --json --output-dir "$work/fail-out" > "$work/convert.jsonl" 2> "$work/convert.err"
rc=$?
wait $nk_pid; nk_rc=$?
echo "# kiln convert fail-bios: exit $rc, no-kernel: exit $nk_rc, in $(( $(date +%s) - t1 )) s"
[ $rc = 1 ] || { sed 's/^/#   /' "$work/convert.err"; fail "fail-bios: kiln convert exit $rc"; }
ok "fail-bios: kiln convert exits 1"
expect_grep "not ready for import" "$work/convert.err"
ok "fail-bios: error names the lint"
[ -z "$(ls -A "$work/fail-out" 2>/dev/null)" ] || fail "fail-bios: files written"
ok "fail-bios: nothing written"
grep '"event":"lint"' "$work/convert.jsonl" > "$work/fail-bios.json"
f=$work/fail-bios.json
expect_finding "$f" bootloader-missing all error
expect_finding "$f" fstab-device-name all error
expect_finding "$f" cmdline-root-device-name all error
expect_finding "$f" initramfs-missing-driver aws error
expect_finding "$f" initramfs-missing-driver azure error
expect_finding "$f" initramfs-missing-driver vsphere error
expect_finding "$f" kernel-missing-driver aws error
expect_finding "$f" kernel-missing-driver azure error
expect_finding "$f" kernel-missing-driver vsphere error
expect_finding "$f" agent-missing aws warning
expect_finding "$f" agent-missing azure error
expect_finding "$f" agent-missing vsphere warning
expect_finding "$f" agent-missing kvm info
expect_finding "$f" dhcp-missing aws error
expect_finding "$f" dhcp-missing azure error
expect_finding "$f" dhcp-missing vsphere warning
expect_finding "$f" mac-pinned-network aws error
expect_finding "$f" mac-pinned-network kvm warning
expect_finding "$f" swap-on-os-disk azure warning
expect_finding "$f" vhd-size-alignment azure info
# The tiny initramfs carries virtio: KVM is fine on drivers.
jq -e 'all(.findings[]; .target != "kvm" or (.id != "initramfs-missing-driver" and .id != "kernel-missing-driver"))' \
  "$f" >/dev/null || fail "fail-bios: kvm drivers"
ok "fail-bios: virtio drivers found for kvm"
[ "$(jq '[.findings[] | select(.id == "mac-pinned-network" and .target == "aws")] | length' "$f")" = 2 ] ||
  fail "fail-bios: MAC pins"
ok "fail-bios: udev rule and hwaddress both reported"

# pass-bios passes what fail-bios violates (checked above: no findings at all)
for id in bootloader-missing fstab-device-name cmdline-root-device-name initramfs-missing-driver \
          kernel-missing-driver agent-missing dhcp-missing mac-pinned-network swap-on-os-disk \
          vhd-size-alignment efi-fallback-missing initramfs-unreadable; do
  expect_no_finding "$work/pass-bios.json" "$id"
done

# --- no-kernel: refused too; the kernel, size and format rules ---
f=$work/no-kernel.json
grep '"event":"lint"' "$work/nk.jsonl" > "$f"
[ $nk_rc = 1 ] && [ -z "$(ls -A "$work/nk-out" 2>/dev/null)" ] ||
  fail "no-kernel: exit $nk_rc or files written"
ok "no-kernel: kiln convert exits 1, nothing written"
expect_finding "$f" kernel-missing all error
expect_finding "$f" size-limit aws error
expect_finding "$f" size-limit azure error
expect_finding "$f" format-unsupported aws error
expect_finding "$f" format-unsupported azure error
expect_finding "$f" format-unsupported vsphere warning
jq -e 'all(.findings[]; .id != "size-limit" or .target != "vsphere")' "$f" >/dev/null ||
  fail "no-kernel: size-limit for vsphere"
ok "no-kernel: 17 TiB is within vSphere's 62 TiB"
expect_grep 'the disk is 17408.0 GiB' "$work/nk.err"
ok "no-kernel: size in the message"

# --- UEFI ---
inspect_pair pass-uefi fail-uefi
rc=$(rc_of pass-uefi)
f=$work/pass-uefi.json
[ "$(jq -r .facts.firmware "$f")" = uefi ] || fail "pass-uefi: firmware $(jq -r .facts.firmware "$f")"
ok "pass-uefi: firmware uefi"
[ "$(jq -r .facts.efiFallback "$f")" = true ] || fail "pass-uefi: fallback"
ok "pass-uefi: fallback loader found"
[ "$(jq -r .facts.espChecked "$f")" = true ] || fail "pass-uefi: ESP"
ok "pass-uefi: ESP mounted from fstab (LABEL=)"
[ "$(jq -r '.facts.initramfsModules | index("nvme") != null' "$f")" = true ] ||
  fail "pass-uefi: initramfs listing"
ok "pass-uefi: nvme listed from the zstd part of the initramfs"
[ "$(jq -r '.facts.agents.cloudInit' "$f")" = true ] || fail "pass-uefi: cloud-init"
ok "pass-uefi: cloud-init found"
if [ $rc -eq 0 ] && [ "$(jq '.findings | length' "$f")" = 0 ]; then
  ok "pass-uefi: no findings, exit 0"
else
  jq -c '.findings[]' "$f" | sed 's/^/#   /'
  fail "pass-uefi: expected no findings (exit $rc)"
fi

f=$work/fail-uefi.json
rc=$(rc_of fail-uefi)
[ $rc = 1 ] || fail "fail-uefi: exit $rc"
ok "fail-uefi: exit 1"
expect_finding "$f" efi-fallback-missing all error
expect_finding "$f" initramfs-unreadable aws warning
expect_no_finding "$f" bootloader-missing

# --- the rest, two at a time ---
inspect_pair hurd whole-disk
inspect_pair gpt-bios uefi-arm

f=$work/hurd.json
[ "$(jq -r .guest.os "$f")" = hurd ] || fail "hurd: os $(jq -r .guest.os "$f")"
ok "hurd: inspected as GNU/Hurd"
expect_finding "$f" os-not-linux all error
# Only the disk rules apply to another OS: no Linux guest findings.
[ "$(jq -c '[.findings[].id] | unique' "$f")" = '["os-not-linux"]' ] ||
  fail "hurd: findings $(jq -c '[.findings[].id]' "$f")"
ok "hurd: no Linux guest rules"
[ "$(rc_of hurd)" = 1 ] || fail "hurd: exit $(rc_of hurd)"
ok "hurd: exit 1"

f=$work/whole-disk.json
[ "$(jq -r '.guest.partitionTable + " " + .guest.rootFilesystem' "$f")" = "none f2fs" ] ||
  fail "whole-disk: $(jq -c .guest "$f")"
ok "whole-disk: no partition table, f2fs root"
expect_finding "$f" partition-table-missing aws error
expect_finding "$f" partition-table-missing azure error
expect_finding "$f" partition-table-missing vsphere warning
expect_finding "$f" root-fs-unsupported aws error
expect_finding "$f" root-fs-unsupported azure warning

f=$work/gpt-bios.json
[ "$(jq -r '.guest.arch + " " + .guest.firmware + " " + .guest.partitionTable' "$f")" = "i386 bios gpt" ] ||
  fail "gpt-bios: $(jq -c .guest "$f")"
ok "gpt-bios: i386, BIOS, GPT"
expect_finding "$f" partition-table-gen1 azure warning
expect_finding "$f" arch-unsupported aws error
expect_finding "$f" arch-unsupported azure error
expect_finding "$f" arch-unsupported vsphere warning
expect_finding "$f" dhcp-interface-name aws warning
expect_finding "$f" dhcp-interface-name kvm warning
expect_no_finding "$f" dhcp-missing
expect_no_finding "$f" bootloader-missing   # the BIOS boot partition counts

f=$work/uefi-arm.json
[ "$(jq -r '.guest.arch + " " + .guest.firmware' "$f")" = "aarch64 uefi" ] ||
  fail "uefi-arm: $(jq -c .guest "$f")"
ok "uefi-arm: aarch64, UEFI"
expect_finding "$f" esp-unchecked all warning
expect_finding "$f" arch-unsupported aws warning
expect_finding "$f" arch-unsupported vsphere warning
jq -e 'all(.findings[]; .id != "arch-unsupported" or .target != "azure")' "$f" >/dev/null ||
  fail "uefi-arm: arch-unsupported for azure"
ok "uefi-arm: Azure takes arm64 on UEFI"
[ "$(rc_of uefi-arm)" = 0 ] || fail "uefi-arm: exit $(rc_of uefi-arm)"
ok "uefi-arm: warnings only, exit 0"

# The passing images pass every rule the fixtures above violate.
for id in os-not-linux kernel-missing esp-unchecked dhcp-interface-name partition-table-missing \
          partition-table-gen1 root-fs-unsupported arch-unsupported size-limit format-unsupported; do
  expect_no_finding "$work/pass-bios.json" "$id"
  expect_no_finding "$work/pass-uefi.json" "$id"
done

