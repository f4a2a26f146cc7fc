/* lint.c - import-readiness rules over KilnLintFacts (pure functions)
 *
 * Sources for the requirements: AWS VM Import/Export prerequisites, Azure
 * "prepare a Linux VHD", VMware OVF deployment (see
 * shared/reference/anchors-and-formats.md sections 4 and 5).
 */
#include <string.h>

#include "formats.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "lint-parse.h"
#include "lint.h"
#include "ovf.h"
#include "base/escape.h"
#include "base/suggest.h"

#define GiB (1024ULL * 1024 * 1024)
#define TiB (1024ULL * GiB)

static const char *const target_names[] = { "kvm", "aws", "azure", "vsphere",
                                            NULL };

const char *const *
kiln_lint_target_names (void)
{
  return target_names;
}

/* --- facts --- */

static void
net_config_free (KilnNetConfig *c)
{
  g_free (c->source);
  g_free (c->manager);
  g_free (c->match);
  g_free (c);
}

static void
mac_pin_free (KilnMacPin *m)
{
  g_free (m->source);
  g_free (m->mac);
  g_free (m);
}

GHashTable *
kiln_lint_module_set_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
kiln_lint_module_set_add (GHashTable *set, const char *name)
{
  char *n = g_strdup (name);
  g_strdelimit (n, "-", '_');
  g_hash_table_add (set, n);
}

KilnLintFacts *
kiln_lint_facts_new (void)
{
  KilnLintFacts *f = g_new0 (KilnLintFacts, 1);
  f->bootloaders = g_ptr_array_new_with_free_func (g_free);
  f->efi_binaries = g_ptr_array_new_with_free_func (g_free);
  f->cmdline_roots = g_ptr_array_new_with_free_func (g_free);
  f->kernels = g_ptr_array_new_with_free_func (g_free);
  f->kernel_modules = kiln_lint_module_set_new ();
  f->builtin_modules = kiln_lint_module_set_new ();
  f->fstab = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_fstab_entry_free);
  f->net_configs = g_ptr_array_new_with_free_func (
      (GDestroyNotify) net_config_free);
  f->mac_pins = g_ptr_array_new_with_free_func ((GDestroyNotify) mac_pin_free);
  f->nm_auto_default = TRUE;
  return f;
}

void
kiln_lint_facts_free (KilnLintFacts *f)
{
  if (!f)
    return;
  g_free (f->os_type);
  g_free (f->distro);
  g_free (f->product_name);
  g_free (f->arch);
  g_free (f->firmware);
  g_free (f->partition_table);
  g_free (f->root_fstype);
  g_free (f->package_format);
  g_ptr_array_unref (f->bootloaders);
  g_ptr_array_unref (f->efi_binaries);
  g_ptr_array_unref (f->cmdline_roots);
  g_ptr_array_unref (f->kernels);
  g_free (f->kernel);
  g_free (f->initramfs_path);
  g_free (f->initramfs_error);
  g_clear_pointer (&f->initramfs_modules, g_hash_table_unref);
  g_hash_table_unref (f->kernel_modules);
  g_hash_table_unref (f->builtin_modules);
  g_ptr_array_unref (f->fstab);
  g_ptr_array_unref (f->net_configs);
  g_ptr_array_unref (f->mac_pins);
  g_free (f->ovf_controller);
  g_free (f->ovf_nic);
  g_free (f);
}

void
kiln_lint_facts_add_net (KilnLintFacts *f, const char *source,
                         const char *manager, const char *match,
                         gboolean dhcp)
{
  KilnNetConfig *c = g_new0 (KilnNetConfig, 1);
  c->source = g_strdup (source);
  c->manager = g_strdup (manager);
  c->match = g_strdup (match);
  c->dhcp = dhcp;
  g_ptr_array_add (f->net_configs, c);
}

void
kiln_lint_facts_add_mac_pin (KilnLintFacts *f, const char *source, int line,
                             const char *mac)
{
  KilnMacPin *m = g_new0 (KilnMacPin, 1);
  m->source = g_strdup (source);
  m->line = line;
  m->mac = g_strdup (mac);
  g_ptr_array_add (f->mac_pins, m);
}

void
kiln_fstab_entry_free (KilnFstabEntry *e)
{
  if (!e)
    return;
  g_free (e->spec);
  g_free (e->mountpoint);
  g_free (e->fstype);
  g_free (e->options);
  g_free (e);
}

/* --- findings --- */

void
kiln_lint_finding_free (KilnLintFinding *f)
{
  if (!f)
    return;
  g_free (f->id);
  g_free (f->target);
  g_free (f->message);
  g_free (f->fix);
  g_free (f);
}

const char *
kiln_lint_severity_name (KilnLintSeverity s)
{
  switch (s)
    {
    case KILN_LINT_ERROR:
      return "error";
    case KILN_LINT_WARNING:
      return "warning";
    default:
      return "info";
    }
}

typedef struct {
  const KilnLintFacts *f;
  GPtrArray *out;
  const char *target;           /* "all" for target-independent rules */
} Lint;

static void add (Lint *l, KilnLintSeverity sev, const char *id,
                 const char *fix, const char *fmt, ...) G_GNUC_PRINTF (5, 6);

static void
add (Lint *l, KilnLintSeverity sev, const char *id, const char *fix,
     const char *fmt, ...)
{
  va_list ap;
  KilnLintFinding *x = g_new0 (KilnLintFinding, 1);
  x->id = g_strdup (id);
  x->severity = sev;
  x->target = g_strdup (l->target);
  va_start (ap, fmt);
  x->message = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  x->fix = g_strdup (fix);
  g_ptr_array_add (l->out, x);
}

static gboolean
is (const char *a, const char *b)
{
  return a && b && strcmp (a, b) == 0;
}

static gboolean
is_uefi (const KilnLintFacts *f)
{
  return is (f->firmware, "uefi");
}

static gboolean
is_deb (const KilnLintFacts *f)
{
  return is (f->package_format, "deb");
}

/* The guest rules (boot loader, fstab, drivers, network, agents) read a
 * Linux root; for another OS only os-not-linux and the disk rules (size,
 * partition table, architecture, formats) say anything true. */
static gboolean
linux_guest (const KilnLintFacts *f)
{
  return !f->os_type || is (f->os_type, "linux");
}

/* --- target-independent rules --- */

static void
rule_os (Lint *l)
{
  const KilnLintFacts *f = l->f;
  if (f->os_type && !is (f->os_type, "linux"))
    add (l, KILN_LINT_ERROR, "os-not-linux",
         "kiln's import checks cover Linux guests; check the target's own "
         "requirements for this OS",
         "the guest OS is %s, not Linux", f->os_type);
  if (linux_guest (f) && f->kernels->len == 0)
    add (l, KILN_LINT_ERROR, "kernel-missing",
         "install the distribution's kernel package (e.g. linux-image-amd64, "
         "kernel) so /lib/modules and /boot hold a kernel",
         "no kernel found (/lib/modules is empty)");
}

static void
rule_bootloader (Lint *l)
{
  const KilnLintFacts *f = l->f;
  if (is_uefi (f))
    {
      if (!f->esp_present)
        {
          add (l, KILN_LINT_ERROR, "bootloader-missing",
               "create an EFI system partition (FAT, type EF00) and install "
               "the boot loader to it (grub-install --target=x86_64-efi)",
               "the image is UEFI but has no EFI system partition");
          return;
        }
      if (!f->esp_checked)
        {
          add (l, KILN_LINT_WARNING, "esp-unchecked",
               "mount the ESP from /etc/fstab (usually at /boot/efi) so it "
               "can be checked and updated",
               "the EFI system partition is not mounted by the guest, so its "
               "boot files could not be checked");
          return;
        }
      if (f->efi_binaries->len == 0)
        add (l, KILN_LINT_ERROR, "bootloader-missing",
             "install the boot loader to the ESP (grub-install "
             "--target=x86_64-efi --efi-directory=/boot/efi)",
             "the EFI system partition holds no .efi boot loader");
      return;
    }
  gboolean code = f->mbr_boot_code || f->bios_boot_partition;
  if (f->bootloaders->len == 0 || !code)
    add (l, KILN_LINT_ERROR, "bootloader-missing",
         "install a BIOS boot loader: grub-install --target=i386-pc /dev/sda "
         "and update-grub (grub2-mkconfig -o /boot/grub2/grub.cfg)",
         "%s", f->bootloaders->len == 0
                   ? "no boot loader configuration found (grub.cfg, "
                     "extlinux.conf, loader entries)"
                   : "the disk has no BIOS boot code (empty MBR and no BIOS "
                     "boot partition)");
}

static void
rule_efi_fallback (Lint *l)
{
  const KilnLintFacts *f = l->f;
  if (!is_uefi (f) || !f->esp_checked || f->efi_binaries->len == 0
      || f->efi_fallback)
    return;
  gboolean arm = is (f->arch, "aarch64");
  add (l, KILN_LINT_ERROR, "efi-fallback-missing",
       arm ? "install GRUB with --removable too (or copy shimaa64.efi/"
             "grubaa64.efi to \\EFI\\BOOT\\BOOTAA64.EFI); Debian: "
             "grub-install --force-extra-removable"
           : "install GRUB with --removable too (or copy shimx64.efi/"
             "grubx64.efi to \\EFI\\BOOT\\BOOTX64.EFI); Debian: "
             "grub-install --force-extra-removable, or set "
             "grub2/force_efi_extra_removable",
       "no fallback boot loader \\EFI\\BOOT\\%s on the ESP: a new VM starts "
       "with empty UEFI variables and finds nothing to boot",
       arm ? "BOOTAA64.EFI" : "BOOTX64.EFI");
}

static void
rule_fstab (Lint *l)
{
  const KilnLintFacts *f = l->f;
  if (!f->fstab_found)
    return;
  for (guint i = 0; i < f->fstab->len; i++)
    {
      const KilnFstabEntry *e = f->fstab->pdata[i];
      if (kiln_is_bus_device_name (e->spec))
        add (l, KILN_LINT_ERROR, "fstab-device-name",
             "refer to the filesystem by UUID=... or LABEL=... (blkid shows "
             "both); device names change between hypervisors (vda on KVM, "
             "nvme0n1 on AWS Nitro, sda on Azure and vSphere)",
             "/etc/fstab line %d mounts %s by device name %s", e->line,
             e->mountpoint, e->spec);
    }
}

static void
rule_cmdline_root (Lint *l)
{
  const KilnLintFacts *f = l->f;
  for (guint i = 0; i < f->cmdline_roots->len; i++)
    {
      const char *root = f->cmdline_roots->pdata[i];
      if (kiln_is_bus_device_name (root))
        add (l, KILN_LINT_ERROR, "cmdline-root-device-name",
             "use root=UUID=... (GRUB: leave GRUB_DISABLE_LINUX_UUID unset "
             "and run update-grub / grub2-mkconfig)",
             "the kernel command line names the root filesystem by device "
             "name root=%s, which changes between hypervisors", root);
    }
}

static void
rule_mac_pins (Lint *l, KilnLintSeverity sev)
{
  const KilnLintFacts *f = l->f;
  for (guint i = 0; i < f->mac_pins->len; i++)
    {
      const KilnMacPin *m = f->mac_pins->pdata[i];
      g_autofree char *where = m->line ? g_strdup_printf ("%s:%d", m->source,
                                                          m->line)
                                       : g_strdup (m->source);
      add (l, sev, "mac-pinned-network",
           "remove the MAC address match (generalize with kiln, or delete "
           "/etc/udev/rules.d/70-persistent-net.rules and MACAddress=/"
           "macaddress:/HWADDR= lines)",
           "%s ties the network configuration to MAC address %s; an imported "
           "or cloned VM gets a new MAC and loses that configuration",
           where, m->mac);
    }
}

/* Whether a configuration applies to any NIC (no name or a glob). */
static gboolean
match_is_generic (const char *match)
{
  return !match || strpbrk (match, "*?[") != NULL;
}

static void
rule_dhcp (Lint *l, KilnLintSeverity sev)
{
  const KilnLintFacts *f = l->f;
  gboolean any = FALSE, generic = FALSE;
  g_autoptr (GString) named = g_string_new (NULL);

  if (f->cloud_init && !f->cloud_init_network_disabled)
    return; /* cloud-init writes DHCP for the first NIC at first boot */
  if (f->network_manager && f->nm_auto_default)
    return; /* NM makes an automatic DHCP profile for every wired NIC */
  for (guint i = 0; i < f->net_configs->len; i++)
    {
      const KilnNetConfig *c = f->net_configs->pdata[i];
      if (!c->dhcp)
        continue;
      any = TRUE;
      if (match_is_generic (c->match))
        generic = TRUE;
      else if (!strstr (named->str, c->match))
        g_string_append_printf (named, "%s%s", named->len ? ", " : "",
                                c->match);
    }
  if (!any)
    add (l, sev, "dhcp-missing",
         "configure DHCP for any Ethernet NIC (systemd-networkd: [Match] "
         "Name=en* eth* with DHCP=yes; ifupdown: allow-hotplug + iface ... "
         "inet dhcp) or install cloud-init",
         "no network configuration uses DHCP and neither cloud-init nor "
         "NetworkManager will: the VM has no network after import");
  else if (!generic)
    add (l, KILN_LINT_WARNING, "dhcp-interface-name",
         "match interfaces with a glob (Name=en* eth*), or let cloud-init "
         "configure the network",
         "DHCP is configured only for %s; the first NIC is named differently "
         "on other hypervisors (ens5 on AWS Nitro, eth0 on Azure, ens192 on "
         "vSphere)", named->str);
}

/* --- drivers --- */

static gboolean
module_available (const KilnLintFacts *f, const char *m)
{
  return g_hash_table_contains (f->builtin_modules, m)
         || g_hash_table_contains (f->kernel_modules, m);
}

static gboolean
module_at_boot (const KilnLintFacts *f, const char *m)
{
  return g_hash_table_contains (f->builtin_modules, m)
         || (f->initramfs_modules
             && g_hash_table_contains (f->initramfs_modules, m));
}

static char *
initramfs_fix (const KilnLintFacts *f, const char *mods)
{
  if (is_deb (f))
    return g_strdup_printf ("add %s to /etc/initramfs-tools/modules (or set "
                            "MODULES=most in /etc/initramfs-tools/"
                            "initramfs.conf) and run update-initramfs -u -k "
                            "all", mods);
  return g_strdup_printf ("add 'add_drivers+=\" %s \"' to /etc/dracut.conf.d/"
                          "kiln.conf (and hostonly=\"no\") and run dracut -f "
                          "--regenerate-all", mods);
}

/* Storage drivers must be in the initramfs (or built in): the root
 * filesystem is on that disk.  alternatives: "a|b" = either. */
static void
need_boot_drivers (Lint *l, const char *what, const char *const *mods)
{
  const KilnLintFacts *f = l->f;
  if (f->kernels->len == 0)
    return;
  g_autoptr (GString) missing = g_string_new (NULL);
  for (gsize i = 0; mods[i]; i++)
    {
      g_auto (GStrv) alts = g_strsplit (mods[i], "|", -1);
      gboolean ok = FALSE;
      for (gsize j = 0; alts[j]; j++)
        ok = ok || module_at_boot (f, alts[j]);
      if (!ok)
        g_string_append_printf (missing, "%s%s", missing->len ? " " : "",
                                alts[0]);
    }
  if (!missing->len)
    return;
  if (!f->initramfs_modules && f->initramfs_error)
    {
      add (l, KILN_LINT_WARNING, "initramfs-unreadable",
           "check the initramfs with lsinitramfs / lsinitrd",
           "could not list the initramfs %s (%s), so the %s drivers (%s) "
           "could not be checked", f->initramfs_path, f->initramfs_error,
           what, missing->str);
      return;
    }
  g_autofree char *fix = initramfs_fix (f, missing->str);
  if (!f->initramfs_modules)
    add (l, KILN_LINT_ERROR, "initramfs-missing-driver", fix,
         "kernel %s has no initramfs and does not build in the %s drivers "
         "(%s): it cannot mount the root filesystem", f->kernel, what,
         missing->str);
  else
    add (l, KILN_LINT_ERROR, "initramfs-missing-driver", fix,
         "the initramfs of kernel %s lacks the %s drivers (%s): the root "
         "filesystem cannot be found at boot", f->kernel, what, missing->str);
}

/* Network drivers load after the root is mounted: /lib/modules is enough. */
static void
need_kernel_drivers (Lint *l, const char *what, const char *const *mods,
                     const char *package_hint)
{
  const KilnLintFacts *f = l->f;
  if (f->kernels->len == 0)
    return;
  g_autoptr (GString) missing = g_string_new (NULL);
  for (gsize i = 0; mods[i]; i++)
    if (!module_available (f, mods[i]))
      g_string_append_printf (missing, "%s%s", missing->len ? " " : "",
                              mods[i]);
  if (!missing->len)
    return;
  add (l, KILN_LINT_ERROR, "kernel-missing-driver", package_hint,
       "kernel %s has no %s driver (%s)", f->kernel, what, missing->str);
}

/* --- per target --- */

static gboolean
has_format (const KilnLintFacts *f, KilnFormatKind kind, const char *sub)
{
  for (guint i = 0; f->formats && i < f->formats->len; i++)
    {
      const KilnFormat *x = f->formats->pdata[i];
      if (x->kind == kind && (!sub || is (x->subformat, sub)))
        return TRUE;
    }
  return FALSE;
}

static void
rule_size (Lint *l, guint64 limit, const char *what)
{
  const KilnLintFacts *f = l->f;
  if (f->virtual_size > limit)
    add (l, KILN_LINT_ERROR, "size-limit",
         "shrink the disk (kiln recipe `disk:`) or split data onto another "
         "volume",
         "the disk is %.1f GiB; %s allows at most %.0f GiB",
         (double) f->virtual_size / GiB, what, (double) limit / GiB);
}

static void
rule_root_fs (Lint *l, const char *const *allowed, KilnLintSeverity sev)
{
  const KilnLintFacts *f = l->f;
  if (!f->root_fstype)
    return;
  for (gsize i = 0; allowed[i]; i++)
    if (is (f->root_fstype, allowed[i]))
      return;
  g_autofree char *list = g_strjoinv (", ", (char **) allowed);
  add (l, sev, "root-fs-unsupported",
       "use one of the supported filesystems for the root filesystem",
       "the root filesystem is %s; %s supports %s", f->root_fstype, l->target,
       list);
}

static void
rule_partition_table (Lint *l, KilnLintSeverity sev)
{
  const KilnLintFacts *f = l->f;
  if (!f->partition_table || is (f->partition_table, "none"))
    add (l, sev, "partition-table-missing",
         "partition the disk (MBR or GPT) with the root filesystem in a "
         "partition",
         "the root filesystem is on the whole disk, with no partition table");
}

static void
lint_kvm (Lint *l)
{
  static const char *const boot[] = { "virtio_blk|virtio_scsi", "virtio_pci",
                                      NULL };
  static const char *const net[] = { "virtio_net", NULL };
  const KilnLintFacts *f = l->f;
  if (!linux_guest (f))
    return;
  need_boot_drivers (l, "virtio disk", boot);
  need_kernel_drivers (l, "virtio network", net,
                       "use the distribution's generic kernel, which has "
                       "virtio_net as a module");
  rule_dhcp (l, KILN_LINT_WARNING);
  rule_mac_pins (l, KILN_LINT_WARNING);
  if (!f->cloud_init && !f->qemu_ga)
    add (l, KILN_LINT_INFO, "agent-missing",
         "install cloud-init (user data, SSH keys) and/or qemu-guest-agent",
         "neither cloud-init nor the QEMU guest agent is installed");
}

static void
lint_aws (Lint *l)
{
  static const char *const boot[] = { "nvme", NULL };
  static const char *const net[] = { "ena", NULL };
  static const char *const fs[] = { "ext2", "ext3", "ext4", "btrfs", "jfs",
                                    "xfs", NULL };
  const KilnLintFacts *f = l->f;

  if (is (f->arch, "aarch64"))
    add (l, KILN_LINT_WARNING, "arch-unsupported",
         "import the raw disk as a snapshot (aws-import-snapshot.json or "
         "coldsnap) and register it with aws-register-image.json",
         "aws ec2 import-image accepts only x86_64 guests; this one is "
         "aarch64");
  else if (f->arch && !is (f->arch, "x86_64"))
    add (l, KILN_LINT_ERROR, "arch-unsupported",
         "build a 64-bit (x86_64 or aarch64) image",
         "EC2 runs 64-bit Linux guests only; this one is %s", f->arch);

  rule_partition_table (l, KILN_LINT_ERROR);
  rule_size (l, 16 * TiB, "EC2 VM import (import-snapshot; import-image 8 TiB)");

  if (f->formats && !has_format (f, KILN_FORMAT_RAW, NULL)
      && !has_format (f, KILN_FORMAT_VMDK, "streamOptimized")
      && !has_format (f, KILN_FORMAT_VHD, NULL)
      && !has_format (f, KILN_FORMAT_VHDX, NULL)
      && !has_format (f, KILN_FORMAT_OVA, NULL))
    add (l, KILN_LINT_ERROR, "format-unsupported",
         "add raw (import-snapshot, coldsnap) or vmdk (import-image) to the "
         "output formats",
         "none of the output formats can be imported into AWS (it takes raw, "
         "streamOptimized VMDK, VHD, VHDX or OVA)");
  if (!linux_guest (f))
    return;
  rule_root_fs (l, fs, KILN_LINT_ERROR);
  need_boot_drivers (l, "NVMe (Nitro EBS)", boot);
  need_kernel_drivers (l, "ENA network", net,
                       "use a kernel with the ena module (Debian, Ubuntu, "
                       "RHEL and Amazon Linux kernels have it) or install "
                       "amzn-drivers");
  rule_dhcp (l, KILN_LINT_ERROR);
  rule_mac_pins (l, KILN_LINT_ERROR);
  if (!f->cloud_init)
    add (l, KILN_LINT_WARNING, "agent-missing",
         "install cloud-init so the instance gets its SSH key, hostname and "
         "user data from EC2",
         "cloud-init is not installed: the instance will not receive the key "
         "pair's SSH key");
}

static void
lint_azure (Lint *l)
{
  static const char *const boot[] = { "hv_vmbus", "hv_storvsc", "sd_mod",
                                      NULL };
  static const char *const net[] = { "hv_netvsc", NULL };
  static const char *const fs[] = { "ext4", "xfs", "btrfs", NULL };
  const KilnLintFacts *f = l->f;

  if (f->arch && !is (f->arch, "x86_64") && !is (f->arch, "aarch64"))
    add (l, KILN_LINT_ERROR, "arch-unsupported",
         "build an x86_64 or aarch64 image",
         "Azure runs x86_64 and arm64 guests; this one is %s", f->arch);
  else if (is (f->arch, "aarch64") && !is_uefi (f))
    add (l, KILN_LINT_ERROR, "arch-unsupported",
         "build the arm64 image for UEFI boot",
         "Azure arm64 VMs are generation 2 (UEFI) only");

  rule_partition_table (l, KILN_LINT_ERROR);
  if (!is_uefi (f) && is (f->partition_table, "gpt"))
    add (l, KILN_LINT_WARNING, "partition-table-gen1",
         "use an MBR partition table for a BIOS (generation 1) image, or "
         "build for UEFI (generation 2)",
         "a BIOS image with a GPT partition table: Azure generation 1 VMs "
         "expect MBR");
  rule_size (l, 2040 * GiB, "a fixed VHD for Azure");
  if (f->virtual_size % (1024 * 1024))
    add (l, KILN_LINT_INFO, "vhd-size-alignment", "nothing to do",
         "the virtual size %" G_GUINT64_FORMAT " is not a whole MiB; kiln "
         "pads the VHD to %" G_GUINT64_FORMAT " bytes", f->virtual_size,
         kiln_round_up_mib (f->virtual_size));
  if (f->formats && !has_format (f, KILN_FORMAT_VHD, "fixed"))
    add (l, KILN_LINT_ERROR, "format-unsupported",
         "add vhd (fixed, MiB-aligned) to the output formats",
         "Azure takes only fixed VHD uploads, and no vhd:fixed output is "
         "requested");
  if (!linux_guest (f))
    return;
  rule_root_fs (l, fs, KILN_LINT_WARNING);
  need_boot_drivers (l, "Hyper-V storage", boot);
  need_kernel_drivers (l, "Hyper-V network", net,
                       "use a kernel built with the Hyper-V drivers "
                       "(CONFIG_HYPERV_NET); distribution kernels have it");
  rule_dhcp (l, KILN_LINT_ERROR);
  rule_mac_pins (l, KILN_LINT_ERROR);
  if (!f->waagent && !f->cloud_init)
    add (l, KILN_LINT_ERROR, "agent-missing",
         "install the Azure Linux Agent (waagent / walinuxagent) or "
         "cloud-init",
         "neither the Azure Linux Agent nor cloud-init is installed: Azure "
         "cannot provision the VM (it waits for the ready signal, then "
         "fails)");
  for (guint i = 0; f->fstab_found && i < f->fstab->len; i++)
    {
      const KilnFstabEntry *e = f->fstab->pdata[i];
      if (is (e->fstype, "swap"))
        add (l, KILN_LINT_WARNING, "swap-on-os-disk",
             "remove the swap entry; let waagent (ResourceDisk.EnableSwap) or "
             "cloud-init put swap on the resource disk",
             "/etc/fstab line %d puts swap on the OS disk, which Azure "
             "advises against", e->line);
    }
}

typedef struct {
  const char *controller;
  const char *const mods[3];
} ControllerDriver;

static void
lint_vsphere (Lint *l)
{
  static const ControllerDriver ctl[] = {
    { "lsilogic", { "mptspi", "sd_mod", NULL } },
    { "lsilogicsas", { "mptsas", "sd_mod", NULL } },
    { "pvscsi", { "vmw_pvscsi", "sd_mod", NULL } },
    { "buslogic", { "BusLogic", "sd_mod", NULL } },
    { "sata", { "ahci", "sd_mod", NULL } },
    { "nvme", { "nvme", NULL } },
    { "ide", { "ata_piix", "sd_mod", NULL } },
  };
  const KilnLintFacts *f = l->f;
  const char *controller = f->ovf_controller ? f->ovf_controller : "lsilogic";
  const char *nic = f->ovf_nic ? f->ovf_nic : "vmxnet3";

  if (f->arch && !is (f->arch, "x86_64"))
    add (l, KILN_LINT_WARNING, "arch-unsupported",
         "build an x86_64 image for vSphere",
         "vSphere on x86 hosts runs x86 guests; this one is %s", f->arch);
  rule_partition_table (l, KILN_LINT_WARNING);
  rule_size (l, 62 * TiB, "vSphere");
  if (f->formats && !has_format (f, KILN_FORMAT_OVA, NULL)
      && !has_format (f, KILN_FORMAT_VMDK, "streamOptimized"))
    add (l, KILN_LINT_WARNING, "format-unsupported",
         "add ova to the output formats (Deploy OVF Template, govc "
         "import.ova)",
         "no OVA or streamOptimized VMDK output for vSphere");
  if (!linux_guest (f))
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (ctl); i++)
    if (g_ascii_strcasecmp (ctl[i].controller, controller) == 0)
      {
        g_autofree char *what = g_strdup_printf ("%s disk controller",
                                                 controller);
        need_boot_drivers (l, what, ctl[i].mods);
      }
  const char *net_mod = g_ascii_strcasecmp (nic, "e1000") == 0    ? "e1000"
                        : g_ascii_strcasecmp (nic, "e1000e") == 0 ? "e1000e"
                                                                  : "vmxnet3";
  const char *const net[] = { net_mod, NULL };
  g_autofree char *net_what = g_strdup_printf ("%s network", nic);
  need_kernel_drivers (l, net_what, net,
                       "use the distribution's generic kernel (it has "
                       "vmxnet3 and e1000 as modules), or pick another NIC "
                       "for the OVF");
  rule_dhcp (l, KILN_LINT_WARNING);
  rule_mac_pins (l, KILN_LINT_ERROR);
  if (!f->vmtools)
    add (l, KILN_LINT_WARNING, "agent-missing",
         "install open-vm-tools (guest customization, clean shutdown, IP "
         "reporting)",
         "open-vm-tools (vmtoolsd) is not installed");
}

/* --- driver --- */

GPtrArray *
kiln_lint_run (const KilnLintFacts *facts, GPtrArray *targets)
{
  Lint l = { facts, g_ptr_array_new_with_free_func (
                        (GDestroyNotify) kiln_lint_finding_free),
             "all" };
  rule_os (&l);
  if (linux_guest (facts))
    {
      rule_bootloader (&l);
      rule_efi_fallback (&l);
      rule_fstab (&l);
      rule_cmdline_root (&l);
    }
  for (guint i = 0; targets && i < targets->len; i++)
    {
      const char *t = targets->pdata[i];
      l.target = t;
      if (is (t, "kvm"))
        lint_kvm (&l);
      else if (is (t, "aws"))
        lint_aws (&l);
      else if (is (t, "azure"))
        lint_azure (&l);
      else if (is (t, "vsphere"))
        lint_vsphere (&l);
    }
  /* Stable sort (g_ptr_array_sort is not guaranteed stable before 2.76). */
  GPtrArray *sorted = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_lint_finding_free);
  for (int sev = KILN_LINT_ERROR; sev >= KILN_LINT_INFO; sev--)
    for (guint i = 0; i < l.out->len; i++)
      if (((KilnLintFinding *) l.out->pdata[i])->severity == (KilnLintSeverity) sev)
        g_ptr_array_add (sorted, l.out->pdata[i]);
  g_ptr_array_set_free_func (l.out, NULL);
  g_ptr_array_unref (l.out);
  return sorted;
}

GPtrArray *
kiln_lint_targets_parse (const char *const *texts, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  for (gsize i = 0; texts && texts[i]; i++)
    {
      g_auto (GStrv) parts = g_strsplit (texts[i], ",", -1);
      for (gsize j = 0; parts[j]; j++)
        {
          char *t = g_strstrip (parts[j]);
          if (!*t)
            continue;
          g_autofree char *low = g_ascii_strdown (t, -1);
          if (strcmp (low, "all") == 0)
            {
              for (gsize k = 0; target_names[k]; k++)
                if (!g_ptr_array_find_with_equal_func (out, target_names[k],
                                                       g_str_equal, NULL))
                  g_ptr_array_add (out, g_strdup (target_names[k]));
              continue;
            }
          const char *name = low;
          if (strcmp (low, "ec2") == 0)
            name = "aws";
          else if (strcmp (low, "vmware") == 0 || strcmp (low, "esxi") == 0)
            name = "vsphere";
          else if (strcmp (low, "qemu") == 0 || strcmp (low, "openstack") == 0)
            name = "kvm";
          if (!g_strv_contains (target_names, name))
            {
              g_autofree char *hint = kiln_suggest_suffix (low, target_names);
              g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                           "unknown target '%s'%s (expected kvm, aws, azure, "
                           "vsphere or all)", t, hint);
              return NULL;
            }
          if (!g_ptr_array_find_with_equal_func (out, name, g_str_equal, NULL))
            g_ptr_array_add (out, g_strdup (name));
        }
    }
  return g_steal_pointer (&out);
}

guint
kiln_lint_count (GPtrArray *findings, KilnLintSeverity severity)
{
  guint n = 0;
  for (guint i = 0; findings && i < findings->len; i++)
    if (((KilnLintFinding *) findings->pdata[i])->severity == severity)
      n++;
  return n;
}

JsonNode *
kiln_lint_findings_to_json (GPtrArray *findings)
{
  JsonArray *arr = json_array_new ();
  for (guint i = 0; findings && i < findings->len; i++)
    {
      const KilnLintFinding *x = findings->pdata[i];
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "id", x->id);
      json_object_set_string_member (o, "severity",
                                     kiln_lint_severity_name (x->severity));
      json_object_set_string_member (o, "target", x->target);
      json_object_set_string_member (o, "message", x->message);
      json_object_set_string_member (o, "fix", x->fix);
      json_array_add_object_element (arr, o);
    }
  JsonNode *n = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (n, arr);
  return n;
}

char *
kiln_lint_findings_format (GPtrArray *findings)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; findings && i < findings->len; i++)
    {
      const KilnLintFinding *x = findings->pdata[i];
      g_string_append_printf (s, "%-7s [%s] %s: %s\n        fix: %s\n",
                              kiln_lint_severity_name (x->severity),
                              x->target, x->id, x->message, x->fix);
    }
  /* messages quote what the guest's files say */
  g_autofree char *raw = g_string_free (s, FALSE);
  return kiln_escape_text (raw, -1);
}

const KilnLintFinding *
kiln_lint_find (GPtrArray *findings, const char *id, const char *target)
{
  for (guint i = 0; findings && i < findings->len; i++)
    {
      const KilnLintFinding *x = findings->pdata[i];
      if (is (x->id, id) && (!target || is (x->target, target)))
        return x;
    }
  return NULL;
}

static void
json_strs (JsonBuilder *b, const char *key, GPtrArray *a)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (guint i = 0; a && i < a->len; i++)
    json_builder_add_string_value (b, a->pdata[i]);
  json_builder_end_array (b);
}

static void
json_set (JsonBuilder *b, const char *key, GHashTable *set)
{
  json_builder_set_member_name (b, key);
  if (!set)
    {
      json_builder_add_null_value (b);
      return;
    }
  g_autoptr (GList) keys = g_hash_table_get_keys (set);
  keys = g_list_sort (keys, (GCompareFunc) strcmp);
  json_builder_begin_array (b);
  for (GList *k = keys; k; k = k->next)
    json_builder_add_string_value (b, k->data);
  json_builder_end_array (b);
}

static void
json_bool (JsonBuilder *b, const char *key, gboolean v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_boolean_value (b, v);
}

JsonNode *
kiln_lint_facts_to_json (const KilnLintFacts *f)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "firmware", f->firmware);
  kiln_json_add_string_or_null (b, "partitionTable", f->partition_table);
  kiln_json_add_string_or_null (b, "rootFilesystem", f->root_fstype);
  json_builder_set_member_name (b, "virtualSize");
  json_builder_add_int_value (b, (gint64) f->virtual_size);
  json_strs (b, "bootloaders", f->bootloaders);
  json_bool (b, "mbrBootCode", f->mbr_boot_code);
  json_bool (b, "biosBootPartition", f->bios_boot_partition);
  json_bool (b, "espPresent", f->esp_present);
  json_bool (b, "espChecked", f->esp_checked);
  json_strs (b, "efiBinaries", f->efi_binaries);
  json_bool (b, "efiFallback", f->efi_fallback);
  json_strs (b, "cmdlineRoots", f->cmdline_roots);
  json_strs (b, "kernels", f->kernels);
  kiln_json_add_string_or_null (b, "kernel", f->kernel);
  kiln_json_add_string_or_null (b, "initramfs", f->initramfs_path);
  kiln_json_add_string_or_null (b, "initramfsError", f->initramfs_error);
  json_set (b, "initramfsModules", f->initramfs_modules);
  json_builder_set_member_name (b, "kernelModuleCount");
  json_builder_add_int_value (b, g_hash_table_size (f->kernel_modules));
  json_builder_set_member_name (b, "builtinModuleCount");
  json_builder_add_int_value (b, g_hash_table_size (f->builtin_modules));

  json_builder_set_member_name (b, "fstab");
  json_builder_begin_array (b);
  for (guint i = 0; f->fstab_found && i < f->fstab->len; i++)
    {
      const KilnFstabEntry *e = f->fstab->pdata[i];
      json_builder_begin_object (b);
      kiln_json_add_string_or_null (b, "spec", e->spec);
      kiln_json_add_string_or_null (b, "mountpoint", e->mountpoint);
      kiln_json_add_string_or_null (b, "type", e->fstype);
      json_builder_set_member_name (b, "line");
      json_builder_add_int_value (b, e->line);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "agents");
  json_builder_begin_object (b);
  json_bool (b, "cloudInit", f->cloud_init);
  json_bool (b, "cloudInitNetworkDisabled", f->cloud_init_network_disabled);
  json_bool (b, "waagent", f->waagent);
  json_bool (b, "openVmTools", f->vmtools);
  json_bool (b, "qemuGuestAgent", f->qemu_ga);
  json_bool (b, "ssmAgent", f->ssm_agent);
  json_bool (b, "networkManager", f->network_manager);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "network");
  json_builder_begin_array (b);
  for (guint i = 0; i < f->net_configs->len; i++)
    {
      const KilnNetConfig *c = f->net_configs->pdata[i];
      json_builder_begin_object (b);
      kiln_json_add_string_or_null (b, "source", c->source);
      kiln_json_add_string_or_null (b, "manager", c->manager);
      kiln_json_add_string_or_null (b, "match", c->match);
      json_bool (b, "dhcp", c->dhcp);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "macPins");
  json_builder_begin_array (b);
  for (guint i = 0; i < f->mac_pins->len; i++)
    {
      const KilnMacPin *m = f->mac_pins->pdata[i];
      json_builder_begin_object (b);
      kiln_json_add_string_or_null (b, "source", m->source);
      json_builder_set_member_name (b, "line");
      json_builder_add_int_value (b, m->line);
      kiln_json_add_string_or_null (b, "mac", m->mac);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
