/* pipeline-run.c - one run of a pipeline (pipeline-run.h) */
#include "pipeline-run.h"

#include <stdio.h>
#include <unistd.h>

#include "inputs.h"
#include "lifecycle-run.h"
#include "notify-send.h"
#include "base/escape.h"
#include "base/paths.h"
#include "base/signals.h"
#include "build/parent.h"
#include "build/recipe-job.h"
#include "common/kiln.h"
#include "store/build-secret.h"
#include "store/catalog-pipelines.h"
#include "store/lock.h"
#include "store/store.h"
#include "templates/template.h"

char *
kiln_pipeline_lock_path (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".lock", NULL);
  return g_build_filename (kiln_home (), "locks", "pipelines", file, NULL);
}

static int
host_problem (const KilnPipeline *p, const GError *error)
{
  kiln_print_text (stderr, "kiln pipeline: %s: %s\n", p->name, error->message);
  return kiln_exit_code_for_error (error);
}

/* A run that never started: recorded as skipped, with why. */
static int
record_skipped (KilnCatalog *cat, const KilnPipeline *p, const char *trigger,
                const char *why)
{
  g_autoptr (GError) error = NULL;
  gint64 number = 0;
  if (!kiln_catalog_begin_run (cat, p->name, trigger, "skipped", why,
                               getpid (), &number, &error))
    return host_problem (p, error);
  kiln_print_text (stdout, "pipeline %s: run %" G_GINT64_FORMAT " skipped: %s\n", p->name,
          number, why);
  fflush (stdout);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  KilnNotifySubject who = { .recipe = p->recipe, .recipe_path = p->recipe_path,
                            .pipeline = p, .run_number = number,
                            .trigger = trigger, .started = now, .cat = cat };
  kiln_notify_tell (&who, "skipped", NULL, 0, why, NULL);
  return KILN_EXIT_OK;
}

/* The newest run that built (or found up to date) with inputs recorded:
 * what `when: changed` compares with. */
static KilnRunRecord *
last_settled_run (KilnCatalog *cat, const char *name, GError **error)
{
  g_autoptr (GPtrArray) runs = kiln_catalog_list_runs (cat, name, 0, error);
  if (!runs)
    return NULL;
  for (guint i = 0; i < runs->len; i++)
    {
      KilnRunRecord *r = runs->pdata[i];
      if (r->inputs && (g_strcmp0 (r->state, "available") == 0
                        || g_strcmp0 (r->state, "skipped") == 0))
        return g_steal_pointer (&runs->pdata[i]);
    }
  return NULL;
}

static char *
join_changes (GPtrArray *changes)
{
  g_ptr_array_add (changes, NULL);
  char *s = g_strjoinv ("; ", (char **) changes->pdata);
  g_ptr_array_remove_index (changes, changes->len - 1);
  return s;
}

/* The build's failure in one line: the error, and where a step failed. */
static char *
failure_reason (const KilnJobOutcome *o, int rc)
{
  if (!o->state)
    return g_strdup_printf ("the build ended with exit code %d", rc);
  if (o->failed_step)
    return g_strdup_printf ("%s (component %s, phase %s, step %s)",
                            o->message ? o->message : o->state,
                            o->failed_component, o->failed_phase,
                            o->failed_step);
  return g_strdup (o->message ? o->message : o->state);
}

typedef struct {
  KilnStore *store;
  KilnCatalog *cat;
  KilnPipeline *p;
  gint64 run_id;
  gint64 number;
  char *inputs;
  const char *trigger;
  GDateTime *started;
  const KilnJobOutcome *outcome;  /* once the build ran */
} RunContext;

/* The run's end, and kiln disabling the pipeline after disable_after
 * failed runs in a row. */
static int
finish (RunContext *rc, const char *state, const char *reason,
        gint64 build_id, const char *build, int exit_code)
{
  g_autoptr (GError) error = NULL;
  guint failures = 0;
  const KilnPipeline *p = rc->p;
  if (!kiln_catalog_finish_run (rc->cat, rc->run_id, state, reason, build_id,
                                build, rc->inputs, &failures, &error))
    return host_problem (p, error);
  kiln_print_text (stdout, "pipeline %s: run %" G_GINT64_FORMAT " %s%s%s%s%s\n", p->name,
          rc->number, state, build ? " " : "", build ? build : "",
          reason ? ": " : "", reason ? reason : "");
  if (g_strcmp0 (state, "failed") == 0 && p->disable_after
      && failures >= p->disable_after)
    {
      g_autofree char *why = g_strdup_printf (
          "%u runs in a row failed (disable_after: %u)", failures,
          p->disable_after);
      if (!kiln_catalog_set_pipeline_disabled (rc->cat, p->name, why,
                                               &error))
        return host_problem (p, error);
      kiln_print_text (stdout, "pipeline %s: disabled: %s; `kiln pipeline enable %s` "
              "enables it again\n", p->name, why, p->path);
    }
  fflush (stdout);
  KilnNotifySubject who = { .recipe = p->recipe, .recipe_path = p->recipe_path,
                            .pipeline = p, .run_number = rc->number,
                            .trigger = rc->trigger, .started = rc->started,
                            .cat = rc->cat };
  kiln_notify_tell (&who, state, build, build_id, reason, rc->outcome);
  return exit_code;
}

/* refresh: a template parent built longer ago than that is rebuilt from
 * its mirror first (security updates flow in); the rebuilt image is a new
 * parent digest, so `when: changed` then builds. */
static gboolean
refresh_template (const KilnPipeline *p, GError **error)
{
  const KilnRecipe *recipe = p->recipe;
  if (p->refresh <= 0 || recipe->parent.kind != KILN_PARENT_TEMPLATE)
    return TRUE;
  g_autoptr (KilnReporter) r = kiln_reporter_new (FALSE);
  /* a signal stops the template build as it stops `kiln template build` */
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (KilnSignalWatch) signals = kiln_signal_watch_new (cancellable);
  KilnTemplateBuildOptions opts = { .max_age = p->refresh, .reporter = r,
                                    .cancellable = cancellable };
  g_autoptr (KilnTemplateImage) img
      = kiln_template_ensure (recipe->parent.template_name, &opts, error);
  int signo = kiln_signal_watch_fired (signals);
  if (img && signo)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_CANCELLED,
                   "refreshing template %s: interrupted by signal %d",
                   recipe->parent.template_name, signo);
      return FALSE;
    }
  return img != NULL;
}

/* Inputs, the decision, the build: the run is recorded as running. */
static int
run_locked (RunContext *rc)
{
  KilnPipeline *p = rc->p;
  KilnRecipe *recipe = p->recipe;
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnJob) job = kiln_job_for_recipe (recipe, p->recipe_path);

  if (!refresh_template (p, &error))
    return finish (rc, g_error_matches (error, KILN_ERROR,
                                        KILN_ERROR_CANCELLED) ? "cancelled"
                                                              : "failed",
                   error->message, 0, NULL,
                   kiln_exit_code_for_error (error));
  if (!kiln_parent_resolve (&recipe->parent, &job->parent,
                            &job->parent_format, &error))
    return finish (rc, "failed", error->message, 0, NULL,
                   kiln_exit_code_for_error (error));
  g_autofree char *parent_digest
      = kiln_catalog_file_digest (rc->cat, job->parent, NULL, &error);
  if (!parent_digest)
    return finish (rc, "failed", error->message, 0, NULL,
                   kiln_exit_code_for_error (error));
  g_autoptr (GBytes) secret = kiln_build_secret_load (kiln_home (), &error);
  if (!secret)
    return finish (rc, "failed", error->message, 0, NULL,
                   kiln_exit_code_for_error (error));
  rc->inputs = kiln_inputs_json (secret, recipe->doc->text,
                                 recipe->doc->text_len, job, parent_digest);

  if (p->when == KILN_WHEN_CHANGED)
    {
      g_autoptr (KilnRunRecord) last
          = last_settled_run (rc->cat, p->name, &error);
      if (error)
        return host_problem (p, error);
      g_autoptr (GPtrArray) changes
          = kiln_inputs_changes (last ? last->inputs : NULL, rc->inputs);
      if (changes->len == 0)
        {
          g_autofree char *why = g_strdup_printf (
              "nothing it depends on changed since run %" G_GINT64_FORMAT
              "%s%s (recipe, components and their parameters, parent %s)",
              last->number, last->build ? ", build " : "",
              last->build ? last->build : "", job->parent_ref);
          return finish (rc, "skipped", why, 0, NULL, KILN_EXIT_OK);
        }
      g_autofree char *what = join_changes (changes);
      kiln_print_text (stdout, "pipeline %s: building: %s\n", p->name, what);
    }
  else
    {
      job->force = TRUE; /* when: always builds on every run */
      kiln_print_text (stdout, "pipeline %s: building (when: always)\n", p->name);
    }
  fflush (stdout);

  g_auto (KilnJobOutcome) outcome = { 0 };
  job->outcome = &outcome;
  int exit_code = kiln_job_execute (job);
  rc->outcome = &outcome;
  g_autofree char *build = NULL;
  if (outcome.build_number > 0)
    build = g_strdup_printf ("%s/%s/%" G_GINT64_FORMAT, job->name,
                             job->version ? job->version : "0",
                             outcome.build_number);
  if (g_strcmp0 (outcome.state, "available") == 0)
    {
      int code = finish (rc, "available", NULL, outcome.build_id, build,
                         exit_code);
      kiln_lifecycle_after_pipeline_run (rc->store, p);
      return code;
    }
  if (g_strcmp0 (outcome.state, "up-to-date") == 0)
    {
      g_autofree char *why = g_strdup_printf (
          "an identical build is in the store: %s", outcome.up_to_date);
      return finish (rc, "skipped", why, 0, NULL, exit_code);
    }
  g_autofree char *why = failure_reason (&outcome, exit_code);
  return finish (rc,
                 g_strcmp0 (outcome.state, "cancelled") == 0 ? "cancelled"
                                                             : "failed",
                 why, outcome.build_id, build,
                 exit_code ? exit_code : KILN_EXIT_FAILED);
}

int
kiln_pipeline_run (KilnPipeline *p, const char *trigger)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnStore) store = kiln_store_open (kiln_home (), &error);
  if (!store)
    return host_problem (p, error);
  KilnCatalog *cat = kiln_store_catalog (store);
  g_autofree char *path = g_canonicalize_filename (p->path, NULL);
  if (!kiln_catalog_register_pipeline (cat, p->name, path, &error))
    return host_problem (p, error);

  /* Never two runs at once: a tick that finds the lock held is skipped. */
  g_autofree char *lock_path = kiln_pipeline_lock_path (p->name);
  int lock_fd = kiln_lock_take (lock_path, KILN_LOCK_TRY, NULL, "busy",
                                &error);
  if (lock_fd < 0)
    {
      if (!g_error_matches (error, KILN_ERROR, KILN_ERROR_FAILED))
        return host_problem (p, error);
      g_clear_error (&error);
      g_autoptr (KilnRunRecord) going
          = kiln_catalog_last_run (cat, p->name, "running", &error);
      g_autofree char *why = going
          ? g_strdup_printf ("run %" G_GINT64_FORMAT " (process %"
                             G_GINT64_FORMAT ", started %s) is still going",
                             going->number, going->pid, going->started)
          : g_strdup ("the previous run is still going");
      return record_skipped (cat, p, trigger, why);
    }

  int exit_code;
  g_autoptr (KilnPipelineRecord) rec
      = kiln_catalog_get_pipeline (cat, p->name, &error);
  if (!rec)
    {
      if (!error)
        g_set_error (&error, KILN_ERROR, KILN_ERROR_HOST,
                     "the catalog lost the pipeline it just registered");
      exit_code = host_problem (p, error);
    }
  else if (rec->disabled)
    {
      g_autofree char *why = g_strdup_printf (
          "the pipeline is disabled: %s (`kiln pipeline enable %s` "
          "enables it again)", rec->disabled, p->path);
      exit_code = record_skipped (cat, p, trigger, why);
    }
  else if (!p->enabled)
    {
      g_autofree char *why
          = g_strdup_printf ("%s says enabled: false", p->path);
      exit_code = record_skipped (cat, p, trigger, why);
    }
  else if (!kiln_catalog_close_abandoned_runs (cat, p->name, &error))
    exit_code = host_problem (p, error);
  else
    {
      RunContext rc = { .store = store, .cat = cat, .p = p,
                        .trigger = trigger,
                        .started = g_date_time_new_now_utc () };
      rc.run_id = kiln_catalog_begin_run (cat, p->name, trigger, "running",
                                          NULL, getpid (), &rc.number,
                                          &error);
      if (!rc.run_id)
        exit_code = host_problem (p, error);
      else
        exit_code = run_locked (&rc);
      g_free (rc.inputs);
      g_date_time_unref (rc.started);
    }
  close (lock_fd);
  return exit_code;
}
