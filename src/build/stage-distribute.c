/* stage-distribute.c - the distribute stage: the built image flattened into
 * the image store (store.h), every requested format with SHA256SUMS,
 * manifest.json and SBOM in the build's output directory, the artifacts
 * recorded in the catalog, then outputs.retain. */
#include "stages.h"

#include "common/kiln.h"
#include "documents/naming.h"
#include "outputs/manifest.h"
#include "outputs/outputs.h"

static void
on_artifact_progress (const char *artifact, KilnArtifactPhase phase,
                      double fraction, gpointer data)
{
  KilnJobContext *ctx = data;
  g_autofree char *task = g_strdup_printf ("%s (%s)", artifact,
                                           kiln_artifact_phase_name (phase));
  kiln_reporter_progress (ctx->r, task, fraction);
}

/* outputs.name with its naming templates expanded for this build */
static char *
artifact_base_name (KilnJobContext *ctx, GError **error)
{
  KilnJob *job = ctx->job;
  if (!job->output_name_template)
    return g_strdup (job->name);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  KilnNamingContext nctx = { job->name, job->version, ctx->build_number,
                             now };
  return kiln_naming_expand (job->output_name_template, &nctx, error);
}

/* "vmdk" + outputs.vmdk.subformat -> "vmdk:monolithicSparse" etc. */
static GStrv
format_texts (const KilnJob *job)
{
  const KilnOutputSettings *o = job->outputs;
  GPtrArray *texts = g_ptr_array_new ();
  for (guint i = 0; job->formats && job->formats[i]; i++)
    {
      const char *f = job->formats[i];
      const char *sub = NULL;
      if (o && g_str_equal (f, "vmdk"))
        sub = o->vmdk_subformat;
      else if (o && g_str_equal (f, "vhd"))
        sub = o->vhd_subformat;
      else if (o && g_str_equal (f, "vhdx"))
        sub = o->vhdx_subformat;
      else if (o && g_str_equal (f, "qcow2") && o->qcow2_compress)
        sub = "compressed";
      g_ptr_array_add (texts, sub ? g_strdup_printf ("%s:%s", f, sub)
                                  : g_strdup (f));
    }
  g_ptr_array_add (texts, NULL);
  return (GStrv) g_ptr_array_free (texts, FALSE);
}

static void
manifest_component_free (gpointer p)
{
  KilnManifestComponent *mc = p;
  if (mc->parameters)
    g_ptr_array_unref (mc->parameters);
  g_free ((char *) mc->digest);
  g_free (mc);
}

/* The components with their bound parameters, for the manifest. */
static GPtrArray *
manifest_components (const KilnJob *job)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (manifest_component_free);
  for (guint i = 0; i < job->components->len; i++)
    {
      const KilnPlanComponent *pc = job->components->pdata[i];
      const KilnDoc *doc = pc->component->doc;
      KilnManifestComponent *mc = g_new0 (KilnManifestComponent, 1);
      mc->name = pc->component->name ? pc->component->name : pc->ref;
      mc->source = pc->ref;
      mc->digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                (guchar *) doc->text,
                                                doc->text_len);
      mc->parameters = g_ptr_array_new_with_free_func (g_free);
      for (guint p = 0; p < pc->component->parameters->len; p++)
        {
          const KilnParam *param = pc->component->parameters->pdata[p];
          KilnManifestParam *mp = g_new0 (KilnManifestParam, 1);
          mp->name = param->name;
          mp->value = pc->params ? g_hash_table_lookup (pc->params,
                                                        param->name) : NULL;
          mp->secret = pc->secret
                       && g_hash_table_contains (pc->secret, param->name);
          g_ptr_array_add (mc->parameters, mp);
        }
      g_ptr_array_add (out, mc);
    }
  return out;
}

/* The lint findings and the artifacts reported, the files recorded in the
 * catalog (the cache checks they are still there). */
static void
record_artifacts (KilnJobContext *ctx, const KilnDistributeResult *result)
{
  for (guint i = 0; i < result->findings->len; i++)
    {
      g_autoptr (GPtrArray) one = g_ptr_array_new ();
      g_ptr_array_add (one, result->findings->pdata[i]);
      g_autofree char *text = kiln_lint_findings_format (one);
      g_strchomp (text);
      kiln_reporter_info (ctx->r, "lint: %s", text);
    }
  GPtrArray *lists[] = { result->artifacts, result->files };
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        const KilnArtifact *a = lists[l]->pdata[i];
        kiln_store_record_artifact (ctx->store, ctx->build_id,
                                    a->format ? a->format : "file", a->path,
                                    a->file_size, a->sha256, NULL);
        if (a->format)
          kiln_reporter_info (ctx->r, "artifact %s (%s%s%s, %.1f MiB)",
                              a->path, a->format, a->subformat ? " " : "",
                              a->subformat ? a->subformat : "",
                              a->file_size / 1048576.0);
      }
  kiln_reporter_info (ctx->r, "artifacts, SHA256SUMS and manifest.json are "
                      "in %s", result->output_dir);
}

/* Every format, SHA256SUMS and manifest.json from the stored image into
 * the build's own directory under the output directory. */
static gboolean
write_artifacts (KilnJobContext *ctx, const KilnResolved *res,
                 const KilnGeneralized *gen, const char *image,
                 const char *base, GPtrArray *formats, GPtrArray *targets,
                 GError **error)
{
  KilnJob *job = ctx->job;
  const KilnOutputSettings *o = job->outputs;
  /* each build's artifacts and sidecars (SHA256SUMS, manifest.json...) in
   * a directory of their own */
  g_autofree char *outdir = g_build_filename (
      job->output_dir ? job->output_dir : ".", base, NULL);
  /* absolute: a kiln killed from here on leaves a temporary directory in
   * it, which the next kiln removes (src/store/recover.c) */
  g_autofree char *outdir_abs = g_canonicalize_filename (outdir, NULL);
  if (ctx->store && ctx->build_id > 0)
    kiln_catalog_set (kiln_store_catalog (ctx->store), ctx->build_id,
                      "output_dir", outdir_abs, NULL);

  g_autofree char *parent_digest
      = g_strdup_printf ("sha256:%s", res->parent_digest);
  g_autoptr (GPtrArray) components = manifest_components (job);
  KilnManifestBuild build = {
    .build_key = res->build_key,
    .recipe_name = job->name,
    .recipe_version = job->version,
    .build_number = ctx->build_number,
    .recipe_description = job->description,
    .parent_name = job->parent_ref ? job->parent_ref : job->parent,
    .parent_digest = parent_digest,
    .components = components,
    .timings = ctx->timings,
  };
  KilnAwsOptions aws = {
    .bucket = o ? o->aws_bucket : NULL,
    .key_prefix = o ? o->aws_prefix : NULL,
  };
  KilnDistributeSpec spec = {
    .source = image,
    .source_format = "qcow2",
    .formats = formats,
    .output_dir = outdir,
    .base_name = base,
    .overwrite = TRUE,
    .os = gen->os,
    .packages = gen->packages,
    .facts = gen->facts,
    .lint_targets = targets,
    .allow_lint_errors = job->allow_lint_errors,
    .build = &build,
    .tags = o ? o->tags : NULL,
    .aws = &aws,
    .vm_cpus = job->vcpus,
    .vm_memory_mib = job->memory_mib,
    .progress = on_artifact_progress,
    .progress_data = ctx,
  };
  if (targets->len && !gen->facts)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "the import-readiness lint for %s needs facts the "
                   "generalize stage could not read", o->targets[0]);
      return FALSE;
    }
  g_autoptr (KilnDistributeResult) result = NULL;
  if (!kiln_distribute (&spec, &result, ctx->cancellable, error))
    return FALSE;
  record_artifacts (ctx, result);
  return TRUE;
}

static void
report_retained (const KilnBuildRecord *r, KilnStoreAction action,
                 const GError *error, gpointer data)
{
  KilnJobContext *ctx = data;
  guint retain = ctx->job->outputs->retain;
  (void) action; /* the build's retention only removes */
  if (error)
    kiln_reporter_warn (ctx->r, "retain %u: cannot remove build %s/%s/%"
                        G_GINT64_FORMAT " from the image store: %s", retain,
                        r->name, r->version, r->build_number, error->message);
  else
    kiln_reporter_info (ctx->r, "retain %u: removed build %s/%s/%"
                        G_GINT64_FORMAT " from the image store", retain,
                        r->name, r->version, r->build_number);
}

/* outputs.retain: the newest N available builds (this one among them) stay
 * in the store. */
static void
apply_retention (KilnJobContext *ctx)
{
  const KilnOutputSettings *o = ctx->job->outputs;
  g_autoptr (GError) error = NULL;
  if (!o || o->retain == 0)
    return;
  KilnRetainPolicy policy = {
    .keep = o->retain,
    .in_progress = ctx->build_id,
    .why = "outputs.retain",
  };
  if (!kiln_store_retain (ctx->store, ctx->job->name, &policy,
                          report_retained, ctx, &error))
    kiln_reporter_warn (ctx->r, "retain %u: %s", o->retain, error->message);
}

gboolean
kiln_stage_distribute (KilnJobContext *ctx, const KilnResolved *res,
                       const KilnGeneralized *gen, const char *overlay,
                       GError **error)
{
  KilnJob *job = ctx->job;
  const KilnOutputSettings *o = job->outputs;

  g_autofree char *base = artifact_base_name (ctx, error);
  if (!base || !kiln_artifact_name_valid (base, error))
    return FALSE;
  g_auto (GStrv) texts = format_texts (job);
  g_autoptr (GPtrArray) formats
      = kiln_format_list_parse ((const char *const *) texts, error);
  if (!formats)
    return FALSE;
  g_autoptr (GPtrArray) targets = kiln_lint_targets_parse (
      o ? (const char *const *) o->targets : NULL, error);
  if (!targets)
    return FALSE;

  /* The stored copy: flattened (no backing file), so later recipes can use
   * it as `parent: name@version`. */
  g_autofree char *image = kiln_store_put_image (
      ctx->store, ctx->build_id, overlay, "qcow2", kiln_stage_image_progress,
      ctx, ctx->cancellable, error);
  if (!image)
    return FALSE;
  if (!write_artifacts (ctx, res, gen, image, base, formats, targets, error))
    {
      kiln_store_discard_image (ctx->store, ctx->build_id, NULL);
      return FALSE;
    }
  apply_retention (ctx);
  return TRUE;
}
