/* boot.c - boot a domain and follow the guest agent until its plan is done */
#include "boot.h"

#include <string.h>

#include "backends/libvirt.h"
#include "base/signals.h"
#include "build/boot-events.h"
#include "common/kiln.h"

/* A signal stops the guest at once; the stage then unwinds through the
 * cancelled channel read. */
static void
stop_domain (gpointer dom)
{
  kiln_domain_stop (dom);
}

gboolean
kiln_boot_run (KilnHypervisor *hv, const KilnDomainSpec *spec,
               const KilnBootLimits *limits, KilnReporter *r,
               GCancellable *cancellable, KilnBootResult *res, GError **error)
{
  const gint64 us = G_USEC_PER_SEC;
  gint64 start = g_get_monotonic_time ();
  gint64 stage_deadline = limits->stage_timeout_s > 0
                              ? start + limits->stage_timeout_s * us : -1;
  g_auto (KilnBootFollow) follow = { 0 };
  gboolean ok = FALSE;

  memset (res, 0, sizeof *res);
  g_autoptr (KilnDomain) dom = kiln_domain_start (hv, spec, error);
  if (!dom)
    return FALSE;
  kiln_boot_follow_init (&follow, limits, start);
  guint stop = kiln_signal_stop_add (stop_domain, dom);
  kiln_reporter_log (r, "domain %s started (disk %s, console %s)",
                     kiln_domain_name (dom), spec->disk, spec->console_log);

  for (;;)
    {
      gint64 deadline = stage_deadline;
      if (follow.waiting != KILN_BOOT_WAIT_AGENT
          && (deadline < 0 || (follow.wait_deadline >= 0
                               && follow.wait_deadline < deadline)))
        deadline = follow.wait_deadline;

      g_autofree char *line = NULL;
      g_autoptr (GError) read_error = NULL;
      KilnChannelStatus st = kiln_domain_read_line (dom, deadline, &line,
                                                    cancellable, &read_error);
      if (st == KILN_CHANNEL_LINE)
        {
          if (kiln_boot_follow_line (&follow, line, limits, r,
                                     g_get_monotonic_time (), res))
            break;
          continue;
        }
      if (st == KILN_CHANNEL_TIMEOUT)
        {
          gint64 now = g_get_monotonic_time ();
          if (stage_deadline >= 0 && now >= stage_deadline)
            g_set_error (error, KILN_ERROR, KILN_ERROR_TIMEOUT,
                         "the stage did not finish within its timeout of "
                         "%" G_GINT64_FORMAT " s%s%s", limits->stage_timeout_s,
                         follow.step_name ? "; last step started: " : "",
                         follow.step_name ? follow.step_name : "");
          else if (follow.waiting == KILN_BOOT_WAIT_STEP)
            g_set_error (error, KILN_ERROR, KILN_ERROR_TIMEOUT,
                         "step %s did not finish within its timeoutSeconds "
                         "(%" G_GINT64_FORMAT " s, plus %" G_GINT64_FORMAT
                         " s grace)", follow.step_name, follow.step_timeout,
                         limits->step_grace_s);
          else
            g_set_error (error, KILN_ERROR, KILN_ERROR_TIMEOUT,
                         "the guest did not start the kiln agent within "
                         "%" G_GINT64_FORMAT " s of %s; it may not boot (see "
                         "the console log)", limits->boot_timeout_s,
                         res->reboots ? "rebooting" : "starting");
          goto out;
        }
      if (st == KILN_CHANNEL_STOPPED)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "the guest stopped before the kiln agent finished its "
                       "plan%s%s",
                       follow.step_name ? "; last step started: " : "",
                       follow.step_name ? follow.step_name : "");
          goto out;
        }
      /* KILN_CHANNEL_ERROR, cancellation included */
      g_propagate_error (error, g_steal_pointer (&read_error));
      if (error && !*error)
        g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                     "reading the agent channel failed");
      goto out;
    }

  /* The agent powers the guest off after `done`. */
  {
    g_autoptr (GError) wait_error = NULL;
    gint64 deadline = g_get_monotonic_time ()
                      + limits->shutdown_timeout_s * us;
    if (!kiln_domain_wait_shutoff (dom, deadline, &wait_error))
      kiln_reporter_warn (r, "the guest did not power off within %"
                          G_GINT64_FORMAT " s after the agent finished; "
                          "destroying it (%s)", limits->shutdown_timeout_s,
                          wait_error ? wait_error->message : "timeout");
  }
  ok = TRUE;

out:
  kiln_signal_stop_remove (stop);
  res->seconds = (g_get_monotonic_time () - start) / 1e6;
  /* g_autoptr destroys the domain (a no-op when it already shut off) */
  return ok;
}
