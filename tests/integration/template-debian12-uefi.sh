#!/usr/bin/env bash
# The UEFI variant: GPT, an EFI system partition with GRUB at the fallback
# path EFI/BOOT/BOOTX64.EFI, booted through OVMF (no NVRAM entry needed).
# Same checks as template-debian12.sh.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/template.sh"
# A second full template build and boot (~8 min under TCG): opt-in, so that
# `make check` (and CI) stays well under an hour on machines without KVM.
[ -n "${KILN_SLOW_TESTS:-}" ] || skip "the UEFI template build is a slow test: run with KILN_SLOW_TESTS=1"
[ -r "$ovmf_code" ] && [ -r "$ovmf_vars" ] || skip "OVMF is not installed ($ovmf_code)"
template_end_to_end debian-12-uefi uefi 2
