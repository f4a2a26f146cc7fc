/* stage-prepare.c - the prepare stage: the overlay the job builds in, over
 * the parent it never writes; the hypervisor connection and the one
 * accelerator decision its boots and libguestfs appliances share. */
#include "stages.h"

#include "backends/guestfs.h"
#include "accel-decide.h"
#include "target-disks.h"
#include "backends/libvirt-pool.h"
#include "store/recover.h"
#include "store/target-claims.h"
#include "backends/libvirt.h"
#include "backends/qemu-img.h"
#include "base/doctor-hint.h"
#include "base/paths.h"
#include "common/kiln.h"

char *
kiln_stage_prepare_overlay (KilnJobContext *ctx, const KilnResolved *res,
                            GError **error)
{
  g_autofree char *overlay = kiln_workspace_path (ctx->ws, "disk.qcow2");
  /* over the start layer when there is one (stage-layers.c): a delta
   * over the parent, as read-only as it */
  const char *base = res->start_layer ? res->start_layer->path
                                      : ctx->job->parent;
  const char *base_format = res->start_layer ? "qcow2" : res->parent_format;
  if (!kiln_qemu_img_create_overlay (base, base_format, overlay,
                                     ctx->job->disk_size, error))
    return NULL;
  kiln_reporter_log (ctx->r, "overlay %s on read-only %s %s", overlay,
                     res->start_layer ? "layer" : "parent", base);
  return g_steal_pointer (&overlay);
}

void
kiln_machine_free (KilnMachine *m)
{
  if (!m)
    return;
  /* the pool's handle belongs to the connection: closed first */
  if (m->pool)
    kiln_pool_close (m->pool);
  if (m->hv)
    kiln_hypervisor_close (m->hv);
  /* after the boots deleted their volumes (or warned that they could not:
   * a volume a live kiln failed to delete is not a killed kiln's) */
  kiln_target_claim_free (m->claim);
  g_free (m);
}

static void
report_recovered (const char *message, gpointer data)
{
  kiln_reporter_info (data, "%s", message);
}

/* On a daemon target: what killed kilns left there goes first, then this
 * build's names are claimed before it makes any (store/target-claims.h),
 * and a signal stops a parent's upload between two chunks. */
static gboolean
claim_target (KilnJobContext *ctx, KilnMachine *m, GError **error)
{
  kiln_target_recover (m->hv, report_recovered, ctx->r);
  g_autofree char *prefix = g_strdup_printf ("kiln-%s-", ctx->domain_tag);
  m->claim = kiln_target_claim_new (kiln_hypervisor_uri (m->hv), prefix,
                                    error);
  if (m->claim == NULL)
    return FALSE;
  kiln_pool_set_cancellable (m->pool, ctx->cancellable);
  return TRUE;
}

KilnMachine *
kiln_stage_open_machine (KilnJobContext *ctx, GError **error)
{
  g_autofree char *embed_root = g_build_filename (kiln_home (), "libvirt",
                                                  NULL);
  const char *uri = ctx->job->connect;
  g_autoptr (KilnMachine) m = g_new0 (KilnMachine, 1);

  if (uri && g_str_equal (uri, "embed"))
    uri = NULL;
  kiln_doctor_hint_set_target (uri);
  m->hv = kiln_hypervisor_open_cancellable (uri, embed_root,
                                            ctx->cancellable, error);
  if (!m->hv)
    return NULL;
  /* libguestfs needs the disk on this host, and a daemon's QEMU (another
   * user, maybe another host) gets it through a storage pool there */
  if (!kiln_target_pool_open (m->hv, ctx->job->pool, &m->pool, error))
    return NULL;
  if (m->pool && !claim_target (ctx, m, error))
    return NULL;
  m->accel = kiln_accel_decide_on (m->hv, m->pool, ctx->job->accel, ctx->r,
                                   error);
  if (m->accel == KILN_ACCEL_AUTO)
    return NULL;
  return g_steal_pointer (&m);
}

KilnGuest *
kiln_stage_open_guest (KilnJobContext *ctx, const KilnMachine *m,
                       const char *disk, GError **error)
{
  return kiln_stage_open_guest_net (ctx, m, disk, FALSE, error);
}

KilnGuest *
kiln_stage_open_guest_net (KilnJobContext *ctx, const KilnMachine *m,
                           const char *disk, gboolean network,
                           GError **error)
{
  g_autofree char *log = kiln_workspace_path (ctx->ws, "guestfs.log");
  KilnGuestOptions opts = {
    .readonly = FALSE,
    .network = network,
    .force_tcg = m->accel != KILN_ACCEL_KVM,
    .log_path = log,
  };
  double t0 = kiln_reporter_elapsed (ctx->r);
  KilnGuest *g = kiln_guest_open (disk, "qcow2", &opts, error);
  if (g)
    {
      const KilnOsInfo *os = kiln_guest_os (g);
      kiln_reporter_log (ctx->r, "libguestfs appliance up in %.1f s: %s %s "
                         "%d.%d %s (%s, %s)",
                         kiln_reporter_elapsed (ctx->r) - t0, os->type,
                         os->distro, os->major_version, os->minor_version,
                         os->arch, os->firmware,
                         os->has_systemd ? "systemd" : "no systemd");
    }
  return g;
}
