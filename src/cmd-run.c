/* cmd-run.c - kiln run COMPONENT --image IMG and kiln test IMAGE --component C
 *
 * `kiln run` applies one component to a throw-away overlay of an image, like
 * `awstoe run` on an instance: one boot runs the chosen phases in document
 * order; --output writes the result (the image itself is never changed).
 * `kiln test` boots an existing image with the test phases of components.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "component.h"
#include "diag.h"
#include "job.h"
#include "kiln.h"
#include "library.h"
#include "params.h"
#include "units.h"

typedef struct {
  char *image;
  char *output;
  char **components;
  char *parameters;
  char *phases;
  char *memory;
  gint vcpus;
  char *accel;
  gboolean network;
  char *timeout;
  char *connect;
  gboolean keep;
  gboolean json;
} RunOptions;

static void
run_options_clear (RunOptions *o)
{
  g_free (o->image);
  g_free (o->output);
  g_strfreev (o->components);
  g_free (o->parameters);
  g_free (o->phases);
  g_free (o->memory);
  g_free (o->accel);
  g_free (o->timeout);
  g_free (o->connect);
}

/* "a=1,b=2" -> name -> value.  Like awstoe, a value may not hold a comma. */
static GHashTable *
parse_parameters (const char *text, GError **error)
{
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         g_free);
  if (!text || !*text)
    return h;
  g_auto (GStrv) pairs = g_strsplit (text, ",", -1);
  for (guint i = 0; pairs[i]; i++)
    {
      char *eq = strchr (pairs[i], '=');
      if (!eq || eq == pairs[i])
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "--parameters: expected NAME=VALUE, found '%s'",
                       pairs[i]);
          g_hash_table_unref (h);
          return NULL;
        }
      g_hash_table_insert (h, g_strndup (pairs[i], eq - pairs[i]),
                           g_strdup (eq + 1));
    }
  return h;
}

static gboolean
apply_common (KilnJob *job, RunOptions *o, GError **error)
{
  if (o->memory)
    {
      guint64 bytes;
      if (!kiln_size_parse (o->memory, &bytes, NULL) || bytes < (256u << 20))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "--memory: expected a size of at least 256M like 1G, "
                       "found '%s'", o->memory);
          return FALSE;
        }
      job->memory_mib = (guint) (bytes >> 20);
    }
  if (o->vcpus)
    {
      if (o->vcpus < 1 || o->vcpus > 64)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "--vcpus: expected 1 to 64, found %d", o->vcpus);
          return FALSE;
        }
      job->vcpus = o->vcpus;
    }
  if (o->accel)
    {
      if (!g_str_equal (o->accel, "auto") && !g_str_equal (o->accel, "kvm")
          && !g_str_equal (o->accel, "tcg"))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "--accel: expected auto, kvm or tcg, found '%s'",
                       o->accel);
          return FALSE;
        }
      g_free (job->accel);
      job->accel = g_strdup (o->accel);
    }
  if (o->timeout)
    {
      gint64 secs;
      if (!kiln_duration_parse (o->timeout, &secs, NULL) || secs < 1)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "--timeout: expected a duration like 30m, found '%s'",
                       o->timeout);
          return FALSE;
        }
      job->timeout_seconds = secs;
    }
  job->network_user = o->network;
  job->connect = g_strdup (o->connect);
  job->keep_on_failure = o->keep;
  job->json = o->json;
  job->parent = g_canonicalize_filename (o->image, NULL);
  job->name = g_strdup (job->kind == KILN_JOB_RUN ? "run" : "test");
  job->version = g_strdup ("0.0.0");
  return TRUE;
}

/* Load a component by name or path and bind --parameters leniently. */
static gboolean
add_component (KilnJob *job, const char *ref, GHashTable *supplied,
               KilnDiags *diags)
{
  g_autofree char *why = NULL;
  g_autofree char *path = kiln_library_locate (ref, NULL, &why);
  if (!path)
    {
      kiln_diags_add (diags, KILN_DIAG_ERROR, ref, 0, 0, "%s", why);
      return FALSE;
    }
  KilnComponent *c = kiln_component_load (path, diags);
  if (!c)
    return FALSE;
  GHashTable *bound = kiln_params_bind (c, supplied, NULL, NULL,
                                        KILN_PARAMS_LENIENT, diags);
  if (!bound)
    {
      kiln_component_free (c);
      return FALSE;
    }
  kiln_job_add_component (job, c, bound, NULL, ref);
  return TRUE;
}

static int
finish_documents (KilnDiags *diags)
{
  kiln_diags_sort (diags);
  kiln_diags_print (diags, stderr);
  return kiln_diags_error_count (diags) ? KILN_EXIT_BAD_INPUT : KILN_EXIT_OK;
}

#define COMMON_ENTRIES(o)                                                    \
  { "parameters", 0, 0, G_OPTION_ARG_STRING, &(o).parameters,               \
    "Parameter values: NAME=VALUE,NAME=VALUE", "LIST" },                     \
  { "memory", 0, 0, G_OPTION_ARG_STRING, &(o).memory,                        \
    "Guest memory (default 1G)", "SIZE" },                                   \
  { "vcpus", 0, 0, G_OPTION_ARG_INT, &(o).vcpus, "Guest vCPUs (default 2)",  \
    "N" },                                                                   \
  { "accel", 0, 0, G_OPTION_ARG_STRING, &(o).accel,                          \
    "auto, kvm or tcg (default auto)", "ACCEL" },                            \
  { "network", 0, 0, G_OPTION_ARG_NONE, &(o).network,                        \
    "Give the guest outbound network access (user-mode NAT)", NULL },        \
  { "timeout", 0, 0, G_OPTION_ARG_STRING, &(o).timeout,                      \
    "Time limit of the boot (default 60m)", "DURATION" },                    \
  { "connect", 'c', 0, G_OPTION_ARG_STRING, &(o).connect,                    \
    "libvirt URI (default: the embedded driver)", "URI" },                   \
  { "keep-on-failure", 'k', 0, G_OPTION_ARG_NONE, &(o).keep,                 \
    "Keep the overlay on failure and print how to boot it", NULL },          \
  { "json", 0, 0, G_OPTION_ARG_NONE, &(o).json,                              \
    "One JSON event per line on stdout", NULL }

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
      "Phases to run, comma-separated (default: all, in document order)",
      "LIST" },
    COMMON_ENTRIES (o),
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
      g_autoptr (GHashTable) supplied = parse_parameters (o.parameters, &error);
      if (!supplied || !apply_common (job, &o, &error))
        fprintf (stderr, "kiln run: %s\n", error->message);
      else
        {
          if (o.phases)
            job->phases = g_strsplit (o.phases, ",", -1);
          if (o.output)
            job->output_path = g_canonicalize_filename (o.output, NULL);
          gboolean ok = add_component (job, argv[1], supplied, diags);
          code = finish_documents (diags);
          if (ok && code == KILN_EXIT_OK)
            code = kiln_job_execute (job);
          else
            code = KILN_EXIT_BAD_INPUT;
        }
    }
  run_options_clear (&o);
  return code;
}

int
kiln_cmd_test (int argc, char **argv)
{
  RunOptions o = { 0 };
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "component", 'C', 0, G_OPTION_ARG_STRING_ARRAY, &o.components,
      "A component whose test phase runs (repeatable)", "C" },
    COMMON_ENTRIES (o),
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
      g_autoptr (GHashTable) supplied = parse_parameters (o.parameters, &error);
      if (!supplied || !apply_common (job, &o, &error))
        fprintf (stderr, "kiln test: %s\n", error->message);
      else
        {
          gboolean ok = TRUE;
          for (guint i = 0; o.components[i]; i++)
            ok = add_component (job, o.components[i], supplied, diags) && ok;
          code = finish_documents (diags);
          if (ok && code == KILN_EXIT_OK)
            code = kiln_job_execute (job);
          else
            code = KILN_EXIT_BAD_INPUT;
        }
    }
  run_options_clear (&o);
  return code;
}
