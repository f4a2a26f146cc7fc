/* guestfs-facts.c - read the facts the import-readiness lint judges
 *
 * Everything goes through the open handle (filesystems mounted inside the
 * appliance); the only host-side file is a temporary copy of the initramfs,
 * listed with libarchive.  Missing files are normal (facts, not errors).
 */
#define _GNU_SOURCE /* strverscmp */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "guestfs-facts.h"
#include "guestfs-private.h"
#include "initramfs.h"
#include "kiln.h"
#include "lint-parse.h"

#define ESP_GPT_TYPE "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define BIOS_BOOT_GPT_TYPE "21686148-6449-6E6F-744E-656564454649"

static void
free_strv (char **v)
{
  for (char **p = v; p && *p; p++)
    free (*p);
  free (v);
}

static gboolean
is_file (guestfs_h *h, const char *path)
{
  return guestfs_is_file_opts (h, path, GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1,
                               -1) > 0;
}

static gboolean
exists (guestfs_h *h, const char *path)
{
  return guestfs_exists (h, path) > 0;
}

static gboolean
any_exists (guestfs_h *h, const char *const *paths)
{
  for (gsize i = 0; paths[i]; i++)
    if (exists (h, paths[i]))
      return TRUE;
  return FALSE;
}

/* The text of a guest file (NUL-terminated), NULL when it is not a
 * readable regular file or is larger than max bytes. */
static char *
read_text (guestfs_h *h, const char *path, gint64 max)
{
  if (!is_file (h, path))
    return NULL;
  gint64 size = guestfs_filesize (h, path);
  if (size < 0 || size > max)
    return NULL;
  size_t len = 0;
  char *data = guestfs_read_file (h, path, &len);
  if (!data)
    return NULL;
  char *out = g_strndup (data, len);
  free (data);
  return out;
}

/* Files matching a glob, sorted. */
static char **
glob (guestfs_h *h, const char *pattern)
{
  return guestfs_glob_expand (h, pattern);
}

typedef void (*ParseFn) (KilnLintFacts *f, const char *path, const char *text);

static void
parse_glob (guestfs_h *h, KilnLintFacts *f, const char *pattern, ParseFn fn)
{
  char **files = glob (h, pattern);
  for (char **p = files; p && *p; p++)
    {
      g_autofree char *text = read_text (h, *p, 1 << 20);
      if (text)
        fn (f, *p, text);
    }
  free_strv (files);
}

static void
parse_fixed (guestfs_h *h, KilnLintFacts *f, const char *path, ParseFn fn)
{
  g_autofree char *text = read_text (h, path, 1 << 20);
  if (text)
    fn (f, path, text);
}

/* --- partitions and boot --- */

static void
scan_partitions (guestfs_h *h, KilnLintFacts *f)
{
  char **parts = guestfs_list_partitions (h);
  for (char **p = parts; p && *p; p++)
    {
      char *dev = guestfs_part_to_dev (h, *p);
      int n = guestfs_part_to_partnum (h, *p);
      char *table = dev ? guestfs_part_get_parttype (h, dev) : NULL;
      if (table && n > 0 && strcmp (table, "gpt") == 0)
        {
          char *type = guestfs_part_get_gpt_type (h, dev, n);
          if (type && g_ascii_strcasecmp (type, ESP_GPT_TYPE) == 0)
            f->esp_present = TRUE;
          if (type && g_ascii_strcasecmp (type, BIOS_BOOT_GPT_TYPE) == 0)
            f->bios_boot_partition = TRUE;
          free (type);
        }
      else if (table && n > 0 && strcmp (table, "msdos") == 0
               && guestfs_part_get_mbr_id (h, dev, n) == 0xef)
        f->esp_present = TRUE;
      free (table);
      free (dev);
    }
  free_strv (parts);

  /* The MBR's 440 bytes of boot code (before the disk signature). */
  char **devs = guestfs_list_devices (h);
  if (devs && devs[0])
    {
      f->virtual_size = guestfs_blockdev_getsize64 (h, devs[0]) > 0
                            ? (guint64) guestfs_blockdev_getsize64 (h, devs[0])
                            : 0;
      size_t len = 0;
      char *mbr = guestfs_pread_device (h, devs[0], 440, 0, &len);
      for (size_t i = 0; mbr && i < len && !f->mbr_boot_code; i++)
        f->mbr_boot_code = mbr[i] != 0;
      free (mbr);
    }
  free_strv (devs);
}

/* The ESP's mountpoint inside the guest, when the guest mounts it. */
static char *
esp_mountpoint (guestfs_h *h)
{
  char *found = NULL;
  char **mps = guestfs_mountpoints (h);
  for (char **p = mps; p && p[0] && p[1] && !found; p += 2)
    {
      if (strcmp (p[1], "/boot/efi") != 0 && strcmp (p[1], "/efi") != 0
          && strcmp (p[1], "/boot") != 0)
        continue;
      char *fs = guestfs_vfs_type (h, p[0]);
      if (fs && strcmp (fs, "vfat") == 0)
        found = g_strdup (p[1]);
      free (fs);
    }
  free_strv (mps);
  return found;
}

static void
scan_esp (guestfs_h *h, KilnLintFacts *f)
{
  g_autofree char *mp = esp_mountpoint (h);
  if (!mp)
    return;
  f->esp_present = TRUE;
  f->esp_checked = TRUE;
  g_autofree char *efi_dir = g_build_filename (mp, "EFI", NULL);
  char *real = guestfs_case_sensitive_path (h, efi_dir);
  if (!real || !guestfs_is_dir (h, real))
    {
      free (real);
      return;
    }
  char **files = guestfs_find (h, real);
  for (char **p = files; p && *p; p++)
    {
      g_autofree char *low = g_ascii_strdown (*p, -1);
      if (!g_str_has_suffix (low, ".efi"))
        continue;
      g_autofree char *full = g_build_filename (real, *p, NULL);
      g_ptr_array_add (f->efi_binaries, g_strdup (full));
      if (strcmp (low, "boot/bootx64.efi") == 0
          || strcmp (low, "boot/bootaa64.efi") == 0
          || strcmp (low, "boot/bootia32.efi") == 0)
        f->efi_fallback = TRUE;
    }
  free_strv (files);
  free (real);
}

static void
scan_boot_config (guestfs_h *h, KilnLintFacts *f)
{
  static const struct {
    const char *path;
    const char *loader;
  } configs[] = {
    { "/boot/grub/grub.cfg", "grub2" },
    { "/boot/grub2/grub.cfg", "grub2" },
    { "/boot/grub/menu.lst", "grub-legacy" },
    { "/boot/grub/grub.conf", "grub-legacy" },
    { "/boot/extlinux/extlinux.conf", "extlinux" },
    { "/boot/extlinux.conf", "extlinux" },
    { "/extlinux.conf", "extlinux" },
    { "/boot/syslinux/syslinux.cfg", "extlinux" },
    { "/boot/syslinux/extlinux.conf", "extlinux" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (configs); i++)
    {
      g_autofree char *text = read_text (h, configs[i].path, 4 << 20);
      if (!text)
        continue;
      if (!g_ptr_array_find_with_equal_func (f->bootloaders, configs[i].loader,
                                             g_str_equal, NULL))
        g_ptr_array_add (f->bootloaders, g_strdup (configs[i].loader));
      kiln_parse_cmdline_roots (f->cmdline_roots, text);
    }
  /* Boot Loader Specification entries (systemd-boot, Fedora's GRUB). */
  const char *const bls[] = { "/boot/loader/entries/*.conf",
                              "/boot/efi/loader/entries/*.conf",
                              "/efi/loader/entries/*.conf", NULL };
  for (gsize i = 0; bls[i]; i++)
    {
      char **files = glob (h, bls[i]);
      for (char **p = files; p && *p; p++)
        {
          g_autofree char *text = read_text (h, *p, 1 << 20);
          if (text)
            kiln_parse_cmdline_roots (f->cmdline_roots, text);
        }
      if (files && files[0] && strstr (bls[i], "efi")
          && !g_ptr_array_find_with_equal_func (f->bootloaders, "systemd-boot",
                                                g_str_equal, NULL))
        g_ptr_array_add (f->bootloaders, g_strdup ("systemd-boot"));
      free_strv (files);
    }
  /* GRUB on the ESP only (some UEFI images). */
  char **efi_grub = glob (h, "/boot/efi/EFI/*/grub.cfg");
  if (efi_grub && efi_grub[0]
      && !g_ptr_array_find_with_equal_func (f->bootloaders, "grub2",
                                            g_str_equal, NULL))
    g_ptr_array_add (f->bootloaders, g_strdup ("grub2"));
  free_strv (efi_grub);
  g_autofree char *dflt = read_text (h, "/etc/default/grub", 1 << 20);
  if (dflt)
    kiln_parse_cmdline_roots (f->cmdline_roots, dflt);
}

/* --- kernel, modules, initramfs --- */

static int
by_version_desc (gconstpointer a, gconstpointer b)
{
  return -strverscmp (*(const char *const *) a, *(const char *const *) b);
}

static void
scan_initramfs (guestfs_h *h, KilnLintFacts *f)
{
  const char *k = f->kernel;
  g_autofree char *c1 = g_strdup_printf ("/boot/initrd.img-%s", k);
  g_autofree char *c2 = g_strdup_printf ("/boot/initramfs-%s.img", k);
  g_autofree char *c3 = g_strdup_printf ("/boot/initrd-%s", k);
  g_autofree char *c4 = g_strdup_printf ("/boot/initramfs-%s", k);
  g_autofree char *c5 = g_strdup_printf ("/boot/initrd-%s.img", k);
  const char *const candidates[] = { c1, c2, c3, c4, c5, NULL };
  const char *path = NULL;
  for (gsize i = 0; candidates[i] && !path; i++)
    if (is_file (h, candidates[i]))
      path = candidates[i];
  if (!path)
    return;
  f->initramfs_path = g_strdup (path);

  g_autofree char *tmp = NULL;
  g_autoptr (GError) error = NULL;
  int fd = g_file_open_tmp ("kiln-initramfs-XXXXXX", &tmp, &error);
  if (fd < 0)
    {
      f->initramfs_error = g_strdup (error->message);
      return;
    }
  close (fd);
  if (guestfs_download (h, path, tmp) != 0)
    {
      const char *msg = guestfs_last_error (h);
      f->initramfs_error = g_strdup_printf ("download failed: %s",
                                            msg ? msg : "unknown error");
      g_unlink (tmp);
      return;
    }
  g_autoptr (GPtrArray) list = kiln_initramfs_list (tmp, &error);
  g_unlink (tmp);
  if (!list)
    {
      f->initramfs_error = g_strdup (error->message);
      return;
    }
  f->initramfs_modules = kiln_initramfs_modules (list);
}

static void
scan_kernel (guestfs_h *h, KilnLintFacts *f, const KilnOsInfo *os)
{
  for (guint i = 0; os->kernels && i < os->kernels->len; i++)
    g_ptr_array_add (f->kernels, g_strdup (os->kernels->pdata[i]));
  if (f->kernels->len == 0)
    return;
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
  for (guint i = 0; i < f->kernels->len; i++)
    g_ptr_array_add (sorted, f->kernels->pdata[i]);
  g_ptr_array_sort (sorted, by_version_desc);
  f->kernel = g_strdup (sorted->pdata[0]);

  /* modules.dep lists the modules present (depmod reads the tree);
   * modules.order lists every module the kernel was built with, including
   * ones split into packages that are not installed. */
  g_autofree char *dep = g_strdup_printf ("/lib/modules/%s/modules.dep",
                                          f->kernel);
  g_autofree char *dtext = read_text (h, dep, 16 << 20);
  if (dtext)
    kiln_parse_module_list (f->kernel_modules, dtext);
  g_autofree char *b = g_strdup_printf ("/lib/modules/%s/modules.builtin",
                                        f->kernel);
  g_autofree char *btext = read_text (h, b, 16 << 20);
  if (btext)
    kiln_parse_module_list (f->builtin_modules, btext);
  scan_initramfs (h, f);
}

/* --- agents and network --- */

static gboolean
enabled_unit (guestfs_h *h, const char *unit)
{
  g_autofree char *pattern = g_strdup_printf ("/etc/systemd/system/*.wants/%s",
                                              unit);
  char **v = glob (h, pattern);
  gboolean yes = v && v[0];
  free_strv (v);
  return yes;
}

static void
scan_agents (guestfs_h *h, KilnLintFacts *f, const KilnOsInfo *os)
{
  const char *const cloud_init[] = { "/usr/bin/cloud-init",
                                     "/usr/local/bin/cloud-init", NULL };
  const char *const waagent[] = { "/usr/sbin/waagent", "/usr/bin/waagent",
                                  "/usr/local/sbin/waagent", NULL };
  const char *const vmtools[] = { "/usr/bin/vmtoolsd", "/usr/sbin/vmtoolsd",
                                  NULL };
  const char *const qemu_ga[] = { "/usr/sbin/qemu-ga", "/usr/bin/qemu-ga",
                                  NULL };
  const char *const ssm[] = { "/usr/bin/amazon-ssm-agent",
                              "/snap/bin/amazon-ssm-agent", NULL };
  const char *const nm[] = { "/usr/sbin/NetworkManager", NULL };
  f->cloud_init = any_exists (h, cloud_init);
  f->waagent = any_exists (h, waagent);
  f->vmtools = any_exists (h, vmtools);
  f->qemu_ga = any_exists (h, qemu_ga);
  f->ssm_agent = any_exists (h, ssm);

  if (f->cloud_init)
    {
      g_autofree char *main_cfg = read_text (h, "/etc/cloud/cloud.cfg",
                                             1 << 20);
      if (main_cfg && kiln_parse_cloud_cfg_network_disabled (main_cfg))
        f->cloud_init_network_disabled = TRUE;
      char **cfgs = glob (h, "/etc/cloud/cloud.cfg.d/*.cfg");
      for (char **p = cfgs; p && *p; p++)
        {
          g_autofree char *text = read_text (h, *p, 1 << 20);
          if (text && kiln_parse_cloud_cfg_network_disabled (text))
            f->cloud_init_network_disabled = TRUE;
        }
      free_strv (cfgs);
    }

  /* NetworkManager counts when it starts at boot. */
  f->network_manager = any_exists (h, nm)
                       && (!os->has_systemd
                           || enabled_unit (h, "NetworkManager.service"));
  if (f->network_manager)
    {
      g_autofree char *conf = read_text (
          h, "/etc/NetworkManager/NetworkManager.conf", 1 << 20);
      if (conf && !kiln_parse_nm_conf_auto_default (conf))
        f->nm_auto_default = FALSE;
      char **confs = glob (h, "/etc/NetworkManager/conf.d/*.conf");
      for (char **p = confs; p && *p; p++)
        {
          g_autofree char *text = read_text (h, *p, 1 << 20);
          if (text && !kiln_parse_nm_conf_auto_default (text))
            f->nm_auto_default = FALSE;
        }
      free_strv (confs);
    }
}

static void
scan_network (guestfs_h *h, KilnLintFacts *f, const KilnOsInfo *os)
{
  /* systemd-networkd: .network files count when networkd starts; .link
   * files rename NICs through udev either way. */
  gboolean networkd = enabled_unit (h, "systemd-networkd.service")
                      || enabled_unit (h, "systemd-networkd.socket");
  if (networkd)
    {
      parse_glob (h, f, "/etc/systemd/network/*.network", kiln_parse_networkd);
      parse_glob (h, f, "/usr/lib/systemd/network/*.network",
                  kiln_parse_networkd);
      parse_glob (h, f, "/lib/systemd/network/*.network", kiln_parse_networkd);
    }
  parse_glob (h, f, "/etc/systemd/network/*.link", kiln_parse_networkd);

  const char *const ifup[] = { "/sbin/ifup", "/usr/sbin/ifup", NULL };
  if (any_exists (h, ifup))
    {
      parse_fixed (h, f, "/etc/network/interfaces", kiln_parse_ifupdown);
      parse_glob (h, f, "/etc/network/interfaces.d/*", kiln_parse_ifupdown);
    }
  const char *const netplan[] = { "/usr/sbin/netplan", "/usr/bin/netplan",
                                  NULL };
  if (any_exists (h, netplan))
    {
      parse_glob (h, f, "/etc/netplan/*.yaml", kiln_parse_netplan);
      parse_glob (h, f, "/lib/netplan/*.yaml", kiln_parse_netplan);
    }
  if (f->network_manager)
    parse_glob (h, f, "/etc/NetworkManager/system-connections/*",
                kiln_parse_nm_keyfile);
  parse_glob (h, f, "/etc/sysconfig/network-scripts/ifcfg-*",
              kiln_parse_ifcfg);
  parse_glob (h, f, "/etc/udev/rules.d/*.rules", kiln_parse_udev_rules);
  (void) os;
}

KilnLintFacts *
kiln_guest_lint_facts (KilnGuest *g, GError **error)
{
  guestfs_h *h = kiln_guest_handle (g);
  const KilnOsInfo *os = kiln_guest_os (g);
  if (!h || !os)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "the guest is not open for inspection");
      return NULL;
    }
  KilnLintFacts *f = kiln_lint_facts_new ();
  f->os_type = g_strdup (os->type);
  f->distro = g_strdup (os->distro);
  f->product_name = g_strdup (os->product_name);
  f->major_version = os->major_version;
  f->minor_version = os->minor_version;
  f->arch = g_strdup (os->arch);
  f->firmware = g_strdup (os->firmware);
  f->partition_table = g_strdup (g_strcmp0 (os->partition_table, "none") == 0
                                     ? NULL : os->partition_table);
  f->root_fstype = g_strdup (os->root_fstype);
  f->package_format = g_strdup (os->package_format);

  scan_partitions (h, f);
  scan_esp (h, f);
  scan_boot_config (h, f);
  scan_kernel (h, f, os);

  g_autofree char *fstab = read_text (h, "/etc/fstab", 1 << 20);
  if (fstab)
    {
      f->fstab_found = TRUE;
      g_ptr_array_unref (f->fstab);
      f->fstab = kiln_parse_fstab (fstab);
    }
  scan_agents (h, f, os);
  scan_network (h, f, os);
  return f;
}

GPtrArray *
kiln_guest_packages (KilnGuest *g, GError **error)
{
  g_autoptr (GPtrArray) raw = kiln_guest_list_packages (g, error);
  if (!raw)
    return NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_package_free);
  for (guint i = 0; i < raw->len; i++)
    {
      char **t = raw->pdata[i];
      if (t && t[0])
        g_ptr_array_add (out, kiln_package_new (t[0], t[1],
                                                t[1] ? t[2] : NULL));
    }
  return out;
}
