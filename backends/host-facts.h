/* host-facts.h - raw facts about this host's virtualization stack
 *
 * For `kiln doctor` (src/doctor/): each function looks at one thing the
 * way kiln's own builds use it and reports what it saw
 * (common/kiln-host-facts.h): no judging, no advice, no cache (the KVM
 * probe's decision and cache are src/build/accel-decide.c's).  Scratch
 * files go to the temporary directory and are removed.
 */
#pragma once

#include <glib.h>

#include "common/kiln-host-facts.h"
#include "common/kiln-types.h"

/* /dev/kvm as the caller sees it (host-kvm.c). */
void kiln_kvm_device_facts (const char *path, KilnKvmDeviceFacts *out);

/* libvirt's and the hypervisor's versions (libvirt-facts.c). */
gboolean kiln_hypervisor_facts (KilnHypervisor *hv, KilnHypervisorFacts *out,
                                GError **error);

/* Starts a transient domain (the host kernel and kiln's probe initramfs,
 * the same guest as the KVM probe) under accel, waits for its guest to
 * reach userland, and stops it (libvirt-facts.c).  pool: the daemon's
 * storage pool its files go through (NULL: opened in place).  FALSE with error only
 * when no domain could be tried (no kernel, no probe program); a domain
 * that does not start or run is reported in out. */
gboolean kiln_domain_check (KilnHypervisor *hv, KilnPool *pool,
                            KilnAccel accel,
                            const char *probe_init, guint timeout_seconds,
                            KilnDomainCheckFacts *out, GError **error);

/* Launches one appliance the way kiln's stages do (kiln_guestfs_handle_new:
 * backend direct, force_tcg per the decision) on a read-only empty drive,
 * and shuts it down (guestfs-appliance-check.c).  FALSE with error only
 * when no handle could be made; a failed launch is reported in out. */
gboolean kiln_appliance_check (gboolean force_tcg, KilnApplianceFacts *out,
                               GError **error);

/* The first line `program --version` prints, LC_ALL=C (host-programs.c).
 * NULL with error when it cannot run or fails. */
char *kiln_program_version_line (const char *program, GError **error);
