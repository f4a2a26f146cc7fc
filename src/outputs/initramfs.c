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

static guint64
newc_field (const guint8 *p, int at)
{
  guint64 v = 0;
  for (int i = at; i < at + 8; i++)
    v = v * 16 + (guint64) g_ascii_xdigit_value (p[i]);
  return v;
}

/* The initramfs is guest data, and libarchive allocates what a newc header
 * claims before it checks it against the input: the name size (up to 4
 * GiB), and a symbolic link's target size (it reads the target in one
 * piece); found by fuzz-guest-files.  So every newc header libarchive could
 * read (it resynchronizes: after a damaged header it searches forward for
 * the next one) is checked first: what it claims must end within the data.
 * A regular file's size needs no check: libarchive reads file data in
 * blocks.  The scan runs over a stream (a compressed archive is checked as
 * it is decompressed, in constant memory): headers that straddle two chunks
 * are found through the carried tail. */
#define NEWC_HEADER 110
typedef struct {
  guint64 pos;                   /* stream offset of the next chunk */
  guint64 need_end;              /* where the furthest claim ends */
  guint8 tail[NEWC_HEADER - 1];  /* the last bytes, not scanned yet */
  gsize tail_len;
} NewcScan;

static void
newc_scan_chunk (NewcScan *s, const guint8 *chunk, gsize len)
{
  g_autofree guint8 *buf = g_malloc (s->tail_len + len);
  memcpy (buf, s->tail, s->tail_len);
  memcpy (buf + s->tail_len, chunk, len);
  gsize n = s->tail_len + len;
  guint64 base = s->pos - s->tail_len;
  gsize p = 0;
  for (; n >= NEWC_HEADER && p <= n - NEWC_HEADER; p++)
    {
      const guint8 *hit = memchr (buf + p, '0', n - NEWC_HEADER + 1 - p);
      if (!hit)
        {
          p = n - NEWC_HEADER + 1;
          break;
        }
      p = (gsize) (hit - buf);
      if (!newc_header_at (hit))
        continue;
      guint64 end = base + p + NEWC_HEADER + newc_field (hit, 94);
      if ((newc_field (hit, 14) & 0170000) == 0120000) /* a symbolic link */
        end += newc_field (hit, 54);
      s->need_end = MAX (s->need_end, end);
    }
  /* positions from p on were not scanned: carry them */
  gsize keep = n - MIN (p, n);
  memcpy (s->tail, buf + n - keep, keep);
  s->tail_len = keep;
  s->pos += len;
}

/* Do the claims of every header end within the stream? */
static gboolean
newc_scan_fits (const NewcScan *s)
{
  return s->need_end <= s->pos;
}

/* Decompressed, an archive holds at most this much: a guest's compressed
 * initramfs that inflates beyond it is refused, not read. */
#define INITRAMFS_MAX_INFLATED (G_GUINT64_CONSTANT (1) << 30)

/* Scans data[0..len) as a stream: as it is, when it is not compressed, or
 * as libarchive decompresses it.  FALSE with error when the data cannot be
 * decompressed or inflates beyond the limit. */
static gboolean
scan_segment (const guint8 *data, gsize len, NewcScan *s, GError **error)
{
  struct archive *a = archive_read_new ();
  archive_read_support_format_raw (a);
  archive_read_support_filter_all (a);
  struct archive_entry *e;
  if (archive_read_open_memory (a, data, len) != ARCHIVE_OK
      || archive_read_next_header (a, &e) != ARCHIVE_OK)
    {
      /* not something libarchive decompresses: scan it as it is (the
       * cpio reader will say what is wrong with it) */
      archive_read_free (a);
      newc_scan_chunk (s, data, len);
      return TRUE;
    }
  if (archive_filter_count (a) <= 1)
    {
      archive_read_free (a);
      newc_scan_chunk (s, data, len);
      return TRUE;
    }
  guint8 buf[64 * 1024];
  la_ssize_t got;
  while ((got = archive_read_data (a, buf, sizeof buf)) > 0)
    {
      newc_scan_chunk (s, buf, (gsize) got);
      if (s->pos > INITRAMFS_MAX_INFLATED)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "it inflates to more than %" G_GUINT64_FORMAT " MiB",
                       INITRAMFS_MAX_INFLATED >> 20);
          archive_read_free (a);
          return FALSE;
        }
    }
  if (got < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s",
                   archive_error_string (a) ? archive_error_string (a)
                                            : "cannot decompress");
      archive_read_free (a);
      return FALSE;
    }
  archive_read_free (a);
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
      NewcScan scan = { 0 };
      if (!scan_segment (data + off, len - off, &scan, &local))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "cannot read the initramfs %s (archive %d at byte "
                       "%" G_GSIZE_FORMAT "): %s", name, segment + 1, off,
                       local->message);
          return NULL;
        }
      if (!newc_scan_fits (&scan))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "cannot read the initramfs %s (archive %d at byte "
                       "%" G_GSIZE_FORMAT "): a cpio header claims a name "
                       "or link longer than the file", name, segment + 1,
                       off);
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
