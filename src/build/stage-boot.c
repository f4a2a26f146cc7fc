/* stage-boot.c - the build boot and the test boot: the disk booted in a
 * libvirt domain with a NoCloud seed, the agent followed until its plan is
 * done (boot.c), the guest console appended to the build log. */
#include "stages.h"

#include <glib/gstdio.h>

#include "backends/libvirt.h"
#include "backends/seed.h"
#include "agent-seed.h"
#include "common/kiln.h"
#include "target-disks.h"

#define STEP_GRACE_S 30
#define SHUTDOWN_TIMEOUT_S 120
#define BOOT_TIMEOUT_MAX_S 600

KilnBootStage *
kiln_boot_stage_new (const char *what)
{
  KilnBootStage *b = g_new0 (KilnBootStage, 1);
  b->what = g_strdup (what);
  return b;
}

void
kiln_boot_stage_free (KilnBootStage *b)
{
  if (!b)
    return;
  kiln_boot_result_clear (&b->result);
  g_free (b->what);
  g_free (b->console_log);
  g_free (b->seed_agent);
  g_free (b->seed_plan);
  g_free (b->plan_line);
  g_free (b->run_id);
  g_free (b);
}

gboolean
kiln_boot_stage_passed (const KilnBootStage *b, GError **error)
{
  if (b->result.success)
    return TRUE;
  g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s",
               b->result.failure_message ? b->result.failure_message
                                         : "a step failed");
  return FALSE;
}

gboolean
kiln_stage_boot (KilnJobContext *ctx, const KilnMachine *m, const char *disk,
                 KilnBootStage *b, GError **error)
{
  KilnJob *job = ctx->job;
  const char *what = b->what;
  g_autofree char *console_name = g_strdup_printf ("console-%s.log", what);
  g_autofree char *sock = g_build_filename (ctx->ws->sock_dir, "agent.sock",
                                            NULL);
  g_autofree char *prefix = g_strdup_printf ("kiln-%s-%s", ctx->domain_tag,
                                             what);
  KilnDomainSpec spec = {
    .name_prefix = prefix,
    .disk = disk,
    .disk_format = "qcow2",
    .memory_mib = job->memory_mib,
    .vcpus = job->vcpus,
    .accel = m->accel,
    .uefi = FALSE,
    .network_user = job->network_user,
    .channel_socket = sock,
  };
  KilnBootLimits limits = {
    .stage_timeout_s = job->timeout_seconds,
    .boot_timeout_s = MIN (job->timeout_seconds, BOOT_TIMEOUT_MAX_S),
    .step_grace_s = STEP_GRACE_S,
    .shutdown_timeout_s = SHUTDOWN_TIMEOUT_S,
    .s3 = b->s3,
    .cut_layer = b->layers ? kiln_layer_cutter_cut : NULL,
    .layer_data = b->layers,
    .plan_line = b->plan_line,
    .run_id = b->run_id,
  };
  g_autofree char *title = NULL;
  gboolean ok;

  /* a NoCloud seed so images with cloud-init finish booting at once */
  g_autofree char *seed_name = g_strdup_printf ("seed-%s.img", what);
  g_autofree char *seed = kiln_workspace_path (ctx->ws, seed_name);
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *instance = g_strdup_printf ("kiln-%s-%s-%" G_GINT64_FORMAT
                                               "-%s", job->name, what,
                                               ctx->build_number, uuid);
  /* The build boot makes no SSH host keys: generalize removes them again,
   * and cloud-init's key generation holds the boot (it runs before
   * sysinit.target).  The test boot keeps cloud-init's default - it boots
   * the shipped image as a user would, and a test may check that sshd runs
   * on an image whose keys only cloud-init makes. */
  gboolean build = g_strcmp0 (what, "build") == 0;
  KilnSeedFile seed_files[] = {
    { KILN_AGENT_SEED_AGENT, b->seed_agent },
    { KILN_AGENT_SEED_PLAN, b->seed_plan },
  };
  gboolean agent_on_seed = b->seed_agent && b->seed_plan;
  g_autofree char *agent_user_data =
      agent_on_seed ? kiln_agent_seed_user_data (job->network_user) : NULL;
  KilnSeedSpec seed_spec = {
    .instance_id = instance,
    .hostname = NULL,
    /* an empty ssh_keys makes cloud-init write the keys it lists (none)
     * instead of generating; `ssh_genkeytypes: []` would do the same, but
     * cloud-init's schema refuses an empty list, with a warning */
    .extra_user_data = build ? "ssh_deletekeys: false\n"
                               "ssh_keys: {}\n"
                             : agent_user_data,
    .files = agent_on_seed ? seed_files : NULL,
    .n_files = agent_on_seed ? G_N_ELEMENTS (seed_files) : 0,
  };
  if (!kiln_seed_create (&seed_spec, seed, error))
    return FALSE;

  /* on a daemon the disks go to its storage pool first (target-disks.h) */
  g_autoptr (KilnTargetDisks) td = kiln_target_disks_new (m->pool, prefix,
                                                          ctx->ws->dir,
                                                          ctx->r);
  g_autofree char *disk_at = kiln_target_disks_place_chain (
      td, disk, job->parent, ctx->parent_digest, error);
  if (disk_at == NULL)
    return FALSE;
  g_autofree char *seed_at = kiln_target_disks_place_file (td, seed,
                                                           "seed.img", error);
  if (seed_at == NULL)
    return FALSE;
  spec.disk = disk_at;
  spec.seed_disk = seed_at;
  spec.seed_format = "raw";

  g_free (b->console_log);
  b->console_log = kiln_workspace_path (ctx->ws, console_name);
  spec.console_log = b->console_log;
  g_unlink (sock);

  kiln_boot_result_clear (&b->result);
  ok = kiln_boot_run (m->hv, &spec, &limits, ctx->r, ctx->cancellable,
                      &b->result, error);
  title = g_strdup_printf ("guest console of the %s boot", what);
  kiln_reporter_append_file (ctx->r, title, b->console_log);
  /* what S3Upload steps sent goes to the store even when a later step
   * failed: AWSTOE's uploads happen as each step runs */
  {
    g_autoptr (GError) put_error = NULL;
    if (!kiln_stage_s3_put (ctx, b->s3, &put_error))
      {
        if (!ok)
          kiln_reporter_warn (ctx->r, "%s", put_error->message);
        else
          {
            g_propagate_error (error, g_steal_pointer (&put_error));
            return FALSE;
          }
      }
  }
  if (!ok)
    return FALSE;
  /* what the build boot wrote is the image; the test boot's is thrown
   * away */
  if (build && !kiln_target_disks_fetch (td, disk, error))
    return FALSE;
  g_autofree char *layers = b->result.layers_cut
      ? g_strdup_printf (", %u layer%s cut", b->result.layers_cut,
                         b->result.layers_cut > 1 ? "s" : "")
      : g_strdup ("");
  kiln_reporter_info (ctx->r, "%s boot finished in %.1f s (%u steps, %u "
                      "reboots%s)", what, b->result.seconds,
                      b->result.steps_ended, b->result.reboots, layers);
  return kiln_boot_stage_passed (b, error);
}
