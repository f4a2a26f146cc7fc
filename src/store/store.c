/* store.c - the image store under $KILN_HOME (layout in store.h) */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/qemu-img.h"
#include "base/confine.h"
#include "common/kiln.h"
#include "layers.h"
#include "recover.h"

#define IMAGE_NAME "image.qcow2"

struct KilnStore {
  char *images;            /* HOME/images */
  char *logs;              /* HOME/logs */
  char *layers;            /* HOME/layers (layers.h) */
  KilnCatalog *catalog;
};

static KilnStore *
store_new (const char *home, KilnCatalog *catalog)
{
  KilnStore *store = g_new0 (KilnStore, 1);
  store->images = g_build_filename (home, "images", NULL);
  store->logs = g_build_filename (home, "logs", NULL);
  store->layers = g_build_filename (home, "layers", NULL);
  store->catalog = catalog;
  return store;
}

KilnStore *
kiln_store_open (const char *home, GError **error)
{
  g_autofree char *db = g_build_filename (home, "catalog.db", NULL);
  KilnCatalog *catalog = kiln_catalog_open (db, error);
  if (!catalog)
    return NULL;
  KilnStore *store = store_new (home, catalog);
  kiln_store_recover (store, home, NULL, NULL);
  return store;
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
  g_free (store->layers);
  g_free (store);
}

KilnCatalog *
kiln_store_catalog (KilnStore *store)
{
  return store->catalog;
}

const char *
kiln_store_layers_dir (KilnStore *store)
{
  return store->layers;
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

/* --- removal, through confine.h ---------------------------------------- */

/* Remove root/parts... with everything under it: the walk from the root
 * follows no link and crosses no mount (confine.h). */
static gboolean
remove_below (const char *root, char **parts, GError **error)
{
  g_autofree char *path = join_below (root, parts);
  return kiln_remove_below (root, path, error);
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
  if (!kiln_mkdir_below (store->logs, dir, 0755, error))
    return NULL;
  /* the log is opened by name: whatever an earlier run or someone else
   * left there (a link to a file elsewhere) goes first */
  if (!kiln_remove_below (store->logs, log, error))
    return NULL;
  return g_steal_pointer (&log);
}

char *
kiln_store_read_log (KilnStore *store, const KilnBuildRecord *r, gsize *len,
                     GError **error)
{
  g_autofree char *log = kiln_store_log_path (store, r->name, r->version,
                                              r->build_number, error);
  if (!log)
    return NULL;
  int fd = kiln_open_below (store->logs, log, O_RDONLY, 0, error);
  if (fd < 0)
    return NULL;
  g_autoptr (GByteArray) text = g_byte_array_new ();
  guint8 buf[65536];
  ssize_t n;
  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_byte_array_append (text, buf, n);
  int err = errno;
  close (fd);
  if (n < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot read %s: %s",
                   log, g_strerror (err));
      return NULL;
    }
  if (len)
    *len = text->len;
  g_byte_array_append (text, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (g_steal_pointer (&text), FALSE);
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
  if (!dir || !kiln_mkdir_below (store->images, dir, 0755, error))
    return NULL;
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
      digest = kiln_catalog_file_digest (store->catalog, image, cancellable,
                                         error);
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
                                    error)
         && kiln_store_gc_layers (store, NULL, error);
}

/* The files a build's catalog entry lists in its output directory: each
 * regular file or link removed through confine.h (a link is removed as a
 * link, never what it points to), anything else left alone; the
 * directories they were in removed when that leaves them empty. */
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
      gboolean removed = FALSE;
      if (!g_path_is_absolute (p))
        continue;
      if (!kiln_remove_file (p, &removed, error))
        return FALSE;
      if (!removed)
        continue;
      char *dir = g_path_get_dirname (p);
      if (!g_ptr_array_find_with_equal_func (dirs, dir, g_str_equal, NULL))
        g_ptr_array_add (dirs, dir);
      else
        g_free (dir);
    }
  /* rmdir(2) removes only an empty directory, and a link to one never */
  for (guint i = 0; i < dirs->len; i++)
    g_rmdir (dirs->pdata[i]);
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
                                    error)
         && kiln_store_gc_layers (store, NULL, error);
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
         && kiln_catalog_delete_build (store->catalog, build_id, error)
         && kiln_store_gc_layers (store, NULL, error);
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
