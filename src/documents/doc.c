/* doc.c - document kinds: detection and dispatch to the kind's validator */
#include "doc.h"

#include <string.h>
#include <sys/stat.h>

#include "component.h"
#include "pipeline.h"
#include "recipe.h"
#include "schema.h"

const char *
kiln_doc_kind_name (KilnDocKind kind)
{
  switch (kind)
    {
    case KILN_DOC_KIND_COMPONENT:
      return "component";
    case KILN_DOC_KIND_RECIPE:
      return "recipe";
    case KILN_DOC_KIND_PIPELINE:
      return "pipeline";
    case KILN_DOC_KIND_UNKNOWN:
      break;
    }
  return "unknown";
}

gboolean
kiln_doc_kind_from_name (const char *name, KilnDocKind *kind)
{
  static const KilnDocKind kinds[] = {
    KILN_DOC_KIND_COMPONENT, KILN_DOC_KIND_RECIPE, KILN_DOC_KIND_PIPELINE,
  };
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (name, kiln_doc_kind_name (kinds[i])) == 0)
      {
        *kind = kinds[i];
        return TRUE;
      }
  return FALSE;
}

KilnDocKind
kiln_doc_detect_kind (const KilnDoc *doc)
{
  const KilnNode *root = doc ? doc->root : NULL;
  if (!kiln_node_is_map (root))
    return KILN_DOC_KIND_UNKNOWN;
  /* The defining key of each kind first, then keys only one kind has, so a
   * document missing a required key is still validated as what it is
   * meant to be (and told what it lacks). */
  if (kiln_node_map_get (root, "pipeline"))
    return KILN_DOC_KIND_PIPELINE;
  if (kiln_node_map_get (root, "phases")
      || kiln_node_map_get (root, "schemaVersion"))
    return KILN_DOC_KIND_COMPONENT;
  if (kiln_node_map_get (root, "components")
      || kiln_node_map_get (root, "parent"))
    return KILN_DOC_KIND_RECIPE;
  if (kiln_node_map_get (root, "schedule")
      || kiln_node_map_get (root, "recipe"))
    return KILN_DOC_KIND_PIPELINE;
  return KILN_DOC_KIND_UNKNOWN;
}

static gboolean
validate_component (KilnDoc *doc, KilnDiags *diags)
{
  g_autoptr (KilnComponent) c = kiln_component_from_doc (doc, diags);
  return c != NULL;
}

gboolean
kiln_doc_validate (KilnDoc *doc, KilnDocKind kind, KilnDocKind *kind_out,
                   KilnDiags *diags)
{
  guint errors = kiln_diags_error_count (diags);

  if (kind == KILN_DOC_KIND_UNKNOWN)
    kind = kiln_doc_detect_kind (doc);
  if (kind_out)
    *kind_out = kind;

  switch (kind)
    {
    case KILN_DOC_KIND_COMPONENT:
      validate_component (doc, diags);   /* takes doc */
      doc = NULL;
      break;
    case KILN_DOC_KIND_RECIPE:
      {
        g_autoptr (KilnRecipe) r = kiln_recipe_from_doc (doc, diags);
        doc = NULL;   /* taken over */
      }
      break;
    case KILN_DOC_KIND_PIPELINE:
      {
        g_autoptr (KilnPipeline) p = kiln_pipeline_from_doc (doc, diags);
        doc = NULL;   /* taken over */
      }
      break;
    case KILN_DOC_KIND_UNKNOWN:
      if (!doc->root)
        kiln_diags_add (diags, KILN_DIAG_ERROR, doc->file, 1, 1,
                        "expected a component, recipe or pipeline document, "
                        "found an empty document");
      else if (!kiln_node_is_map (doc->root))
        kiln_schema_error (diags, doc->root, "expected a component, recipe or "
                           "pipeline document (a mapping), found %s",
                           kiln_node_describe (doc->root));
      else
        kiln_schema_error (diags, doc->root, "cannot tell what kind of "
                           "document this is: expected a component "
                           "(schemaVersion, phases), a recipe (name, version, "
                           "parent, components) or a pipeline (pipeline, "
                           "recipe, schedule); use --kind to say");
      break;
    }
  kiln_doc_free (doc);
  return kiln_diags_error_count (diags) == errors;
}

gboolean
kiln_doc_validate_file (const char *path, KilnDocKind kind,
                        KilnDocKind *kind_out, KilnDiags *diags)
{
  struct stat sb;
  if (kind_out)
    *kind_out = kind;
  /* g_file_get_contents on a device or FIFO may never end */
  if (stat (path, &sb) == 0 && !S_ISREG (sb.st_mode))
    {
      kiln_diags_add (diags, KILN_DIAG_ERROR, path, 0, 0, "expected a "
                      "document file, found %s", S_ISDIR (sb.st_mode)
                      ? "a directory" : "a special file");
      return FALSE;
    }
  KilnDoc *doc = kiln_doc_load_file (path, diags);
  if (!doc)
    return FALSE;
  return kiln_doc_validate (doc, kind, kind_out, diags);
}
