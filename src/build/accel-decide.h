/* accel-decide.h - the one accelerator decision every command shares
 *
 * `auto` means KVM only when /dev/kvm works AND a probe guest really boots
 * under it (nested KVM is often present but broken); the answer is cached
 * in $KILN_HOME/cache per host kernel and qemu version.  The policy (when
 * to probe, the cache) is here; the libvirt backend checks the device and
 * boots the probe (backends/libvirt.h).  Every libguestfs appliance and
 * every domain a command starts gets the answer: a build (stage-prepare.c), `kiln
 * inspect`/`convert`, the template build's bootloader step.
 *
 * When `auto` falls back to TCG the user sees one short line per command
 * that names the cause in words; the probe's raw text goes to the log.
 */
#pragma once

#include <glib.h>

#include "base/reporter.h"
#include "common/kiln-types.h"

/* Under KVM the probe guest reaches userland in 1-3 s; 30 s also covers a
 * loaded host.  A broken nested KVM hangs (never prints), so this is also
 * what a failed probe costs, once per host kernel + qemu version. */
#define KILN_ACCEL_PROBE_TIMEOUT 30

/* How the probe runs.  Tests change it to exercise the probe and its cache
 * on a host where KVM does not work (the probe guest then boots under
 * TCG). */
typedef struct {
  const char *kvm_device;    /* "/dev/kvm"; NULL = skip the device check */
  KilnAccel probe_accel;     /* KILN_ACCEL_KVM */
  guint timeout_seconds;     /* KILN_ACCEL_PROBE_TIMEOUT */
  const char *kernel;        /* NULL = the host kernel from /boot */
} KilnAccelProbeOptions;

/* Resolves requested on hv.  TCG: as asked.  KVM: /dev/kvm must work, else
 * an error.  AUTO: KVM only when /dev/kvm works AND a probe guest (whose
 * /init is probe_init) reaches userland in time, else TCG; the probe's
 * answer is cached in cache_dir/accel-probe.json keyed by the host kernel
 * release and the hypervisor version (the device check runs every time).
 * *reason says why (for the one warning).  options NULL = the defaults
 * above.  pool: where a daemon's QEMU finds the probe's files (a storage
 * pool on the target; NULL on the embedded driver, which opens them in
 * place).  Returns KILN_ACCEL_AUTO with error on failure (a signal during
 * the probe included: the probe registers its stop, base/signals.h). */
KilnAccel kiln_accel_resolve (KilnHypervisor *hv, KilnPool *pool,
                              KilnAccel requested,
                              const char *probe_init, const char *cache_dir,
                              const KilnAccelProbeOptions *options,
                              char **reason, GError **error);

/* requested: "auto", "kvm" or "tcg" (NULL = $KILN_ACCEL, else auto).
 * Decides on the embedded driver.  Returns KVM or TCG; KILN_ACCEL_AUTO with
 * error on failure.  The warning goes through r when given, else to
 * stderr. */
KilnAccel kiln_accel_decide (const char *requested, KilnReporter *r,
                             GError **error);

/* The same on an open hypervisor (a build's own connection), with the
 * target's storage pool (NULL on the embedded driver). */
KilnAccel kiln_accel_decide_on (KilnHypervisor *hv, KilnPool *pool,
                                const char *requested,
                                KilnReporter *r, GError **error);

/* The cause of a fallback in a few words, from the probe's raw reason:
 * "qemu aborted: failed to set MSR 0x10a (nested KVM)". */
char *kiln_accel_cause_brief (const char *raw_reason);
