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

/* Is p (at least 110 bytes) what libarchive takes for a newc header:
 * "070701" or "070702", and 110 hex characters in all? */
static gboolean
newc_header_at (const guint8 *p)
{
  if (memcmp (p, "07070", 5) != 0 || (p[5] != '1' && p[5] != '2'))
    return FALSE;
  for (int i = 6; i < 110; i++)
    if (!g_ascii_isxdigit (p[i]))
      return FALSE;
  return TRUE;
}

/* Does any newc header libarchive could read in data (it resynchronizes:
 * after a damaged header it searches forward for the next one) claim a
 * name longer than the data left?  The initramfs is guest data, and
 * libarchive allocates a claimed name size (up to 4 GiB) before it checks
 * it against the input (found by fuzz-guest-files).  A file's size needs
 * no check: libarchive reads file data in blocks. */
static gboolean
newc_names_fit (const guint8 *data, gsize len)
{
  const gsize header = 110;
  for (gsize p = 0; len >= header && p <= len - header; p++)
    {
      const guint8 *hit = memchr (data + p, '0', len - header + 1 - p);
      if (!hit)
        break;
      p = (gsize) (hit - data);
      if (!newc_header_at (hit))
        continue;
      guint64 namesize = 0;
      for (int i = 94; i < 102; i++)
        namesize = namesize * 16 + (guint64) g_ascii_xdigit_value (hit[i]);
      if (namesize > len - p - header)
        return FALSE;
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
      if (!newc_names_fit (data + off, len - off))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "cannot read the initramfs %s (archive %d at byte "
                       "%" G_GSIZE_FORMAT "): a cpio header claims a name "
                       "longer than the file", name, segment + 1, off);
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
