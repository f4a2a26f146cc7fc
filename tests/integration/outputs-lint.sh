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
set -uo pipefail
: "${top_srcdir:?}" "${top_builddir:?}" "${KILN:?}"
export KILN_ACCEL=${KILN_ACCEL:-tcg}
. "$top_srcdir/tests/integration/lib/tiny-image.sh"
for t in jq cpio zstd guestfish xmllint tar sha256sum; do
  command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done

fails=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fails=$((fails + 1)); }

tiny=$(kiln_tiny_image) || { echo "cannot build the tiny image"; exit 1; }
work=$(mktemp -d "$top_builddir/tests/tmp/outputs-lint.XXXXXX")
trap 'rm -rf "$work"' EXIT

t0=$(date +%s)
"$top_srcdir/tests/fixtures/lint/make-lint-fixtures" "$tiny" "$work" > "$work/fixtures.log" 2>&1 ||
  { sed 's/^/# /' "$work/fixtures.log"; echo "not ok - fixtures"; exit 1; }
echo "# fixtures built in $(( $(date +%s) - t0 )) s"

# has FILE ID TARGET SEVERITY: the finding is in the JSON findings
has() {
  jq -e --arg id "$2" --arg t "$3" --arg s "$4" \
    'any(.findings[]; .id == $id and .target == $t and .severity == $s)' "$1" >/dev/null
}
# lacks FILE ID: no finding with that id for any target
lacks() {
  jq -e --arg id "$2" 'all(.findings[]; .id != $id)' "$1" >/dev/null
}
expect() { # FILE ID TARGET SEVERITY
  if has "$@"; then ok "$(basename "$1" .json): $2 [$3] $4"
  else bad "$(basename "$1" .json): expected $2 [$3] $4"; jq -c '.findings[] | [.id, .target, .severity]' "$1" | sed 's/^/#   /'; fi
}
expect_none() { # FILE ID
  if lacks "$@"; then ok "$(basename "$1" .json): no $2"
  else bad "$(basename "$1" .json): unexpected $2"; fi
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
  bad "pass-bios: expected no findings and exit 0 (got $rc)"
  grep '"event":"lint"' "$work/pass.jsonl" | jq -c '.findings[]' | sed 's/^/#   /'
fi
jq -n --slurpfile m "$m" '{findings: $m[0].lint.findings}' > "$work/pass-bios.json"
[ "$(jq -r '.guest.distro + " " + .guest.version + " " + .guest.firmware' "$m")" = "debian 12.5 bios" ] &&
  ok "pass-bios: manifest guest debian 12.5 bios" || bad "pass-bios: manifest guest $(jq -c .guest "$m")"
[ "$(jq -r '.lint.targets | join(",")' "$m")" = "kvm,aws,azure,vsphere" ] &&
  ok "pass-bios: manifest lint targets" || bad "pass-bios: lint targets"
[ "$(jq -r '[.packages[].name] | join(",")' "$m")" = "bash,libc6" ] &&
  ok "pass-bios: manifest packages from dpkg" || bad "pass-bios: packages $(jq -c .packages "$m")"
sbom=$work/pass-out/sbom.cdx.json
[ "$(jq -r '.bomFormat + " " + .specVersion' "$sbom")" = "CycloneDX 1.5" ] &&
  ok "pass-bios: SBOM is CycloneDX 1.5" || bad "pass-bios: SBOM header"
[ "$(jq -r '.components[] | select(.name == "bash") | .purl' "$sbom")" = \
  "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12" ] &&
  ok "pass-bios: SBOM purl" || bad "pass-bios: purl $(jq -c '.components[0]' "$sbom")"
(cd "$work/pass-out" && sha256sum --quiet -c SHA256SUMS) && ok "pass-bios: SHA256SUMS" || bad "pass-bios: SHA256SUMS"
tar -xOf "$work/pass-out/pass-bios.ova" pass-bios.ovf > "$work/pass.ovf"
[ "$(xmllint --xpath 'string(//*[local-name()="OperatingSystemSection"]/@*[local-name()="osType"])' "$work/pass.ovf")" = debian11_64Guest ] &&
  ok "pass-bios: OVF guest type from inspection" || bad "pass-bios: OVF osType"
[ "$(jq -r .EnaSupport "$work/pass-out/aws-register-image.json")" = true ] &&
  ok "pass-bios: register-image EnaSupport (ena in modules.dep)" || bad "pass-bios: EnaSupport"

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
[ $rc = 1 ] && ok "fail-bios: kiln convert exits 1" || bad "fail-bios: kiln convert exit $rc"
grep -q "not ready for import" "$work/convert.err" && ok "fail-bios: error names the lint" ||
  { bad "fail-bios: error message"; sed 's/^/#   /' "$work/convert.err"; }
[ -z "$(ls -A "$work/fail-out" 2>/dev/null)" ] && ok "fail-bios: nothing written" || bad "fail-bios: files written"
grep '"event":"lint"' "$work/convert.jsonl" > "$work/fail-bios.json"
f=$work/fail-bios.json
expect "$f" bootloader-missing all error
expect "$f" fstab-device-name all error
expect "$f" cmdline-root-device-name all error
expect "$f" initramfs-missing-driver aws error
expect "$f" initramfs-missing-driver azure error
expect "$f" initramfs-missing-driver vsphere error
expect "$f" kernel-missing-driver aws error
expect "$f" kernel-missing-driver azure error
expect "$f" kernel-missing-driver vsphere error
expect "$f" agent-missing aws warning
expect "$f" agent-missing azure error
expect "$f" agent-missing vsphere warning
expect "$f" agent-missing kvm info
expect "$f" dhcp-missing aws error
expect "$f" dhcp-missing azure error
expect "$f" dhcp-missing vsphere warning
expect "$f" mac-pinned-network aws error
expect "$f" mac-pinned-network kvm warning
expect "$f" swap-on-os-disk azure warning
expect "$f" vhd-size-alignment azure info
# The tiny initramfs carries virtio: KVM is fine on drivers.
jq -e 'all(.findings[]; .target != "kvm" or (.id != "initramfs-missing-driver" and .id != "kernel-missing-driver"))' \
  "$f" >/dev/null && ok "fail-bios: virtio drivers found for kvm" || bad "fail-bios: kvm drivers"
[ "$(jq '[.findings[] | select(.id == "mac-pinned-network" and .target == "aws")] | length' "$f")" = 2 ] &&
  ok "fail-bios: udev rule and hwaddress both reported" || bad "fail-bios: MAC pins"

# pass-bios passes what fail-bios violates (checked above: no findings at all)
for id in bootloader-missing fstab-device-name cmdline-root-device-name initramfs-missing-driver \
          kernel-missing-driver agent-missing dhcp-missing mac-pinned-network swap-on-os-disk \
          vhd-size-alignment efi-fallback-missing initramfs-unreadable; do
  expect_none "$work/pass-bios.json" "$id"
done

# --- no-kernel: refused too; the kernel, size and format rules ---
f=$work/no-kernel.json
grep '"event":"lint"' "$work/nk.jsonl" > "$f"
[ $nk_rc = 1 ] && [ -z "$(ls -A "$work/nk-out" 2>/dev/null)" ] &&
  ok "no-kernel: kiln convert exits 1, nothing written" || bad "no-kernel: exit $nk_rc or files written"
expect "$f" kernel-missing all error
expect "$f" size-limit aws error
expect "$f" size-limit azure error
expect "$f" format-unsupported aws error
expect "$f" format-unsupported azure error
expect "$f" format-unsupported vsphere warning
jq -e 'all(.findings[]; .id != "size-limit" or .target != "vsphere")' "$f" >/dev/null &&
  ok "no-kernel: 17 TiB is within vSphere's 62 TiB" || bad "no-kernel: size-limit for vsphere"
grep -q 'the disk is 17408.0 GiB' "$work/nk.err" && ok "no-kernel: size in the message" ||
  { bad "no-kernel: message"; sed 's/^/#   /' "$work/nk.err"; }

# --- UEFI ---
inspect_pair pass-uefi fail-uefi
rc=$(rc_of pass-uefi)
f=$work/pass-uefi.json
[ "$(jq -r .facts.firmware "$f")" = uefi ] && ok "pass-uefi: firmware uefi" || bad "pass-uefi: firmware $(jq -r .facts.firmware "$f")"
[ "$(jq -r .facts.efiFallback "$f")" = true ] && ok "pass-uefi: fallback loader found" || bad "pass-uefi: fallback"
[ "$(jq -r .facts.espChecked "$f")" = true ] && ok "pass-uefi: ESP mounted from fstab (LABEL=)" || bad "pass-uefi: ESP"
[ "$(jq -r '.facts.initramfsModules | index("nvme") != null' "$f")" = true ] &&
  ok "pass-uefi: nvme listed from the zstd part of the initramfs" || bad "pass-uefi: initramfs listing"
[ "$(jq -r '.facts.agents.cloudInit' "$f")" = true ] && ok "pass-uefi: cloud-init found" || bad "pass-uefi: cloud-init"
if [ $rc -eq 0 ] && [ "$(jq '.findings | length' "$f")" = 0 ]; then
  ok "pass-uefi: no findings, exit 0"
else
  bad "pass-uefi: expected no findings (exit $rc)"
  jq -c '.findings[]' "$f" | sed 's/^/#   /'
fi

f=$work/fail-uefi.json
rc=$(rc_of fail-uefi)
[ $rc = 1 ] && ok "fail-uefi: exit 1" || bad "fail-uefi: exit $rc"
expect "$f" efi-fallback-missing all error
expect "$f" initramfs-unreadable aws warning
expect_none "$f" bootloader-missing

# --- the rest, two at a time ---
inspect_pair hurd whole-disk
inspect_pair gpt-bios uefi-arm

f=$work/hurd.json
[ "$(jq -r .guest.os "$f")" = hurd ] && ok "hurd: inspected as GNU/Hurd" || bad "hurd: os $(jq -r .guest.os "$f")"
expect "$f" os-not-linux all error
# Only the disk rules apply to another OS: no Linux guest findings.
[ "$(jq -c '[.findings[].id] | unique' "$f")" = '["os-not-linux"]' ] &&
  ok "hurd: no Linux guest rules" || bad "hurd: findings $(jq -c '[.findings[].id]' "$f")"
[ "$(rc_of hurd)" = 1 ] && ok "hurd: exit 1" || bad "hurd: exit $(rc_of hurd)"

f=$work/whole-disk.json
[ "$(jq -r '.guest.partitionTable + " " + .guest.rootFilesystem' "$f")" = "none f2fs" ] &&
  ok "whole-disk: no partition table, f2fs root" || bad "whole-disk: $(jq -c .guest "$f")"
expect "$f" partition-table-missing aws error
expect "$f" partition-table-missing azure error
expect "$f" partition-table-missing vsphere warning
expect "$f" root-fs-unsupported aws error
expect "$f" root-fs-unsupported azure warning

f=$work/gpt-bios.json
[ "$(jq -r '.guest.arch + " " + .guest.firmware + " " + .guest.partitionTable' "$f")" = "i386 bios gpt" ] &&
  ok "gpt-bios: i386, BIOS, GPT" || bad "gpt-bios: $(jq -c .guest "$f")"
expect "$f" partition-table-gen1 azure warning
expect "$f" arch-unsupported aws error
expect "$f" arch-unsupported azure error
expect "$f" arch-unsupported vsphere warning
expect "$f" dhcp-interface-name aws warning
expect "$f" dhcp-interface-name kvm warning
expect_none "$f" dhcp-missing
expect_none "$f" bootloader-missing   # the BIOS boot partition counts

f=$work/uefi-arm.json
[ "$(jq -r '.guest.arch + " " + .guest.firmware' "$f")" = "aarch64 uefi" ] &&
  ok "uefi-arm: aarch64, UEFI" || bad "uefi-arm: $(jq -c .guest "$f")"
expect "$f" esp-unchecked all warning
expect "$f" arch-unsupported aws warning
expect "$f" arch-unsupported vsphere warning
jq -e 'all(.findings[]; .id != "arch-unsupported" or .target != "azure")' "$f" >/dev/null &&
  ok "uefi-arm: Azure takes arm64 on UEFI" || bad "uefi-arm: arch-unsupported for azure"
[ "$(rc_of uefi-arm)" = 0 ] && ok "uefi-arm: warnings only, exit 0" || bad "uefi-arm: exit $(rc_of uefi-arm)"

# The passing images pass every rule the fixtures above violate.
for id in os-not-linux kernel-missing esp-unchecked dhcp-interface-name partition-table-missing \
          partition-table-gen1 root-fs-unsupported arch-unsupported size-limit format-unsupported; do
  expect_none "$work/pass-bios.json" "$id"
  expect_none "$work/pass-uefi.json" "$id"
done

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
exit 0
