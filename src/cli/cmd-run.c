/* cmd-run.c - kiln run COMPONENT --image IMG
 *
 * `kiln run` applies one component to a throw-away overlay of an image, like
 * `awstoe run` on an instance: one boot runs the chosen phases in document
 * order; --output DIR leaves the run's log folder there, like awstoe's
 * (build/toe-log.h); --output-image writes the result (the image itself is
 * never changed).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common/kiln.h"
#include "base/paths.h"
#include "base/suggest.h"
#include "run-options.h"

/* --output names the run's log folder (it used to name the resulting
 * image): a name that looks like an image is refused, so that a script
 * written for the old meaning fails before anything is written. */
static gboolean
check_log_directory (const char *dir, GError **error)
{
  static const char *const image_suffixes[] = { ".qcow2", ".img", ".raw",
                                                NULL };
  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    return TRUE;
  if (g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "--output %s: "
                   "expected a directory for the run's log folder, found a "
                   "file (the resulting image goes to --output-image)", dir);
      return FALSE;
    }
  g_autofree char *lower = g_ascii_strdown (dir, -1);
  for (guint i = 0; image_suffixes[i]; i++)
    if (g_str_has_suffix (lower, image_suffixes[i]))
      {
        g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "--output %s: "
                     "expected a directory for the run's log folder (like "
                     "`awstoe run --log-directory`), found an image name; "
                     "to write the resulting image use --output-image %s",
                     dir, dir);
        return FALSE;
      }
  return TRUE;
}

/* The executionId names the log folder: one path component. */
static gboolean
check_execution_id (const char *id, GError **error)
{
  gboolean bad = !*id || strlen (id) > 200;
  for (const char *p = id; !bad && *p; p++)
    bad = *p == '/' || g_ascii_iscntrl (*p);
  if (bad)
    g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "--execution-id: "
                 "expected 1 to 200 characters without '/' or control "
                 "characters, found '%s'", id);
  return !bad;
}

/* --output, --log-directory (AWSTOE's name) and --execution-id into the
 * job; the folder is made when missing (with the user's umask). */
static gboolean
apply_log_options (KilnJob *job, const RunOptions *o, GError **error)
{
  if (o->output && o->log_directory && g_strcmp0 (o->output,
                                                  o->log_directory) != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "--output and "
                   "--log-directory name the same folder: give one");
      return FALSE;
    }
  const char *dir = o->output ? o->output : o->log_directory;
  if (o->execution_id && !check_execution_id (o->execution_id, error))
    return FALSE;
  if (!dir)
    return TRUE;
  if (!check_log_directory (dir, error))
    return FALSE;
  job->log_directory = g_canonicalize_filename (dir, NULL);
  job->execution_id = o->execution_id ? g_strdup (o->execution_id)
                                      : g_uuid_string_random ();
  return TRUE;
}

static gboolean
make_log_directory (const KilnJob *job, GError **error)
{
  if (!job->log_directory || kiln_mkdir_for_user (job->log_directory) == 0)
    return TRUE;
  g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "--output %s: cannot "
               "create it: %s", job->log_directory, g_strerror (errno));
  return FALSE;
}

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
      "Leave the run's log folder (TOE_<time>_UTC-0_<executionId>: console "
      "log, detailedoutput.json) in DIR, like awstoe run",
      "DIR" },
    { "log-directory", 'l', 0, G_OPTION_ARG_FILENAME, &o.log_directory,
      "The same as --output (AWSTOE's name)", "DIR" },
    { "execution-id", 0, 0, G_OPTION_ARG_STRING, &o.execution_id,
      "The run's executionId (default: a new UUID)", "ID" },
    { "output-image", 0, 0, G_OPTION_ARG_FILENAME, &o.output_image,
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
      if (!supplied || !kiln_run_apply_options (job, &o, &error)
          || !apply_log_options (job, &o, &error))
        fprintf (stderr, "kiln run: %s\n", error->message);
      else
        {
          if (o.output_image)
            job->output_path = g_canonicalize_filename (o.output_image, NULL);
          gboolean ok = kiln_run_add_component (job, argv[1], supplied, diags);
          code = kiln_run_finish_documents (diags);
          if (ok && code == KILN_EXIT_OK && o.phases
              && !(job->phases = parse_phases (o.phases, job->components,
                                               &error)))
            {
              fprintf (stderr, "kiln run: %s\n", error->message);
              ok = FALSE;
            }
          if (ok && code == KILN_EXIT_OK && !make_log_directory (job, &error))
            {
              fprintf (stderr, "kiln run: %s\n", error->message);
              code = KILN_EXIT_HOST;
            }
          else if (ok && code == KILN_EXIT_OK)
            code = kiln_job_execute (job);
          else
            code = KILN_EXIT_BAD_INPUT;
        }
    }
  kiln_run_options_clear (&o);
  return code;
}

