/* stage-layers.c - per-component layers: which layer a build starts from
 * and which it cuts (resolve), and the layers it keeps (after distribute).
 * docs/layers.md; the cuts themselves are layer-cut.c's. */
#include "stages.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "base/paths.h"
#include "common/kiln.h"
#include "store/build-secret.h"
#include "store/layers.h"

/* kiln build runs these phases in its build boot (stage-resolve.c) */
static const char *const boot_phases[] = { "build", "validate", NULL };

static gboolean
has_boot_steps (const KilnPlanComponent *pc)
{
  for (guint p = 0; p < pc->component->phases->len; p++)
    {
      const KilnPhase *ph = pc->component->phases->pdata[p];
      if (g_strv_contains (boot_phases, ph->name) && ph->steps->len)
        return TRUE;
    }
  return FALSE;
}

/* Why this build neither cuts nor uses layers, or NULL. */
static const char *
no_layers_because (KilnJobContext *ctx)
{
  KilnJob *job = ctx->job;
  if (job->connect && !g_str_equal (job->connect, "embed"))
    return "the build runs on a libvirt daemon target, and layers are cut "
           "with live disk snapshots on the embedded driver only";
  for (guint i = 0; i < job->components->len; i++)
    {
      const KilnPlanComponent *pc = job->components->pdata[i];
      if (pc->offline)
        return "a component is offline (docs/offline.md)";
    }
  return NULL;
}

/* The longest run of unchanged components that has a live layer: taken
 * (its uses recorded for this build), its file there.  Not the last
 * component's: no layer is cut after it. */
static void
find_start (KilnJobContext *ctx, KilnResolved *res)
{
  KilnCatalog *cat = kiln_store_catalog (ctx->store);
  guint n = res->layer_keys->len;
  for (guint i = n > 1 ? n - 1 : 0; i > 0; i--)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KilnLayerRecord) l = kiln_catalog_take_layer (
          cat, ctx->build_id, res->layer_keys->pdata[i - 1], &error);
      if (error)
        {
          kiln_reporter_warn (ctx->r, "layers: %s; building from the parent",
                              error->message);
          return;
        }
      if (!l)
        continue;
      if (g_access (l->path, R_OK) != 0)
        {
          kiln_reporter_warn (ctx->r, "layer %s (after component %"
                              G_GINT64_FORMAT ") is in the catalog but its "
                              "file is gone: not used", l->path,
                              l->component_index);
          continue;
        }
      res->start_after = i;
      res->start_layer = g_steal_pointer (&l);
      return;
    }
}

static void
report_start (KilnJobContext *ctx, const KilnResolved *res)
{
  const KilnLayerRecord *l = res->start_layer;
  const KilnPlanComponent *last = ctx->job->components->pdata[res->start_after
                                                              - 1];
  g_autofree char *which = res->start_after == 1
      ? g_strdup_printf ("component 1 (%s) is", last->ref)
      : g_strdup_printf ("components 1-%u are", res->start_after);
  kiln_reporter_info (ctx->r, "starting from the layer after component %u "
                      "(%s), cut by build %s: %s unchanged and not run again "
                      "(layer %.16s, %s; --force builds from the parent)",
                      res->start_after, last->ref,
                      l->cut_by ? l->cut_by : "?", which, l->key, l->path);
}

gboolean
kiln_stage_layers_decide (KilnJobContext *ctx, KilnResolved *res,
                          GError **error)
{
  KilnJob *job = ctx->job;
  /* one component: no layer is ever cut after the last one */
  if (job->kind != KILN_JOB_BUILD || !ctx->store || res->up_to_date
      || job->components->len < 2)
    return TRUE;
  const char *why_not = no_layers_because (ctx);
  if (why_not)
    {
      kiln_reporter_info (ctx->r, "layers: none cut or used: %s", why_not);
      return TRUE;
    }
  g_autoptr (GBytes) secret = kiln_build_secret_load (kiln_home (), error);
  if (!secret)
    return FALSE;
  res->layer_keys = kiln_build_prefix_keys (secret, res->parent_digest,
                                            job->disk_size, job->network_user,
                                            job->components,
                                            res->agent_path, error);
  if (!res->layer_keys)
    return FALSE;
  if (job->force)
    kiln_reporter_info (ctx->r, "layers: --force: building from the parent");
  else
    find_start (ctx, res);
  if (res->start_layer)
    report_start (ctx, res);

  /* a layer after each component the boot runs, but the last */
  guint n = job->components->len;
  res->layer_after = g_new0 (gint64, n);
  for (guint i = res->start_after; i + 1 < n; i++)
    if (has_boot_steps (job->components->pdata[i]))
      {
        res->layer_after[i] = i + 1;
        res->cut_layers = TRUE;
      }
  return TRUE;
}

void
kiln_stage_keep_layers (KilnJobContext *ctx, const KilnResolved *res,
                        const KilnLayerCutter *cutter)
{
  if (!cutter || !ctx->store || cutter->cuts->len == 0)
    return;
  gint64 below = res->start_layer ? res->start_layer->id : 0;
  g_autofree char *below_path = NULL;
  for (guint i = 0; i < cutter->cuts->len; i++)
    {
      const KilnLayerCut *cut = cutter->cuts->pdata[i];
      g_autoptr (GError) error = NULL;
      g_autofree char *kept = NULL;
      /* the first one's backing file (the parent, or the start layer in
       * the store) stays as it is */
      gint64 id = kiln_store_keep_layer (ctx->store, ctx->build_id, cut->path,
                                         cut->key, cut->component, cut->ref,
                                         below, below_path, &kept, &error);
      if (id <= 0)
        {
          kiln_reporter_warn (ctx->r, "layer after component %" G_GINT64_FORMAT
                              " (%s) not kept, nor those above it: %s",
                              cut->component, cut->ref, error->message);
          return;
        }
      kiln_reporter_info (ctx->r, "kept the layer after component %"
                          G_GINT64_FORMAT " (%s): %s (layer %.16s)",
                          cut->component, cut->ref, kept, cut->key);
      below = id;
      g_free (below_path);
      below_path = g_steal_pointer (&kept);
    }
}
