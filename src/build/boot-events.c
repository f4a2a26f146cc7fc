/* boot-events.c - the host's reading of the agent's event lines */
#include "boot-events.h"

#include <json-glib/json-glib.h>

#include "common/kiln-json.h"
#include "common/kiln-protocol.h"

void
kiln_boot_follow_init (KilnBootFollow *f, const KilnBootLimits *limits,
                       gint64 now_us)
{
  f->waiting = KILN_BOOT_WAIT_HELLO;
  f->wait_deadline = now_us + limits->boot_timeout_s * G_USEC_PER_SEC;
  f->step_name = NULL;
  f->step_timeout = 0;
}

void
kiln_boot_follow_clear (KilnBootFollow *f)
{
  g_clear_pointer (&f->step_name, g_free);
}

static char *
dup_member (JsonObject *o, const char *name)
{
  return g_strdup (kiln_json_member_string (o, name));
}

gboolean
kiln_boot_follow_line (KilnBootFollow *f, const char *line,
                       const KilnBootLimits *limits, KilnReporter *r,
                       gint64 now_us, KilnBootResult *res)
{
  const gint64 us = G_USEC_PER_SEC;
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, line, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      kiln_reporter_log (r, "unparseable line from the guest: %s", line);
      return FALSE;
    }
  JsonObject *ev = json_node_get_object (json_parser_get_root (parser));
  kiln_reporter_agent_event (r, ev, line);
  const char *name = kiln_json_member_string (ev, KILN_EVENT_KEY_EVENT);
  if (g_strcmp0 (name, KILN_EVENT_HELLO) == 0)
    f->waiting = KILN_BOOT_WAIT_AGENT;
  else if (g_strcmp0 (name, KILN_EVENT_STEP_START) == 0)
    {
      const char *doc = kiln_json_member_string (ev, KILN_EVENT_KEY_DOCUMENT);
      const char *phase = kiln_json_member_string (ev, KILN_EVENT_KEY_PHASE);
      const char *step = kiln_json_member_string (ev, KILN_EVENT_KEY_STEP);
      g_free (f->step_name);
      f->step_name = g_strdup_printf ("%s/%s/%s", doc ? doc : "?",
                                      phase ? phase : "?", step ? step : "?");
      f->step_timeout = kiln_json_member_int (
          ev, KILN_EVENT_KEY_TIMEOUT_SECONDS, -1);
      if (f->step_timeout > 0)
        {
          f->waiting = KILN_BOOT_WAIT_STEP;
          f->wait_deadline = now_us
                             + (f->step_timeout + limits->step_grace_s) * us;
        }
      else
        f->waiting = KILN_BOOT_WAIT_AGENT;
    }
  else if (g_strcmp0 (name, KILN_EVENT_STEP_END) == 0)
    {
      res->steps_ended++;
      f->waiting = KILN_BOOT_WAIT_AGENT;
    }
  else if (g_strcmp0 (name, KILN_EVENT_REBOOT) == 0)
    {
      res->reboots++;
      f->waiting = KILN_BOOT_WAIT_HELLO;
      f->wait_deadline = now_us + limits->boot_timeout_s * us;
    }
  else if (g_strcmp0 (name, KILN_EVENT_DONE) == 0)
    {
      const char *status = kiln_json_member_string (ev, KILN_EVENT_KEY_STATUS);
      res->finished = TRUE;
      res->success = g_strcmp0 (status, KILN_STATUS_SUCCESS) == 0;
      res->failure_message = dup_member (ev, KILN_EVENT_KEY_FAILURE_MESSAGE);
      res->failed_document = dup_member (ev, KILN_EVENT_KEY_FAILED_DOCUMENT);
      res->failed_phase = dup_member (ev, KILN_EVENT_KEY_FAILED_PHASE);
      res->failed_step = dup_member (ev, KILN_EVENT_KEY_FAILED_STEP);
      return TRUE;
    }
  return FALSE;
}
