/* guestfs-facts.h - gather import-readiness facts from an open guest
 *
 * Reads (never writes) through the guest's libguestfs handle: partition
 * table, MBR boot code, ESP contents, boot configuration, fstab, kernels,
 * module lists, the initramfs (downloaded to a host temp file and listed
 * with libarchive), agents, network configuration and MAC-pinning rules.
 * The rules that judge them are in src/outputs/lint.c.
 */
#pragma once

#include "guestfs.h"
#include "outputs/lint.h"
#include "outputs/sbom.h"

/* NULL only when the guest cannot be read at all; missing files are facts,
 * not errors. */
KilnLintFacts *kiln_guest_lint_facts (KilnGuest *g, GError **error);

/* kiln_guest_list_packages() as KilnPackage* (the manifest/SBOM type). */
GPtrArray *kiln_guest_packages (KilnGuest *g, GError **error);
