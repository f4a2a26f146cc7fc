/* boot.c - boot a domain and follow the guest agent until its plan is done */
#include "boot.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "backends/libvirt.h"
#include "base/signals.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "common/kiln-protocol.h"

void
kiln_boot_result_clear (KilnBootResult *res)
{
  g_clear_pointer (&res->failed_document, g_free);
  g_clear_pointer (&res->failed_phase, g_free);
  g_clear_pointer (&res->failed_step, g_free);
  g_clear_pointer (&res->failure_message, g_free);
  memset (res, 0, sizeof *res);
}

typedef enum {
  WAIT_HELLO,      /* booting or rebooting: the agent has not said hello */
  WAIT_STEP,       /* a step with a timeout runs */
  WAIT_AGENT,      /* between steps, or a step without a timeout */
} WaitKind;

static char *
dup_member (JsonObject *o, const char *name)
{
  return g_strdup (kiln_json_member_string (o, name));
}

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
  WaitKind waiting = WAIT_HELLO;
  gint64 wait_deadline = start + limits->boot_timeout_s * us;
  g_autofree char *step_name = NULL;
  gint64 step_timeout = 0;
  gboolean ok = FALSE;

  memset (res, 0, sizeof *res);
  g_autoptr (KilnDomain) dom = kiln_domain_start (hv, spec, error);
  if (!dom)
    return FALSE;
  guint stop = kiln_signal_stop_add (stop_domain, dom);
  kiln_reporter_log (r, "domain %s started (disk %s, console %s)",
                     kiln_domain_name (dom), spec->disk, spec->console_log);

  for (;;)
    {
      gint64 deadline = stage_deadline;
      if (waiting != WAIT_AGENT
          && (deadline < 0 || (wait_deadline >= 0 && wait_deadline < deadline)))
        deadline = wait_deadline;

      g_autofree char *line = NULL;
      g_autoptr (GError) read_error = NULL;
      KilnChannelStatus st = kiln_domain_read_line (dom, deadline, &line,
                                                    cancellable, &read_error);
      if (st == KILN_CHANNEL_LINE)
        {
          g_autoptr (JsonParser) parser = json_parser_new ();
          if (!json_parser_load_from_data (parser, line, -1, NULL)
              || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
            {
              kiln_reporter_log (r, "unparseable line from the guest: %s",
                                 line);
              continue;
            }
          JsonObject *ev = json_node_get_object (json_parser_get_root (parser));
          kiln_reporter_agent_event (r, ev, line);
          const char *name = kiln_json_member_string (ev,
                                                      KILN_EVENT_KEY_EVENT);
          if (g_strcmp0 (name, KILN_EVENT_HELLO) == 0)
            waiting = WAIT_AGENT;
          else if (g_strcmp0 (name, KILN_EVENT_STEP_START) == 0)
            {
              const char *doc = kiln_json_member_string (
                  ev, KILN_EVENT_KEY_DOCUMENT);
              const char *phase = kiln_json_member_string (
                  ev, KILN_EVENT_KEY_PHASE);
              const char *step = kiln_json_member_string (
                  ev, KILN_EVENT_KEY_STEP);
              g_free (step_name);
              step_name = g_strdup_printf ("%s/%s/%s", doc ? doc : "?",
                                           phase ? phase : "?",
                                           step ? step : "?");
              step_timeout = kiln_json_member_int (
                  ev, KILN_EVENT_KEY_TIMEOUT_SECONDS, -1);
              if (step_timeout > 0)
                {
                  waiting = WAIT_STEP;
                  wait_deadline = g_get_monotonic_time ()
                                  + (step_timeout + limits->step_grace_s) * us;
                }
              else
                waiting = WAIT_AGENT;
            }
          else if (g_strcmp0 (name, KILN_EVENT_STEP_END) == 0)
            {
              res->steps_ended++;
              waiting = WAIT_AGENT;
            }
          else if (g_strcmp0 (name, KILN_EVENT_REBOOT) == 0)
            {
              res->reboots++;
              waiting = WAIT_HELLO;
              wait_deadline = g_get_monotonic_time ()
                              + limits->boot_timeout_s * us;
            }
          else if (g_strcmp0 (name, KILN_EVENT_DONE) == 0)
            {
              const char *status = kiln_json_member_string (
                  ev, KILN_EVENT_KEY_STATUS);
              res->finished = TRUE;
              res->success = g_strcmp0 (status, KILN_STATUS_SUCCESS) == 0;
              res->failure_message = dup_member (
                  ev, KILN_EVENT_KEY_FAILURE_MESSAGE);
              res->failed_document = dup_member (
                  ev, KILN_EVENT_KEY_FAILED_DOCUMENT);
              res->failed_phase = dup_member (ev, KILN_EVENT_KEY_FAILED_PHASE);
              res->failed_step = dup_member (ev, KILN_EVENT_KEY_FAILED_STEP);
              break;
            }
          continue;
        }
      if (st == KILN_CHANNEL_TIMEOUT)
        {
          gint64 now = g_get_monotonic_time ();
          if (stage_deadline >= 0 && now >= stage_deadline)
            g_set_error (error, KILN_ERROR, KILN_ERROR_TIMEOUT,
                         "the stage did not finish within its timeout of "
                         "%" G_GINT64_FORMAT " s%s%s", limits->stage_timeout_s,
                         step_name ? "; last step started: " : "",
                         step_name ? step_name : "");
          else if (waiting == WAIT_STEP)
            g_set_error (error, KILN_ERROR, KILN_ERROR_TIMEOUT,
                         "step %s did not finish within its timeoutSeconds "
                         "(%" G_GINT64_FORMAT " s, plus %" G_GINT64_FORMAT
                         " s grace)", step_name, step_timeout,
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
                       "plan%s%s", step_name ? "; last step started: " : "",
                       step_name ? step_name : "");
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
