/* cmd-build.c - kiln build RECIPE: the whole pipeline of stages */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "automation/notify-send.h"
#include "base/diag.h"
#include "build/job.h"
#include "build/recipe-job.h"
#include "common/kiln.h"
#include "build/parent.h"
#include "documents/recipe.h"

static const char summary[] =
  "Build a tested, generalized golden image from RECIPE: resolve, prepare,\n"
  "inject, build boot (build + validate phases), generalize, test boot\n"
  "(test phases), distribute.  Exit 0 done, 1 build or test failed,\n"
  "2 bad input, 3 host problem.";

int
kiln_cmd_build (int argc, char **argv)
{
  g_autofree char *output_dir = NULL;
  g_autofree char *formats = NULL;
  g_autofree char *connect = NULL;
  g_autofree char *accel = NULL;
  gboolean force = FALSE, keep = FALSE, json = FALSE, allow_lint = FALSE;
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "output-dir", 'o', 0, G_OPTION_ARG_FILENAME, &output_dir,
      "Write the artifacts to DIR (default: the recipe's outputs.directory)",
      "DIR" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &formats,
      "Artifact formats, comma-separated (qcow2 raw vmdk vhdx vhd ova)",
      "F,..." },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      "Build even when an identical build (same build key) exists", NULL },
    { "keep-on-failure", 'k', 0, G_OPTION_ARG_NONE, &keep,
      "Keep the overlay of a failed build and print how to boot it", NULL },
    { "allow-lint-errors", 0, 0, G_OPTION_ARG_NONE, &allow_lint,
      "Distribute even when the import-readiness lint finds errors", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Print one JSON event per line on stdout", NULL },
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &connect,
      "libvirt URI (default: the embedded driver)", "URI" },
    { "accel", 0, 0, G_OPTION_ARG_STRING, &accel,
      "auto, kvm or tcg (default: the recipe's build.accel)", "ACCEL" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("RECIPE");
  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "kiln build: %s\n", error->message);
      return KILN_EXIT_BAD_INPUT;
    }
  if (argc != 2)
    {
      fprintf (stderr, "kiln build: expected one RECIPE file\n");
      return KILN_EXIT_BAD_INPUT;
    }

  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnRecipe) recipe = kiln_recipe_load (argv[1], diags);
  if (!recipe || kiln_diags_error_count (diags))
    {
      kiln_diags_sort (diags);
      kiln_diags_print (diags, stderr);
      return KILN_EXIT_BAD_INPUT;
    }
  kiln_diags_print (diags, stderr); /* warnings */

  g_autoptr (KilnJob) job = kiln_job_for_recipe (recipe, argv[1]);
  job->allow_lint_errors = allow_lint;
  if (accel)
    {
      g_free (job->accel);
      job->accel = g_strdup (accel);
    }
  if (connect)
    {
      g_free (job->connect);
      job->connect = g_strdup (connect);
    }
  job->keep_on_failure = keep;
  job->json = json;
  job->force = force;
  if (output_dir)
    {
      g_free (job->output_dir);
      job->output_dir = g_strdup (output_dir);
    }
  if (formats)
    {
      g_strfreev (job->formats);
      job->formats = g_strsplit (formats, ",", -1);
      for (guint i = 0; job->formats[i]; i++)
        if (!g_strv_contains (kiln_output_formats, job->formats[i]))
          {
            fprintf (stderr, "kiln build: --format: unknown format '%s'; "
                     "expected some of qcow2, raw, vmdk, vhdx, vhd, ova\n",
                     job->formats[i]);
            return KILN_EXIT_BAD_INPUT;
          }
    }

  /* the notify targets hear how it ended, also when the parent cannot be
   * found (the build failed before it began: no build, no log) */
  g_autoptr (GDateTime) started = g_date_time_new_now_utc ();
  KilnNotifySubject who = { .recipe = recipe, .recipe_path = argv[1],
                            .started = started };
  if (!kiln_parent_resolve (&recipe->parent, &job->parent, &job->parent_format,
                            &error))
    {
      fprintf (stderr, "%s:%d:%d: error: %s\n", recipe->parent.node->file,
               recipe->parent.node->line, recipe->parent.node->col,
               error->message);
      kiln_notify_tell (&who, "failed", NULL, 0, error->message, NULL);
      return kiln_exit_code_for_error (error);
    }

  g_auto (KilnJobOutcome) outcome = { 0 };
  job->outcome = &outcome;
  int exit_code = kiln_job_execute (job);
  g_autofree char *build = NULL;
  if (outcome.build_number > 0 && g_strcmp0 (outcome.state, "up-to-date"))
    build = g_strdup_printf ("%s/%s/%" G_GINT64_FORMAT, job->name,
                             job->version ? job->version : "0",
                             outcome.build_number);
  g_autofree char *why = outcome.up_to_date
      ? g_strdup_printf ("an identical build is in the store: %s",
                         outcome.up_to_date)
      : NULL;
  kiln_notify_tell (&who, outcome.state, build, outcome.build_id, why,
                    &outcome);
  return exit_code;
}
