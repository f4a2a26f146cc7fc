/* recipe-components.c - resolving and binding a recipe's components
 *
 * A built-in name is components/<name>.yaml in the library (library.c
 * finds it); a path is relative to the recipe file.  Each file
 * is loaded and validated as a component (its errors are reported in its
 * own file), then the recipe's parameter values are bound strictly: a name
 * the component does not declare is an error, and so is a parameter with
 * neither a value nor a default.
 */
#include "recipe.h"


#include "library.h"
#include "offline.h"
#include "params.h"
#include "schema.h"

static gboolean
locate (KilnRecipeComponent *c, KilnDiags *diags)
{
  g_autofree char *why = NULL;
  if (c->builtin)
    {
      g_free (c->path);
      c->path = kiln_library_locate (c->ref, NULL, &why);
    }
  else
    why = kiln_library_check_file (c->ref, c->path);
  if (!why)
    return TRUE;
  kiln_schema_error (diags, c->ref_node, "%s", why);
  return FALSE;
}

gboolean
kiln_recipe_resolve_components (KilnRecipe *r, KilnDiags *diags)
{
  guint errors = kiln_diags_error_count (diags);
  for (guint i = 0; i < r->components->len; i++)
    {
      KilnRecipeComponent *c = r->components->pdata[i];
      if (!c->path && !c->builtin)
        continue;   /* the reference itself was bad, already reported */
      if (!locate (c, diags))
        continue;
      g_clear_pointer (&c->component, kiln_component_free);
      c->component = kiln_component_load (c->path, diags);
      if (!c->component)
        continue;
      if (c->offline)
        kiln_offline_check (c->component, c->offline_node, diags);
      g_clear_pointer (&c->bound, g_hash_table_unref);
      c->bound = kiln_params_bind_at (c->component, c->parameters,
                                      c->parameter_nodes,
                                      c->parameter_value_nodes, c->ref_node,
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
