/* stage-inject.c - the inject stages: the guest agent and a plan written
 * into a disk offline, through one libguestfs appliance; for the test boot
 * first a throw-away overlay of the built image. */
#include "stages.h"

#include "backends/guestfs.h"
#include "backends/qemu-img.h"
#include "plan.h"

gboolean
kiln_stage_inject (KilnJobContext *ctx, const KilnMachine *m,
                   const KilnResolved *res, const char *disk,
                   const char *plan, const char *what, GError **error)
{
  g_autoptr (KilnGuest) g = kiln_stage_open_guest (ctx, m, disk, error);
  if (!g)
    return FALSE;
  /* the boot's network card decides whether the guest waits for a network */
  gboolean nic = ctx->job->network_user;
  if (!kiln_guest_install_agent (g, res->agent_path, plan, nic, error))
    return FALSE;
  kiln_reporter_info (ctx->r, "injected the kiln agent and the %s plan (%s; "
                      "%s)", what,
                      nic ? "network card: the agent starts when the "
                            "network is online"
                          : "no network card: no wait for a network",
                      kiln_plan_waits_for_cloud_init (plan)
                          ? "a step needs cloud-init: the agent waits for "
                            "its final stage"
                          : "no step needs cloud-init's final stage");
  return kiln_guest_close (g_steal_pointer (&g), error);
}

char *
kiln_stage_test_overlay (KilnJobContext *ctx, const char *overlay,
                         GError **error)
{
  g_autofree char *test = kiln_workspace_path (ctx->ws, "test.qcow2");
  if (!kiln_qemu_img_create_overlay (overlay, "qcow2", test, 0, error))
    return NULL;
  return g_steal_pointer (&test);
}
