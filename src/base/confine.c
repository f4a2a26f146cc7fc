/* confine.c - removing, creating and opening kiln's own files without
 * being led elsewhere (the rules are in confine.h) */
#define _GNU_SOURCE /* statx */
#include "confine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/kiln.h"

/* deeper than anything kiln writes; a limit on the removal's recursion */
#define MAX_DEPTH 64

/* What an entry is and which mount it lives on. */
typedef struct {
  mode_t mode;
  dev_t dev;
  ino_t ino;
  guint64 mnt_id;
  gboolean has_mnt_id;     /* the kernel told the mount id (Linux >= 5.8) */
} Entry;

/* statx of name in dir_fd without following a link (name "" with
 * AT_EMPTY_PATH: dir_fd itself).  -1 with errno. */
static int
entry_at (int dir_fd, const char *name, Entry *e)
{
  struct statx stx;
  int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT;
  if (!*name)
    flags |= AT_EMPTY_PATH;
  if (statx (dir_fd, name, flags,
             STATX_TYPE | STATX_MODE | STATX_INO | STATX_MNT_ID, &stx) < 0)
    return -1;
  e->mode = stx.stx_mode;
  e->dev = makedev (stx.stx_dev_major, stx.stx_dev_minor);
  e->ino = stx.stx_ino;
  e->has_mnt_id = (stx.stx_mask & STATX_MNT_ID) != 0;
  e->mnt_id = e->has_mnt_id ? stx.stx_mnt_id : 0;
  return 0;
}

/* A bind mount of a directory of the same filesystem keeps st_dev: the
 * mount id tells it apart. */
static gboolean
same_mount (const Entry *a, const Entry *b)
{
  if (a->dev != b->dev)
    return FALSE;
  return !(a->has_mnt_id && b->has_mnt_id) || a->mnt_id == b->mnt_id;
}

static gboolean
errno_error (GError **error, int err, const char *what, const char *path)
{
  g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot %s %s: %s", what,
               path, g_strerror (err));
  return FALSE;
}

static gboolean
refuse (GError **error, const char *verb, const char *path, const char *fmt,
        ...) G_GNUC_PRINTF (4, 5);

static gboolean
refuse (GError **error, const char *verb, const char *path, const char *fmt,
        ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *why = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "refusing to %s %s: %s",
               verb, path, why);
  return FALSE;
}

/* Opens the directory name of dir_fd, which must be a real directory on
 * parent's mount; *e gets what it is.  -1 with error. */
static int
open_dir_at (int dir_fd, const char *name, const Entry *parent, Entry *e,
             const char *verb, const char *target, const char *shown,
             GError **error)
{
  if (entry_at (dir_fd, name, e) < 0)
    {
      errno_error (error, errno, "examine", shown);
      return -1;
    }
  if (S_ISLNK (e->mode))
    {
      refuse (error, verb, target, "%s is a symbolic link, and kiln does not "
              "follow links in its own directories", shown);
      return -1;
    }
  if (!S_ISDIR (e->mode))
    {
      refuse (error, verb, target, "%s is not a directory", shown);
      return -1;
    }
  if (!same_mount (e, parent))
    {
      refuse (error, verb, target, "%s is a mount point, and kiln never "
              "crosses into another mount", shown);
      return -1;
    }
  int fd = openat (dir_fd, name,
                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      errno_error (error, errno, "open", shown);
      return -1;
    }
  /* swapped for something else since the statx: refuse */
  Entry now;
  if (entry_at (fd, "", &now) < 0 || now.ino != e->ino || now.dev != e->dev)
    {
      close (fd);
      refuse (error, verb, target, "%s changed while kiln looked at it",
              shown);
      return -1;
    }
  return fd;
}

/* --- walking from a root ---------------------------------------------- */

/* path split into the parts below root; NULL with error when path is not
 * strictly inside root. */
static GStrv
parts_below (const char *root, const char *path, const char *verb,
             GError **error)
{
  g_autofree char *croot = g_canonicalize_filename (root, NULL);
  g_autofree char *cpath = g_canonicalize_filename (path, croot);
  gsize n = strlen (croot);
  gboolean inside = strcmp (croot, "/") == 0
                        ? cpath[1] != '\0'
                        : strncmp (cpath, croot, n) == 0 && cpath[n] == '/'
                              && cpath[n + 1] != '\0';
  if (!inside)
    {
      refuse (error, verb, path, "it is not inside %s", root);
      return NULL;
    }
  const char *rest = cpath + (strcmp (croot, "/") == 0 ? 1 : n + 1);
  return g_strsplit (rest, "/", -1);
}

/* The directory holding the last part of path, opened from root one
 * directory at a time; *last points at that part, *parent describes the
 * directory.  -1 with *missing TRUE (no error) when a directory on the
 * way is not there; -1 with error when one is refused. */
static int
open_parent (const char *root, char **parts, const char *verb,
             const char *target, Entry *parent, gboolean *missing,
             GError **error)
{
  *missing = FALSE;
  int fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        *missing = TRUE;
      else
        errno_error (error, errno, "open", root);
      return -1;
    }
  if (entry_at (fd, "", parent) < 0)
    {
      errno_error (error, errno, "examine", root);
      close (fd);
      return -1;
    }
  g_autofree char *walked = g_strdup (root);
  guint n = g_strv_length (parts);
  for (guint i = 0; i + 1 < n; i++)
    {
      char *next_walked = g_build_filename (walked, parts[i], NULL);
      g_free (walked);
      walked = next_walked;
      Entry e;
      if (entry_at (fd, parts[i], &e) < 0 && errno == ENOENT)
        {
          *missing = TRUE;
          close (fd);
          return -1;
        }
      int next = open_dir_at (fd, parts[i], parent, &e, verb, target, walked,
                              error);
      close (fd);
      if (next < 0)
        return -1;
      fd = next;
      *parent = e;
    }
  return fd;
}

/* --- removal ------------------------------------------------------------ */

/* Removes the entry name of parent_fd (on mount parent) and, when it is a
 * directory, everything in it.  shown is its path, for errors. */
static gboolean
remove_entry_at (int parent_fd, const Entry *parent, const char *name,
                 const char *shown, guint depth, GError **error)
{
  Entry e;
  if (entry_at (parent_fd, name, &e) < 0)
    return errno == ENOENT ? TRUE : errno_error (error, errno, "examine",
                                                 shown);
  if (!S_ISDIR (e.mode))
    {
      if (unlinkat (parent_fd, name, 0) < 0 && errno != ENOENT)
        return errno_error (error, errno, "remove", shown);
      return TRUE;
    }
  if (depth >= MAX_DEPTH)
    return refuse (error, "remove", shown, "more than %d directories deep",
                   MAX_DEPTH);
  int fd = open_dir_at (parent_fd, name, parent, &e, "remove", shown, shown,
                        error);
  if (fd < 0)
    return FALSE;
  DIR *dir = fdopendir (fd);
  if (!dir)
    {
      int err = errno;
      close (fd);
      return errno_error (error, err, "read", shown);
    }
  /* names first, removal after: readdir is unspecified while entries go */
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  struct dirent *d;
  while ((d = readdir (dir)))
    if (strcmp (d->d_name, ".") != 0 && strcmp (d->d_name, "..") != 0)
      g_ptr_array_add (names, g_strdup (d->d_name));
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (shown, names->pdata[i],
                                                 NULL);
      ok = remove_entry_at (dirfd (dir), &e, names->pdata[i], child,
                            depth + 1, error);
    }
  closedir (dir);
  if (ok && unlinkat (parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return errno_error (error, errno, "remove", shown);
  return ok;
}

gboolean
kiln_remove_below (const char *root, const char *path, GError **error)
{
  g_auto (GStrv) parts = parts_below (root, path, "remove", error);
  if (!parts)
    return FALSE;
  Entry parent;
  gboolean missing;
  int fd = open_parent (root, parts, "remove", path, &parent, &missing,
                        error);
  if (fd < 0)
    return missing;
  guint n = g_strv_length (parts);
  gboolean ok = remove_entry_at (fd, &parent, parts[n - 1], path, 0, error);
  close (fd);
  return ok;
}

gboolean
kiln_remove_tree (const char *path)
{
  if (!path)
    return TRUE;
  g_autofree char *canon = g_canonicalize_filename (path, NULL);
  g_autofree char *parent = g_path_get_dirname (canon);
  g_autoptr (GError) error = NULL;
  if (kiln_remove_below (parent, canon, &error))
    return TRUE;
  g_warning ("%s", error->message);
  return FALSE;
}

gboolean
kiln_remove_file (const char *path, gboolean *removed, GError **error)
{
  *removed = FALSE;
  g_autofree char *canon = g_canonicalize_filename (path, NULL);
  g_autofree char *parent_path = g_path_get_dirname (canon);
  g_autofree char *name = g_path_get_basename (canon);
  if (strcmp (canon, "/") == 0)
    return TRUE;
  int fd = open (parent_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? TRUE : errno_error (error, errno, "open",
                                                 parent_path);
  Entry parent, e;
  gboolean ok = TRUE;
  if (entry_at (fd, "", &parent) < 0)
    ok = errno_error (error, errno, "examine", parent_path);
  else if (entry_at (fd, name, &e) < 0)
    ok = errno == ENOENT ? TRUE : errno_error (error, errno, "examine",
                                               canon);
  else if ((S_ISREG (e.mode) || S_ISLNK (e.mode)) && same_mount (&e, &parent))
    {
      /* flags 0: a directory put there since the statx is refused (EISDIR)
       * and left alone */
      if (unlinkat (fd, name, 0) == 0)
        *removed = TRUE;
      else if (errno != ENOENT && errno != EISDIR)
        ok = errno_error (error, errno, "remove", canon);
    }
  close (fd);
  return ok;
}

/* --- creating and opening ----------------------------------------------- */

gboolean
kiln_mkdir_below (const char *root, const char *path, int mode,
                  GError **error)
{
  g_auto (GStrv) parts = parts_below (root, path, "create", error);
  if (!parts)
    return FALSE;
  if (g_mkdir_with_parents (root, mode) < 0)
    return errno_error (error, errno, "create", root);
  int fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno_error (error, errno, "open", root);
  Entry parent;
  if (entry_at (fd, "", &parent) < 0)
    {
      close (fd);
      return errno_error (error, errno, "examine", root);
    }
  g_autofree char *walked = g_strdup (root);
  for (guint i = 0; parts[i]; i++)
    {
      char *next_walked = g_build_filename (walked, parts[i], NULL);
      g_free (walked);
      walked = next_walked;
      if (mkdirat (fd, parts[i], mode) < 0 && errno != EEXIST)
        {
          int err = errno;
          close (fd);
          return errno_error (error, err, "create", walked);
        }
      Entry e;
      int next = open_dir_at (fd, parts[i], &parent, &e, "create", path,
                              walked, error);
      close (fd);
      if (next < 0)
        return FALSE;
      fd = next;
      parent = e;
    }
  close (fd);
  return TRUE;
}

int
kiln_open_below (const char *root, const char *path, int flags, int mode,
                 GError **error)
{
  g_auto (GStrv) parts = parts_below (root, path, "open", error);
  if (!parts)
    return -1;
  Entry parent;
  gboolean missing;
  int dir = open_parent (root, parts, "open", path, &parent, &missing, error);
  if (dir < 0)
    {
      if (missing)
        errno_error (error, ENOENT, "open", path);
      return -1;
    }
  guint n = g_strv_length (parts);
  int fd = openat (dir, parts[n - 1], flags | O_NOFOLLOW | O_CLOEXEC, mode);
  int err = errno;
  close (dir);
  if (fd < 0)
    {
      if (err == ELOOP)
        refuse (error, "open", path, "it is a symbolic link, and kiln does "
                "not follow links in its own directories");
      else
        errno_error (error, err, "open", path);
      return -1;
    }
  Entry e;
  if (entry_at (fd, "", &e) < 0 || !S_ISREG (e.mode))
    {
      close (fd);
      refuse (error, "open", path, "it is not a regular file");
      return -1;
    }
  if (!same_mount (&e, &parent))
    {
      close (fd);
      refuse (error, "open", path, "it is a mount point");
      return -1;
    }
  return fd;
}
