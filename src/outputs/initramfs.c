/* initramfs.c - list concatenated, possibly compressed cpio archives */
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "initramfs.h"
#include "common/kiln.h"
#include "lint-parse.h"
#include "lint.h"

/* Reads one archive starting at data[0].  Returns the number of input bytes
 * it used when that is known (an uncompressed cpio), 0 when the archive ran
 * to the end of the input (a compressed one is always the last), -1 on
 * error. */
static gssize
read_one (const guint8 *data, gsize len, GPtrArray *out, GError **error)
{
  struct archive *a = archive_read_new ();
  archive_read_support_format_cpio (a);
  archive_read_support_filter_all (a);
  if (archive_read_open_memory (a, data, len) != ARCHIVE_OK)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s",
                   archive_error_string (a));
      archive_read_free (a);
      return -1;
    }
  struct archive_entry *e;
  int r;
  while ((r = archive_read_next_header (a, &e)) == ARCHIVE_OK
         || r == ARCHIVE_WARN)
    {
      const char *name = archive_entry_pathname (e);
      if (name)
        {
          while (g_str_has_prefix (name, "./"))
            name += 2;
          g_ptr_array_add (out, g_strdup (name));
        }
      archive_read_data_skip (a);
    }
  if (r != ARCHIVE_EOF)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s",
                   archive_error_string (a) ? archive_error_string (a)
                                            : "truncated archive");
      archive_read_free (a);
      return -1;
    }
  gboolean compressed = archive_filter_count (a) > 1;
  /* Filter 0 is the one next to the format reader: its position is the
   * offset just after the cpio trailer in uncompressed input. */
  gssize used = compressed ? 0 : (gssize) archive_filter_bytes (a, 0);
  archive_read_free (a);
  return used;
}

/* The 8-character hex field at p read as libarchive reads it: the hex
 * digits up to the first other character. */
static guint64
newc_hex (const guint8 *p)
{
  guint64 v = 0;
  for (int i = 0; i < 8; i++)
    {
      int d = g_ascii_xdigit_value (p[i]);
      if (d < 0)
        break;
      v = v * 16 + (guint64) d;
    }
  return v;
}

/* An uncompressed newc cpio (the usual first initramfs segment) whose
 * headers claim names or files larger than the data that is left: FALSE.
 * The initramfs is guest data, and libarchive allocates a claimed name
 * size (up to 4 GiB) before it checks it against the input (found by
 * fuzz-guest-files).  Anything else (another format, a compressed
 * segment) is left to libarchive. */
static gboolean
newc_sizes_fit (const guint8 *data, gsize len)
{
  const gsize header = 110;
  gsize p = 0;
  while (len - p >= header
         && (memcmp (data + p, "070701", 6) == 0
             || memcmp (data + p, "070702", 6) == 0))
    {
      guint64 filesize = newc_hex (data + p + 54);
      guint64 namesize = newc_hex (data + p + 94);
      if (namesize > len - p - header)
        return FALSE;
      gsize name_end = (p + header + (gsize) namesize + 3) & ~(gsize) 3;
      if (name_end > len)
        return TRUE;   /* truncated padding: libarchive says so */
      if (namesize == 11 && memcmp (data + p + header, "TRAILER!!!", 10) == 0)
        return TRUE;
      if (filesize > len - name_end)
        return FALSE;
      p = (name_end + (gsize) filesize + 3) & ~(gsize) 3;
      if (p > len)
        return TRUE;
    }
  return TRUE;
}

GPtrArray *
kiln_initramfs_list (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  return kiln_initramfs_list_data ((const guint8 *) data, len, path, error);
}

GPtrArray *
kiln_initramfs_list_data (const guint8 *data, gsize len, const char *name,
                          GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  gsize off = 0;
  int segment = 0;
  while (off < len)
    {
      /* Segments are padded with zeros to a block boundary. */
      while (off < len && data[off] == '\0')
        off++;
      if (off >= len)
        break;
      g_autoptr (GError) local = NULL;
      if (!newc_sizes_fit (data + off, len - off))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "cannot read the initramfs %s (archive %d at byte "
                       "%" G_GSIZE_FORMAT "): a cpio header claims more "
                       "bytes than the file holds", name, segment + 1, off);
          return NULL;
        }
      gssize used = read_one (data + off, len - off, out, &local);
      if (used < 0)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "cannot read the initramfs %s (archive %d at byte "
                       "%" G_GSIZE_FORMAT "): %s", name, segment + 1, off,
                       local->message);
          return NULL;
        }
      segment++;
      if (used == 0)
        break;
      off += used;
    }
  return g_steal_pointer (&out);
}

GHashTable *
kiln_initramfs_modules (GPtrArray *paths)
{
  GHashTable *set = kiln_lint_module_set_new ();
  for (guint i = 0; i < paths->len; i++)
    {
      char *name = kiln_module_name_from_path (paths->pdata[i]);
      if (name)
        g_hash_table_add (set, name);
    }
  return set;
}
