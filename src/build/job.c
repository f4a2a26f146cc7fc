/* job.c - one job (kiln build, kiln run, kiln test) as the list of its
 * stages (stages.h); the stages themselves are in stage-*.c.
 *
 * kiln_job_execute takes the job's resources (the recipe lock, the image
 * store and a new build in its catalog, the build log, the work
 * directory), runs the stages in order and reports the outcome.  Each
 * stage's state is its own struct, held in JobStages and freed by its own
 * function on every path; the resources are released after them.
 */
#include "job.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "stages.h"
#include "store/layers.h"
#include "toe-log.h"
#include "backends/guestfs.h"
#include "base/paths.h"
#include "base/secret-mask.h"
#include "base/signals.h"
#include "common/kiln.h"
#include "outputs/manifest.h"
#include "store/lock.h"
#include "store/recover.h"

KilnJob *
kiln_job_new (KilnJobKind kind)
{
  KilnJob *job = g_new0 (KilnJob, 1);
  job->kind = kind;
  job->components = g_ptr_array_new_with_free_func (kiln_plan_component_free);
  job->owned = g_ptr_array_new_with_free_func (g_free);
  job->memory_mib = 1024;
  job->vcpus = 2;
  job->accel = g_strdup ("auto");
  job->timeout_seconds = 60 * 60;
  return job;
}

void
kiln_job_free (KilnJob *job)
{
  if (!job)
    return;
  g_ptr_array_unref (job->components);
  g_ptr_array_unref (job->owned);
  g_free (job->name);
  g_free (job->version);
  g_free (job->recipe_path);
  g_free (job->description);
  g_free (job->parent_ref);
  g_free (job->parent);
  g_free (job->parent_format);
  g_free (job->accel);
  g_free (job->connect);
  g_free (job->pool);
  g_strfreev (job->formats);
  g_free (job->output_dir);
  g_free (job->output_name_template);
  g_free (job->output_path);
  g_free (job->log_directory);
  g_free (job->execution_id);
  g_strfreev (job->phases);
  g_free (job);
}

void
kiln_job_outcome_clear (KilnJobOutcome *o)
{
  g_clear_pointer (&o->state, g_free);
  g_clear_pointer (&o->up_to_date, g_free);
  g_clear_pointer (&o->log_path, g_free);
  g_clear_pointer (&o->failed_stage, g_free);
  g_clear_pointer (&o->failed_component, g_free);
  g_clear_pointer (&o->failed_phase, g_free);
  g_clear_pointer (&o->failed_step, g_free);
  g_clear_pointer (&o->message, g_free);
  g_clear_pointer (&o->timings, g_ptr_array_unref);
}

static void
job_timing_free (gpointer p)
{
  KilnJobTiming *t = p;
  g_free (t->stage);
  g_free (t);
}

/* The outcome's common part: the build, its log, how long each stage
 * took (the last one until now). */
static KilnJobOutcome *
outcome_begin (KilnJobContext *ctx, const char *state)
{
  KilnJobOutcome *o = ctx->job->outcome;
  if (!o)
    return NULL;
  kiln_job_outcome_clear (o);
  o->state = g_strdup (state);
  o->build_id = ctx->build_id;
  o->build_number = ctx->build_number;
  o->log_path = g_strdup (kiln_reporter_log_path (ctx->r));
  o->seconds = kiln_reporter_elapsed (ctx->r);
  o->timings = g_ptr_array_new_with_free_func (job_timing_free);
  for (guint i = 0; i < ctx->timings->len; i++)
    {
      const KilnStageTiming *t = ctx->timings->pdata[i];
      KilnJobTiming *c = g_new0 (KilnJobTiming, 1);
      c->stage = g_strdup (t->stage);
      c->seconds = t->seconds;
      g_ptr_array_add (o->timings, c);
    }
  if (ctx->timing_stage)
    {
      KilnJobTiming *c = g_new0 (KilnJobTiming, 1);
      c->stage = g_strdup (ctx->timing_stage);
      c->seconds = (g_get_monotonic_time () - ctx->timing_start) / 1e6;
      g_ptr_array_add (o->timings, c);
    }
  return o;
}

void
kiln_job_add_component (KilnJob *job, KilnComponent *component,
                        GHashTable *params, GHashTable *secret,
                        const char *ref)
{
  KilnPlanComponent *pc = g_new0 (KilnPlanComponent, 1);
  pc->component = component;
  pc->params = params;
  pc->secret = secret;
  pc->ref = g_strdup (ref);
  g_ptr_array_add (job->components, pc);
}

/* --- the job's resources --------------------------------------------- */

typedef struct {
  KilnJobContext ctx;          /* what the stages share (stages.h) */
  KilnSignalWatch *signals;    /* SIGINT/SIGTERM/SIGHUP cancel ctx */
  guint appliance_stop;        /* ... and kill the job's appliances */
  int lock_fd;                 /* the recipe lock, kiln build only */
  KilnToeLog *toe_log;         /* kiln run --output DIR: the run log folder */
} JobRun;

static void
timing_free (gpointer p)
{
  KilnStageTiming *t = p;
  g_free ((char *) t->stage);
  g_free (t);
}

static JobRun *
job_run_new (KilnJob *job)
{
  JobRun *run = g_new0 (JobRun, 1);
  run->ctx.job = job;
  run->ctx.r = kiln_reporter_new (job->json);
  g_auto (GStrv) secrets = kiln_plan_secret_values (job->components);
  kiln_reporter_set_secrets (run->ctx.r, (const char *const *) secrets);
  run->ctx.cancellable = g_cancellable_new ();
  run->ctx.timings = g_ptr_array_new_with_free_func (timing_free);
  run->signals = kiln_signal_watch_new (run->ctx.cancellable);
  /* for the job's whole life: an appliance may be launching, inspecting,
   * installing or generalizing when a signal comes, and the job must stop
   * now, not when that call returns */
  run->appliance_stop = kiln_signal_stop_add (kiln_guest_kill_appliances, NULL);
  run->lock_fd = -1;
  if (job->kind == KILN_JOB_RUN && job->log_directory)
    {
      run->toe_log = kiln_toe_log_new (job->execution_id, job->components);
      kiln_reporter_set_agent_sink (run->ctx.r, kiln_toe_log_agent_event,
                                    run->toe_log);
    }
  return run;
}

/* In order: the work directory, the store, the lock, then what reports. */
static void
job_run_free (JobRun *run)
{
  kiln_workspace_free (run->ctx.ws);
  kiln_store_free (run->ctx.store);
  if (run->lock_fd >= 0)
    close (run->lock_fd);
  kiln_signal_stop_remove (run->appliance_stop);
  kiln_signal_watch_free (run->signals);
  g_object_unref (run->ctx.cancellable);
  g_ptr_array_unref (run->ctx.timings);
  g_free (run->ctx.timing_stage);
  g_free (run->ctx.domain_tag);
  kiln_reporter_free (run->ctx.r);
  kiln_toe_log_free (run->toe_log);
  g_free (run);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JobRun, job_run_free)

/* A build: the recipe lock, a new build in the store's catalog and its
 * log.  Every job: a work directory (run and test keep their log there). */
static gboolean
job_begin (JobRun *run, GError **error)
{
  KilnJobContext *ctx = &run->ctx;
  KilnJob *job = ctx->job;

  if (job->kind == KILN_JOB_BUILD)
    {
      g_autofree char *lock = kiln_recipe_lock_path (job->name);
      g_autofree char *busy = g_strdup_printf (
          "waiting for another build of %s to finish", job->name);
      run->lock_fd = kiln_lock_take (lock, KILN_LOCK_WAIT, ctx->r, busy,
                                     error);
      if (run->lock_fd < 0)
        return FALSE;
      ctx->store = kiln_store_open (kiln_home (), error);
      if (!ctx->store)
        return FALSE;
      ctx->build_id = kiln_store_begin_build (ctx->store, job->name,
                                              job->version, job->recipe_path,
                                              &ctx->build_number, error);
      if (ctx->build_id <= 0)
        return FALSE;
      g_autofree char *log = kiln_store_prepare_log (ctx->store,
                                                     ctx->build_id, error);
      if (!log || !kiln_reporter_open_log (ctx->r, log, error))
        return FALSE;
      kiln_store_record_log (ctx->store, ctx->build_id, log, NULL);
      kiln_reporter_info (ctx->r, "build %s/%s/%" G_GINT64_FORMAT
                          " (log %s)", job->name, job->version,
                          ctx->build_number, log);
    }
  else
    {
      /* run and test keep no catalog entry, but still clean up after a
       * kiln that was killed (its work directory, its guests) */
      g_autoptr (KilnStore) existing = kiln_store_open_existing (kiln_home (),
                                                                 NULL);
      if (!existing)
        kiln_store_recover (NULL, kiln_home (), NULL, NULL);
    }

  ctx->ws = kiln_workspace_new (job->name ? job->name : "job", error);
  if (!ctx->ws)
    return FALSE;
  /* Recorded before any domain starts: a kiln killed from now on leaves
   * the next one the URI and the names to look for (store/recover.h). */
  ctx->domain_tag = g_strdup_printf ("%08x", g_random_int ());
  if (ctx->store && ctx->build_id > 0)
    {
      KilnCatalog *cat = kiln_store_catalog (ctx->store);
      kiln_catalog_set (cat, ctx->build_id, "domain_tag", ctx->domain_tag,
                        NULL);
      if (job->connect && !g_str_equal (job->connect, "embed"))
        kiln_catalog_set (cat, ctx->build_id, "connect_uri", job->connect,
                          NULL);
    }
  if (job->kind != KILN_JOB_BUILD)
    {
      g_autofree char *log = kiln_workspace_path (ctx->ws, "kiln.log");
      kiln_reporter_open_log (ctx->r, log, NULL);
    }
  return TRUE;
}

/* --- the stages ---------------------------------------------------------- */

/* What the stages hand each other, each freed by its own stage's function
 * (stages.h); cleared before the job's resources. */
typedef struct {
  const char *failed_stage;      /* for the failure report */
  KilnResolved *resolved;        /* resolve: plans, parent, build key */
  char *overlay;                 /* prepare: the image being built */
  KilnMachine *machine;          /* prepare: hypervisor, accelerator */
  KilnBootStage *build_boot;     /* build boot: its result, its console */
  KilnLayerCutter *layers;       /* build boot: the layers it cut */
  KilnGuest *guest;              /* offline build: the appliance, still up
                                  * for generalize */
  KilnGeneralized *generalized;  /* generalize: facts for distribute */
  char *test_overlay;            /* test inject: throw-away overlay */
  KilnBootStage *test_boot;      /* test boot: its result, its console */
} JobStages;

static void
job_stages_clear (JobStages *st)
{
  g_clear_pointer (&st->test_boot, kiln_boot_stage_free);
  g_clear_pointer (&st->test_overlay, g_free);
  g_clear_pointer (&st->generalized, kiln_generalized_free);
  g_clear_pointer (&st->guest, kiln_guest_free);
  g_clear_pointer (&st->build_boot, kiln_boot_stage_free);
  g_clear_pointer (&st->layers, kiln_layer_cutter_free);
  g_clear_pointer (&st->machine, kiln_machine_free);
  g_clear_pointer (&st->overlay, g_free);
  g_clear_pointer (&st->resolved, kiln_resolved_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (JobStages, job_stages_clear)

static gboolean
fail_in (JobStages *st, const char *stage)
{
  st->failed_stage = stage;
  return FALSE;
}

/* inject and build boot: the build and validate phases (kiln run: the
 * phases it was asked for) on the overlay */
static gboolean
build_boot_stages (KilnJobContext *ctx, JobStages *st, GError **error)
{
  kiln_stage_set_state (ctx, "building", NULL);
  if (st->resolved->build_steps == 0)
    {
      kiln_reporter_info (ctx->r, "no build or validate steps: skipping the "
                          "build boot");
      return TRUE;
    }
  if (st->resolved->offline_build)
    {
      kiln_stage_enter (ctx, "offline build");
      st->build_boot = kiln_boot_stage_new ("offline");
      st->build_boot->s3 = st->resolved->s3;
      if (!kiln_stage_offline (ctx, st->machine, st->resolved, st->overlay,
                               st->build_boot, &st->guest, error))
        return fail_in (st, "offline build");
      /* kiln run's output stage takes the agent out in its own launch */
      if (ctx->job->kind != KILN_JOB_BUILD
          && !kiln_guest_close (g_steal_pointer (&st->guest), error))
        return fail_in (st, "offline build");
      return TRUE;
    }
  st->build_boot = kiln_boot_stage_new ("build");
  st->build_boot->s3 = st->resolved->s3;
  kiln_stage_enter (ctx, "inject");
  if (!kiln_stage_plan_over_channel (ctx, st->resolved, st->build_boot,
                                     error))
    return fail_in (st, "inject");
  if (!st->build_boot->plan_line
      && !kiln_stage_inject (ctx, st->machine, st->resolved, st->overlay,
                             st->resolved->build_plan, "build", error))
    return fail_in (st, "inject");
  if (!kiln_stage_check_cancelled (ctx, error))
    return fail_in (st, "inject");
  kiln_stage_enter (ctx, "build boot");
  if (st->resolved->cut_layers)
    st->build_boot->layers = st->layers
        = kiln_layer_cutter_new (ctx, st->resolved, st->overlay);
  gboolean booted = kiln_stage_boot (ctx, st->machine, st->overlay,
                                     st->build_boot, error);
  /* after a layer cut the guest wrote to a new overlay: that is the image
   * from now on (its backing chain holds the layers) */
  if (st->layers && st->layers->cuts->len > 0)
    {
      g_free (st->overlay);
      st->overlay = g_strdup (st->layers->top);
    }
  if (!booted)
    return fail_in (st, "build boot");
  return TRUE;
}

/* test inject and test boot: the test phases on a throw-away overlay of
 * the (generalized) image */
static gboolean
test_boot_stages (KilnJobContext *ctx, JobStages *st, GError **error)
{
  if (st->resolved->test_steps == 0)
    {
      if (ctx->job->kind == KILN_JOB_TEST)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "the components have no test phase steps to run");
          return fail_in (st, "resolve");
        }
      kiln_reporter_info (ctx->r, "no test steps: skipping the test boot");
      return TRUE;
    }
  kiln_stage_set_state (ctx, "testing", NULL);
  kiln_stage_enter (ctx, "test inject");
  st->test_boot = kiln_boot_stage_new ("test");
  st->test_boot->s3 = st->resolved->s3;
  st->test_overlay = kiln_stage_test_overlay (ctx, st->overlay, error);
  if (!st->test_overlay)
    return fail_in (st, "test inject");
  /* kiln build: the generalize launch said whether the image's cloud-init
   * can fetch the agent from the seed (agent-seed.h); kiln test has no such
   * launch */
  const char *seed_refusal = st->generalized
                                 ? st->generalized->agent_seed_refusal : NULL;
  if (st->generalized && !seed_refusal && st->resolved->s3_staged)
    seed_refusal = "S3Download objects go in with it";
  if (st->generalized && seed_refusal == NULL)
    {
      if (!kiln_stage_seed_agent (ctx, st->resolved, st->resolved->test_plan,
                                  st->test_boot, error))
        return fail_in (st, "test inject");
    }
  else
    {
      if (st->generalized)
        kiln_reporter_info (ctx->r, "the agent and the test plan go in "
                            "with an appliance launch: %s", seed_refusal);
      if (!kiln_stage_inject (ctx, st->machine, st->resolved,
                              st->test_overlay, st->resolved->test_plan,
                              "test", error))
        return fail_in (st, "test inject");
    }
  if (!kiln_stage_check_cancelled (ctx, error))
    return fail_in (st, "test inject");
  kiln_stage_enter (ctx, "test boot");
  if (!kiln_stage_boot (ctx, st->machine, st->test_overlay, st->test_boot,
                        error))
    return fail_in (st, "test boot");
  g_unlink (st->test_overlay);
  return TRUE;
}

/* One job through every stage, in order (stages.h).  kiln build: resolve,
 * prepare, inject, build boot, generalize, test inject, test boot,
 * distribute.  kiln run: up to the build boot, then output.  kiln test:
 * resolve, prepare, test inject, test boot. */
static gboolean
run_stages (KilnJobContext *ctx, JobStages *st, GError **error)
{
  KilnJob *job = ctx->job;
  gboolean builds = job->kind == KILN_JOB_BUILD;

  kiln_stage_enter (ctx, "resolve");
  st->resolved = kiln_stage_resolve (ctx, error);
  if (st->resolved)
    ctx->parent_digest = st->resolved->parent_digest;
  if (!st->resolved)
    return fail_in (st, "resolve");
  if (st->resolved->up_to_date)
    return TRUE;
  if (builds && st->resolved->build_steps == 0
      && st->resolved->test_steps == 0)
    kiln_reporter_warn (ctx->r, "the components have no build, validate or "
                        "test steps");
  if (!kiln_stage_check_cancelled (ctx, error))
    return fail_in (st, "resolve");

  kiln_stage_enter (ctx, "prepare");
  /* S3 first: a missing credential or object fails before any disk */
  if (!kiln_stage_s3_fetch (ctx, st->resolved, error))
    return fail_in (st, "prepare");
  st->overlay = kiln_stage_prepare_overlay (ctx, st->resolved, error);
  if (!st->overlay)
    return fail_in (st, "prepare");
  st->machine = kiln_stage_open_machine (ctx, error);
  if (!st->machine)
    return fail_in (st, "prepare");

  if (job->kind != KILN_JOB_TEST && !build_boot_stages (ctx, st, error))
    return FALSE;

  if (job->kind == KILN_JOB_RUN)
    {
      if (!job->output_path)
        return TRUE;
      kiln_stage_enter (ctx, "output");
      if (!kiln_stage_output (ctx, st->machine, st->overlay, error))
        return fail_in (st, "output");
      return TRUE;
    }

  if (builds)
    {
      if (!kiln_stage_check_cancelled (ctx, error))
        return fail_in (st, "generalize");
      kiln_stage_enter (ctx, "generalize");
      st->generalized =
          st->guest ? kiln_stage_generalize_in (ctx,
                                                g_steal_pointer (&st->guest),
                                                error)
                    : kiln_stage_generalize (ctx, st->machine, st->overlay,
                                             error);
      if (!st->generalized)
        return fail_in (st, "generalize");
    }

  if (!test_boot_stages (ctx, st, error))
    return FALSE;

  if (builds)
    {
      kiln_stage_set_state (ctx, "distributing", NULL);
      if (!kiln_stage_check_cancelled (ctx, error))
        return fail_in (st, "distribute");
      kiln_stage_enter (ctx, "distribute");
      if (!kiln_stage_distribute (ctx, st->resolved, st->generalized,
                                  st->overlay, error))
        return fail_in (st, "distribute");
      kiln_stage_keep_layers (ctx, st->resolved, st->layers);
    }
  return TRUE;
}

/* --- the outcome --------------------------------------------------------- */

static void
report_success (KilnJobContext *ctx, const JobStages *st)
{
  KilnJob *job = ctx->job;
  if (st->resolved && st->resolved->up_to_date)
    {
      /* nothing was built: give the build number back, and its log */
      kiln_store_forget (ctx->store, ctx->build_id, NULL);
      g_autofree char *msg = g_strdup_printf (
          "up to date: identical to build %s (same parent, components, "
          "parameters and agent), its artifacts are still in %s; --force "
          "builds again", st->resolved->up_to_date,
          job->output_dir ? job->output_dir : ".");
      kiln_reporter_result (ctx->r, TRUE, msg);
      KilnJobOutcome *o = outcome_begin (ctx, "up-to-date");
      if (o)
        {
          o->build_id = 0;
          o->up_to_date = g_strdup (st->resolved->up_to_date);
        }
      return;
    }
  kiln_stage_set_state (ctx, "available", NULL);
  outcome_begin (ctx, "available");
  if (job->kind == KILN_JOB_BUILD)
    {
      g_autofree char *msg = g_strdup_printf (
          "build %s/%s/%" G_GINT64_FORMAT " succeeded in %.0f s", job->name,
          job->version, ctx->build_number, kiln_reporter_elapsed (ctx->r));
      kiln_reporter_result (ctx->r, TRUE, msg);
    }
  else
    kiln_reporter_result (ctx->r, TRUE, job->kind == KILN_JOB_RUN
                                            ? "run succeeded"
                                            : "tests passed");
}

static void
report_failure (KilnJobContext *ctx, const JobStages *st,
                const GError *error)
{
  gboolean cancelled = error->domain == KILN_ERROR
                       && error->code == KILN_ERROR_CANCELLED;
  /* the message goes to the catalog and to notifications: secret values
   * masked as in the log (docs/outputs.md, "Secrets") */
  g_auto (GStrv) values = kiln_plan_secret_values (ctx->job->components);
  g_auto (GStrv) secrets
      = kiln_mask_secrets_prepare ((const char *const *) values);
  g_autofree char *message = kiln_mask_secrets (
      error->message, -1, (const char *const *) secrets, NULL);
  kiln_stage_set_state (ctx, cancelled ? "cancelled" : "failed", message);
  KilnJobOutcome *o = outcome_begin (ctx, cancelled ? "cancelled" : "failed");
  const KilnBootStage *boot = st->test_boot ? st->test_boot : st->build_boot;
  if (o)
    {
      o->failed_stage = g_strdup (st->failed_stage);
      o->message = g_strdup (message);
      if (boot && boot->result.failed_step)
        {
          o->failed_component = g_strdup (boot->result.failed_document);
          o->failed_phase = g_strdup (boot->result.failed_phase);
          o->failed_step = g_strdup (boot->result.failed_step);
        }
    }
  if (ctx->store && ctx->build_id > 0)
    kiln_catalog_set (kiln_store_catalog (ctx->store), ctx->build_id,
                      "failure", message, NULL);
  kiln_report_failure (ctx, st->failed_stage,
                       st->test_boot ? st->test_boot : st->build_boot, error);
  if (ctx->job->keep_on_failure && ctx->ws)
    {
      ctx->ws->keep = TRUE;
      const char *disk = st->test_overlay
                                 && g_access (st->test_overlay, F_OK) == 0
                             ? st->test_overlay : st->overlay;
      kiln_report_keep (ctx, st->machine, disk);
    }
}

/* kiln run --output DIR: the run log folder, after the outcome is reported
 * (so application.log has all of it), on success and failure alike.
 * FALSE when it could not be written (a warning says why). */
static gboolean
write_toe_log (JobRun *run, gboolean ok, const GError *failure)
{
  if (!run->toe_log)
    return TRUE;
  g_autoptr (GError) error = NULL;
  g_autofree char *folder = kiln_toe_log_write (
      run->toe_log, run->ctx.job->log_directory, ok,
      failure ? failure->message : NULL,
      kiln_reporter_log_path (run->ctx.r), &error);
  if (!folder)
    {
      kiln_reporter_warn (run->ctx.r, "%s", error->message);
      return FALSE;
    }
  kiln_reporter_info (run->ctx.r, "run log folder: %s", folder);
  return TRUE;
}

/* The layers no build keeps any more go once this build is over (an
 * earlier failed build of the recipe keeps none from now on, unless this
 * one uses them; docs/layers.md). */
static void
collect_layers (KilnJobContext *ctx)
{
  if (!ctx->store)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  if (!kiln_store_gc_layers (ctx->store, removed, &error))
    kiln_reporter_warn (ctx->r, "layers: %s", error->message);
  for (guint i = 0; i < removed->len; i++)
    kiln_reporter_log (ctx->r, "removed the layer %s: no build uses it",
                       (char *) removed->pdata[i]);
}

int
kiln_job_execute (KilnJob *job)
{
  g_autoptr (JobRun) run = job_run_new (job);
  g_auto (JobStages) st = { 0 };
  g_autoptr (GError) error = NULL;

  gboolean ok = job_begin (run, &error)
                && run_stages (&run->ctx, &st, &error);

  if (ok)
    {
      report_success (&run->ctx, &st);
      collect_layers (&run->ctx);
      return write_toe_log (run, TRUE, NULL) ? KILN_EXIT_OK : KILN_EXIT_HOST;
    }
  int signo = kiln_signal_watch_fired (run->signals);
  if (signo)
    {
      g_clear_error (&error);
      g_set_error (&error, KILN_ERROR, KILN_ERROR_CANCELLED,
                   "interrupted by signal %d", signo);
    }
  else if (!error)
    g_set_error (&error, KILN_ERROR, KILN_ERROR_FAILED, "failed");
  /* the layers cut before the failure stay for the retry (docs/layers.md);
   * recorded while the build is still live, so that no sweep takes them
   * first.  --keep-on-failure keeps them in the work directory instead,
   * under the disk it names. */
  if (!job->keep_on_failure)
    kiln_stage_keep_layers (&run->ctx, st.resolved, st.layers);
  report_failure (&run->ctx, &st, error);
  collect_layers (&run->ctx);
  write_toe_log (run, FALSE, error);
  /* like a shell's: 130 for SIGINT, 143 for SIGTERM, after the cleanup */
  return signo ? 128 + signo : kiln_exit_code_for_error (error);
}
