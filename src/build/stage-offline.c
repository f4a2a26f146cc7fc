/* stage-offline.c - the offline build: when every component with build or
 * validate steps is marked `offline: true`, those steps run inside one
 * libguestfs appliance instead of a boot.  The agent and plan go in as for
 * a boot, the agent runs chrooted into the guest (backends/guestfs.h), its
 * event file is read back and reported like a boot's channel, and the same
 * appliance stays up for the generalize stage: one launch for the whole
 * build, as virt-customize + virt-sysprep would need two. */
#include "stages.h"

#include <glib/gstdio.h>

#include "backends/guestfs.h"
#include "boot-events.h"
#include "common/kiln.h"

/* Reports the event lines of path as a boot reports its channel's. */
static void
follow_events (KilnJobContext *ctx, const char *path, KilnS3Transfers *s3,
               KilnBootResult *res)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &text, NULL, &error))
    {
      kiln_reporter_warn (ctx->r, "cannot read the agent's events: %s",
                          error->message);
      return;
    }
  /* no deadlines here: the agent enforces each step's timeoutSeconds
   * itself, and the lines arrive after the fact */
  KilnBootLimits limits = { .s3 = s3 };
  g_auto (KilnBootFollow) follow = { 0 };
  kiln_boot_follow_init (&follow, &limits, g_get_monotonic_time ());
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (*lines[i]
        && kiln_boot_follow_line (&follow, lines[i], &limits, ctx->r,
                                  g_get_monotonic_time (), res))
      break;
}

gboolean
kiln_stage_offline (KilnJobContext *ctx, const KilnMachine *m,
                    const KilnResolved *res, const char *disk,
                    KilnBootStage *b, KilnGuest **guest, GError **error)
{
  double t0 = kiln_reporter_elapsed (ctx->r);
  g_autoptr (KilnGuest) g = kiln_stage_open_guest_net (
      ctx, m, disk, ctx->job->network_user, error);
  if (!g || !kiln_guest_install_agent (g, res->agent_path, res->build_plan,
                                       FALSE, error)
      || !kiln_stage_copy_in_s3 (g, res, error))
    return FALSE;
  kiln_reporter_info (ctx->r, "running the build and validate steps offline, "
                      "in the libguestfs appliance (%s)",
                      ctx->job->network_user ? "network: user"
                                             : "no network");
  g_autofree char *events = kiln_workspace_path (ctx->ws,
                                                 "offline-events.jsonl");
  g_autofree char *agent_error = NULL;
  /* the steps may run for a long time: a signal kills the appliance
   * meanwhile through the job's stop (job.c), and the call then fails */
  gboolean read = kiln_guest_run_agent_offline (g, events, &agent_error,
                                                error);
  if (g_cancellable_is_cancelled (ctx->cancellable))
    {
      g_clear_error (error);
      g_unlink (events);
      return kiln_stage_check_cancelled (ctx, error);
    }
  kiln_boot_result_clear (&b->result);
  if (read)
    follow_events (ctx, events, b->s3, &b->result);
  g_unlink (events);
  if (read && !kiln_stage_s3_put (ctx, b->s3, error))
    return FALSE;
  b->result.seconds = kiln_reporter_elapsed (ctx->r) - t0;
  if (!read)
    return FALSE;
  if (!b->result.finished)
    {
      if (b->result.reboots > 0)
        g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "a step asked for "
                     "a reboot, which an offline component cannot do: "
                     "remove `offline: true` from its recipe entry");
      else
        g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "the agent "
                     "stopped without finishing its plan: %s",
                     agent_error ? agent_error : "no error reported");
      return FALSE;
    }
  kiln_reporter_info (ctx->r, "offline steps finished in %.1f s (%u steps)",
                      b->result.seconds, b->result.steps_ended);
  if (!kiln_boot_stage_passed (b, error))
    return FALSE;
  *guest = g_steal_pointer (&g);
  return TRUE;
}
