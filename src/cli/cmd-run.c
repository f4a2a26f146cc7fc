/* cmd-run.c - kiln run COMPONENT --image IMG
 *
 * `kiln run` applies one component to a throw-away overlay of an image, like
 * `awstoe run` on an instance: one boot runs the chosen phases in document
 * order; --output writes the result (the image itself is never changed).
 */
#include <stdio.h>

#include "commands.h"
#include "common/kiln.h"
#include "base/suggest.h"
#include "run-options.h"

/* --phases A,B: like `awstoe run --phases`, any phase names, run in document
 * order; a name no component has is a mistake (it would run nothing). */
static char **
parse_phases (const char *text, GPtrArray *components, GError **error)
{
  g_autoptr (GStrvBuilder) known = g_strv_builder_new ();
  for (guint i = 0; i < components->len; i++)
    {
      const KilnComponent *c = ((KilnPlanComponent *) components->pdata[i])
                                 ->component;
      for (guint p = 0; p < c->phases->len; p++)
        g_strv_builder_add (known, ((KilnPhase *) c->phases->pdata[p])->name);
    }
  g_auto (GStrv) names = g_strv_builder_end (known);
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr (GStrvBuilder) out = g_strv_builder_new ();
  for (guint i = 0; parts[i]; i++)
    {
      g_strstrip (parts[i]);
      if (!*parts[i])
        continue;
      if (!g_strv_contains ((const char *const *) names, parts[i]))
        {
          g_autofree char *all = g_strjoinv (", ", names);
          g_autofree char *hint = kiln_suggest_suffix (
              parts[i], (const char *const *) names);
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "--phases: no "
                       "phase '%s' in the component%s (it has: %s)", parts[i],
                       hint, all);
          return NULL;
        }
      g_strv_builder_add (out, parts[i]);
    }
  char **phases = g_strv_builder_end (out);
  if (!phases[0])
    {
      g_strfreev (phases);
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "--phases: expected "
                   "phase names like build,validate, found '%s'", text);
      return NULL;
    }
  return phases;
}

int
kiln_cmd_run (int argc, char **argv)
{
  RunOptions o = { 0 };
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "image", 'i', 0, G_OPTION_ARG_FILENAME, &o.image,
      "The image to apply the component to (never modified)", "IMG" },
    { "output", 'O', 0, G_OPTION_ARG_FILENAME, &o.output,
      "Write the resulting image (qcow2) here", "OUT" },
    { "phases", 'p', 0, G_OPTION_ARG_STRING, &o.phases,
      "Phases to run, comma-separated, any of the component's (default: "
      "all); they run in document order",
      "LIST" },
    KILN_RUN_OPTION_ENTRIES (o),
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("COMPONENT");
  g_option_context_set_summary (ctx, "Apply one component (a built-in name "
                                "or a file) to an image, like `awstoe run`.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int code = KILN_EXIT_BAD_INPUT;

  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    fprintf (stderr, "kiln run: %s\n", error->message);
  else if (argc != 2 || !o.image)
    fprintf (stderr, "kiln run: expected COMPONENT and --image IMG\n");
  else
    {
      g_autoptr (KilnJob) job = kiln_job_new (KILN_JOB_RUN);
      g_autoptr (KilnDiags) diags = kiln_diags_new ();
      g_autoptr (GHashTable) supplied = kiln_run_parse_parameters (o.parameters, &error);
      if (!supplied || !kiln_run_apply_options (job, &o, &error))
        fprintf (stderr, "kiln run: %s\n", error->message);
      else
        {
          if (o.output)
            job->output_path = g_canonicalize_filename (o.output, NULL);
          gboolean ok = kiln_run_add_component (job, argv[1], supplied, diags);
          code = kiln_run_finish_documents (diags);
          if (ok && code == KILN_EXIT_OK && o.phases
              && !(job->phases = parse_phases (o.phases, job->components,
                                               &error)))
            {
              fprintf (stderr, "kiln run: %s\n", error->message);
              ok = FALSE;
            }
          if (ok && code == KILN_EXIT_OK)
            code = kiln_job_execute (job);
          else
            code = KILN_EXIT_BAD_INPUT;
        }
    }
  kiln_run_options_clear (&o);
  return code;
}

