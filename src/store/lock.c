/* lock.c - exclusive locks between kiln processes */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/kiln.h"
#include "lock.h"
#include "base/paths.h"

int
kiln_lock_take (const char *path, KilnLockMode mode, KilnReporter *r,
                const char *busy, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_mkdir_with_parents (dir, 0755);
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot open %s: %s",
                   path, g_strerror (errno));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) == 0)
    return fd;
  if (mode == KILN_LOCK_TRY)
    {
      g_set_error_literal (error, KILN_ERROR, KILN_ERROR_FAILED, busy);
      close (fd);
      return -1;
    }
  if (r)
    kiln_reporter_info (r, "%s", busy);
  if (flock (fd, LOCK_EX) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "lock %s: %s", path,
                   g_strerror (errno));
      close (fd);
      return -1;
    }
  return fd;
}

char *
kiln_recipe_lock_path (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".lock", NULL);
  return g_build_filename (kiln_home (), "locks", file, NULL);
}
