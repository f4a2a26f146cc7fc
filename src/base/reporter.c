/* reporter.c - progress for people, plain lines for logs, JSON for programs */
#include "reporter.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/kiln-json.h"
#include "escape.h"
#include "secret-mask.h"
#include "common/kiln-protocol.h"

#define TAIL_LINES 40

struct KilnReporter {
  gboolean json;
  gboolean tty;
  gint64 start_us;
  FILE *log;
  char *log_path;
  GString *pending;        /* log text before the log file was opened */
  char *stage;
  char *step;              /* "component/phase/step" while one runs */
  GQueue *tail;            /* char*: last output lines of the current step */
  GString *partial;        /* incomplete output line */
  gboolean status_shown;   /* a status line is on screen (tty) */
  char **secrets;          /* values masked in everything (NULL: none) */
  GMutex lock;
  KilnAgentEventSink sink;  /* every agent event also goes here */
  gpointer sink_data;
};

KilnReporter *
kiln_reporter_new (gboolean json)
{
  KilnReporter *r = g_new0 (KilnReporter, 1);
  r->json = json;
  r->tty = !json && isatty (STDERR_FILENO);
  r->start_us = g_get_monotonic_time ();
  r->pending = g_string_new ("");
  r->tail = g_queue_new ();
  r->partial = g_string_new ("");
  g_mutex_init (&r->lock);
  return r;
}

void
kiln_reporter_free (KilnReporter *r)
{
  if (!r)
    return;
  if (r->status_shown)
    fputs ("\r\033[K", stderr);
  if (r->log)
    fclose (r->log);
  g_free (r->log_path);
  g_string_free (r->pending, TRUE);
  g_free (r->stage);
  g_free (r->step);
  g_queue_free_full (r->tail, g_free);
  g_string_free (r->partial, TRUE);
  g_strfreev (r->secrets);
  g_mutex_clear (&r->lock);
  g_free (r);
}

void
kiln_reporter_set_secrets (KilnReporter *r, const char *const *values)
{
  g_mutex_lock (&r->lock);
  g_strfreev (r->secrets);
  r->secrets = kiln_mask_secrets_prepare (values);
  g_mutex_unlock (&r->lock);
}

/* Text a person or a program reads, with the secret values masked; before
 * escaping, so a value holding a control character is found too. */
static char *
masked (KilnReporter *r, const char *text)
{
  return kiln_mask_secrets (text, -1, (const char *const *) r->secrets, NULL);
}

double
kiln_reporter_elapsed (KilnReporter *r)
{
  return (g_get_monotonic_time () - r->start_us) / 1e6;
}

static void
log_raw (KilnReporter *r, const char *text)
{
  if (r->log)
    {
      fputs (text, r->log);
      fflush (r->log);
    }
  else
    g_string_append (r->pending, text);
}

/* The log and the screen are text: what documents and guests wrote into
 * a message shows its control characters escaped (base/escape.h); the
 * --json events keep them (JSON escapes them itself). */
static void
log_line (KilnReporter *r, const char *tag, const char *msg)
{
  g_autofree char *clean = masked (r, msg);
  g_autofree char *safe = kiln_escape_text (clean, -1);
  g_autofree char *line = g_strdup_printf ("[%8.1fs] %-6s %s\n",
                                           kiln_reporter_elapsed (r), tag,
                                           safe);
  log_raw (r, line);
}

gboolean
kiln_reporter_open_log (KilnReporter *r, const char *path, GError **error)
{
  /* "w": a build number an up-to-date run gave back is used again, and
   * its log must not start with that run's lines. */
  FILE *f = fopen (path, "w");
  /* private (docs/outputs.md), also when an older kiln made it readable;
   * only a regular file: a log sent to /dev/null (the fuzzers do) must
   * not take the device's mode away from every other user */
  struct stat st;
  if (f && (fstat (fileno (f), &st) < 0
            || (S_ISREG (st.st_mode) && fchmod (fileno (f), 0600) < 0)))
    g_clear_pointer (&f, fclose);
  if (!f)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "cannot open the build log %s: %s", path,
                   g_strerror (errno));
      return FALSE;
    }
  g_mutex_lock (&r->lock);
  r->log = f;
  g_free (r->log_path);
  r->log_path = g_strdup (path);
  fputs (r->pending->str, f);
  fflush (f);
  g_string_truncate (r->pending, 0);
  g_mutex_unlock (&r->lock);
  return TRUE;
}

const char *
kiln_reporter_log_path (KilnReporter *r)
{
  return r->log_path;
}

static void
clear_status (KilnReporter *r)
{
  if (r->status_shown)
    {
      fputs ("\r\033[K", stderr);
      r->status_shown = FALSE;
    }
}

static void
show_status (KilnReporter *r)
{
  if (!r->tty)
    return;
  g_autofree char *step = kiln_escape_text (r->step, -1);
  fprintf (stderr, "\r\033[K[%6.0fs] %s%s%s", kiln_reporter_elapsed (r),
           r->stage ? r->stage : "", step ? ": " : "", step ? step : "");
  fflush (stderr);
  r->status_shown = TRUE;
}

/* A line for people: stderr (never stdout, which --json and data own). */
static void
say (KilnReporter *r, const char *prefix, const char *msg)
{
  if (r->json)
    return;
  clear_status (r);
  g_autofree char *clean = masked (r, msg);
  g_autofree char *safe = kiln_escape_text (clean, -1);
  fprintf (stderr, "[%6.1fs] %s%s\n", kiln_reporter_elapsed (r), prefix, safe);
  show_status (r);
}

static void
emit_json (KilnReporter *r, const char *name, JsonObject *members,
           const char *message)
{
  if (!r->json)
    return;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "elapsed");
  json_builder_add_double_value (b, kiln_reporter_elapsed (r));
  if (r->stage)
    {
      json_builder_set_member_name (b, "stage");
      json_builder_add_string_value (b, r->stage);
    }
  if (message)
    {
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, message);
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  JsonObject *o = json_node_get_object (root);
  if (members)
    {
      g_autoptr (GList) names = json_object_get_members (members);
      for (GList *l = names; l; l = l->next)
        if (!json_object_has_member (o, l->data))
          json_object_set_member (
              o, l->data,
              json_node_copy (json_object_get_member (members, l->data)));
    }
  kiln_mask_secrets_json (root, (const char *const *) r->secrets);
  g_autofree char *text = kiln_json_string (root, FALSE);
  fprintf (stdout, "%s\n", text);
  fflush (stdout);
}

void
kiln_reporter_event (KilnReporter *r, const char *name, JsonObject *members)
{
  g_mutex_lock (&r->lock);
  emit_json (r, name, members, NULL);
  g_mutex_unlock (&r->lock);
}

void
kiln_reporter_stage (KilnReporter *r, const char *stage)
{
  g_mutex_lock (&r->lock);
  g_free (r->stage);
  r->stage = g_strdup (stage);
  g_clear_pointer (&r->step, g_free);
  log_line (r, "stage", stage);
  say (r, "stage: ", stage);
  emit_json (r, "stage", NULL, NULL);
  g_mutex_unlock (&r->lock);
}

const char *
kiln_reporter_current_stage (KilnReporter *r)
{
  return r->stage;
}

static void
message (KilnReporter *r, const char *tag, const char *prefix,
         gboolean on_screen, const char *fmt, va_list ap)
{
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  g_mutex_lock (&r->lock);
  log_line (r, tag, msg);
  if (on_screen)
    {
      say (r, prefix, msg);
      emit_json (r, tag, NULL, msg);
    }
  g_mutex_unlock (&r->lock);
}

void
kiln_reporter_info (KilnReporter *r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  message (r, "info", "", TRUE, fmt, ap);
  va_end (ap);
}

void
kiln_reporter_warn (KilnReporter *r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  message (r, "warn", "warning: ", TRUE, fmt, ap);
  va_end (ap);
}

void
kiln_reporter_log (KilnReporter *r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  message (r, "host", "", FALSE, fmt, ap);
  va_end (ap);
}

static void
tail_push (KilnReporter *r, const char *line)
{
  g_queue_push_tail (r->tail, g_strdup (line));
  while (g_queue_get_length (r->tail) > TAIL_LINES)
    g_free (g_queue_pop_head (r->tail));
}

static void
tail_add_output (KilnReporter *r, const char *data)
{
  g_string_append (r->partial, data);
  char *nl;
  while ((nl = strchr (r->partial->str, '\n')))
    {
      *nl = '\0';
      tail_push (r, r->partial->str);
      g_string_erase (r->partial, 0, nl - r->partial->str + 1);
    }
}

void
kiln_reporter_agent_event (KilnReporter *r, JsonObject *ev, const char *raw)
{
  /* Masked in place before anything reads it: the screen, the step tail and
   * the sink (kiln run's console.log and detailedoutput.json) all see this
   * event.  The secrets are set once, before the first event. */
  if (r->secrets)
    {
      g_autoptr (JsonNode) node = json_node_alloc ();
      json_node_init_object (node, ev);
      kiln_mask_secrets_json (node, (const char *const *) r->secrets);
    }
  const char *name = kiln_json_member_string (ev, KILN_EVENT_KEY_EVENT);
  const char *doc = kiln_json_member_string (ev, KILN_EVENT_KEY_DOCUMENT);
  const char *phase = kiln_json_member_string (ev, KILN_EVENT_KEY_PHASE);
  const char *step = kiln_json_member_string (ev, KILN_EVENT_KEY_STEP);

  g_mutex_lock (&r->lock);
  log_line (r, "agent", raw);
  if (g_strcmp0 (name, KILN_EVENT_STEP_START) == 0)
    {
      g_free (r->step);
      r->step = g_strdup_printf ("%s/%s/%s", doc ? doc : "?",
                                 phase ? phase : "?", step ? step : "?");
      g_queue_free_full (r->tail, g_free);
      r->tail = g_queue_new ();
      g_string_truncate (r->partial, 0);
      gint64 attempt = kiln_json_member_int (ev, KILN_EVENT_KEY_ATTEMPT, 1);
      g_autofree char *msg
          = attempt > 1 ? g_strdup_printf ("%s (attempt %" G_GINT64_FORMAT ")",
                                           r->step, attempt)
                        : g_strdup (r->step);
      say (r, "step: ", msg);
    }
  else if (g_strcmp0 (name, KILN_EVENT_OUTPUT) == 0)
    {
      const char *data = kiln_json_member_string (ev, KILN_EVENT_KEY_DATA);
      if (data)
        tail_add_output (r, data);
    }
  else if (g_strcmp0 (name, KILN_EVENT_STEP_END) == 0)
    {
      const char *status = kiln_json_member_string (ev, KILN_EVENT_KEY_STATUS);
      gint64 ms = kiln_json_member_int (ev, KILN_EVENT_KEY_DURATION_MS, 0);
      if (r->partial->len)
        {
          tail_push (r, r->partial->str);
          g_string_truncate (r->partial, 0);
        }
      g_autofree char *msg = g_strdup_printf (
          "%s/%s/%s: %s (%.1fs)", doc ? doc : "?", phase ? phase : "?",
          step ? step : "?", status ? status : "?", ms / 1000.0);
      say (r, "step: ", msg);
      g_clear_pointer (&r->step, g_free);
    }
  else if (g_strcmp0 (name, KILN_EVENT_REBOOT) == 0)
    say (r, "", "guest rebooting");
  else if (g_strcmp0 (name, KILN_EVENT_LOG) == 0)
    {
      const char *m = kiln_json_member_string (ev, KILN_EVENT_KEY_MESSAGE);
      const char *level = kiln_json_member_string (ev, KILN_EVENT_KEY_LEVEL);
      if (m && g_strcmp0 (level, KILN_LEVEL_INFO) != 0)
        say (r, "agent: ", m);
    }
  emit_json (r, "agent", ev, NULL);
  show_status (r);
  g_mutex_unlock (&r->lock);
  if (r->sink)
    r->sink (ev, r->sink_data);
}

void
kiln_reporter_set_agent_sink (KilnReporter *r, KilnAgentEventSink sink,
                              gpointer data)
{
  r->sink = sink;
  r->sink_data = data;
}

char *
kiln_reporter_step_tail (KilnReporter *r, guint max_lines)
{
  g_mutex_lock (&r->lock);
  GString *s = g_string_new ("");
  guint n = g_queue_get_length (r->tail);
  guint skip = n > max_lines ? n - max_lines : 0;
  guint i = 0;
  for (GList *l = r->tail->head; l; l = l->next, i++)
    if (i >= skip)
      g_string_append_printf (s, "%s\n", (char *) l->data);
  if (r->partial->len)
    g_string_append_printf (s, "%s\n", r->partial->str);
  g_mutex_unlock (&r->lock);
  return g_string_free (s, FALSE);
}

void
kiln_reporter_append_file (KilnReporter *r, const char *title,
                           const char *path)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &text, &len, NULL))
    return;
  /* a console's lines end in \r\n; its colours and cursor moves are
   * escaped like every other guest text */
  GString *lines = g_string_sized_new (len);
  for (gsize i = 0; i < len; i++)
    if (!(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n'))
      g_string_append_c (lines, text[i]);
  g_free (text);
  gsize clean_len = 0;
  g_autofree char *clean = kiln_mask_secrets (lines->str, (gssize) lines->len,
                                              (const char *const *) r->secrets,
                                              &clean_len);
  text = kiln_escape_text (clean, (gssize) clean_len);
  len = strlen (text);
  g_string_free (lines, TRUE);
  g_mutex_lock (&r->lock);
  g_autofree char *head = g_strdup_printf ("----- %s (%s) -----\n", title, path);
  log_raw (r, head);
  log_raw (r, text);
  if (len && text[len - 1] != '\n')
    log_raw (r, "\n");
  log_raw (r, "----- end -----\n");
  g_mutex_unlock (&r->lock);
}

void
kiln_reporter_progress (KilnReporter *r, const char *task, double fraction)
{
  g_mutex_lock (&r->lock);
  if (r->json)
    {
      g_autoptr (JsonObject) o = json_object_new ();
      json_object_set_string_member (o, "task", task);
      json_object_set_double_member (o, "fraction", fraction);
      emit_json (r, "progress", o, NULL);
    }
  else if (r->tty)
    {
      int width = 30, filled = (int) (fraction * width);
      char bar[64];
      for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
      bar[width] = '\0';
      clear_status (r);
      g_autofree char *safe = kiln_escape_text (task, -1);
      fprintf (stderr, "\r\033[K[%6.0fs] %-24s [%s] %5.1f%%",
               kiln_reporter_elapsed (r), safe, bar, fraction * 100);
      fflush (stderr);
      r->status_shown = TRUE;
    }
  g_mutex_unlock (&r->lock);
}

void
kiln_reporter_result (KilnReporter *r, gboolean ok, const char *summary)
{
  g_mutex_lock (&r->lock);
  log_line (r, ok ? "done" : "failed", summary);
  if (!r->json)
    {
      clear_status (r);
      g_autofree char *clean = masked (r, summary);
      g_autofree char *safe = kiln_escape_text (clean, -1);
      fprintf (stderr, "%s\n", safe);
    }
  g_autoptr (JsonObject) o = json_object_new ();
  json_object_set_boolean_member (o, "success", ok);
  emit_json (r, "result", o, summary);
  g_mutex_unlock (&r->lock);
}
