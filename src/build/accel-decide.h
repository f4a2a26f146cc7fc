/* accel-decide.h - the one accelerator decision every command shares
 *
 * `auto` means KVM only when /dev/kvm works AND a probe guest really boots
 * under it (nested KVM is often present but broken); the answer is cached
 * in $KILN_HOME/cache per host kernel and qemu version by the libvirt
 * backend.  Every libguestfs appliance and every domain a command starts
 * gets the answer: a build (job.c), `kiln inspect`/`convert`, the template
 * build's bootloader step.
 *
 * When `auto` falls back to TCG the user sees one short line per command
 * that names the cause in words; the probe's raw text goes to the log.
 */
#pragma once

#include <glib.h>

#include "base/reporter.h"
#include "common/kiln-types.h"

/* requested: "auto", "kvm" or "tcg" (NULL = $KILN_ACCEL, else auto).
 * Decides on the embedded driver.  Returns KVM or TCG; KILN_ACCEL_AUTO with
 * error on failure.  The warning goes through r when given, else to
 * stderr. */
KilnAccel kiln_accel_decide (const char *requested, KilnReporter *r,
                             GError **error);

/* The same on an open hypervisor (a build's own connection). */
KilnAccel kiln_accel_decide_on (KilnHypervisor *hv, const char *requested,
                                KilnReporter *r, GError **error);

/* The cause of a fallback in a few words, from the probe's raw reason:
 * "qemu aborted: failed to set MSR 0x10a (nested KVM)". */
char *kiln_accel_cause_brief (const char *raw_reason);
