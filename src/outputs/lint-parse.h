/* lint-parse.h - reading guest configuration text into lint facts
 *
 * Pure parsers: guest-facts.c reads the files from the guest, these
 * interpret them.  Each takes the guest path (for messages) and the text.
 */
#pragma once

#include "lint.h"

/* /etc/fstab -> KilnFstabEntry* (comments and blank lines skipped; the
 * \040 octal escapes of fstab are decoded). */
GPtrArray *kiln_parse_fstab (const char *text);

/* systemd-networkd: a .network file (DHCP and [Match] Name=/MACAddress=)
 * or a .link file ([Match] MACAddress= with [Link] Name=). */
void kiln_parse_networkd (KilnLintFacts *f, const char *path,
                          const char *text);
/* ifupdown: /etc/network/interfaces and interfaces.d/ files. */
void kiln_parse_ifupdown (KilnLintFacts *f, const char *path,
                          const char *text);
/* netplan YAML (network.ethernets/.bonds..., match, dhcp4, macaddress). */
void kiln_parse_netplan (KilnLintFacts *f, const char *path,
                         const char *text);
/* NetworkManager keyfile (.nmconnection). */
void kiln_parse_nm_keyfile (KilnLintFacts *f, const char *path,
                            const char *text);
/* RHEL-style ifcfg-* (DEVICE, BOOTPROTO, HWADDR). */
void kiln_parse_ifcfg (KilnLintFacts *f, const char *path, const char *text);
/* udev rules that name an interface by ATTR{address}. */
void kiln_parse_udev_rules (KilnLintFacts *f, const char *path,
                            const char *text);

/* root= values on the kernel lines of grub.cfg, extlinux.conf,
 * loader entries, /etc/default/grub (GRUB_CMDLINE_LINUX*), appended to
 * roots (char*, duplicates skipped). */
void kiln_parse_cmdline_roots (GPtrArray *roots, const char *text);

/* modules.dep / modules.builtin / modules.order: module paths ->
 * names in set. */
void kiln_parse_module_list (GHashTable *set, const char *text);
/* "kernel/drivers/nvme/host/nvme.ko.zst" -> "nvme"; NULL if not a module. */
char *kiln_module_name_from_path (const char *path);

/* cloud-init: TRUE when cloud.cfg(.d) text disables network configuration
 * (network: {config: disabled}). */
gboolean kiln_parse_cloud_cfg_network_disabled (const char *text);
/* NetworkManager.conf: FALSE when no-auto-default=* turns off the
 * automatic DHCP profile for new NICs. */
gboolean kiln_parse_nm_conf_auto_default (const char *text);

/* A device path that names a disk by its position on a bus, which changes
 * between hypervisors (/dev/sda1, /dev/vda2, /dev/nvme0n1p1, /dev/xvda). */
gboolean kiln_is_bus_device_name (const char *spec);
