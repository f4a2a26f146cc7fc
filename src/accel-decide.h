/* accel-decide.h - the one accelerator decision every command shares
 *
 * `auto` means KVM only when /dev/kvm works AND a probe guest really boots
 * under it (nested KVM is often present but broken); the answer is cached
 * in $KILN_HOME/cache per host kernel and qemu version by the libvirt
 * backend.  Commands that only launch libguestfs (inspect, convert,
 * template build) use this so they never hang a KVM appliance the probe
 * already found broken.
 */
#pragma once

#include <glib.h>

#include "accel.h"

/* requested: "auto", "kvm" or "tcg" (NULL = $KILN_ACCEL, else auto).
 * Returns KVM or TCG; *reason (may be NULL) says why when it fell back.
 * KILN_ACCEL_AUTO with error on failure. */
KilnAccel kiln_accel_decide (const char *requested, char **reason,
                             GError **error);
