/* guestfs-read.c - raw reads on an open guest, for the core's facts
 *
 * Directory listings, bounded file contents, mounts, the disk's first
 * bytes, GPT partition types, downloads: libguestfs calls on the handle
 * kiln_guest_open launched, nothing interpreted.  The core
 * (src/outputs/guest-facts.c) decides what to read and what it means.
 */
#include "guestfs-impl.h"

#include <stdlib.h>
#include <string.h>

static void
free_strv (char **v)
{
  for (char **p = v; p && *p; p++)
    free (*p);
  free (v);
}

/* A malloc'd NULL-terminated list from libguestfs as a GPtrArray of GLib
 * strings (the list is freed). */
static GPtrArray *
take_strv (char **v)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (char **p = v; p && *p; p++)
    g_ptr_array_add (out, g_strdup (*p));
  free_strv (v);
  return out;
}

static void
dir_entry_free (gpointer p)
{
  KilnGuestDirEntry *e = p;
  g_free (e->name);
  g_free (e);
}

GPtrArray *
kiln_guest_list_dir (KilnGuest *kg, const char *dir)
{
  struct guestfs_dirent_list *l = guestfs_readdir (kg->g, dir);
  if (!l)
    return NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (dir_entry_free);
  for (guint32 i = 0; i < l->len; i++)
    {
      if (strcmp (l->val[i].name, ".") == 0
          || strcmp (l->val[i].name, "..") == 0)
        continue;
      KilnGuestDirEntry *e = g_new0 (KilnGuestDirEntry, 1);
      e->name = g_strdup (l->val[i].name);
      e->type = l->val[i].ftyp;
      g_ptr_array_add (out, e);
    }
  guestfs_free_dirent_list (l);
  return out;
}

GPtrArray *
kiln_guest_glob (KilnGuest *kg, const char *pattern)
{
  return take_strv (guestfs_glob_expand (kg->g, pattern));
}

GPtrArray *
kiln_guest_find (KilnGuest *kg, const char *dir)
{
  char **names = guestfs_find (kg->g, dir);
  return names ? take_strv (names) : NULL;
}

gboolean
kiln_guest_check_size (KilnGuest *kg, const char *path, guint64 max,
                       GError **error)
{
  gint64 size = guestfs_filesize (kg->g, path);
  if (size < 0)
    return kiln_guest_fail (kg, error, "reading the size of %s", path);
  if ((guint64) size > max)
    {
      /* MiB with a plain space (g_format_size's separator depends on the
       * GLib version) */
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "the guest's %s is %.1f MiB, more than the %.1f MiB kiln "
                   "reads back from a guest", path, size / 1048576.0,
                   max / 1048576.0);
      return FALSE;
    }
  return TRUE;
}

char *
kiln_guest_read_max (KilnGuest *kg, const char *path, gsize max, gsize *len)
{
  /* The size first: a guest's file is untrusted and may be huge. */
  gint64 size = guestfs_filesize (kg->g, path);
  if (size < 0 || (guint64) size > max)
    return NULL;
  size_t got = 0;
  char *data = guestfs_read_file (kg->g, path, &got);
  if (!data)
    return NULL;
  char *out = NULL;
  if (got <= max)
    {
      out = g_malloc (got + 1);
      memcpy (out, data, got);
      out[got] = '\0';
      if (len)
        *len = got;
    }
  free (data);
  return out;
}

gboolean
kiln_guest_download (KilnGuest *kg, const char *guest_path,
                     const char *host_path, guint64 max, GError **error)
{
  if (!kiln_guest_check_size (kg, guest_path, max, error))
    return FALSE;
  if (guestfs_download (kg->g, guest_path, host_path) == -1)
    return kiln_guest_fail (kg, error, "downloading %s", guest_path);
  return TRUE;
}

static void
mount_free (gpointer p)
{
  KilnGuestMount *m = p;
  g_free (m->device);
  g_free (m->mountpoint);
  g_free (m->fstype);
  g_free (m);
}

GPtrArray *
kiln_guest_mounts (KilnGuest *kg)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (mount_free);
  /* device, mountpoint, device, mountpoint, ... */
  char **mps = guestfs_mountpoints (kg->g);
  for (char **p = mps; p && p[0] && p[1]; p += 2)
    {
      KilnGuestMount *m = g_new0 (KilnGuestMount, 1);
      m->device = g_strdup (p[0]);
      m->mountpoint = g_strdup (p[1]);
      char *fs = guestfs_vfs_type (kg->g, p[0]);
      m->fstype = fs ? g_strdup (fs) : NULL;
      free (fs);
      g_ptr_array_add (out, m);
    }
  free_strv (mps);
  return out;
}

GBytes *
kiln_guest_disk_head (KilnGuest *kg, gsize len, guint64 *size)
{
  *size = 0;
  GBytes *head = NULL;
  char **devs = guestfs_list_devices (kg->g);
  if (devs && devs[0])
    {
      gint64 s = guestfs_blockdev_getsize64 (kg->g, devs[0]);
      *size = s > 0 ? (guint64) s : 0;
      size_t got = 0;
      char *data = guestfs_pread_device (kg->g, devs[0], (int) len, 0, &got);
      if (data)
        head = g_bytes_new (data, got);
      free (data);
    }
  free_strv (devs);
  return head;
}

GPtrArray *
kiln_guest_gpt_types (KilnGuest *kg)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  char **parts = guestfs_list_partitions (kg->g);
  for (char **p = parts; p && *p; p++)
    {
      char *dev = guestfs_part_to_dev (kg->g, *p);
      int n = guestfs_part_to_partnum (kg->g, *p);
      char *type = dev && n > 0 ? guestfs_part_get_gpt_type (kg->g, dev, n)
                                : NULL;
      if (type)
        g_ptr_array_add (out, g_strdup (type));
      free (type);
      free (dev);
    }
  free_strv (parts);
  return out;
}
