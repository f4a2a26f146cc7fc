/* fuzz-validate.c - libFuzzer target for the YAML loader and the document
 * validators.
 *
 * Any bytes: load them as a document, validate it as whatever kind doc.c
 * detects, and for a valid component also bind its parameters and expand
 * its loops and references the way a build would.  Diagnostics are sorted,
 * formatted and turned into JSON so that code runs too.  Must never crash,
 * leak, hang or use unbounded memory.
 */
#include <stddef.h>
#include <stdint.h>

#include "documents/component.h"
#include "base/diag.h"
#include "documents/doc.h"
#include "documents/loop.h"
#include "documents/params.h"
#include "documents/vars.h"
#include "documents/yamldoc.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A name no file has: ExecuteDocument children are never looked up. */
#define FUZZ_NAME "<fuzz input>"

static void
exercise_component (KilnDoc *doc, KilnDiags *diags)
{
  g_autoptr (KilnComponent) c = kiln_component_from_doc (doc, diags);
  if (!c)
    return;
  g_autoptr (KilnDiags) bind_diags = kiln_diags_new ();
  g_autoptr (GHashTable) values = kiln_params_bind (c, NULL, NULL, NULL,
                                                    KILN_PARAMS_LENIENT,
                                                    bind_diags);
  for (guint p = 0; p < c->phases->len; p++)
    {
      const KilnPhase *ph = c->phases->pdata[p];
      for (guint s = 0; s < ph->steps->len; s++)
        {
          const KilnStep *st = ph->steps->pdata[s];
          if (st->loop && kiln_loop_is_static (st->loop, values))
            {
              g_autoptr (GError) err = NULL;
              g_autoptr (GPtrArray) v = kiln_loop_expand (st->loop, values,
                                                          &err);
              (void) v;
            }
          const KilnNode *cmds = kiln_node_map_get (st->inputs, "commands");
          for (guint i = 0; i < kiln_node_seq_size (cmds); i++)
            {
              const KilnNode *n = kiln_node_seq_get (cmds, i);
              if (kiln_node_is_scalar (n))
                g_free (kiln_vars_substitute (n->scalar, values));
            }
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  KilnDoc *doc = kiln_doc_load_string (FUZZ_NAME, (const char *) data, size,
                                       diags);
  if (doc)
    {
      if (kiln_doc_detect_kind (doc) == KILN_DOC_KIND_COMPONENT)
        exercise_component (doc, diags);
      else
        kiln_doc_validate (doc, KILN_DOC_KIND_UNKNOWN, NULL, diags);
    }
  kiln_diags_sort (diags);
  for (guint i = 0; i < kiln_diags_count (diags); i++)
    g_free (kiln_diag_format (kiln_diags_get (diags, i)));
  json_node_unref (kiln_diags_to_json (diags));
  return 0;
}
