/* cmd-test.c - kiln test IMAGE --component C
 *
 * Boots an existing image on a throw-away overlay with the test phases of
 * components (the image itself is never changed).
 */
#include <stdio.h>

#include "commands.h"
#include "common/kiln.h"
#include "run-options.h"

int
kiln_cmd_test (int argc, char **argv)
{
  RunOptions o = { 0 };
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "component", 'C', 0, G_OPTION_ARG_STRING_ARRAY, &o.components,
      "A component whose test phase runs (repeatable)", "C" },
    KILN_RUN_OPTION_ENTRIES (o),
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("IMAGE");
  g_option_context_set_summary (ctx, "Boot IMAGE on a throw-away overlay and "
                                "run the test phases of components.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int code = KILN_EXIT_BAD_INPUT;

  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    fprintf (stderr, "kiln test: %s\n", error->message);
  else if (argc != 2 || !o.components)
    fprintf (stderr, "kiln test: expected IMAGE and at least one "
             "--component C\n");
  else
    {
      o.image = g_strdup (argv[1]);
      g_autoptr (KilnJob) job = kiln_job_new (KILN_JOB_TEST);
      g_autoptr (KilnDiags) diags = kiln_diags_new ();
      g_autoptr (GHashTable) supplied = kiln_run_parse_parameters (o.parameters, &error);
      if (!supplied || !kiln_run_apply_options (job, &o, &error))
        fprintf (stderr, "kiln test: %s\n", error->message);
      else
        {
          gboolean ok = TRUE;
          for (guint i = 0; o.components[i]; i++)
            ok = kiln_run_add_component (job, o.components[i], supplied, diags) && ok;
          code = kiln_run_finish_documents (diags);
          if (ok && code == KILN_EXIT_OK)
            code = kiln_job_execute (job);
          else
            code = KILN_EXIT_BAD_INPUT;
        }
    }
  kiln_run_options_clear (&o);
  return code;
}
