/* guest-facts.c - the facts the import-readiness lint judges, from raw
 * guest data
 *
 * What to read and what it means is decided here; the backend only reads
 * (backends/guestfs.h).  Everything goes through the guest handle the stage
 * opened (filesystems mounted inside its appliance); the only host-side file
 * is a temporary copy of the initramfs, listed with libarchive.  Missing
 * files are normal (facts, not errors).
 */
#define _GNU_SOURCE /* strverscmp */
#include "guest-facts.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "backends/guestfs.h"
#include "common/kiln.h"
#include "initramfs.h"
#include "lint-parse.h"
#include "sbom.h"

#define ESP_GPT_TYPE "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define BIOS_BOOT_GPT_TYPE "21686148-6449-6E6F-744E-656564454649"
/* The MBR's boot code area: the bytes before the disk signature. */
#define MBR_BOOT_CODE_BYTES 440
/* Larger configuration files are not read (a guest is untrusted). */
#define CONFIG_MAX (1 << 20)
#define BOOT_CONFIG_MAX (4 << 20)
#define MODULE_LIST_MAX (16 << 20)

/* Every read is a round trip to the appliance (slow under TCG), so
 * directories are listed once and existence, globs and file types are
 * answered from that. */
typedef struct {
  KilnGuest *g;
  GHashTable *dirs;             /* dir -> (name -> type) or NULL: not a dir */
} Fs;

static void
unref_names (gpointer names)
{
  if (names) /* NULL: the path is not a directory */
    g_hash_table_unref (names);
}

static void
fs_init (Fs *fs, KilnGuest *g)
{
  fs->g = g;
  fs->dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    unref_names);
}

static void
fs_clear (Fs *fs)
{
  g_hash_table_unref (fs->dirs);
}

/* name -> type ('r' file, 'd' dir, 'l' symlink, ...) of a directory. */
static GHashTable *
fs_dir (Fs *fs, const char *dir)
{
  gpointer cached;
  if (g_hash_table_lookup_extended (fs->dirs, dir, NULL, &cached))
    return cached;
  GHashTable *names = NULL;
  g_autoptr (GPtrArray) entries = kiln_guest_list_dir (fs->g, dir);
  if (entries)
    {
      names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; i < entries->len; i++)
        {
          const KilnGuestDirEntry *e = entries->pdata[i];
          g_hash_table_insert (names, g_strdup (e->name),
                               GINT_TO_POINTER ((int) e->type));
        }
    }
  g_hash_table_insert (fs->dirs, g_strdup (dir), names);
  return names;
}

/* The directory entry type of path ('r', 'd', 'l', ...), 0 when absent. */
static char
fs_type (Fs *fs, const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  GHashTable *names = fs_dir (fs, dir);
  return names ? (char) GPOINTER_TO_INT (g_hash_table_lookup (names, base))
               : 0;
}

static gboolean
fs_exists (Fs *fs, const char *path)
{
  return fs_type (fs, path) != 0;
}

static gboolean
fs_any_exists (Fs *fs, const char *const *paths)
{
  for (gsize i = 0; paths[i]; i++)
    if (fs_exists (fs, paths[i]))
      return TRUE;
  return FALSE;
}

/* The text of a guest file (a regular file or a symlink to one), NULL when
 * absent, unreadable or larger than max bytes. */
static char *
fs_read (Fs *fs, const char *path, gsize max)
{
  char t = fs_type (fs, path);
  if (t != 'r' && t != 'l')
    return NULL;
  return kiln_guest_read_max (fs->g, path, max, NULL);
}

static int
by_name (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Full paths of the entries of dir matching a shell pattern, sorted. */
static GPtrArray *
fs_glob (Fs *fs, const char *dir, const char *pattern)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GHashTable *names = fs_dir (fs, dir);
  if (!names)
    return out;
  GHashTableIter it;
  gpointer name;
  g_hash_table_iter_init (&it, names);
  while (g_hash_table_iter_next (&it, &name, NULL))
    if (g_pattern_match_simple (pattern, name))
      g_ptr_array_add (out, g_build_filename (dir, (const char *) name, NULL));
  g_ptr_array_sort (out, by_name);
  return out;
}

typedef void (*ParseFn) (KilnLintFacts *f, const char *path, const char *text);

static void
parse_glob (Fs *fs, KilnLintFacts *f, const char *dir, const char *pattern,
            ParseFn fn)
{
  g_autoptr (GPtrArray) files = fs_glob (fs, dir, pattern);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *text = fs_read (fs, files->pdata[i], CONFIG_MAX);
      if (text)
        fn (f, files->pdata[i], text);
    }
}

static void
parse_fixed (Fs *fs, KilnLintFacts *f, const char *path, ParseFn fn)
{
  g_autofree char *text = fs_read (fs, path, CONFIG_MAX);
  if (text)
    fn (f, path, text);
}

/* --- partitions and boot --- */

/* GPT partition types: only needed for a BIOS image on GPT (is there a BIOS
 * boot partition?); inspection already decided firmware and table. */
static void
scan_gpt_bios_boot (KilnGuest *g, KilnLintFacts *f)
{
  g_autoptr (GPtrArray) types = kiln_guest_gpt_types (g);
  for (guint i = 0; i < types->len; i++)
    {
      const char *type = types->pdata[i];
      if (g_ascii_strcasecmp (type, BIOS_BOOT_GPT_TYPE) == 0)
        f->bios_boot_partition = TRUE;
      if (g_ascii_strcasecmp (type, ESP_GPT_TYPE) == 0)
        f->esp_present = TRUE;
    }
}

static void
scan_disk (KilnGuest *g, KilnLintFacts *f)
{
  guint64 size = 0;
  g_autoptr (GBytes) mbr = kiln_guest_disk_head (g, MBR_BOOT_CODE_BYTES,
                                                 &size);
  f->virtual_size = size;
  gsize len = 0;
  const guint8 *code = mbr ? g_bytes_get_data (mbr, &len) : NULL;
  for (gsize i = 0; code && i < len && !f->mbr_boot_code; i++)
    f->mbr_boot_code = code[i] != 0;
  if (g_strcmp0 (f->firmware, "uefi") == 0)
    f->esp_present = TRUE; /* that is how inspection decided "uefi" */
  else if (g_strcmp0 (f->partition_table, "gpt") == 0)
    scan_gpt_bios_boot (g, f);
}

/* The ESP's mountpoint inside the guest, when the guest mounts it. */
static char *
esp_mountpoint (KilnGuest *g)
{
  g_autoptr (GPtrArray) mounts = kiln_guest_mounts (g);
  for (guint i = 0; i < mounts->len; i++)
    {
      const KilnGuestMount *m = mounts->pdata[i];
      if (strcmp (m->mountpoint, "/boot/efi") != 0
          && strcmp (m->mountpoint, "/efi") != 0
          && strcmp (m->mountpoint, "/boot") != 0)
        continue;
      if (g_strcmp0 (m->fstype, "vfat") == 0)
        return g_strdup (m->mountpoint);
    }
  return NULL;
}

static void
scan_esp (Fs *fs, KilnLintFacts *f)
{
  g_autofree char *mp = esp_mountpoint (fs->g);
  if (!mp)
    return;
  f->esp_present = TRUE;
  f->esp_checked = TRUE;
  /* FAT is case-insensitive: match names in any case. */
  GHashTable *top = fs_dir (fs, mp);
  const char *efi = NULL;
  if (top)
    {
      GHashTableIter it;
      gpointer name;
      g_hash_table_iter_init (&it, top);
      while (g_hash_table_iter_next (&it, &name, NULL))
        if (g_ascii_strcasecmp (name, "EFI") == 0)
          efi = name;
    }
  if (!efi)
    return;
  g_autofree char *efi_dir = g_build_filename (mp, efi, NULL);
  g_autoptr (GPtrArray) files = kiln_guest_find (fs->g, efi_dir);
  for (guint i = 0; files && i < files->len; i++)
    {
      const char *p = files->pdata[i];
      /* find's names are relative to the directory, with a leading '/'. */
      const char *rel = p[0] == '/' ? p + 1 : p;
      g_autofree char *low = g_ascii_strdown (rel, -1);
      if (!g_str_has_suffix (low, ".efi"))
        continue;
      g_ptr_array_add (f->efi_binaries, g_build_filename (efi_dir, rel, NULL));
      if (strcmp (low, "boot/bootx64.efi") == 0
          || strcmp (low, "boot/bootaa64.efi") == 0
          || strcmp (low, "boot/bootia32.efi") == 0)
        f->efi_fallback = TRUE;
    }
}

static void
add_loader (KilnLintFacts *f, const char *loader)
{
  if (!g_ptr_array_find_with_equal_func (f->bootloaders, loader, g_str_equal,
                                         NULL))
    g_ptr_array_add (f->bootloaders, g_strdup (loader));
}

static void
scan_boot_config (Fs *fs, KilnLintFacts *f)
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
      g_autofree char *text = fs_read (fs, configs[i].path, BOOT_CONFIG_MAX);
      if (!text)
        continue;
      add_loader (f, configs[i].loader);
      kiln_parse_cmdline_roots (f->cmdline_roots, text);
    }
  /* Boot Loader Specification entries (systemd-boot, Fedora's GRUB). */
  const char *const bls[] = { "/boot/loader/entries", "/boot/efi/loader/entries",
                              "/efi/loader/entries", NULL };
  for (gsize i = 0; bls[i]; i++)
    {
      g_autoptr (GPtrArray) files = fs_glob (fs, bls[i], "*.conf");
      for (guint k = 0; k < files->len; k++)
        {
          g_autofree char *text = fs_read (fs, files->pdata[k], CONFIG_MAX);
          if (text)
            kiln_parse_cmdline_roots (f->cmdline_roots, text);
        }
      if (files->len && strstr (bls[i], "efi"))
        add_loader (f, "systemd-boot");
    }
  /* GRUB configured on the ESP only (some UEFI images). */
  g_autoptr (GPtrArray) efi_grub = kiln_guest_glob (fs->g,
                                                    "/boot/efi/EFI/*/grub.cfg");
  if (efi_grub->len)
    add_loader (f, "grub2");
  g_autofree char *dflt = fs_read (fs, "/etc/default/grub", CONFIG_MAX);
  if (dflt)
    kiln_parse_cmdline_roots (f->cmdline_roots, dflt);
}

/* --- kernel, modules, initramfs --- */

static int
by_version_desc (gconstpointer a, gconstpointer b)
{
  return -strverscmp (*(const char *const *) a, *(const char *const *) b);
}

/* Real ones are 20-200 MiB (dracut with firmware); a bigger one is
 * copied to the host's temporary directory for nobody's good. */
#define INITRAMFS_MAX (G_GUINT64_CONSTANT (512) << 20)

static void
scan_initramfs (Fs *fs, KilnLintFacts *f)
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
    {
      char t = fs_type (fs, candidates[i]);
      if (t == 'r' || t == 'l')
        path = candidates[i];
    }
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
  if (!kiln_guest_download (fs->g, path, tmp, INITRAMFS_MAX, &error))
    {
      f->initramfs_error = g_strdup (error->message);
      g_unlink (tmp);
      return;
    }
  g_autoptr (GPtrArray) list = kiln_initramfs_list (tmp, &error);
  g_unlink (tmp);
  if (!list)
    {
      /* Name the guest's file, not the host copy. */
      g_auto (GStrv) parts = g_strsplit (error->message, tmp, -1);
      f->initramfs_error = g_strjoinv (path, parts);
      return;
    }
  f->initramfs_modules = kiln_initramfs_modules (list);
}

static void
scan_kernel (Fs *fs, KilnLintFacts *f, const KilnOsInfo *os)
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
  g_autofree char *dtext = fs_read (fs, dep, MODULE_LIST_MAX);
  if (dtext)
    kiln_parse_module_list (f->kernel_modules, dtext);
  g_autofree char *b = g_strdup_printf ("/lib/modules/%s/modules.builtin",
                                        f->kernel);
  g_autofree char *btext = fs_read (fs, b, MODULE_LIST_MAX);
  if (btext)
    kiln_parse_module_list (f->builtin_modules, btext);
  scan_initramfs (fs, f);
}

/* --- agents and network --- */

/* Units enabled in any target: /etc/systemd/system/NAME.wants/UNIT. */
static GHashTable *
enabled_units (Fs *fs)
{
  GHashTable *units = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             NULL);
  g_autoptr (GPtrArray) wants = fs_glob (fs, "/etc/systemd/system", "*.wants");
  for (guint i = 0; i < wants->len; i++)
    {
      GHashTable *names = fs_dir (fs, wants->pdata[i]);
      if (!names)
        continue;
      GHashTableIter it;
      gpointer name;
      g_hash_table_iter_init (&it, names);
      while (g_hash_table_iter_next (&it, &name, NULL))
        g_hash_table_add (units, g_strdup (name));
    }
  return units;
}

static void
scan_agents (Fs *fs, KilnLintFacts *f, const KilnOsInfo *os,
             GHashTable *units)
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
  f->cloud_init = fs_any_exists (fs, cloud_init);
  f->waagent = fs_any_exists (fs, waagent);
  f->vmtools = fs_any_exists (fs, vmtools);
  f->qemu_ga = fs_any_exists (fs, qemu_ga);
  f->ssm_agent = fs_any_exists (fs, ssm);

  if (f->cloud_init)
    {
      g_autofree char *main_cfg = fs_read (fs, "/etc/cloud/cloud.cfg",
                                           CONFIG_MAX);
      if (main_cfg && kiln_parse_cloud_cfg_network_disabled (main_cfg))
        f->cloud_init_network_disabled = TRUE;
      g_autoptr (GPtrArray) cfgs = fs_glob (fs, "/etc/cloud/cloud.cfg.d",
                                            "*.cfg");
      for (guint i = 0; i < cfgs->len; i++)
        {
          g_autofree char *text = fs_read (fs, cfgs->pdata[i], CONFIG_MAX);
          if (text && kiln_parse_cloud_cfg_network_disabled (text))
            f->cloud_init_network_disabled = TRUE;
        }
    }

  /* NetworkManager counts when it starts at boot. */
  f->network_manager = fs_any_exists (fs, nm)
                       && (!os->has_systemd
                           || g_hash_table_contains (units,
                                                     "NetworkManager.service"));
  if (f->network_manager)
    {
      g_autofree char *conf = fs_read (
          fs, "/etc/NetworkManager/NetworkManager.conf", CONFIG_MAX);
      if (conf && !kiln_parse_nm_conf_auto_default (conf))
        f->nm_auto_default = FALSE;
      g_autoptr (GPtrArray) confs = fs_glob (fs, "/etc/NetworkManager/conf.d",
                                             "*.conf");
      for (guint i = 0; i < confs->len; i++)
        {
          g_autofree char *text = fs_read (fs, confs->pdata[i], CONFIG_MAX);
          if (text && !kiln_parse_nm_conf_auto_default (text))
            f->nm_auto_default = FALSE;
        }
    }
}

static void
scan_network (Fs *fs, KilnLintFacts *f, GHashTable *units)
{
  /* systemd-networkd: .network files count when networkd starts; .link
   * files rename NICs through udev either way. */
  if (g_hash_table_contains (units, "systemd-networkd.service")
      || g_hash_table_contains (units, "systemd-networkd.socket"))
    {
      parse_glob (fs, f, "/etc/systemd/network", "*.network",
                  kiln_parse_networkd);
      parse_glob (fs, f, "/usr/lib/systemd/network", "*.network",
                  kiln_parse_networkd);
    }
  parse_glob (fs, f, "/etc/systemd/network", "*.link", kiln_parse_networkd);

  const char *const ifup[] = { "/sbin/ifup", "/usr/sbin/ifup", NULL };
  if (fs_any_exists (fs, ifup))
    {
      parse_fixed (fs, f, "/etc/network/interfaces", kiln_parse_ifupdown);
      parse_glob (fs, f, "/etc/network/interfaces.d", "*",
                  kiln_parse_ifupdown);
    }
  const char *const netplan[] = { "/usr/sbin/netplan", "/usr/bin/netplan",
                                  NULL };
  if (fs_any_exists (fs, netplan))
    {
      parse_glob (fs, f, "/etc/netplan", "*.yaml", kiln_parse_netplan);
      parse_glob (fs, f, "/lib/netplan", "*.yaml", kiln_parse_netplan);
    }
  if (f->network_manager)
    parse_glob (fs, f, "/etc/NetworkManager/system-connections", "*",
                kiln_parse_nm_keyfile);
  parse_glob (fs, f, "/etc/sysconfig/network-scripts", "ifcfg-*",
              kiln_parse_ifcfg);
  parse_glob (fs, f, "/etc/udev/rules.d", "*.rules", kiln_parse_udev_rules);
}

KilnLintFacts *
kiln_guest_lint_facts (KilnGuest *g, GError **error)
{
  const KilnOsInfo *os = g ? kiln_guest_os (g) : NULL;
  if (!os)
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

  Fs fs;
  fs_init (&fs, g);
  scan_disk (g, f);
  scan_esp (&fs, f);
  scan_boot_config (&fs, f);
  scan_kernel (&fs, f, os);
  g_autofree char *fstab = fs_read (&fs, "/etc/fstab", CONFIG_MAX);
  if (fstab)
    {
      f->fstab_found = TRUE;
      g_ptr_array_unref (f->fstab);
      f->fstab = kiln_parse_fstab (fstab);
    }
  g_autoptr (GHashTable) units = enabled_units (&fs);
  scan_agents (&fs, f, os, units);
  scan_network (&fs, f, units);
  fs_clear (&fs);
  return f;
}

GPtrArray *
kiln_guest_packages (KilnGuest *g, GError **error)
{
  g_autoptr (GPtrArray) rows = kiln_guest_list_packages (g, error);
  if (!rows)
    return NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_package_free);
  for (guint i = 0; i < rows->len; i++)
    {
      KilnPackage *p = kiln_package_from_row (rows->pdata[i]);
      if (p)
        g_ptr_array_add (out, p);
    }
  return out;
}
