/* layer-cut.c - the layers one build boot cuts (stages.h, docs/layers.md)
 *
 * When the agent has frozen the guest after a component, the disk the
 * guest writes is switched, live, to a new qcow2 overlay over it (an
 * external disk-only snapshot through libvirt): the old disk, no longer
 * written, is the layer after that component.  The files stay in the work
 * directory until the build is available (kiln_stage_keep_layers), so a
 * failed build leaves none.
 */
#include "stages.h"

#include <glib/gstdio.h>

#include "backends/libvirt.h"

static void
layer_cut_free (KilnLayerCut *c)
{
  g_free (c->ref);
  g_free (c->key);
  g_free (c->path);
  g_free (c);
}

KilnLayerCutter *
kiln_layer_cutter_new (KilnJobContext *ctx, const KilnResolved *res,
                       const char *disk)
{
  KilnLayerCutter *c = g_new0 (KilnLayerCutter, 1);
  c->ctx = ctx;
  c->res = res;
  c->top = g_strdup (disk);
  c->cuts = g_ptr_array_new_with_free_func ((GDestroyNotify) layer_cut_free);
  return c;
}

void
kiln_layer_cutter_free (KilnLayerCutter *c)
{
  if (!c)
    return;
  g_free (c->top);
  g_ptr_array_unref (c->cuts);
  g_free (c);
}

gboolean
kiln_layer_cutter_cut (gpointer data, KilnDomain *dom, gint64 layer,
                       const char *document)
{
  KilnLayerCutter *c = data;
  KilnJobContext *ctx = c->ctx;
  GPtrArray *components = ctx->job->components;
  /* the guest names the layer: one this build asked for, or none */
  if (layer < 1 || (guint64) layer > components->len
      || !c->res->layer_after || c->res->layer_after[layer - 1] != layer
      || !c->res->layer_keys)
    {
      kiln_reporter_warn (ctx->r, "the guest asked for layer %" G_GINT64_FORMAT
                          ", which this build did not plan: not cut", layer);
      return FALSE;
    }
  for (guint i = 0; i < c->cuts->len; i++)
    if (((KilnLayerCut *) c->cuts->pdata[i])->component == layer)
      {
        kiln_reporter_warn (ctx->r, "the guest asked for layer %"
                            G_GINT64_FORMAT " again: not cut", layer);
        return FALSE;
      }
  const KilnPlanComponent *pc = components->pdata[layer - 1];
  g_autofree char *name = g_strdup_printf ("disk-after-%" G_GINT64_FORMAT
                                           ".qcow2", layer);
  g_autofree char *next = kiln_workspace_path (ctx->ws, name);
  g_autoptr (GError) error = NULL;
  double t0 = kiln_reporter_elapsed (ctx->r);
  g_unlink (next);
  if (!kiln_domain_snapshot_disk (dom, next, &error))
    {
      g_unlink (next);
      kiln_reporter_warn (ctx->r, "layer after component %" G_GINT64_FORMAT
                          " (%s) not cut: %s", layer, pc->ref,
                          error->message);
      return FALSE;
    }
  KilnLayerCut *cut = g_new0 (KilnLayerCut, 1);
  cut->component = layer;
  cut->ref = g_strdup (pc->ref);
  cut->key = g_strdup (c->res->layer_keys->pdata[layer - 1]);
  cut->path = g_steal_pointer (&c->top);
  c->top = g_steal_pointer (&next);
  g_ptr_array_add (c->cuts, cut);
  kiln_reporter_info (ctx->r, "layer after component %" G_GINT64_FORMAT
                      " (%s%s%s) cut in %.1f s: layer %.16s", layer, pc->ref,
                      document ? ", document " : "", document ? document : "",
                      kiln_reporter_elapsed (ctx->r) - t0, cut->key);
  return TRUE;
}
