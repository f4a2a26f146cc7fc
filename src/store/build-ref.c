/* build-ref.c - NAME[/VERSION[/NUMBER]] to a catalog record */
#include <errno.h>
#include <string.h>

#include "build-ref.h"
#include "common/kiln.h"
#include "documents/recipe.h"
#include "documents/semver.h"

void
kiln_build_ref_clear (KilnBuildRef *ref)
{
  g_clear_pointer (&ref->name, g_free);
  g_clear_pointer (&ref->version, g_free);
  ref->number = 0;
}

gboolean
kiln_build_ref_parse (const char *text, KilnBuildRef *ref, GError **error)
{
  memset (ref, 0, sizeof *ref);
  KilnSemver semver;
  g_auto (GStrv) parts = g_strsplit (text, "/", -1);
  guint n = g_strv_length (parts);
  const char *why = NULL;
  if (n < 1 || n > 3)
    why = "expected NAME, NAME/VERSION or NAME/VERSION/BUILD";
  else if (!kiln_name_is_valid (parts[0]))
    why = "the name is not a recipe name (lowercase letters, digits, '-')";
  else if (n >= 2 && !kiln_semver_parse (parts[1], &semver, NULL))
    why = "the version is not MAJOR.MINOR.PATCH";
  gint64 number = 0;
  if (!why && n == 3)
    {
      char *end = NULL;
      errno = 0;
      number = g_ascii_strtoll (parts[2], &end, 10);
      if (errno || !*parts[2] || *end || number < 1)
        why = "the build number is not a positive integer";
    }
  if (why)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "'%s' is not a build: %s (e.g. web-golden, "
                   "web-golden/1.2.0 or web-golden/1.2.0/7)", text, why);
      return FALSE;
    }
  ref->name = g_strdup (parts[0]);
  ref->version = n >= 2 ? g_strdup (parts[1]) : NULL;
  ref->number = number;
  return TRUE;
}

char *
kiln_build_record_ref (const KilnBuildRecord *r)
{
  return g_strdup_printf ("%s/%s/%" G_GINT64_FORMAT, r->name, r->version,
                          r->build_number);
}

KilnBuildRecord *
kiln_build_ref_find (KilnCatalog *cat, const KilnBuildRef *ref,
                     GError **error)
{
  g_autoptr (GPtrArray) builds = kiln_catalog_list_builds (cat, ref->name,
                                                           error);
  if (!builds)
    return NULL;
  for (guint i = 0; i < builds->len; i++)
    {
      KilnBuildRecord *b = builds->pdata[i];
      if ((ref->version && strcmp (b->version, ref->version) != 0)
          || (ref->number && b->build_number != ref->number))
        continue;
      g_ptr_array_steal_index (builds, i);
      return b;
    }
  g_autofree char *what = ref->number
      ? g_strdup_printf ("%s/%s/%" G_GINT64_FORMAT, ref->name, ref->version,
                         ref->number)
      : ref->version ? g_strdup_printf ("%s/%s", ref->name, ref->version)
                     : g_strdup (ref->name);
  if (builds->len == 0)
    g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                 "no build of '%s' in the catalog (kiln images list shows "
                 "the builds there are)", ref->name);
  else
    {
      g_autofree char *newest = kiln_build_record_ref (builds->pdata[0]);
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "no build %s in the catalog; the newest build of %s is %s",
                   what, ref->name, newest);
    }
  return NULL;
}
