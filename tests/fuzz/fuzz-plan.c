/* fuzz-plan.c - libFuzzer target for plan compilation (src/build/plan.c)
 *
 * Input: a component document, optionally followed by a line
 * "#%params" and lines "NAME=VALUE" (the values a recipe would supply).
 * A component that loads is bound to those values (every parameter
 * without a value gets "v"), then compiled into a build plan and a test
 * plan as stage-resolve.c does.  Each plan that compiles must be one the
 * guest agent accepts: agent/json.c parses it and agent/plan.c checks it,
 * from the agent's own sources (agent-accepts.c), so the two sides of
 * docs/agent-protocol.md are held together.  A plan that does not compile
 * must say why (KILN_ERROR_INPUT).
 *
 * ExecuteDocument children are loaded from tests/fixtures/good (the
 * working directory the target moves to), by relative names only: a
 * reference that leaves that directory is not compiled, so that the
 * fuzzer reads no other file.  Must never crash, leak, hang or use
 * unbounded memory.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/plan.h"
#include "common/kiln.h"
#include "common/kiln-protocol.h"
#include "documents/component.h"
#include "documents/params.h"
#include "documents/vars.h"
#include "documents/yamldoc.h"
#include "fuzz-agent-accepts.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FUZZ_NAME "<fuzz input>"
#define PARAMS_MARK "\n#%params\n"

static const char *const build_phases[] = { "build", "validate", NULL };
static const char *const test_phases[] = { "test", NULL };

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  if (chdir (KILN_SRCDIR "/tests/fixtures/good") != 0)
    {
      perror ("fuzz-plan: chdir " KILN_SRCDIR "/tests/fixtures/good");
      abort ();
    }
  return 0;
}

/* Is every ExecuteDocument reference, once substituted, a relative path
 * that stays below the working directory? */
static gboolean
children_stay_here (const KilnComponent *c, GHashTable *values)
{
  for (guint p = 0; p < c->phases->len; p++)
    {
      const KilnPhase *ph = c->phases->pdata[p];
      for (guint s = 0; s < ph->steps->len; s++)
        {
          const KilnStep *st = ph->steps->pdata[s];
          if (kiln_protocol_action_find (st->action)
              != KILN_ACTION_EXECUTE_DOCUMENT)
            continue;
          const KilnNode *dn = kiln_node_map_get (
              st->inputs, KILN_EXECUTE_DOCUMENT_KEY_DOCUMENT);
          if (!kiln_node_is_scalar (dn))
            continue;
          g_autofree char *ref = kiln_vars_substitute (dn->scalar, values);
          if (g_path_is_absolute (ref) || strstr (ref, "..")
              || strchr (ref, '\\'))
            return FALSE;
        }
    }
  return TRUE;
}

static void
compile (GPtrArray *components, const char *stage,
         const char *const *phases)
{
  KilnPlanOptions opts = { .run_id = "fuzz-1.0.0-1-build", .stage = stage,
                           .phases = phases, .poweroff = TRUE };
  g_autoptr (GError) error = NULL;
  guint n_steps = 0;
  g_autofree char *plan = kiln_plan_compile (components, &opts, &n_steps,
                                             &error);
  if (!plan)
    {
      if (!error || error->domain != KILN_ERROR
          || error->code != KILN_ERROR_INPUT || !*error->message)
        {
          fprintf (stderr, "fuzz-plan: a plan failed without an input "
                   "error\n");
          abort ();
        }
      return;
    }
  (void) kiln_plan_has_steps (components, phases);
  g_autofree char *why = NULL;
  if (!fuzz_agent_accepts_plan (plan, strlen (plan), &why))
    {
      fprintf (stderr, "fuzz-plan: the agent refuses the %s plan kiln "
               "compiled: %s\n%s\n", stage, why, plan);
      abort ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  gsize doc_len = strlen (text);
  const char *params = NULL;
  char *mark = strstr (text, PARAMS_MARK);
  if (mark)
    {
      doc_len = mark - text + 1;
      params = mark + strlen (PARAMS_MARK);
    }

  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  KilnDoc *doc = kiln_doc_load_string (FUZZ_NAME, text, doc_len, diags);
  if (!doc)
    return 0;
  g_autoptr (KilnComponent) c = kiln_component_from_doc (doc, diags);
  if (!c)
    return 0;

  g_autoptr (GHashTable) supplied
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (params)
    {
      g_auto (GStrv) lines = g_strsplit (params, "\n", 64);
      for (guint i = 0; lines[i]; i++)
        {
          char *eq = strchr (lines[i], '=');
          if (eq && eq != lines[i])
            g_hash_table_replace (supplied,
                                  g_strndup (lines[i], eq - lines[i]),
                                  g_strdup (eq + 1));
        }
    }
  for (guint i = 0; i < c->parameters->len; i++)
    {
      const KilnParam *p = c->parameters->pdata[i];
      if (!p->default_value && !g_hash_table_contains (supplied, p->name))
        g_hash_table_insert (supplied, g_strdup (p->name), g_strdup ("v"));
    }
  g_autoptr (GHashTable) values = kiln_params_bind (
      c, supplied, NULL, NULL, KILN_PARAMS_LENIENT, diags);
  if (!values || !children_stay_here (c, values))
    return 0;

  KilnPlanComponent pc = { .component = c, .params = values,
                           .secret = NULL, .ref = (char *) "fuzz" };
  g_autoptr (GPtrArray) components = g_ptr_array_new ();
  g_ptr_array_add (components, &pc);
  compile (components, "build", build_phases);
  compile (components, "test", test_phases);
  return 0;
}
