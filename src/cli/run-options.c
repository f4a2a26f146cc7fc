/* run-options.c - the options and component loading `kiln run` and
 * `kiln test` share */
#include "run-options.h"

#include <stdio.h>
#include <string.h>

#include "common/kiln.h"
#include "documents/component.h"
#include "documents/library.h"
#include "documents/params.h"
#include "documents/units.h"



void
kiln_run_options_clear (RunOptions *o)
{
  g_free (o->image);
  g_free (o->output);
  g_free (o->log_directory);
  g_free (o->output_image);
  g_free (o->execution_id);
  g_strfreev (o->components);
  g_free (o->parameters);
  g_free (o->phases);
  g_free (o->memory);
  g_free (o->accel);
  g_free (o->timeout);
  g_free (o->connect);
}

/* "a=1,b=2" -> name -> value.  Like awstoe, a value may not hold a comma. */
GHashTable *
kiln_run_parse_parameters (const char *text, GError **error)
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

gboolean
kiln_run_apply_options (KilnJob *job, const RunOptions *o, GError **error)
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
gboolean
kiln_run_add_component (KilnJob *job, const char *ref, GHashTable *supplied,
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

int
kiln_run_finish_documents (KilnDiags *diags)
{
  kiln_diags_sort (diags);
  kiln_diags_print (diags, stderr);
  return kiln_diags_error_count (diags) ? KILN_EXIT_BAD_INPUT : KILN_EXIT_OK;
}

