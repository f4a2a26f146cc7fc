/* stages.c - what every stage of a job uses: entering a stage, the
 * build's state in the catalog, cancellation */
#include "stages.h"

#include "outputs/manifest.h"

void
kiln_stage_enter (KilnJobContext *ctx, const char *stage)
{
  gint64 now = g_get_monotonic_time ();
  if (ctx->timing_stage)
    {
      KilnStageTiming *t = g_new0 (KilnStageTiming, 1);
      t->stage = ctx->timing_stage; /* owned by the array's free func */
      t->seconds = (now - ctx->timing_start) / 1e6;
      g_ptr_array_add (ctx->timings, t);
    }
  ctx->timing_stage = stage ? g_strdup (stage) : NULL;
  ctx->timing_start = now;
  /* in the catalog before anyone sees it: a kiln killed now is reported
   * as killed during this stage (src/store/recover.c) */
  if (stage && ctx->store && ctx->build_id > 0)
    kiln_catalog_set (kiln_store_catalog (ctx->store), ctx->build_id,
                      "stage", stage, NULL);
  if (stage)
    kiln_reporter_stage (ctx->r, stage);
}

void
kiln_stage_set_state (KilnJobContext *ctx, const char *state,
                      const char *detail)
{
  g_autoptr (GError) error = NULL;
  if (!ctx->store || ctx->build_id <= 0)
    return;
  if (!kiln_catalog_set_state (kiln_store_catalog (ctx->store), ctx->build_id,
                               state, detail, &error))
    kiln_reporter_warn (ctx->r, "%s", error->message);
}

gboolean
kiln_stage_check_cancelled (KilnJobContext *ctx, GError **error)
{
  return !g_cancellable_set_error_if_cancelled (ctx->cancellable, error);
}

void
kiln_stage_image_progress (double fraction, gpointer data)
{
  KilnJobContext *ctx = data;
  kiln_reporter_progress (ctx->r, "image store", fraction);
}
