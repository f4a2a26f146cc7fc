/* recipe-components.c - resolving and binding a recipe's components
 *
 * A built-in name is components/<name>.yaml in the library
 * (kiln_components_dir); a path is relative to the recipe file.  Each file
 * is loaded and validated as a component (its errors are reported in its
 * own file), then the recipe's parameter values are bound strictly: a name
 * the component does not declare is an error, and so is a parameter with
 * neither a value nor a default.
 */
#include "recipe.h"

#include <string.h>

#include "params.h"
#include "base/paths.h"
#include "schema.h"
#include "base/suggest.h"

/* The names of the built-in library: every *.yaml in the directory. */
static GPtrArray *
builtin_names (const char *dir)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *e;
  while (d && (e = g_dir_read_name (d)))
    if (g_str_has_suffix (e, ".yaml") && e[0] != '.')
      g_ptr_array_add (names, g_strndup (e, strlen (e) - 5));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);
  return names;
}

static gboolean
locate (KilnRecipeComponent *c, const char *lib, KilnDiags *diags)
{
  g_autofree char *q = kiln_quote_for_message (c->ref);
  if (c->builtin)
    {
      g_autofree char *file = g_strconcat (c->ref, ".yaml", NULL);
      g_free (c->path);
      c->path = g_build_filename (lib, file, NULL);
      if (g_file_test (c->path, G_FILE_TEST_IS_REGULAR))
        return TRUE;
      g_autoptr (GPtrArray) names = builtin_names (lib);
      g_autofree char *hint = kiln_suggest_suffix (
          c->ref, (const char *const *) names->pdata);
      if (*hint)
        kiln_schema_error (diags, c->ref_node, "expected a built-in "
                           "component, found %s%s", q, hint);
      else if (names->len > 1)
        {
          g_autofree char *all = g_strjoinv (", ", (char **) names->pdata);
          kiln_schema_error (diags, c->ref_node, "expected a built-in "
                             "component, found %s; the library (%s) has: %s",
                             q, lib, all);
        }
      else
        kiln_schema_error (diags, c->ref_node, "expected a built-in "
                           "component, found %s; the library (%s) is empty",
                           q, lib);
      return FALSE;
    }
  if (g_file_test (c->path, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  if (g_file_test (c->path, G_FILE_TEST_EXISTS))
    kiln_schema_error (diags, c->ref_node, "expected a component file for "
                       "%s, found a directory or special file at %s", q,
                       c->path);
  else
    kiln_schema_error (diags, c->ref_node, "expected a component file for "
                       "%s, found nothing at %s", q, c->path);
  return FALSE;
}

gboolean
kiln_recipe_resolve_components (KilnRecipe *r, KilnDiags *diags)
{
  guint errors = kiln_diags_error_count (diags);
  g_autofree char *lib = kiln_components_dir ();
  for (guint i = 0; i < r->components->len; i++)
    {
      KilnRecipeComponent *c = r->components->pdata[i];
      if (!c->path && !c->builtin)
        continue;   /* the reference itself was bad, already reported */
      if (!locate (c, lib, diags))
        continue;
      g_clear_pointer (&c->component, kiln_component_free);
      c->component = kiln_component_load (c->path, diags);
      if (!c->component)
        continue;
      g_clear_pointer (&c->bound, g_hash_table_unref);
      c->bound = kiln_params_bind (c->component, c->parameters,
                                   c->parameter_nodes, c->ref_node,
                                   KILN_PARAMS_STRICT, diags);
    }
  return kiln_diags_error_count (diags) == errors;
}

KilnRecipe *
kiln_recipe_from_doc (KilnDoc *doc, KilnDiags *diags)
{
  guint errors = kiln_diags_error_count (diags);
  g_autoptr (KilnRecipe) r = kiln_recipe_parse_lenient (doc, diags);
  if (!r)
    return NULL;
  /* components are checked even when the recipe has errors, so one run
   * reports everything */
  kiln_recipe_resolve_components (r, diags);
  if (kiln_diags_error_count (diags) != errors)
    return NULL;
  return g_steal_pointer (&r);
}

KilnRecipe *
kiln_recipe_load (const char *path, KilnDiags *diags)
{
  KilnDoc *doc = kiln_doc_load_file (path, diags);
  if (!doc)
    return NULL;
  return kiln_recipe_from_doc (doc, diags);
}
