/* checksums.c - streaming SHA-256 with GChecksum */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checksums.h"
#include "common/kiln.h"

#define CHUNK (1024 * 1024)

char *
kiln_sha256_file (const char *path, GCancellable *cancellable,
                  KilnChecksumProgressFn progress, gpointer user_data,
                  GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   "cannot open %s: %s", path, g_strerror (e));
      return NULL;
    }
  struct stat st;
  if (fstat (fd, &st) != 0)
    st.st_size = 0;
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (CHUNK);
  guint64 done = 0;
  double last = -1;
  for (;;)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          close (fd);
          return NULL;
        }
      ssize_t n = read (fd, buf, CHUNK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          close (fd);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                       "cannot read %s: %s", path, g_strerror (e));
          return NULL;
        }
      if (n == 0)
        break;
      g_checksum_update (sum, buf, n);
      done += n;
      if (progress && st.st_size > 0)
        {
          double f = (double) done / st.st_size;
          if (f - last >= 0.01 || f >= 1.0)
            {
              progress (MIN (f, 1.0), user_data);
              last = f;
            }
        }
    }
  close (fd);
  return g_strdup (g_checksum_get_string (sum));
}

char *
kiln_sha256_data (const void *data, gsize len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

KilnSumEntry *
kiln_sum_entry_new (const char *name, const char *sha256)
{
  KilnSumEntry *e = g_new0 (KilnSumEntry, 1);
  e->name = g_strdup (name);
  e->sha256 = g_strdup (sha256);
  return e;
}

void
kiln_sum_entry_free (KilnSumEntry *e)
{
  if (!e)
    return;
  g_free (e->name);
  g_free (e->sha256);
  g_free (e);
}

static int
by_name (gconstpointer a, gconstpointer b)
{
  const KilnSumEntry *x = *(KilnSumEntry *const *) a;
  const KilnSumEntry *y = *(KilnSumEntry *const *) b;
  return strcmp (x->name, y->name);
}

char *
kiln_sha256sums_format (GPtrArray *entries)
{
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (sorted, entries->pdata[i]);
  g_ptr_array_sort (sorted, by_name);

  GString *s = g_string_new (NULL);
  for (guint i = 0; i < sorted->len; i++)
    {
      const KilnSumEntry *e = sorted->pdata[i];
      /* Two spaces: text mode, the form `sha256sum` itself writes. */
      g_string_append_printf (s, "%s  %s\n", e->sha256, e->name);
    }
  return g_string_free (s, FALSE);
}
