/* toe-log.c - the log folder `kiln run --output DIR` leaves (toe-log.h) */
#include "toe-log.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "plan.h"
#include "base/paths.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "common/kiln-protocol.h"

/* One step as the events told it; children: the steps of a document it ran
 * (ExecuteDocument), which go under its detailedOutput. */
typedef struct {
  char *document;            /* for a child step: its document and phase */
  char *phase;
  char *name;
  char *action;
  char *status;              /* NULL until its step-end */
  char *failure_message;
  GDateTime *start;
  GDateTime *end;
  gint64 attempts;
  JsonNode *outputs;         /* the step-end's outputs object */
  const KilnStep *def;       /* its definition, NULL for a child step */
  GPtrArray *children;       /* ToeStep* */
} ToeStep;

typedef struct {
  char *name;
  char *status;
  GDateTime *start;
  GDateTime *end;
  GPtrArray *steps;          /* ToeStep* */
} ToePhase;

typedef struct {
  char *name;                /* as the plan names it (plan.c) */
  const KilnComponent *component; /* NULL for a document only events named */
  GPtrArray *phases;         /* ToePhase*, in the order they ran */
} ToeDocument;

struct KilnToeLog {
  char *execution_id;
  GDateTime *start;
  GPtrArray *documents;      /* ToeDocument* */
  ToeStep *current;          /* the plan-level step that runs, borrowed */
  GString *console;
};

static void
toe_step_free (gpointer p)
{
  ToeStep *s = p;
  g_free (s->document);
  g_free (s->phase);
  g_free (s->name);
  g_free (s->action);
  g_free (s->status);
  g_free (s->failure_message);
  g_clear_pointer (&s->start, g_date_time_unref);
  g_clear_pointer (&s->end, g_date_time_unref);
  g_clear_pointer (&s->outputs, json_node_unref);
  g_ptr_array_unref (s->children);
  g_free (s);
}

static ToeStep *
toe_step_new (const char *name)
{
  ToeStep *s = g_new0 (ToeStep, 1);
  s->name = g_strdup (name);
  s->children = g_ptr_array_new_with_free_func (toe_step_free);
  return s;
}

static void
toe_phase_free (gpointer p)
{
  ToePhase *ph = p;
  g_free (ph->name);
  g_free (ph->status);
  g_clear_pointer (&ph->start, g_date_time_unref);
  g_clear_pointer (&ph->end, g_date_time_unref);
  g_ptr_array_unref (ph->steps);
  g_free (ph);
}

static void
toe_document_free (gpointer p)
{
  ToeDocument *d = p;
  g_free (d->name);
  g_ptr_array_unref (d->phases);
  g_free (d);
}

static ToeDocument *
toe_document_add (KilnToeLog *t, const char *name,
                  const KilnComponent *component)
{
  ToeDocument *d = g_new0 (ToeDocument, 1);
  d->name = g_strdup (name);
  d->component = component;
  d->phases = g_ptr_array_new_with_free_func (toe_phase_free);
  g_ptr_array_add (t->documents, d);
  return d;
}

KilnToeLog *
kiln_toe_log_new (const char *execution_id, GPtrArray *components)
{
  KilnToeLog *t = g_new0 (KilnToeLog, 1);
  t->execution_id = g_strdup (execution_id);
  t->start = g_date_time_new_now_utc ();
  t->documents = g_ptr_array_new_with_free_func (toe_document_free);
  t->console = g_string_new ("");
  for (guint i = 0; components && i < components->len; i++)
    {
      const KilnPlanComponent *pc = components->pdata[i];
      toe_document_add (t, pc->component->name ? pc->component->name
                                               : pc->ref,
                        pc->component);
    }
  return t;
}

void
kiln_toe_log_free (KilnToeLog *t)
{
  if (!t)
    return;
  g_free (t->execution_id);
  g_date_time_unref (t->start);
  g_ptr_array_unref (t->documents);
  g_string_free (t->console, TRUE);
  g_free (t);
}

/* Everything console.log holds goes through here: the one place where what
 * a step printed is written (and where masking will go). */
static void
console_append (KilnToeLog *t, const char *text)
{
  g_string_append (t->console, text);
}

/* A header starts on a line of its own even when the output before it
 * ended without a newline. */
static void
console_line (KilnToeLog *t, const char *line)
{
  if (t->console->len && t->console->str[t->console->len - 1] != '\n')
    console_append (t, "\n");
  console_append (t, line);
  console_append (t, "\n");
}

/* RFC 3339, UTC, milliseconds, with a numeric offset:
 * 2026-12-06T11:00:00.123+00:00 */
static char *
rfc3339 (GDateTime *dt)
{
  if (!dt)
    return NULL;
  g_autoptr (GDateTime) utc = g_date_time_to_utc (dt);
  g_autofree char *base = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%03d+00:00", base,
                          g_date_time_get_microsecond (utc) / 1000);
}

static ToeDocument *
find_document (KilnToeLog *t, const char *name)
{
  for (guint i = 0; i < t->documents->len; i++)
    {
      ToeDocument *d = t->documents->pdata[i];
      if (g_strcmp0 (d->name, name) == 0)
        return d;
    }
  return toe_document_add (t, name, NULL);
}

static ToePhase *
find_phase (ToeDocument *d, const char *name)
{
  for (guint i = d->phases->len; i > 0; i--)
    {
      ToePhase *ph = d->phases->pdata[i - 1];
      if (g_strcmp0 (ph->name, name) == 0)
        return ph;
    }
  ToePhase *ph = g_new0 (ToePhase, 1);
  ph->name = g_strdup (name);
  ph->steps = g_ptr_array_new_with_free_func (toe_step_free);
  g_ptr_array_add (d->phases, ph);
  return ph;
}

static const KilnStep *
find_definition (const ToeDocument *d, const char *phase, const char *step)
{
  if (!d->component)
    return NULL;
  const KilnPhase *p = kiln_component_get_phase (d->component, phase);
  for (guint i = 0; p && i < p->steps->len; i++)
    {
      const KilnStep *s = p->steps->pdata[i];
      if (g_strcmp0 (s->name, step) == 0)
        return s;
    }
  return NULL;
}

/* The step an event is about: a plan step by document and phase, a child
 * document's step (depth > 0) under the plan step that runs.  Created at
 * its first event (a step-start, or the step-end of a skipped step). */
static ToeStep *
find_step (KilnToeLog *t, JsonObject *ev, gboolean create)
{
  const char *doc = kiln_json_member_string (ev, KILN_EVENT_KEY_DOCUMENT);
  const char *phase = kiln_json_member_string (ev, KILN_EVENT_KEY_PHASE);
  const char *name = kiln_json_member_string (ev, KILN_EVENT_KEY_STEP);
  if (!doc || !phase || !name)
    return NULL;
  GPtrArray *steps;
  ToeDocument *d = NULL;
  if (kiln_json_member_int (ev, KILN_EVENT_KEY_DEPTH, 0) > 0)
    {
      if (!t->current)
        return NULL;
      steps = t->current->children;
    }
  else
    {
      d = find_document (t, doc);
      steps = find_phase (d, phase)->steps;
    }
  for (guint i = steps->len; i > 0; i--)
    {
      ToeStep *s = steps->pdata[i - 1];
      if (g_strcmp0 (s->name, name) == 0 && g_strcmp0 (s->document, doc) == 0
          && g_strcmp0 (s->phase, phase) == 0)
        return s;
    }
  if (!create)
    return NULL;
  ToeStep *s = toe_step_new (name);
  s->document = g_strdup (doc);
  s->phase = g_strdup (phase);
  if (d)
    s->def = find_definition (d, phase, name);
  g_ptr_array_add (steps, s);
  return s;
}

static void
set_string (char **member, const char *value)
{
  g_free (*member);
  *member = g_strdup (value);
}

static void
set_time (GDateTime **member, GDateTime *now)
{
  g_clear_pointer (member, g_date_time_unref);
  *member = g_date_time_ref (now);
}

void
kiln_toe_log_agent_event (JsonObject *ev, gpointer data)
{
  KilnToeLog *t = data;
  const char *name = kiln_json_member_string (ev, KILN_EVENT_KEY_EVENT);
  const char *doc = kiln_json_member_string (ev, KILN_EVENT_KEY_DOCUMENT);
  const char *phase = kiln_json_member_string (ev, KILN_EVENT_KEY_PHASE);
  gboolean child = kiln_json_member_int (ev, KILN_EVENT_KEY_DEPTH, 0) > 0;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *when = rfc3339 (now);

  if (!name)
    return;
  if (g_strcmp0 (name, KILN_EVENT_PHASE_START) == 0 && doc && phase && !child)
    {
      ToePhase *ph = find_phase (find_document (t, doc), phase);
      if (!ph->start)
        set_time (&ph->start, now);
    }
  else if (g_strcmp0 (name, KILN_EVENT_PHASE_END) == 0 && doc && phase
           && !child)
    {
      ToePhase *ph = find_phase (find_document (t, doc), phase);
      set_time (&ph->end, now);
      set_string (&ph->status, kiln_json_member_string (
                                   ev, KILN_EVENT_KEY_STATUS));
    }
  else if (g_strcmp0 (name, KILN_EVENT_STEP_START) == 0)
    {
      ToeStep *s = find_step (t, ev, TRUE);
      if (!s)
        return;
      if (!s->start)
        set_time (&s->start, now);
      set_string (&s->action, kiln_json_member_string (
                                  ev, KILN_EVENT_KEY_ACTION));
      if (!child)
        t->current = s;
      gint64 attempt = kiln_json_member_int (ev, KILN_EVENT_KEY_ATTEMPT, 1);
      g_autofree char *header = g_strdup_printf (
          "[%s] Document %s, phase %s, step %s (%s), attempt %" G_GINT64_FORMAT,
          when, s->document, s->phase, s->name,
          s->action ? s->action : "?", attempt);
      console_line (t, header);
    }
  else if (g_strcmp0 (name, KILN_EVENT_OUTPUT) == 0)
    {
      const char *text = kiln_json_member_string (ev, KILN_EVENT_KEY_DATA);
      if (text)
        console_append (t, text);
    }
  else if (g_strcmp0 (name, KILN_EVENT_STEP_END) == 0)
    {
      ToeStep *s = find_step (t, ev, TRUE);
      if (!s)
        return;
      if (!s->start)
        set_time (&s->start, now);
      set_time (&s->end, now);
      set_string (&s->status, kiln_json_member_string (
                                  ev, KILN_EVENT_KEY_STATUS));
      set_string (&s->failure_message, kiln_json_member_string (
                                           ev, KILN_EVENT_KEY_FAILURE_MESSAGE));
      s->attempts = kiln_json_member_int (ev, KILN_EVENT_KEY_ATTEMPTS, 0);
      JsonNode *outputs = json_object_get_member (ev, KILN_EVENT_KEY_OUTPUTS);
      g_clear_pointer (&s->outputs, json_node_unref);
      if (outputs && JSON_NODE_HOLDS_OBJECT (outputs))
        s->outputs = json_node_copy (outputs);
      g_autofree char *line = g_strdup_printf (
          "[%s] Step %s: %s%s%s", when, s->name,
          s->status ? s->status : "?", s->failure_message ? ": " : "",
          s->failure_message ? s->failure_message : "");
      console_line (t, line);
      if (!child && t->current == s)
        t->current = NULL;
    }
}

const char *
kiln_toe_log_console (KilnToeLog *t)
{
  return t->console->str;
}

/* ---- detailedoutput.json ------------------------------------------------ */

static void
add_time (JsonBuilder *b, const char *member, GDateTime *dt)
{
  g_autofree char *text = rfc3339 (dt);
  kiln_json_add_string_or_null (b, member, text);
}

/* inputs, outputs and loop are JSON text in a string, as AWSTOE writes
 * them; null when there are none. */
static void
add_json_string (JsonBuilder *b, const char *member, JsonNode *node)
{
  g_autofree char *text = node ? kiln_json_string (node, FALSE) : NULL;
  kiln_json_add_string_or_null (b, member, text);
}

/* A step the run never finished (the guest stopped, a timeout, a signal)
 * failed with the run's message and ended when the run did. */
static void
add_step (JsonBuilder *b, const ToeStep *s, GDateTime *run_end,
          const char *run_failure)
{
  gboolean unfinished = s->status == NULL;
  json_builder_begin_object (b);
  if (s->def == NULL)
    {
      kiln_json_add_string_or_null (b, "document", s->document);
      kiln_json_add_string_or_null (b, "phase", s->phase);
    }
  kiln_json_add_string_or_null (b, "name", s->name);
  kiln_json_add_string_or_null (b, "status",
                                unfinished ? KILN_STATUS_FAILED : s->status);
  kiln_json_add_string_or_null (b, "failureMessage",
                                unfinished ? run_failure : s->failure_message);
  json_builder_set_member_name (b, "timeoutSeconds");
  if (s->def)
    json_builder_add_int_value (b, s->def->timeout_seconds);
  else
    json_builder_add_null_value (b);
  kiln_json_add_string_or_null (b, "onFailure",
                                s->def ? s->def->on_failure : NULL);
  json_builder_set_member_name (b, "maxAttempts");
  if (s->def)
    json_builder_add_int_value (b, s->def->max_attempts);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "attempts");
  json_builder_add_int_value (b, s->attempts);
  kiln_json_add_string_or_null (
      b, "action", s->action ? s->action : s->def ? s->def->action : NULL);
  add_time (b, "startTime", s->start);
  add_time (b, "endTime", unfinished ? run_end : s->end);
  g_autoptr (JsonNode) inputs = s->def && s->def->inputs
                                    ? kiln_node_to_json (s->def->inputs)
                                    : NULL;
  add_json_string (b, "inputs", inputs);
  add_json_string (b, "outputs", s->outputs);
  g_autoptr (JsonNode) loop = s->def && s->def->loop
                                  ? kiln_node_to_json (s->def->loop) : NULL;
  add_json_string (b, "loop", loop);
  json_builder_set_member_name (b, "detailedOutput");
  if (s->children->len)
    {
      json_builder_begin_array (b);
      for (guint i = 0; i < s->children->len; i++)
        add_step (b, s->children->pdata[i], run_end, run_failure);
      json_builder_end_array (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
}

static gboolean
step_failed (const ToeStep *s)
{
  return s->status == NULL || g_strcmp0 (s->status, KILN_STATUS_FAILED) == 0;
}

static void
add_phase (JsonBuilder *b, const ToePhase *ph, GDateTime *run_end,
           const char *run_failure)
{
  const char *status = ph->status;
  for (guint i = 0; !status && i < ph->steps->len; i++)
    if (step_failed (ph->steps->pdata[i]))
      status = KILN_STATUS_FAILED;
  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "name", ph->name);
  kiln_json_add_string_or_null (b, "status",
                                status ? status : KILN_STATUS_FAILED);
  add_time (b, "startTime", ph->start);
  add_time (b, "endTime", ph->end ? ph->end : run_end);
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  for (guint i = 0; i < ph->steps->len; i++)
    add_step (b, ph->steps->pdata[i], run_end, run_failure);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

/* A document failed when a phase of it did; it succeeded when it ran and
 * none did; a document that never ran (the run failed before its turn)
 * is "skipped". */
static void
add_document (JsonBuilder *b, const ToeDocument *d, GDateTime *run_end,
              const char *run_failure)
{
  const char *status = d->phases->len ? KILN_STATUS_SUCCESS : "skipped";
  const char *failure = NULL;
  GDateTime *start = NULL, *end = NULL;
  for (guint i = 0; i < d->phases->len; i++)
    {
      const ToePhase *ph = d->phases->pdata[i];
      start = start ? start : ph->start;
      end = ph->end ? ph->end : run_end;
      gboolean failed = g_strcmp0 (ph->status, KILN_STATUS_FAILED) == 0
                        || ph->status == NULL;
      for (guint s = 0; s < ph->steps->len && failed && !failure; s++)
        {
          const ToeStep *st = ph->steps->pdata[s];
          if (step_failed (st))
            failure = st->status ? st->failure_message : run_failure;
        }
      if (failed)
        status = KILN_STATUS_FAILED;
    }
  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "name", d->name);
  kiln_json_add_string_or_null (b, "filePath",
                                d->component ? d->component->path : NULL);
  kiln_json_add_string_or_null (b, "status", status);
  kiln_json_add_string_or_null (b, "description",
                                d->component ? d->component->description
                                             : NULL);
  add_time (b, "startTime", start);
  add_time (b, "endTime", end);
  kiln_json_add_string_or_null (b, "failureMessage", failure);
  json_builder_set_member_name (b, "phases");
  json_builder_begin_array (b);
  for (guint i = 0; i < d->phases->len; i++)
    add_phase (b, d->phases->pdata[i], run_end, run_failure);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

char *
kiln_toe_log_detailed_json (KilnToeLog *t, gboolean success,
                            const char *failure_message)
{
  g_autoptr (GDateTime) end = g_date_time_new_now_utc ();
  const char *failure = success ? NULL
                                : failure_message ? failure_message : "failed";
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "executionId", t->execution_id);
  kiln_json_add_string_or_null (b, "status", success ? KILN_STATUS_SUCCESS
                                                     : KILN_STATUS_FAILED);
  add_time (b, "startTime", t->start);
  add_time (b, "endTime", end);
  kiln_json_add_string_or_null (b, "failureMessage", failure);
  json_builder_set_member_name (b, "documents");
  json_builder_begin_array (b);
  for (guint i = 0; i < t->documents->len; i++)
    add_document (b, t->documents->pdata[i], end, failure);
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = kiln_json_string (root, TRUE);
  return g_strconcat (text, "\n", NULL);
}

/* ---- the folder --------------------------------------------------------- */

char *
kiln_toe_log_folder_name (GDateTime *start, const char *execution_id)
{
  g_autoptr (GDateTime) utc = g_date_time_to_utc (start);
  g_autofree char *stamp = g_date_time_format (utc, "%Y-%m-%d_%H-%M-%S");
  return g_strdup_printf ("TOE_%s_UTC-0_%s", stamp, execution_id);
}

/* Written under a temporary name and renamed (g_file_set_contents_full):
 * a crash leaves the old file or the new one, never half of one.  The mode
 * is set after: the temporary file is made under kiln's private umask. */
static gboolean
write_file (const char *dir, const char *name, const char *text, gssize len,
            GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) local = NULL;
  if (!g_file_set_contents_full (path, text, len,
                                 G_FILE_SET_CONTENTS_CONSISTENT,
                                 (int) kiln_user_file_mode (), &local))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot write the run "
                   "log %s: %s", path, local->message);
      return FALSE;
    }
  if (g_chmod (path, kiln_user_file_mode ()) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot set the mode "
                   "of %s: %s", path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static char *
documents_text (KilnToeLog *t)
{
  GString *out = g_string_new ("");
  for (guint i = 0; i < t->documents->len; i++)
    {
      const ToeDocument *d = t->documents->pdata[i];
      if (!d->component || !d->component->doc || !d->component->doc->text)
        continue;
      if (out->len)
        g_string_append (out, out->str[out->len - 1] == '\n' ? "---\n"
                                                             : "\n---\n");
      g_string_append_len (out, d->component->doc->text,
                           d->component->doc->text_len);
    }
  return g_string_free (out, FALSE);
}

char *
kiln_toe_log_write (KilnToeLog *t, const char *log_dir, gboolean success,
                    const char *failure_message, const char *application_log,
                    GError **error)
{
  g_autofree char *name = kiln_toe_log_folder_name (t->start,
                                                    t->execution_id);
  g_autofree char *folder = g_build_filename (log_dir, name, NULL);
  if (kiln_mkdir_for_user (folder) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create the "
                   "run log folder %s: %s", folder, g_strerror (errno));
      return NULL;
    }
  g_autofree char *documents = documents_text (t);
  g_autofree char *detailed = kiln_toe_log_detailed_json (t, success,
                                                          failure_message);
  g_autofree char *app = NULL;
  gsize app_len = 0;
  if (application_log
      && !g_file_get_contents (application_log, &app, &app_len, NULL))
    g_clear_pointer (&app, g_free);
  if (!write_file (folder, "document.yaml", documents, -1, error)
      || !write_file (folder, "application.log", app ? app : "",
                      app ? (gssize) app_len : 0, error)
      || !write_file (folder, "console.log", t->console->str,
                      (gssize) t->console->len, error)
      || !write_file (folder, "detailedoutput.json", detailed, -1, error))
    return NULL;
  return g_steal_pointer (&folder);
}
