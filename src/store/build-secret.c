/* build-secret.c - the per-$KILN_HOME key of the build key (build-secret.h) */
#include "build-secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/kiln.h"

#define SECRET_NAME "build-key.secret"

static gboolean
host_error (GError **error, const char *path, const char *what, int err)
{
  g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "%s: %s%s%s", path, what,
               err ? ": " : "", err ? g_strerror (err) : "");
  return FALSE;
}

/* Reads the key from an open fd after checking what the file is. */
static GBytes *
read_secret (int fd, const char *path, GError **error)
{
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      host_error (error, path, "cannot stat the build key's secret", errno);
      return NULL;
    }
  if (!S_ISREG (st.st_mode) || st.st_uid != geteuid ()
      || (st.st_mode & 077) != 0 || st.st_size != KILN_BUILD_SECRET_LEN)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "%s: the build key's secret must be a regular file of "
                   "%d bytes, owned by uid %u, mode 0600; found mode %04o, "
                   "uid %u, %jd bytes (remove it to make a new one: the "
                   "next build of each recipe rebuilds)", path,
                   KILN_BUILD_SECRET_LEN, (unsigned) geteuid (),
                   (unsigned) (st.st_mode & 07777), (unsigned) st.st_uid,
                   (intmax_t) st.st_size);
      return NULL;
    }
  guint8 buf[KILN_BUILD_SECRET_LEN];
  gsize got = 0;
  while (got < sizeof buf)
    {
      ssize_t n = read (fd, buf + got, sizeof buf - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          host_error (error, path, "cannot read the build key's secret",
                      n < 0 ? errno : EIO);
          return NULL;
        }
      got += (gsize) n;
    }
  GBytes *key = g_bytes_new (buf, sizeof buf);
  explicit_bzero (buf, sizeof buf);
  return key;
}

/* Writes a new random key to a private temporary file and links it to
 * path: link() fails if another kiln made one first, and then that one is
 * used.  Never a half-written key at path. */
static gboolean
create_secret (const char *home, const char *path, GError **error)
{
  if (g_mkdir_with_parents (home, 0700) != 0)
    return host_error (error, home, "cannot create", errno);
  guint8 buf[KILN_BUILD_SECRET_LEN];
  gsize got = 0;
  while (got < sizeof buf)
    {
      ssize_t n = getrandom (buf + got, sizeof buf - got, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return host_error (error, path, "cannot get random bytes", errno);
      got += (gsize) n;
    }
  g_autofree char *tmp = g_build_filename (home, "." SECRET_NAME "-XXXXXX",
                                           NULL);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      explicit_bzero (buf, sizeof buf);
      return host_error (error, home, "cannot create a temporary file", errno);
    }
  gboolean written = write (fd, buf, sizeof buf) == (ssize_t) sizeof buf
                     && fsync (fd) == 0;
  int err = errno;
  explicit_bzero (buf, sizeof buf);
  close (fd);
  if (!written)
    {
      g_unlink (tmp);
      return host_error (error, tmp, "cannot write the build key's secret",
                         err);
    }
  int linked = link (tmp, path);
  err = errno;
  g_unlink (tmp);
  if (linked != 0 && err != EEXIST)
    return host_error (error, path, "cannot create the build key's secret",
                       err);
  return TRUE;
}

GBytes *
kiln_build_secret_load (const char *home, GError **error)
{
  g_autofree char *path = g_build_filename (home, SECRET_NAME, NULL);
  for (int attempt = 0; attempt < 2; attempt++)
    {
      /* O_NOFOLLOW: a link planted at path is an error, not a key */
      int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY
                               | O_NONBLOCK);
      if (fd >= 0)
        {
          GBytes *key = read_secret (fd, path, error);
          close (fd);
          return key;
        }
      if (errno != ENOENT || attempt > 0)
        {
          host_error (error, path, "cannot open the build key's secret",
                      errno);
          return NULL;
        }
      if (!create_secret (home, path, error))
        return NULL;
    }
  g_assert_not_reached ();
}
