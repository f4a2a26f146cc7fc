/* boot-events.c - the host's reading of the agent's event lines */
#include "boot-events.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "common/kiln-json.h"
#include "common/kiln-protocol.h"

/* Events are flat objects (step-end's outputs one level down); anything
 * much deeper is not an event. */
#define EVENT_MAX_DEPTH 32

/* The guest names a step's timeoutSeconds: any number may arrive.  Times
 * saturate instead of overflowing (a deadline past the end of time is no
 * deadline; the stage's own timeout still holds). */
static gint64
seconds_plus (gint64 a, gint64 b)
{
  return a > G_MAXINT64 - b ? G_MAXINT64 : a + b;
}

static gint64
deadline_after (gint64 now_us, gint64 seconds)
{
  if (seconds <= 0)
    return now_us;
  if (seconds > (G_MAXINT64 - now_us) / G_USEC_PER_SEC)
    return G_MAXINT64;
  return now_us + seconds * G_USEC_PER_SEC;
}

/* Here rather than in boot.c: the event reader fills the result. */
void
kiln_boot_result_clear (KilnBootResult *res)
{
  g_clear_pointer (&res->failed_document, g_free);
  g_clear_pointer (&res->failed_phase, g_free);
  g_clear_pointer (&res->failed_step, g_free);
  g_clear_pointer (&res->failure_message, g_free);
  memset (res, 0, sizeof *res);
}

void
kiln_boot_follow_init (KilnBootFollow *f, const KilnBootLimits *limits,
                       gint64 now_us)
{
  f->waiting = KILN_BOOT_WAIT_HELLO;
  f->wait_deadline = deadline_after (now_us, limits->boot_timeout_s);
  f->step_name = NULL;
  f->step_timeout = 0;
  f->layer_pending = 0;
  f->layer_document = NULL;
  f->hello_new = FALSE;
  f->hello_asks = FALSE;
  f->hello_run = NULL;
}

void
kiln_boot_follow_clear (KilnBootFollow *f)
{
  g_clear_pointer (&f->step_name, g_free);
  g_clear_pointer (&f->layer_document, g_free);
  g_clear_pointer (&f->hello_run, g_free);
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
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = kiln_json_parse_bounded (line, -1,
                                                       EVENT_MAX_DEPTH,
                                                       &error);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      kiln_reporter_log (r, "unparseable line from the guest (%s): %s",
                         error ? error->message : "not a JSON object", line);
      return FALSE;
    }
  JsonObject *ev = json_node_get_object (root);
  const char *name = kiln_json_member_string (ev, KILN_EVENT_KEY_EVENT);
  /* file data for S3Upload: kept for the put, never reported or logged */
  if (g_strcmp0 (name, KILN_EVENT_UPLOAD) == 0)
    {
      if (limits->s3)
        kiln_s3_transfers_receive (limits->s3, ev);
      else
        kiln_reporter_log (r, "the guest sent an upload event, and this "
                           "stage has no S3Upload step: ignored");
      return FALSE;
    }
  kiln_reporter_agent_event (r, ev, line);
  /* the reporter masks secrets in place, replacing the members' strings:
   * read the name again */
  name = kiln_json_member_string (ev, KILN_EVENT_KEY_EVENT);
  if (g_strcmp0 (name, KILN_EVENT_HELLO) == 0)
    {
      f->waiting = KILN_BOOT_WAIT_AGENT;
      f->hello_new = TRUE;
      f->hello_asks = kiln_json_member_bool (ev, KILN_EVENT_KEY_ASKS, FALSE);
      g_free (f->hello_run);
      f->hello_run = dup_member (ev, KILN_EVENT_KEY_RUN);
    }
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
          f->wait_deadline = deadline_after (
              now_us, seconds_plus (f->step_timeout, limits->step_grace_s));
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
      f->wait_deadline = deadline_after (now_us, limits->boot_timeout_s);
    }
  else if (g_strcmp0 (name, KILN_EVENT_LAYER) == 0)
    {
      gint64 n = kiln_json_member_int (ev, KILN_EVENT_KEY_LAYER, 0);
      if (n > 0)
        {
          f->layer_pending = n;
          g_free (f->layer_document);
          f->layer_document = dup_member (ev, KILN_EVENT_KEY_DOCUMENT);
        }
      else
        kiln_reporter_log (r, "a layer event without a layer number: "
                           "ignored");
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
