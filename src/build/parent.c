/* parent.c - find the image a recipe's `parent` names */
#include "parent.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "store/catalog.h"
#include "common/kiln.h"
#include "base/image-file.h"
#include "base/paths.h"
#include "documents/semver.h"
#include "templates/template.h"

static gboolean
resolve_recipe (const KilnParentRef *ref, char **path, GError **error)
{
  g_autofree char *db = g_build_filename (kiln_home (), "catalog.db", NULL);
  g_autoptr (KilnCatalog) cat = kiln_catalog_open (db, error);
  if (!cat)
    return FALSE;
  g_autoptr (GPtrArray) builds
      = kiln_catalog_list_builds (cat, ref->recipe_name, error);
  if (!builds)
    return FALSE;
  const KilnBuildRecord *best = NULL;
  KilnSemver best_v = { 0 };
  for (guint i = 0; i < builds->len; i++)
    {
      const KilnBuildRecord *b = builds->pdata[i];
      KilnSemver v;
      if (g_strcmp0 (b->state, "available") != 0 || !b->image_path
          || g_access (b->image_path, R_OK) < 0
          || !kiln_semver_parse (b->version, &v, NULL)
          || !kiln_semver_pattern_matches (&ref->version, &v))
        continue;
      /* builds are newest first: a later build of the same version wins */
      if (!best || kiln_semver_compare (&v, &best_v) > 0)
        {
          best = b;
          best_v = v;
        }
    }
  if (!best)
    {
      g_autofree char *pattern
          = kiln_semver_pattern_to_string (&ref->version);
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "no available build of recipe '%s' matches version %s; "
                   "build that recipe first", ref->recipe_name, pattern);
      return FALSE;
    }
  *path = g_strdup (best->image_path);
  return TRUE;
}

gboolean
kiln_parent_resolve (const KilnParentRef *ref, char **path, char **format,
                     GError **error)
{
  *path = NULL;
  *format = NULL;
  switch (ref->kind)
    {
    case KILN_PARENT_IMAGE:
      if (g_access (ref->image_path, R_OK) < 0)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "parent image %s cannot be read: %s", ref->image_path,
                       g_strerror (errno));
          return FALSE;
        }
      if (!kiln_image_file_check (ref->image_path, "the parent image",
                                  FALSE, error))
        return FALSE;
      *path = g_strdup (ref->image_path);
      return TRUE;
    case KILN_PARENT_RECIPE:
      if (!resolve_recipe (ref, path, error))
        return FALSE;
      *format = g_strdup ("qcow2");
      return TRUE;
    case KILN_PARENT_TEMPLATE:
      if (!kiln_template_ensure_built (ref->template_name, FALSE, NULL, path,
                                       error))
        return FALSE;
      *format = g_strdup ("qcow2");
      return TRUE;
    }
  g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "unknown parent kind");
  return FALSE;
}
