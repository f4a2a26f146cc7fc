/* s3.c - S3 GetObject, PutObject and ListObjectsV2 (s3.h): the three
 * operations, each as requests (s3-request.c) and their answers read
 * (s3-xml.c), with the local files they read and write */
#include "config.h"
#include "s3-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/kiln.h"

#define EMPTY_SHA256 \
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* a page of 1000 keys of 1024 bytes each, percent-encoded, fits */
#define MAX_LIST_BODY (16 * 1024 * 1024)
#define MAX_SINGLE_PUT ((goffset) 5 * 1024 * 1024 * 1024)
#define MAX_PAGE 1000u

/* ---- names ------------------------------------------------------------- */

static char *
object_uri (const char *bucket, const char *key)
{
  return g_strdup_printf ("s3://%s/%s", bucket, key ? key : "");
}

static gboolean
check_names (const char *bucket, const char *key, gboolean key_needed,
             GError **error)
{
  if (!bucket || !*bucket)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "no S3 bucket name");
      return FALSE;
    }
  if (key_needed && (!key || !*key))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "s3://%s/: no object "
                   "key", bucket);
      return FALSE;
    }
  return TRUE;
}

/* ---- GetObject -------------------------------------------------------- */

/* The temporary file a download goes to: removed unless it was renamed. */
typedef struct {
  char *path;
  FILE *file;
} TempFile;

static void
temp_file_clear (TempFile *t)
{
  if (t->file)
    fclose (t->file);
  if (t->path)
    g_unlink (t->path);
  g_free (t->path);
  memset (t, 0, sizeof *t);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TempFile, temp_file_clear)

static gboolean
temp_file_open (TempFile *t, const char *dest, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (dest);
  g_autofree char *base = g_path_get_basename (dest);
  t->path = g_strdup_printf ("%s/.%s.kiln-XXXXXX", dir, base);
  int fd = g_mkstemp_full (t->path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot make a "
                   "temporary file in %s: %s", dir, g_strerror (e));
      g_clear_pointer (&t->path, g_free);
      return FALSE;
    }
  t->file = fdopen (fd, "wb");
  if (!t->file)
    {
      int e = errno;
      close (fd);
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "%s: %s", t->path,
                   g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

/* Flushes, syncs and renames t over dest: after a crash, dest is the old
 * file or the whole new one. */
static gboolean
temp_file_commit (TempFile *t, const char *dest, GError **error)
{
  int e = 0;
  if (fflush (t->file) != 0 || fsync (fileno (t->file)) != 0)
    e = errno;
  if (fclose (t->file) != 0 && !e)
    e = errno;
  t->file = NULL;
  if (!e && rename (t->path, dest) != 0)
    e = errno;
  if (e)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot write %s: %s",
                   dest, g_strerror (e));
      return FALSE;
    }
  g_clear_pointer (&t->path, g_free);
  return TRUE;
}

gboolean
kiln_s3_get_object (const KilnS3Config *c, const char *bucket,
                    const char *key, const char *expected_owner,
                    const char *dest_path, GError **error)
{
  if (!check_names (bucket, key, TRUE, error))
    return FALSE;
  g_autofree char *what = object_uri (bucket, key);
  g_auto (TempFile) tmp = { 0 };
  if (!temp_file_open (&tmp, dest_path, error))
    return FALSE;
  g_auto (KilnS3Exchange) x = { 0 };
  x.sink = tmp.file;
  KilnS3Request r = {
    .method = "GET", .bucket = bucket, .key = key,
    .expected_owner = expected_owner, .payload_sha256 = EMPTY_SHA256,
  };
  if (!kiln_s3_perform (c, &r, &x, what, error))
    return FALSE;
  if (!kiln_s3_status_ok (x.status))
    {
      kiln_s3_set_status_error (&x, what, "GET", error);
      return FALSE;
    }
  return temp_file_commit (&tmp, dest_path, error);
}

/* ---- PutObject ---------------------------------------------------------- */

/* The hex SHA-256 of the rest of f, which is then rewound. */
static char *
file_sha256 (FILE *f, const char *path, GError **error)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buf = g_malloc (64 * 1024);
  size_t n;
  while ((n = fread (buf, 1, 64 * 1024, f)) > 0)
    g_checksum_update (sum, buf, (gssize) n);
  if (ferror (f) || fseeko (f, 0, SEEK_SET) != 0)
    {
      int e = errno ? errno : EIO;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot read %s: %s",
                   path, g_strerror (e));
      return NULL;
    }
  return g_strdup (g_checksum_get_string (sum));
}

static void
close_file (FILE *f)
{
  if (f)
    fclose (f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FILE, close_file)

gboolean
kiln_s3_put_object (const KilnS3Config *c, const char *bucket,
                    const char *key, const char *expected_owner,
                    const char *src_path, GError **error)
{
  if (!check_names (bucket, key, TRUE, error))
    return FALSE;
  g_autofree char *what = object_uri (bucket, key);
  g_autoptr (FILE) f = fopen (src_path, "rbe");
  if (!f)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, e == ENOENT ? KILN_ERROR_INPUT
                   : KILN_ERROR_HOST, "cannot open %s: %s", src_path,
                   g_strerror (e));
      return FALSE;
    }
  struct stat st;
  if (fstat (fileno (f), &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: not a regular "
                   "file", src_path);
      return FALSE;
    }
  if ((goffset) st.st_size > MAX_SINGLE_PUT)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s is %" G_GINT64_FORMAT
                   " bytes; one S3 PUT takes at most 5 GiB (multipart upload "
                   "is not supported)", src_path, (gint64) st.st_size);
      return FALSE;
    }
  g_autofree char *sha = file_sha256 (f, src_path, error);
  if (!sha)
    return FALSE;
  g_auto (KilnS3Exchange) x = { 0 };
  x.source = f;
  KilnS3Request r = {
    .method = "PUT", .bucket = bucket, .key = key,
    .expected_owner = expected_owner, .payload_sha256 = sha,
    .upload_size = (goffset) st.st_size,
  };
  if (!kiln_s3_perform (c, &r, &x, what, error))
    return FALSE;
  if (!kiln_s3_status_ok (x.status))
    {
      kiln_s3_set_status_error (&x, what, "PUT", error);
      return FALSE;
    }
  return TRUE;
}

/* ---- ListObjectsV2 ------------------------------------------------------ */

/* the canonical query of one page: parameters sorted by name */
static char *
list_query (const char *token, guint page, const char *prefix)
{
  GString *q = g_string_new (NULL);
  if (token)
    {
      g_string_append (q, "continuation-token=");
      kiln_s3_append_encoded (q, token, FALSE);
      g_string_append_c (q, '&');
    }
  g_string_append_printf (q, "encoding-type=url&list-type=2&max-keys=%u",
                          page);
  if (prefix && *prefix)
    {
      g_string_append (q, "&prefix=");
      kiln_s3_append_encoded (q, prefix, FALSE);
    }
  return g_string_free (q, FALSE);
}

gboolean
kiln_s3_list_objects_paged (const KilnS3Config *c, const char *bucket,
                            const char *prefix, const char *expected_owner,
                            guint max, guint page_size, GPtrArray **keys,
                            GError **error)
{
  if (!check_names (bucket, NULL, FALSE, error))
    return FALSE;
  g_autofree char *what = object_uri (bucket, prefix);
  page_size = CLAMP (page_size, 1, MAX_PAGE);
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *token = NULL;
  for (;;)
    {
      /* one more than max tells whether there are more than max */
      guint want = MIN ((guint64) page_size, (guint64) max - found->len + 1);
      g_autofree char *query = list_query (token, want, prefix);
      g_auto (KilnS3Exchange) x = { 0 };
      x.body_cap = MAX_LIST_BODY;
      KilnS3Request r = {
        .method = "GET", .bucket = bucket, .query = query,
        .expected_owner = expected_owner, .payload_sha256 = EMPTY_SHA256,
      };
      if (!kiln_s3_perform (c, &r, &x, what, error))
        return FALSE;
      if (!kiln_s3_status_ok (x.status))
        {
          kiln_s3_set_status_error (&x, what, "LIST", error);
          return FALSE;
        }
      g_autofree char *next = NULL;
      if (!kiln_s3_parse_list_page (x.body, what, found, &next, error))
        return FALSE;
      if (found->len > max)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: more than "
                       "%u objects", what, max);
          return FALSE;
        }
      if (!next)
        break;
      if (token && strcmp (token, next) == 0)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s: LIST: the "
                       "same continuation token twice", what);
          return FALSE;
        }
      g_free (token);
      token = g_steal_pointer (&next);
    }
  *keys = g_steal_pointer (&found);
  return TRUE;
}

gboolean
kiln_s3_list_objects (const KilnS3Config *c, const char *bucket,
                      const char *prefix, const char *expected_owner,
                      guint max, GPtrArray **keys, GError **error)
{
  return kiln_s3_list_objects_paged (c, bucket, prefix, expected_owner, max,
                                     MAX_PAGE, keys, error);
}
