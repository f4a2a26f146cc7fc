/* guestfs-inspect.c - find the one OS on the disk, mount it, describe it */
#include "guestfs-impl.h"

#include <stdlib.h>
#include <string.h>

#define ESP_GPT_TYPE "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define BIOS_BOOT_GPT_TYPE "21686148-6449-6E6F-744E-656564454649"

/* libguestfs returns malloc'd strings; KilnOsInfo holds GLib ones. */
static char *
take (char *s, const char *fallback)
{
  char *r = g_strdup (s ? s : fallback);
  free (s);
  return r;
}

static void
free_strv (char **v)
{
  if (!v)
    return;
  for (char **p = v; *p; p++)
    free (*p);
  free (v);
}

/* Sorts (mountpoint, device) pairs: the array holds char** into them. */
static gint
by_mount_order (gconstpointer a, gconstpointer b)
{
  const char *x = (*(char **const *) a)[0], *y = (*(char **const *) b)[0];
  size_t lx = strlen (x), ly = strlen (y);
  return lx != ly ? (lx < ly ? -1 : 1) : strcmp (x, y);
}

/* Mounts the root's filesystems, shortest mountpoint first so "/" comes
 * before "/boot" before "/boot/efi".  Every failure is an error: a
 * generalize that silently missed a separate /var would leave secrets. */
static gboolean
mount_all (KilnGuest *kg, GError **error)
{
  char **mps = guestfs_inspect_get_mountpoints (kg->g, kg->root);
  if (!mps)
    return kiln_guest_fail (kg, error, "listing the mountpoints of %s",
                            kg->root);
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  for (char **p = mps; p[0] && p[1]; p += 2)
    g_ptr_array_add (order, p);
  g_ptr_array_sort (order, by_mount_order);
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < order->len; i++)
    {
      char **pair = g_ptr_array_index (order, i);
      const char *mp = pair[0], *dev = pair[1];
      int rc = kg->readonly ? guestfs_mount_ro (kg->g, dev, mp)
                            : guestfs_mount (kg->g, dev, mp);
      if (rc == -1)
        ok = kiln_guest_fail (kg, error, "mounting %s on %s of %s", dev, mp,
                              kg->disk);
      else
        {
          g_ptr_array_add (kg->mountpoints, g_strdup (mp));
          kiln_guest_log (kg, "mounted %s on %s%s", dev, mp,
                          kg->readonly ? " (read-only)" : "");
        }
    }
  free_strv (mps);
  return ok;
}

/* Boot facts from the partition tables, one pass (parted is slow under
 * TCG: one part_get_parttype per disk).
 *
 * firmware: an EFI system partition (GPT type or MBR id 0xef) makes a UEFI
 * image, unless a BIOS boot partition shows the image boots both ways
 * (hybrid cloud images): "bios" then, since that boots without OVMF.
 * partition table: the one on the disk holding the root ("none" when a
 * filesystem fills the whole disk). */
static void
detect_disk_layout (KilnGuest *kg, char **firmware, char **partition_table)
{
  gboolean esp = FALSE, bios_boot = FALSE;
  char *root_dev = guestfs_part_to_dev (kg->g, kg->root);
  char **devs = guestfs_list_devices (kg->g);
  /* root on LVM or a whole disk: the (first) disk */
  if (!root_dev && devs && devs[0])
    root_dev = strdup (devs[0]);
  *partition_table = NULL;
  for (char **d = devs; d && *d; d++)
    {
      char *table = guestfs_part_get_parttype (kg->g, *d);
      if (root_dev && strcmp (*d, root_dev) == 0 && table
          && strcmp (table, "loop") != 0)
        *partition_table = g_strdup (table);
      gboolean gpt = table && strcmp (table, "gpt") == 0;
      gboolean mbr = table && strcmp (table, "msdos") == 0;
      struct guestfs_partition_list *parts
          = gpt || mbr ? guestfs_part_list (kg->g, *d) : NULL;
      for (uint32_t i = 0; parts && i < parts->len; i++)
        {
          int n = parts->val[i].part_num;
          if (gpt)
            {
              char *type = guestfs_part_get_gpt_type (kg->g, *d, n);
              if (type && g_ascii_strcasecmp (type, ESP_GPT_TYPE) == 0)
                esp = TRUE;
              if (type && g_ascii_strcasecmp (type, BIOS_BOOT_GPT_TYPE) == 0)
                bios_boot = TRUE;
              free (type);
            }
          else if (guestfs_part_get_mbr_id (kg->g, *d, n) == 0xef)
            esp = TRUE;
        }
      if (parts)
        guestfs_free_partition_list (parts);
      free (table);
    }
  free_strv (devs);
  free (root_dev);
  /* a vfat /boot/efi counts even when the partition type is sloppy */
  char **mounted = esp ? NULL : guestfs_mountpoints (kg->g);
  for (char **p = mounted; p && p[0] && p[1]; p += 2)
    if (strcmp (p[1], "/boot/efi") == 0)
      {
        char *fs = guestfs_vfs_type (kg->g, p[0]);
        esp = fs && strcmp (fs, "vfat") == 0;
        free (fs);
      }
  free_strv (mounted);
  *firmware = g_strdup (esp && !bios_boot ? "uefi" : "bios");
  if (!*partition_table)
    *partition_table = g_strdup ("none");
}

/* systemd is PID 1 when /sbin/init resolves to a binary named systemd
 * (/lib/systemd/systemd or /usr/lib/systemd/systemd). */
static gboolean
detect_systemd (KilnGuest *kg)
{
  char *init = guestfs_realpath (kg->g, "/sbin/init");
  gboolean yes = init && g_str_has_suffix (init, "/systemd/systemd")
                 && kiln_guest_is_file (kg, init);
  free (init);
  return yes;
}

static GPtrArray *
detect_kernels (KilnGuest *kg)
{
  GPtrArray *kernels = g_ptr_array_new_with_free_func (g_free);
  if (!kiln_guest_is_dir (kg, "/lib/modules"))
    return kernels;
  char **names = guestfs_ls (kg->g, "/lib/modules");
  for (char **p = names; p && *p; p++)
    {
      g_autofree char *path = g_build_filename ("/lib/modules", *p, NULL);
      if (kiln_guest_is_dir (kg, path))
        g_ptr_array_add (kernels, g_strdup (*p));
    }
  free_strv (names);
  return kernels;
}

static gboolean
fill_os_info (KilnGuest *kg, GError **error)
{
  guestfs_h *g = kg->g;
  const char *root = kg->root;
  KilnOsInfo *os = kg->os = g_new0 (KilnOsInfo, 1);
  os->type = take (guestfs_inspect_get_type (g, root), "unknown");
  os->distro = take (guestfs_inspect_get_distro (g, root), "unknown");
  os->product_name = take (guestfs_inspect_get_product_name (g, root),
                           "unknown");
  os->major_version = guestfs_inspect_get_major_version (g, root);
  os->minor_version = guestfs_inspect_get_minor_version (g, root);
  os->arch = take (guestfs_inspect_get_arch (g, root), "unknown");
  os->hostname = take (guestfs_inspect_get_hostname (g, root), "unknown");
  os->root_device = g_strdup (root);
  os->root_fstype = take (guestfs_vfs_type (g, root), "unknown");
  os->package_format = take (guestfs_inspect_get_package_format (g, root),
                             "unknown");
  os->package_manager = take (
      guestfs_inspect_get_package_management (g, root), "unknown");
  detect_disk_layout (kg, &os->firmware, &os->partition_table);
  os->has_systemd = detect_systemd (kg);
  os->kernels = detect_kernels (kg);
  kiln_guest_log (kg, "inspected %s: %s %s %d.%d %s (%s), root %s %s, %s, "
                  "%s, systemd %s, %u kernel(s)",
                  kg->disk, os->type, os->distro, os->major_version,
                  os->minor_version, os->arch, os->product_name,
                  os->root_device, os->root_fstype, os->firmware,
                  os->partition_table, os->has_systemd ? "yes" : "no",
                  os->kernels->len);
  return TRUE;
}

gboolean
kiln_guest_inspect_and_mount (KilnGuest *kg, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  char **roots = guestfs_inspect_os (kg->g);
  if (!roots)
    return kiln_guest_fail (kg, error, "inspecting %s", kg->disk);
  kiln_guest_log (kg, "inspect_os: %.1f s", (g_get_monotonic_time () - t0) / 1e6);
  guint n = g_strv_length (roots);
  if (n == 0)
    {
      free_strv (roots);
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "no operating system found in %s", kg->disk);
      kiln_guest_log (kg, "error: no operating system found");
      return FALSE;
    }
  if (n > 1)
    {
      g_autoptr (GString) list = g_string_new (NULL);
      for (char **p = roots; *p; p++)
        {
          char *name = guestfs_inspect_get_product_name (kg->g, *p);
          g_string_append_printf (list, "%s%s (%s)", list->len ? ", " : "",
                                  *p, name ? name : "unknown");
          free (name);
        }
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "%s holds %u operating systems: %s; kiln works on images "
                   "with exactly one", kg->disk, n, list->str);
      kiln_guest_log (kg, "error: %u operating systems: %s", n, list->str);
      free_strv (roots);
      return FALSE;
    }
  kg->root = g_strdup (roots[0]);
  free_strv (roots);
  t0 = g_get_monotonic_time ();
  gboolean ok = mount_all (kg, error) && fill_os_info (kg, error);
  kiln_guest_log (kg, "mount and OS facts: %.1f s",
                  (g_get_monotonic_time () - t0) / 1e6);
  return ok;
}

/* The package databases libguestfs parses to list the packages, and how
 * large kiln lets each be: a build step may have replaced one with
 * anything, and the appliance would read it whole.  (A real dpkg status
 * file is a few MiB; an rpm database a few hundred; the reply itself is
 * bounded by libguestfs's 4 MB protocol message.) */
static const struct {
  const char *path;
  guint64 max;
} package_databases[] = {
  { "/var/lib/dpkg/status", 64 << 20 },
  { "/lib/apk/db/installed", 64 << 20 },
  { "/var/lib/rpm/rpmdb.sqlite", G_GUINT64_CONSTANT (1) << 30 },
  { "/var/lib/rpm/Packages", G_GUINT64_CONSTANT (1) << 30 },
};

gboolean
kiln_guest_check_package_databases (KilnGuest *kg, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (package_databases); i++)
    {
      const char *path = package_databases[i].path;
      if (guestfs_exists (kg->g, path) != 1)
        continue;
      /* what libguestfs would read, a link followed: a device node (a
       * step can make one) would never end */
      if (guestfs_is_file_opts (kg->g, path, GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS,
                                1, -1) != 1)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "listing the packages: the guest's %s is not a "
                       "regular file", path);
          return FALSE;
        }
      if (!kiln_guest_check_size (kg, path, package_databases[i].max, error))
        {
          g_prefix_error (error, "listing the packages: ");
          return FALSE;
        }
    }
  return TRUE;
}

GPtrArray *
kiln_guest_list_packages (KilnGuest *kg, GError **error)
{
  if (!kiln_guest_check_package_databases (kg, error))
    return NULL;
  struct guestfs_application2_list *apps
      = guestfs_inspect_list_applications2 (kg->g, kg->root);
  if (!apps)
    {
      kiln_guest_fail (kg, error, "listing the packages of %s", kg->disk);
      return NULL;
    }
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_package_row_free);
  for (uint32_t i = 0; i < apps->len; i++)
    {
      const struct guestfs_application2 *a = &apps->val[i];
      KilnPackageRow *row = g_new0 (KilnPackageRow, 1);
      row->name = g_strdup (a->app2_name);
      row->epoch = a->app2_epoch;
      row->version = g_strdup (a->app2_version ? a->app2_version : "");
      row->release = g_strdup (a->app2_release ? a->app2_release : "");
      row->arch = g_strdup (a->app2_arch ? a->app2_arch : "");
      g_ptr_array_add (out, row);
    }
  guestfs_free_application2_list (apps);
  return out;
}
