/* boot.c - boot a domain and follow the guest agent until its plan is done */
#include "boot.h"

#include <string.h>

#include "backends/libvirt.h"
#include "base/signals.h"
#include "build/boot-events.h"
#include "build/console-watch.h"
#include "common/kiln.h"
#include "common/kiln-protocol.h"

/* How often the console is looked at for a kernel panic while the agent
 * says nothing. */
#define CONSOLE_POLL_US (2 * G_USEC_PER_SEC)

/* A signal stops the guest at once; the stage then unwinds through the
 * cancelled channel read. */
static void
stop_domain (gpointer dom)
{
  kiln_domain_stop (dom);
}

/* The guest is frozen after a document: the layer is cut (or not), and
 * the agent told to thaw.  An answer that cannot be written is a warning:
 * the agent thaws by itself after KILN_LAYER_FREEZE_MAX_SECONDS. */
static void
answer_layer (KilnDomain *dom, KilnBootFollow *follow,
              const KilnBootLimits *limits, KilnReporter *r,
              KilnBootResult *res)
{
  gint64 n = follow->layer_pending;
  follow->layer_pending = 0;
  gboolean cut = limits->cut_layer
                 && limits->cut_layer (limits->layer_data, dom, n,
                                       follow->layer_document);
  if (cut)
    res->layers_cut++;
  g_autofree char *answer = g_strdup_printf (
      "{\"" KILN_COMMAND_KEY_COMMAND "\": \"" KILN_COMMAND_THAW "\", \""
      KILN_COMMAND_KEY_LAYER "\": %" G_GINT64_FORMAT ", \""
      KILN_COMMAND_KEY_CUT "\": %s}", n, cut ? "true" : "false");
  g_autoptr (GError) error = NULL;
  if (!kiln_domain_write_line (dom, answer, &error))
    kiln_reporter_warn (r, "cannot tell the agent to thaw after layer %"
                        G_GINT64_FORMAT " (it thaws by itself within %d s): "
                        "%s", n, KILN_LAYER_FREEZE_MAX_SECONDS,
                        error->message);
  else
    kiln_reporter_log (r, "host: %s", answer);
}

/* After a hello: an asking agent of another run (the one in the layer
 * this build starts from) gets this build's plan, any other asking agent
 * `go`.  An agent of another run that does not ask would run that run's
 * plan: that, or a plan that cannot be handed over, ends the boot. */
static gboolean
answer_hello (KilnDomain *dom, KilnBootFollow *follow,
              const KilnBootLimits *limits, KilnReporter *r, GError **error)
{
  gboolean asks = follow->hello_asks;
  follow->hello_new = follow->hello_asks = FALSE;
  gboolean other_run = limits->plan_line
                       && g_strcmp0 (follow->hello_run, limits->run_id) != 0;
  if (other_run && !asks)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "the agent in the layer runs the plan of run %s and does "
                   "not ask for this build's (run %s); build with --force",
                   follow->hello_run ? follow->hello_run : "(none)",
                   limits->run_id);
      return FALSE;
    }
  if (!asks)
    return TRUE;
  if (other_run)
    {
      if (!kiln_domain_write_line (dom, limits->plan_line, error))
        {
          g_prefix_error (error, "handing this build's plan to the agent in "
                          "the layer: ");
          return FALSE;
        }
      kiln_reporter_info (r, "the agent in the layer (run %s) got this "
                          "build's plan (run %s) over its channel: no "
                          "inject launch", follow->hello_run
                          ? follow->hello_run : "(none)", limits->run_id);
      return TRUE;
    }
  static const char go[] = "{\"" KILN_COMMAND_KEY_COMMAND "\": \""
                           KILN_COMMAND_GO "\"}";
  g_autoptr (GError) write_error = NULL;
  if (!kiln_domain_write_line (dom, go, &write_error))
    kiln_reporter_warn (r, "cannot answer the agent's hello (it runs its "
                        "plan by itself within %d s): %s",
                        KILN_HELLO_ANSWER_MAX_SECONDS, write_error->message);
  else
    kiln_reporter_log (r, "host: %s", go);
  return TRUE;
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
  g_autoptr (KilnConsoleWatch) console =
      spec->console_log ? kiln_console_watch_new (spec->console_log) : NULL;

  for (;;)
    {
      gint64 deadline = stage_deadline;
      if (follow.waiting != KILN_BOOT_WAIT_AGENT
          && (deadline < 0 || (follow.wait_deadline >= 0
                               && follow.wait_deadline < deadline)))
        deadline = follow.wait_deadline;
      /* wake up now and then to look at the console */
      gint64 wake = deadline;
      gint64 poll_at = g_get_monotonic_time () + CONSOLE_POLL_US;
      if (console && (wake < 0 || poll_at < wake))
        wake = poll_at;

      g_autofree char *line = NULL;
      g_autoptr (GError) read_error = NULL;
      KilnChannelStatus st = kiln_domain_read_line (dom, wake, &line,
                                                    cancellable, &read_error);
      if (st == KILN_CHANNEL_LINE)
        {
          if (kiln_boot_follow_line (&follow, line, limits, r,
                                     g_get_monotonic_time (), res))
            break;
          if (follow.hello_new && !answer_hello (dom, &follow, limits, r,
                                                  error))
            goto out;
          if (follow.layer_pending > 0)
            answer_layer (dom, &follow, limits, r, res);
          continue;
        }
      if (st == KILN_CHANNEL_TIMEOUT || st == KILN_CHANNEL_STOPPED)
        {
          g_autofree char *panic = console ? kiln_console_watch_panic (console)
                                           : NULL;
          if (panic)
            {
              g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                           "the guest kernel panicked%s%s: %s",
                           follow.step_name ? " during step " : "",
                           follow.step_name ? follow.step_name : "", panic);
              goto out;
            }
        }
      if (st == KILN_CHANNEL_TIMEOUT)
        {
          gint64 now = g_get_monotonic_time ();
          if (deadline < 0 || now < deadline)
            continue;   /* only the console's turn */
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
      /* KILN_CHANNEL_ERROR, cancellation included; a guest that broke the
       * channel (a line over the limit) is named by its step */
      if (read_error && follow.step_name
          && !g_error_matches (read_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&read_error, "during step %s: ", follow.step_name);
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
