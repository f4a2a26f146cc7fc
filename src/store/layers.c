/* layers.c - the layer files in the store (layers.h) */
#include "layers.h"

#include <errno.h>
#include <stdio.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "backends/qemu-img.h"
#include "base/confine.h"
#include "common/kiln.h"

char *
kiln_store_layer_path (KilnStore *store, gint64 build_id, gint64 c)
{
  g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT "-%"
                                           G_GINT64_FORMAT ".qcow2",
                                           build_id, c);
  return g_build_filename (kiln_store_layers_dir (store), name, NULL);
}

gint64
kiln_store_keep_layer (KilnStore *store, gint64 build_id, const char *src,
                       const char *key, gint64 c, const char *component,
                       gint64 below, const char *below_path,
                       char **kept_path, GError **error)
{
  const char *root = kiln_store_layers_dir (store);
  g_autofree char *dest = kiln_store_layer_path (store, build_id, c);
  if (g_mkdir_with_parents (root, 0755) < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   root, g_strerror (e));
      return 0;
    }
  /* the file names the layer below by its work-directory path: from now
   * on its store path (the same bytes, so no data is read: rebase -u) */
  if (below_path
      && !kiln_qemu_img_rebase_unsafe (src, below_path, "qcow2", error))
    {
      g_prefix_error (error, "layer after component %" G_GINT64_FORMAT ": ",
                      c);
      return 0;
    }
  if (g_rename (src, dest) < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "cannot move the layer %s to %s: %s", src, dest,
                   g_strerror (e));
      return 0;
    }
  GStatBuf st;
  guint64 size = g_stat (dest, &st) == 0 ? (guint64) st.st_blocks * 512 : 0;
  gint64 id = kiln_catalog_add_layer (kiln_store_catalog (store), build_id,
                                      key, c, component, dest, below, size,
                                      error);
  if (id <= 0)
    {
      kiln_remove_below (root, dest, NULL);
      return 0;
    }
  if (kept_path)
    *kept_path = g_steal_pointer (&dest);
  return id;
}

/* Files HOME/layers holds without a row: a kiln killed between moving a
 * layer in and recording it.  Only BUILD-C.qcow2 names, of a build that is
 * no longer live (a live one may be recording it right now). */
static gboolean
sweep_orphans (KilnStore *store, GPtrArray *removed, GError **error)
{
  const char *root = kiln_store_layers_dir (store);
  KilnCatalog *cat = kiln_store_catalog (store);
  g_autoptr (GDir) d = g_dir_open (root, 0, NULL);
  if (!d)
    return TRUE;
  gboolean ok = TRUE;
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      gint64 build = 0, c = 0;
      char tail[8] = "";
      if (sscanf (name, "%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT ".%7s",
                  &build, &c, tail) != 3
          || g_strcmp0 (tail, "qcow2") != 0 || build <= 0)
        continue;
      g_autofree char *path = g_build_filename (root, name, NULL);
      if (kiln_catalog_layer_path_known (cat, path)
          || kiln_catalog_build_is_live (cat, build))
        continue;
      g_autoptr (GError) one = NULL;
      if (!kiln_remove_below (root, path, &one))
        {
          if (ok)
            g_propagate_error (error, g_steal_pointer (&one));
          ok = FALSE;
          continue;
        }
      if (removed)
        g_ptr_array_add (removed, g_strdup (path));
    }
  return ok;
}

gboolean
kiln_store_gc_layers (KilnStore *store, GPtrArray *removed, GError **error)
{
  g_autoptr (GPtrArray) dead
      = kiln_catalog_take_dead_layers (kiln_store_catalog (store), error);
  if (!dead)
    return FALSE;
  gboolean ok = TRUE;
  const char *root = kiln_store_layers_dir (store);
  for (guint i = 0; i < dead->len; i++)
    {
      const KilnLayerRecord *l = dead->pdata[i];
      g_autoptr (GError) one = NULL;
      /* only below HOME/layers, whatever the row says (confine.h) */
      if (!kiln_remove_below (root, l->path, &one))
        {
          if (ok)
            g_propagate_error (error, g_steal_pointer (&one));
          ok = FALSE;
          continue;
        }
      if (removed)
        g_ptr_array_add (removed, g_strdup (l->path));
    }
  if (!sweep_orphans (store, removed, ok ? error : NULL))
    ok = FALSE;
  return ok;
}
