/* store.c - the image store under $KILN_HOME (layout in store.h) */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/qemu-img.h"
#include "common/kiln.h"

#define IMAGE_NAME "image.qcow2"
/* deeper than anything kiln writes; a limit on the removal's recursion */
#define MAX_DEPTH 64

struct KilnStore {
  char *images;            /* HOME/images */
  char *logs;              /* HOME/logs */
  KilnCatalog *catalog;
};

static KilnStore *
store_new (const char *home, KilnCatalog *catalog)
{
  KilnStore *store = g_new0 (KilnStore, 1);
  store->images = g_build_filename (home, "images", NULL);
  store->logs = g_build_filename (home, "logs", NULL);
  store->catalog = catalog;
  return store;
}

KilnStore *
kiln_store_open (const char *home, GError **error)
{
  g_autofree char *db = g_build_filename (home, "catalog.db", NULL);
  KilnCatalog *catalog = kiln_catalog_open (db, error);
  return catalog ? store_new (home, catalog) : NULL;
}

KilnStore *
kiln_store_open_existing (const char *home, GError **error)
{
  g_autofree char *db = g_build_filename (home, "catalog.db", NULL);
  if (!g_file_test (db, G_FILE_TEST_EXISTS))
    return NULL;
  return kiln_store_open (home, error);
}

void
kiln_store_free (KilnStore *store)
{
  if (!store)
    return;
  kiln_catalog_close (store->catalog);
  g_free (store->images);
  g_free (store->logs);
  g_free (store);
}

KilnCatalog *
kiln_store_catalog (KilnStore *store)
{
  return store->catalog;
}

/* --- layout ---------------------------------------------------------- */

/* One path component the store may name: names and versions come from
 * recipes and from the catalog, a file anyone may edit. */
static gboolean
plain_name (const char *what, const char *s, GError **error)
{
  if (s && *s && strcmp (s, ".") != 0 && strcmp (s, "..") != 0
      && !strchr (s, '/'))
    return TRUE;
  g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
               "the %s '%s' cannot name a directory of the image store",
               what, s ? s : "");
  return FALSE;
}

/* The parts below a store root for one build: NAME, VERSION, and the
 * build number followed by suffix ("7" or "7.log"). */
static GStrv
layout_parts (const char *name, const char *version, gint64 number,
              const char *suffix, GError **error)
{
  if (!plain_name ("name", name, error)
      || !plain_name ("version", version, error))
    return NULL;
  if (number <= 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "build number %" G_GINT64_FORMAT " of %s/%s is not a "
                   "build of the image store", number, name, version);
      return NULL;
    }
  GStrv parts = g_new0 (char *, 4);
  parts[0] = g_strdup (name);
  parts[1] = g_strdup (version);
  parts[2] = g_strdup_printf ("%" G_GINT64_FORMAT "%s", number, suffix);
  return parts;
}

static char *
join_below (const char *root, char **parts)
{
  g_autofree char *rest = g_strjoinv (G_DIR_SEPARATOR_S, parts);
  return g_build_filename (root, rest, NULL);
}

char *
kiln_store_build_dir (KilnStore *store, const char *name, const char *version,
                      gint64 number, GError **error)
{
  g_auto (GStrv) parts = layout_parts (name, version, number, "", error);
  return parts ? join_below (store->images, parts) : NULL;
}

char *
kiln_store_log_path (KilnStore *store, const char *name, const char *version,
                     gint64 number, GError **error)
{
  g_auto (GStrv) parts = layout_parts (name, version, number, ".log", error);
  return parts ? join_below (store->logs, parts) : NULL;
}

/* --- removal without following symbolic links ------------------------ */

static gboolean
errno_error (GError **error, int err, const char *what, const char *path)
{
  g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot %s %s: %s", what,
               path, g_strerror (err));
  return FALSE;
}

/* Remove the entry name of the directory parent_fd and, when it is a
 * directory, everything in it.  A symbolic link is an entry like a file:
 * it is removed, never what it points to.  shown is the entry's path, for
 * errors. */
static gboolean
remove_entry_at (int parent_fd, const char *name, const char *shown,
                 guint depth, GError **error)
{
  struct stat st;
  if (fstatat (parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? TRUE : errno_error (error, errno, "stat", shown);
  if (!S_ISDIR (st.st_mode))
    {
      if (unlinkat (parent_fd, name, 0) < 0 && errno != ENOENT)
        return errno_error (error, errno, "remove", shown);
      return TRUE;
    }
  if (depth >= MAX_DEPTH)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot remove %s: "
                   "more than %d directories deep", shown, MAX_DEPTH);
      return FALSE;
    }
  /* O_NOFOLLOW: a directory swapped for a link since the fstatat fails */
  int fd = openat (parent_fd, name,
                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno_error (error, errno, "open", shown);
  DIR *dir = fdopendir (fd);
  if (!dir)
    {
      int err = errno;
      close (fd);
      return errno_error (error, err, "read", shown);
    }
  /* names first, removal after: readdir is unspecified while entries go */
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  struct dirent *e;
  while ((e = readdir (dir)))
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      g_ptr_array_add (names, g_strdup (e->d_name));
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (shown, names->pdata[i],
                                                 NULL);
      ok = remove_entry_at (dirfd (dir), names->pdata[i], child, depth + 1,
                            error);
    }
  closedir (dir);
  if (ok && unlinkat (parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return errno_error (error, errno, "remove", shown);
  return ok;
}

/* Remove root/parts[0]/.../parts[n-1] with everything under it.  root is
 * the store's own directory and is trusted as it is; each part above the
 * last must be a real directory (a symbolic link there stops the removal
 * with an error); the last is removed as remove_entry_at() does.  A path
 * that is not there is removed already. */
static gboolean
remove_below (const char *root, char **parts, GError **error)
{
  g_autofree char *shown = join_below (root, parts);
  int fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? TRUE : errno_error (error, errno, "open", root);
  g_autofree char *walked = g_strdup (root);
  guint n = g_strv_length (parts);
  gboolean ok = TRUE;
  for (guint i = 0; ok && i + 1 < n; i++)
    {
      char *next_walked = g_build_filename (walked, parts[i], NULL);
      g_free (walked);
      walked = next_walked;
      struct stat st;
      if (fstatat (fd, parts[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          if (errno != ENOENT)
            ok = errno_error (error, errno, "stat", walked);
          close (fd);
          return ok; /* not there: nothing to remove */
        }
      if (!S_ISDIR (st.st_mode))
        {
          if (S_ISLNK (st.st_mode))
            g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                         "refusing to remove %s: %s is a symbolic link, "
                         "and the image store does not follow links",
                         shown, walked);
          else
            g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                         "refusing to remove %s: %s is not a directory",
                         shown, walked);
          close (fd);
          return FALSE;
        }
      int next = openat (fd, parts[i],
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        ok = errno_error (error, errno, "open", walked);
      close (fd);
      fd = next;
    }
  if (ok)
    ok = remove_entry_at (fd, parts[n - 1], shown, 0, error);
  if (fd >= 0)
    close (fd);
  return ok;
}

static gboolean
remove_build_dir (KilnStore *store, const char *name, const char *version,
                  gint64 number, GError **error)
{
  g_auto (GStrv) parts = layout_parts (name, version, number, "", error);
  return parts && remove_below (store->images, parts, error);
}

/* --- a build's files --------------------------------------------------- */

gint64
kiln_store_begin_build (KilnStore *store, const char *name,
                        const char *version, const char *recipe_path,
                        gint64 *number, GError **error)
{
  return kiln_catalog_begin_build (store->catalog, name, version, recipe_path,
                                   number, error);
}

char *
kiln_store_prepare_log (KilnStore *store, gint64 build_id, GError **error)
{
  g_autoptr (KilnBuildRecord) r
      = kiln_catalog_get_build (store->catalog, build_id, error);
  if (!r)
    return NULL;
  g_autofree char *log = kiln_store_log_path (store, r->name, r->version,
                                              r->build_number, error);
  if (!log)
    return NULL;
  g_autofree char *dir = g_path_get_dirname (log);
  if (g_mkdir_with_parents (dir, 0755) < 0)
    {
      errno_error (error, errno, "create", dir);
      return NULL;
    }
  return g_steal_pointer (&log);
}

gboolean
kiln_store_record_log (KilnStore *store, gint64 build_id,
                       const char *log_path, GError **error)
{
  return kiln_catalog_set (store->catalog, build_id, "log_path", log_path,
                           error);
}

gboolean
kiln_store_record_artifact (KilnStore *store, gint64 build_id,
                            const char *format, const char *path,
                            guint64 size, const char *sha256, GError **error)
{
  return kiln_catalog_add_artifact (store->catalog, build_id, format, path,
                                    size, sha256, error);
}

char *
kiln_store_put_image (KilnStore *store, gint64 build_id, const char *src,
                      const char *src_format, KilnStoreProgressFn progress,
                      gpointer data, GCancellable *cancellable,
                      GError **error)
{
  g_autoptr (KilnBuildRecord) r
      = kiln_catalog_get_build (store->catalog, build_id, error);
  if (!r)
    return NULL;
  g_autofree char *dir = kiln_store_build_dir (store, r->name, r->version,
                                               r->build_number, error);
  if (!dir)
    return NULL;
  if (g_mkdir_with_parents (dir, 0755) < 0)
    {
      errno_error (error, errno, "create", dir);
      return NULL;
    }
  g_autofree char *tmp = g_build_filename (dir, "." IMAGE_NAME ".tmp", NULL);
  g_autofree char *image = g_build_filename (dir, IMAGE_NAME, NULL);
  g_autofree char *digest = NULL;
  KilnConvertSpec spec = {
    .src = src,
    .src_format = src_format,
    .dst = tmp,
    .dst_format = "qcow2",
  };
  gboolean ok = kiln_qemu_img_convert (&spec, progress, data, cancellable,
                                       error);
  if (ok && g_rename (tmp, image) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "rename %s: %s", tmp,
                   g_strerror (errno));
      ok = FALSE;
    }
  if (ok)
    {
      digest = kiln_catalog_file_digest (store->catalog, image, error);
      ok = digest
           && kiln_catalog_set (store->catalog, build_id, "image_path", image,
                                error)
           && kiln_catalog_set (store->catalog, build_id, "image_digest",
                                digest, error);
    }
  if (!ok)
    {
      remove_build_dir (store, r->name, r->version, r->build_number, NULL);
      return NULL;
    }
  return g_steal_pointer (&image);
}

gboolean
kiln_store_discard_image (KilnStore *store, gint64 build_id, GError **error)
{
  g_autoptr (KilnBuildRecord) r
      = kiln_catalog_get_build (store->catalog, build_id, error);
  return r && remove_build_dir (store, r->name, r->version, r->build_number,
                                error);
}

/* --- the cache --------------------------------------------------------- */

/* Everything the build wrote (artifacts, SHA256SUMS, manifest) is still
 * there, under the output directory a build would write to now: asked for
 * elsewhere, or deleted, the outputs are built again. */
static gboolean
outputs_still_there (KilnStore *store, const KilnBuildRecord *r,
                     const char *output_dir)
{
  g_autoptr (GPtrArray) paths
      = kiln_catalog_artifact_paths (store->catalog, r->id, NULL);
  if (!paths || paths->len == 0)
    return FALSE;
  g_autofree char *root = g_canonicalize_filename (
      output_dir ? output_dir : ".", NULL);
  g_autofree char *prefix = g_strconcat (root, G_DIR_SEPARATOR_S, NULL);
  for (guint i = 0; i < paths->len; i++)
    {
      g_autofree char *p = g_canonicalize_filename (paths->pdata[i], NULL);
      if (!g_str_has_prefix (p, prefix) || g_access (p, R_OK) != 0)
        return FALSE;
    }
  return TRUE;
}

KilnBuildRecord *
kiln_store_find_identical (KilnStore *store, const char *name,
                           const char *key, const char *output_dir)
{
  g_autoptr (KilnBuildRecord) same
      = kiln_catalog_find_by_key (store->catalog, name, key, NULL);
  if (same && same->image_path && g_access (same->image_path, R_OK) == 0
      && outputs_still_there (store, same, output_dir))
    return g_steal_pointer (&same);
  return NULL;
}

/* --- removal and retention -------------------------------------------- */

gboolean
kiln_store_remove (KilnStore *store, const KilnBuildRecord *r,
                   const char *why, GError **error)
{
  return remove_build_dir (store, r->name, r->version, r->build_number, error)
         && kiln_catalog_set_state (store->catalog, r->id, "deleted", why,
                                    error);
}

/* The files a build's catalog entry lists in its output directory: each
 * regular file or link unlinked (a link is removed as a link, never what
 * it points to), anything else left alone; the directories they were in
 * removed when that leaves them empty. */
static gboolean
remove_artifacts (KilnStore *store, gint64 build_id, GError **error)
{
  g_autoptr (GPtrArray) paths
      = kiln_catalog_artifact_paths (store->catalog, build_id, error);
  if (!paths)
    return FALSE;
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *p = paths->pdata[i];
      struct stat st;
      if (!g_path_is_absolute (p) || lstat (p, &st) < 0)
        continue;
      if (!S_ISREG (st.st_mode) && !S_ISLNK (st.st_mode))
        continue;
      if (unlink (p) < 0 && errno != ENOENT)
        return errno_error (error, errno, "remove", p);
      char *dir = g_path_get_dirname (p);
      if (!g_ptr_array_find_with_equal_func (dirs, dir, g_str_equal, NULL))
        g_ptr_array_add (dirs, dir);
      else
        g_free (dir);
    }
  for (guint i = 0; i < dirs->len; i++)
    g_rmdir (dirs->pdata[i]); /* only when empty */
  return TRUE;
}

gboolean
kiln_store_delete (KilnStore *store, const KilnBuildRecord *r,
                   gboolean with_artifacts, const char *why, GError **error)
{
  g_auto (GStrv) log_parts = layout_parts (r->name, r->version,
                                           r->build_number, ".log", error);
  return log_parts
         && remove_build_dir (store, r->name, r->version, r->build_number,
                              error)
         && remove_below (store->logs, log_parts, error)
         && (!with_artifacts || remove_artifacts (store, r->id, error))
         && kiln_catalog_set_state (store->catalog, r->id, "deleted", why,
                                    error);
}

gboolean
kiln_store_forget (KilnStore *store, gint64 build_id, GError **error)
{
  g_autoptr (KilnBuildRecord) r
      = kiln_catalog_get_build (store->catalog, build_id, error);
  if (!r)
    return FALSE;
  g_auto (GStrv) parts = layout_parts (r->name, r->version, r->build_number,
                                       ".log", error);
  return parts && remove_below (store->logs, parts, error)
         && kiln_catalog_delete_build (store->catalog, build_id, error);
}

static gboolean
forgettable (const KilnBuildRecord *r)
{
  return g_strcmp0 (r->state, "failed") == 0
         || g_strcmp0 (r->state, "cancelled") == 0;
}

gboolean
kiln_store_retain (KilnStore *store, const char *name,
                   const KilnRetainPolicy *policy, KilnStoreRetainFn fn,
                   gpointer data, GError **error)
{
  g_autoptr (GPtrArray) builds
      = kiln_catalog_list_builds (store->catalog, name, error);
  if (!builds)
    return FALSE;
  guint kept = 0;
  for (guint i = 0; i < builds->len; i++)
    {
      const KilnBuildRecord *r = builds->pdata[i];
      g_autoptr (GError) one = NULL;
      KilnStoreAction action;
      gboolean ok = TRUE;
      if (policy->in_progress > 0 && r->id == policy->in_progress)
        {
          kept++;
          continue;
        }
      if (g_strcmp0 (r->state, "available") == 0)
        {
          if (++kept <= policy->keep)
            continue;
          action = KILN_STORE_REMOVED;
          ok = policy->dry_run
               || kiln_store_remove (store, r, policy->why, &one);
        }
      else if (policy->forget_failed && forgettable (r))
        {
          action = KILN_STORE_FORGOTTEN;
          ok = policy->dry_run || kiln_store_forget (store, r->id, &one);
        }
      else
        continue;
      if (fn)
        fn (r, action, ok ? NULL : one, data);
    }
  return TRUE;
}
