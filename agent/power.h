/* power.h - reboot, power off, and the KVM probe
 *
 * Boot mode: `systemctl reboot|poweroff` when PID 1 is systemd, else the
 * busybox-style `reboot` / `poweroff` commands, else sync + reboot(2).  If
 * the machine is still up after a while, reboot(2) forces it.
 */
#pragma once

#include <stdbool.h>

/* Does not return when it works. */
void power_reboot (void);
void power_off (void);
/* The probe: print KILN-PROBE-OK on stdout and the console; as PID 1 (the
 * init of a probe initramfs) power the machine off afterwards. */
int power_probe (void);
/* Is PID 1 systemd? */
bool power_systemd_is_init (void);
