/* stage-resolve.c - the resolve stage: documents into plans, the parent
 * read, the build key computed and the store asked for an identical build.
 * A document problem stops the job here, before any disk is touched. */
#include "stages.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "backends/qemu-img.h"
#include "base/paths.h"
#include "common/kiln.h"
#include "store/build-secret.h"

/* kiln build runs the phases Image Builder runs in its build and test
 * stages; any other phase runs only when `kiln run --phases` names it. */
static const char *const build_phases[] = { "build", "validate", NULL };
static const char *const test_phases[] = { "test", NULL };

void
kiln_resolved_free (KilnResolved *res)
{
  if (!res)
    return;
  g_free (res->agent_path);
  g_free (res->build_plan);
  g_free (res->test_plan);
  g_free (res->parent_format);
  g_free (res->parent_digest);
  g_free (res->build_key);
  g_free (res->up_to_date);
  kiln_s3_transfers_free (res->s3);
  g_free (res->s3_staged);
  if (res->layer_keys)
    g_ptr_array_unref (res->layer_keys);
  g_free (res->layer_after);
  kiln_layer_record_free (res->start_layer);
  g_free (res);
}

/* The build key: what makes two builds identical (the parent's digest, each
 * component's text and bound parameters, the agent, the recipe's disk
 * size).  An HMAC keyed with
 * $KILN_HOME's secret (store/build-secret.h): the key is shown in the
 * catalog, the log and the manifest, and must say nothing about the
 * parameters' values, secret ones included. */
static char *
compute_build_key (KilnJobContext *ctx, const KilnResolved *res,
                   GError **error)
{
  g_autoptr (GBytes) secret = kiln_build_secret_load (kiln_home (), error);
  if (!secret)
    return NULL;
  return kiln_build_key (secret, res->parent_digest, ctx->job->disk_size,
                         ctx->job->components, res->agent_path, error);
}

/* kiln build says which phases of its components it does not run (a
 * container-host-test phase, a phase of the team's own). */
static void
report_phases_not_run (KilnJobContext *ctx)
{
  for (guint i = 0; i < ctx->job->components->len; i++)
    {
      const KilnPlanComponent *pc = ctx->job->components->pdata[i];
      g_autoptr (GPtrArray) skipped = g_ptr_array_new ();
      for (guint p = 0; p < pc->component->phases->len; p++)
        {
          const KilnPhase *ph = pc->component->phases->pdata[p];
          if (!g_strv_contains (build_phases, ph->name)
              && !g_strv_contains (test_phases, ph->name))
            g_ptr_array_add (skipped, ph->name);
        }
      if (skipped->len == 0)
        continue;
      g_ptr_array_add (skipped, NULL);
      g_autofree char *names = g_strjoinv (", ", (char **) skipped->pdata);
      kiln_reporter_info (ctx->r, "component %s: not running phase%s %s "
                          "(kiln build runs build, validate and test; "
                          "`kiln run --phases` runs any phase)", pc->ref,
                          skipped->len > 2 ? "s" : "", names);
    }
}

/* The plans the job's boots run: build (build and validate phases, or the
 * phases `kiln run` chose: all by default) and test. */
static gboolean
compile_plans (KilnJobContext *ctx, KilnResolved *res, GError **error)
{
  KilnJob *job = ctx->job;
  KilnPlanOptions opts = { 0 };
  g_autofree char *run_id = g_strdup_printf (
      "%s-%s-%" G_GINT64_FORMAT, job->name,
      job->version ? job->version : "0", ctx->build_number);

  opts.run_id = run_id;
  opts.poweroff = TRUE;
  res->s3 = kiln_s3_transfers_new ();
  opts.s3 = res->s3;
  KilnS3DocumentFetch fetch = { ctx, res->s3 };
  opts.fetch_document = kiln_stage_s3_fetch_document;
  opts.fetch_data = &fetch;
  if (job->kind == KILN_JOB_BUILD || job->kind == KILN_JOB_RUN)
    {
      opts.stage = "build";
      opts.phases = job->kind == KILN_JOB_RUN
                        ? (const char *const *) job->phases   /* NULL: all */
                        : build_phases;
      /* layers (stage-layers.c): what the start layer has is left out, and
       * the documents after which a layer is cut say so */
      opts.first_component = res->start_after;
      opts.layers = res->cut_layers ? res->layer_after : NULL;
      if (job->kind == KILN_JOB_BUILD)
        report_phases_not_run (ctx);
      res->build_plan = kiln_plan_compile (job->components, &opts,
                                           &res->build_steps, error);
      if (!res->build_plan)
        return FALSE;
    }
  if (job->kind == KILN_JOB_BUILD || job->kind == KILN_JOB_TEST)
    {
      opts.stage = "test";
      opts.phases = test_phases;
      opts.first_component = 0;
      opts.layers = NULL;
      res->test_plan = kiln_plan_compile (job->components, &opts,
                                          &res->test_steps, error);
      if (!res->test_plan)
        return FALSE;
    }
  return TRUE;
}

/* Does pc have steps in a phase the build boot would run? */
static gboolean
has_build_steps (const KilnPlanComponent *pc, const char *const *phases)
{
  for (guint p = 0; p < pc->component->phases->len; p++)
    {
      const KilnPhase *ph = pc->component->phases->pdata[p];
      if ((!phases || g_strv_contains (phases, ph->name)) && ph->steps->len)
        return TRUE;
    }
  return FALSE;
}

/* An offline build needs every component with build or validate steps
 * offline: the offline steps cannot be put between booted ones (the
 * components run in order), so a mix boots, and says so. */
static void
decide_offline (KilnJobContext *ctx, KilnResolved *res)
{
  KilnJob *job = ctx->job;
  const char *const *phases = job->kind == KILN_JOB_RUN
                                  ? (const char *const *) job->phases
                                  : build_phases;
  g_autoptr (GPtrArray) booted = g_ptr_array_new ();
  guint offline = 0;
  if (!res->build_plan || res->build_steps == 0)
    return;
  for (guint i = 0; i < job->components->len; i++)
    {
      const KilnPlanComponent *pc = job->components->pdata[i];
      if (!has_build_steps (pc, phases))
        continue;
      if (pc->offline)
        offline++;
      else
        g_ptr_array_add (booted, pc->ref);
    }
  if (offline && booted->len == 0)
    res->offline_build = TRUE;
  else if (offline)
    {
      g_ptr_array_add (booted, NULL);
      g_autofree char *names = g_strjoinv (", ", (char **) booted->pdata);
      kiln_reporter_info (ctx->r, "offline: true is kept only when every "
                          "component with build or validate steps is "
                          "offline; %s boot%s, so every component runs in "
                          "the build boot", names,
                          booted->len > 2 ? "" : "s");
    }
}

/* The parent: a file we only ever read. */
static gboolean
read_parent (KilnJobContext *ctx, KilnResolved *res, GError **error)
{
  KilnJob *job = ctx->job;
  g_autoptr (KilnImageInfo) info
      = kiln_qemu_img_info (job->parent, job->parent_format, error);
  if (!info)
    return FALSE;
  res->parent_format = g_strdup (info->format);
  if (job->disk_size && job->disk_size < info->virtual_size)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "disk size %" G_GUINT64_FORMAT " bytes is smaller than "
                   "the parent image's %" G_GUINT64_FORMAT " bytes; kiln "
                   "only grows disks", job->disk_size, info->virtual_size);
      return FALSE;
    }
  kiln_reporter_info (ctx->r, "parent %s (%s, %.1f GiB virtual)",
                      job->parent, info->format,
                      info->virtual_size / (double) (1 << 30));
  return TRUE;
}

/* A build's identity in the catalog (parent, its digest, the build key),
 * and the cache: an identical build (same parent, components, parameters,
 * agent) that is still in the store needs no rebuild. */
static gboolean
identify_build (KilnJobContext *ctx, KilnResolved *res, GError **error)
{
  KilnJob *job = ctx->job;
  KilnCatalog *catalog = kiln_store_catalog (ctx->store);

  res->parent_digest = kiln_catalog_file_digest (catalog, job->parent,
                                                 ctx->cancellable, error);
  if (!res->parent_digest)
    return FALSE;
  res->build_key = compute_build_key (ctx, res, error);
  if (!res->build_key)
    return FALSE;
  kiln_catalog_set (catalog, ctx->build_id, "parent", job->parent, NULL);
  kiln_catalog_set (catalog, ctx->build_id, "parent_digest",
                    res->parent_digest, NULL);
  kiln_catalog_set (catalog, ctx->build_id, "build_key", res->build_key,
                    NULL);
  kiln_reporter_log (ctx->r, "build key %s", res->build_key);

  if (job->kind != KILN_JOB_BUILD || job->force)
    return TRUE;
  g_autoptr (KilnBuildRecord) same = kiln_store_find_identical (
      ctx->store, job->name, res->build_key, job->output_dir);
  if (same)
    res->up_to_date = g_strdup_printf (
        "%s/%s/%" G_GINT64_FORMAT " (image %s)", same->name, same->version,
        same->build_number, same->image_path);
  return TRUE;
}

KilnResolved *
kiln_stage_resolve (KilnJobContext *ctx, GError **error)
{
  g_autoptr (KilnResolved) res = g_new0 (KilnResolved, 1);

  res->agent_path = kiln_agent_path ();
  if (g_access (res->agent_path, R_OK) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "the kiln guest agent %s is missing (build kiln with "
                   "`make`, or set KILN_AGENT)", res->agent_path);
      return NULL;
    }
  /* a build's identity first: the layers it starts from and cuts
   * (stage-layers.c) decide what its build plan holds */
  if (!read_parent (ctx, res, error)
      || (ctx->store && !identify_build (ctx, res, error))
      || (ctx->store && !kiln_stage_layers_decide (ctx, res, error))
      || !compile_plans (ctx, res, error))
    return NULL;
  decide_offline (ctx, res);
  return g_steal_pointer (&res);
}
