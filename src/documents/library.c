/* library.c - the built-in component library and component references */
#include "library.h"

#include <string.h>

#include "base/paths.h"
#include "schema.h"
#include "base/suggest.h"

gboolean
kiln_library_ref_is_builtin (const char *ref)
{
  return !strchr (ref, '/') && !g_str_has_suffix (ref, ".yaml")
         && !g_str_has_suffix (ref, ".yml");
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  /* g_ptr_array_sort passes pointers to the elements */
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GStrv
kiln_library_list (const char *dir, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  if (!d)
    return NULL;
  GPtrArray *names = g_ptr_array_new ();
  const char *e;
  while ((e = g_dir_read_name (d)))
    if (g_str_has_suffix (e, ".yaml") && e[0] != '.')
      g_ptr_array_add (names, g_strndup (e, strlen (e) - 5));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

char *
kiln_library_check_file (const char *ref, const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  g_autofree char *q = kiln_quote_for_message (ref);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_strdup_printf ("expected a component file for %s, found a "
                            "directory or special file at %s", q, path);
  return g_strdup_printf ("expected a component file for %s, found nothing "
                          "at %s", q, path);
}

char *
kiln_library_locate (const char *ref, const char *base_dir, char **why)
{
  g_autofree char *q = kiln_quote_for_message (ref);
  if (kiln_library_ref_is_builtin (ref))
    {
      g_autofree char *dir = kiln_components_dir ();
      g_autofree char *file = g_strconcat (ref, ".yaml", NULL);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
      g_auto (GStrv) names = kiln_library_list (dir, NULL);
      if (!names)
        names = g_new0 (char *, 1);
      g_autofree char *hint
          = kiln_suggest_suffix (ref, (const char *const *) names);
      if (*hint)
        *why = g_strdup_printf ("expected a built-in component, found %s%s",
                                q, hint);
      else if (names[0])
        {
          g_autofree char *all = g_strjoinv (", ", names);
          *why = g_strdup_printf ("expected a built-in component, found %s; "
                                  "the library (%s) has: %s", q, dir, all);
        }
      else
        *why = g_strdup_printf ("expected a built-in component, found %s; "
                                "the library (%s) is empty", q, dir);
      return NULL;
    }
  g_autofree char *path = NULL;
  if (g_path_is_absolute (ref) || !base_dir)
    path = g_canonicalize_filename (ref, NULL);
  else
    {
      g_autofree char *joined = g_build_filename (base_dir, ref, NULL);
      path = g_canonicalize_filename (joined, NULL);
    }
  *why = kiln_library_check_file (ref, path);
  return *why ? NULL : g_steal_pointer (&path);
}
