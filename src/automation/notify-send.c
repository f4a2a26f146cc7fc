/* notify-send.c - telling notify targets how it went (notify-send.h) */
#include "notify-send.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "notify-event.h"
#include "backends/http.h"
#include "backends/program.h"
#include "base/escape.h"
#include "base/paths.h"
#include "store/store.h"

/* What a target is called in a warning: its program, or a webhook by its
 * scheme, host and port, and where the document lists it.  Never the
 * arguments nor the URL's path and query: they often carry a token, which
 * has no place on a terminal or in a log. */
static char *
target_name (const KilnNotifyTarget *t)
{
  if (t->command)
    return g_strdup_printf ("command %s (%s)", t->command[0], t->source);
  g_autoptr (GUri) uri = g_uri_parse (t->webhook, G_URI_FLAGS_NONE, NULL);
  if (!uri)
    return g_strdup_printf ("webhook (%s)", t->source);
  int port = g_uri_get_port (uri);
  g_autofree char *where = port > 0
      ? g_strdup_printf ("%s://%s:%d", g_uri_get_scheme (uri),
                         g_uri_get_host (uri), port)
      : g_strdup_printf ("%s://%s", g_uri_get_scheme (uri),
                         g_uri_get_host (uri));
  return g_strdup_printf ("webhook %s (%s)", where, t->source);
}

/* Appends a line to the build log, which must exist already (never makes
 * one: a build that has no log gets none from a notification). */
static void
log_append (const char *log_path, const char *line)
{
  if (!log_path)
    return;
  int fd = open (log_path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return;
  g_autofree char *text = g_strdup_printf ("[%8s] %-6s %s\n", "notify",
                                           "warn", line);
  gsize len = strlen (text), done = 0;
  while (done < len)
    {
      ssize_t n = write (fd, text + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += (gsize) n;
    }
  close (fd);
}

static void
warn (const KilnNotifyTarget *t, const char *event, const char *log_path,
      const char *what)
{
  g_autofree char *name = target_name (t);
  g_autofree char *line = g_strdup_printf ("the '%s' notification to %s "
                                           "failed: %s", event, name, what);
  kiln_print_text (stderr, "kiln: warning: %s\n", line);
  g_autofree char *safe = kiln_escape_text (line, -1);
  log_append (log_path, safe);
}

/* The first line of what a program or a server said, for a warning. */
static char *
first_line (const char *text)
{
  if (!text)
    return g_strdup ("");
  g_autofree char *copy = g_strndup (text, 200);
  g_strstrip (copy);
  char *nl = strchr (copy, '\n');
  if (nl)
    *nl = '\0';
  return *copy ? g_strdup_printf (": %s", copy) : g_strdup ("");
}

/* NULL when the command ran and exited 0, else what went wrong. */
static char *
run_command (const KilnNotifyTarget *t, const char *json)
{
  g_autoptr (GError) error = NULL;
  g_auto (KilnProgramResult) res = { 0 };
  /* one line, as a line reader (`read`, jq) expects it */
  g_autofree char *line = g_strconcat (json, "\n", NULL);
  if (!kiln_program_run ((const char *const *) t->command, line,
                         (guint) t->timeout, &res, &error))
    return g_strdup (error->message);
  g_autofree char *said = first_line (res.output);
  if (res.timed_out)
    return g_strdup_printf ("still running after %" G_GINT64_FORMAT
                            " s (timeout), stopped%s", t->timeout, said);
  if (!res.exited)
    return g_strdup_printf ("killed by a signal%s", said);
  if (res.status != 0)
    return g_strdup_printf ("exit status %d%s", res.status, said);
  return NULL;
}

/* NULL when the server answered below 400, else what went wrong. */
static char *
post_webhook (const KilnNotifyTarget *t, const char *json)
{
  g_autoptr (GError) error = NULL;
  g_auto (KilnHttpResult) res = { 0 };
  if (!kiln_http_post (t->webhook, "application/json", json, strlen (json),
                       (guint) t->timeout, &res, &error))
    {
      /* the backend's message names the whole URL: say it without */
      const char *colon = g_str_has_prefix (error->message, "POST ")
          ? strstr (error->message + 5, ": ") : NULL;
      return g_strdup (colon ? colon + 2 : error->message);
    }
  if (res.status >= 400 || res.status < 100)
    {
      g_autofree char *said = first_line (res.body);
      return g_strdup_printf ("HTTP status %ld%s", res.status, said);
    }
  return NULL;
}

static char *
destination_key (const KilnNotifyTarget *t)
{
  if (t->webhook)
    return g_strconcat ("webhook\n", t->webhook, NULL);
  g_autofree char *argv = g_strjoinv ("\n", t->command);
  return g_strconcat ("command\n", argv, NULL);
}

guint
kiln_notify_send (GPtrArray *const *lists, KilnEventKind kind,
                  const char *json, const char *log_path)
{
  const char *event = kiln_event_name (kind);
  g_autoptr (GHashTable) told
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint failures = 0;
  for (guint l = 0; lists[l]; l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        const KilnNotifyTarget *t = lists[l]->pdata[i];
        if (!(t->events & kind))
          continue;
        char *key = destination_key (t);
        if (!g_hash_table_add (told, key))
          continue; /* listed before: told once */
        g_autofree char *what = t->command ? run_command (t, json)
                                           : post_webhook (t, json);
        if (what)
          {
            warn (t, event, log_path, what);
            failures++;
          }
      }
  return failures;
}

/* --- the event of a build or a run --------------------------------------- */

static KilnEventKind
event_of_state (const char *state)
{
  if (g_strcmp0 (state, "up-to-date") == 0)
    return KILN_EVENT_SKIPPED;
  return kiln_event_from_state (state);
}

static gboolean
anyone_listens (GPtrArray *const *lists, KilnEventKind kind)
{
  for (guint l = 0; lists[l]; l++)
    for (guint i = 0; i < lists[l]->len; i++)
      if (((const KilnNotifyTarget *) lists[l]->pdata[i])->events & kind)
        return TRUE;
  return FALSE;
}

/* The build's artifacts (not SHA256SUMS nor the manifest), from the
 * catalog; empty when it cannot be read (the notification still goes). */
static GPtrArray *
load_artifacts (KilnCatalog *cat, gint64 build_id)
{
  g_autoptr (KilnStore) store = NULL;
  g_autoptr (GError) error = NULL;
  if (build_id <= 0)
    return NULL;
  if (!cat)
    {
      store = kiln_store_open_existing (kiln_home (), &error);
      if (!store)
        return NULL;
      cat = kiln_store_catalog (store);
    }
  return kiln_catalog_list_artifacts (cat, build_id, &error);
}

void
kiln_notify_tell (const KilnNotifySubject *s, const char *state,
                  const char *build, gint64 build_id, const char *reason,
                  const KilnJobOutcome *o)
{
  GPtrArray *lists[3] = { NULL, NULL, NULL };
  guint n = 0;
  if (s->pipeline && s->pipeline->notify)
    lists[n++] = s->pipeline->notify;
  if (s->recipe && s->recipe->notify)
    lists[n++] = s->recipe->notify;
  KilnEventKind kind = event_of_state (state);
  if (!kind || !anyone_listens (lists, kind))
    return;

  g_autoptr (GPtrArray) records
      = kind == KILN_EVENT_AVAILABLE ? load_artifacts (s->cat, build_id)
                                     : NULL;
  g_autoptr (GArray) artifacts
      = g_array_new (FALSE, TRUE, sizeof (KilnNotifyArtifact));
  for (guint i = 0; records && i < records->len; i++)
    {
      const KilnArtifactRecord *a = records->pdata[i];
      if (!a->format || g_strcmp0 (a->format, "file") == 0)
        continue; /* SHA256SUMS, the manifest: not an image */
      KilnNotifyArtifact na = { a->path, a->format, a->sha256 };
      g_array_append_val (artifacts, na);
    }

  g_autoptr (GDateTime) finished = g_date_time_new_now_utc ();
  g_autofree char *recipe_path = s->recipe_path
      ? g_canonicalize_filename (s->recipe_path, NULL) : NULL;
  gboolean failed = kind == KILN_EVENT_FAILED || kind == KILN_EVENT_CANCELLED;
  KilnNotifyEvent e = {
    .event = kiln_event_name (kind),
    .state = state,
    .build = build,
    .recipe_name = s->recipe ? s->recipe->name : NULL,
    .recipe_version = s->recipe ? s->recipe->version_text : NULL,
    .recipe_path = recipe_path,
    .pipeline_name = s->pipeline ? s->pipeline->name : NULL,
    .pipeline_path = s->pipeline ? s->pipeline->path : NULL,
    .run_number = s->run_number,
    .trigger = s->trigger,
    .started = s->started,
    .finished = finished,
    .seconds = s->started
        ? g_date_time_difference (finished, s->started) / 1e6
        : (o ? o->seconds : 0),
    .artifacts = (const KilnNotifyArtifact *) artifacts->data,
    .n_artifacts = artifacts->len,
    .reason = failed ? NULL : reason,
    /* an up-to-date build gives its number and its log back */
    .log = o && o->log_path && g_file_test (o->log_path, G_FILE_TEST_EXISTS)
        ? o->log_path : NULL,
  };
  if (failed)
    {
      e.failure_message = o && o->message ? o->message : reason;
      e.failure_stage = o ? o->failed_stage : NULL;
      e.failure_component = o ? o->failed_component : NULL;
      e.failure_phase = o ? o->failed_phase : NULL;
      e.failure_step = o ? o->failed_step : NULL;
    }
  g_autofree char *json = kiln_notify_event_json (&e);
  kiln_notify_send (lists, kind, json, e.log);
}
