/* ova.c - OVA tar writer (libarchive) */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "checksums.h"
#include "common/kiln.h"
#include "ova.h"

#define CHUNK (1024 * 1024)

char *
kiln_ova_manifest (const char *ovf_name, const char *ovf_sha256,
                   const char *disk_name, const char *disk_sha256)
{
  return g_strdup_printf ("SHA256(%s)= %s\nSHA256(%s)= %s\n", ovf_name,
                          ovf_sha256, disk_name, disk_sha256);
}

char *
kiln_ova_mf_name (const char *ovf_name)
{
  g_autofree char *stem = g_str_has_suffix (ovf_name, ".ovf")
                              ? g_strndup (ovf_name, strlen (ovf_name) - 4)
                              : g_strdup (ovf_name);
  return g_strconcat (stem, ".mf", NULL);
}

static gboolean
archive_fail (struct archive *a, const char *what, const char *path,
              GError **error)
{
  g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s %s: %s", what, path,
               archive_error_string (a) ? archive_error_string (a)
                                        : "unknown libarchive error");
  return FALSE;
}

static struct archive_entry *
entry_new (const char *name, gint64 size, gint64 mtime)
{
  struct archive_entry *e = archive_entry_new ();
  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0644);
  archive_entry_set_size (e, size);
  archive_entry_set_mtime (e, mtime, 0);
  archive_entry_set_uid (e, 0);
  archive_entry_set_gid (e, 0);
  archive_entry_set_uname (e, "root");
  archive_entry_set_gname (e, "root");
  return e;
}

static gboolean
add_text (struct archive *a, const char *name, const char *text,
          gint64 mtime, const char *ova, GError **error)
{
  gsize len = strlen (text);
  struct archive_entry *e = entry_new (name, len, mtime);
  int r = archive_write_header (a, e);
  archive_entry_free (e);
  if (r != ARCHIVE_OK)
    return archive_fail (a, "cannot write a header into", ova, error);
  if (archive_write_data (a, text, len) != (la_ssize_t) len)
    return archive_fail (a, "cannot write into", ova, error);
  return TRUE;
}

static gboolean
add_file (struct archive *a, const char *name, const char *path,
          gint64 mtime, const char *ova, GCancellable *cancellable,
          KilnOvaProgressFn progress, gpointer user_data, GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int e = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   "cannot open %s: %s", path, g_strerror (e));
      return FALSE;
    }
  struct archive_entry *e = entry_new (name, st.st_size, mtime);
  int r = archive_write_header (a, e);
  archive_entry_free (e);
  if (r != ARCHIVE_OK)
    {
      close (fd);
      return archive_fail (a, "cannot write a header into", ova, error);
    }

  g_autofree char *buf = g_malloc (CHUNK);
  gint64 done = 0;
  double last = -1;
  while (done < st.st_size)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          close (fd);
          return FALSE;
        }
      ssize_t n = read (fd, buf, CHUNK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int err = n < 0 ? errno : EIO;
          close (fd);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                       "cannot read %s: %s", path,
                       n < 0 ? g_strerror (err) : "file shrank while read");
          return FALSE;
        }
      if (archive_write_data (a, buf, n) != n)
        {
          close (fd);
          return archive_fail (a, "cannot write into", ova, error);
        }
      done += n;
      double f = (double) done / st.st_size;
      if (progress && (f - last >= 0.01 || done == st.st_size))
        {
          progress (f, user_data);
          last = f;
        }
    }
  close (fd);
  return TRUE;
}

gboolean
kiln_ova_write (const KilnOvaSpec *spec, GCancellable *cancellable,
                KilnOvaProgressFn progress, gpointer user_data,
                GError **error)
{
  gint64 mtime = spec->mtime ? spec->mtime : g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *disk_sha = NULL;
  if (!spec->disk_sha256)
    {
      disk_sha = kiln_sha256_file (spec->disk_path, cancellable, NULL, NULL,
                                   error);
      if (!disk_sha)
        return FALSE;
    }
  g_autofree char *ovf_sha = kiln_sha256_data (spec->ovf_text,
                                               strlen (spec->ovf_text));
  g_autofree char *mf_name = kiln_ova_mf_name (spec->ovf_name);
  g_autofree char *mf = kiln_ova_manifest (
      spec->ovf_name, ovf_sha, spec->disk_name,
      spec->disk_sha256 ? spec->disk_sha256 : disk_sha);

  struct archive *a = archive_write_new ();
  /* ustar, with a pax extended header only where ustar cannot express a
   * member (size >= 8 GiB, long names). */
  archive_write_set_format_pax_restricted (a);
  archive_write_set_bytes_per_block (a, 10240);
  gboolean ok = archive_write_open_filename (a, spec->path) == ARCHIVE_OK;
  if (!ok)
    archive_fail (a, "cannot create", spec->path, error);
  ok = ok && add_text (a, spec->ovf_name, spec->ovf_text, mtime, spec->path,
                       error);
  ok = ok && add_text (a, mf_name, mf, mtime, spec->path, error);
  ok = ok && add_file (a, spec->disk_name, spec->disk_path, mtime, spec->path,
                       cancellable, progress, user_data, error);
  if (ok && archive_write_close (a) != ARCHIVE_OK)
    ok = archive_fail (a, "cannot finish", spec->path, error);
  archive_write_free (a);
  if (!ok)
    unlink (spec->path);
  return ok;
}
