/* notify-event.c - the JSON a notification carries (notify-event.h) */
#include "notify-event.h"

#include "common/kiln-json.h"

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  if (!value)
    return;
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

/* RFC 3339 in UTC, to the second: what a webhook's reader parses. */
static void
add_time (JsonBuilder *b, const char *name, GDateTime *t)
{
  if (!t)
    return;
  g_autoptr (GDateTime) utc = g_date_time_to_utc (t);
  g_autofree char *text = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
  add_string (b, name, text);
}

static void
add_recipe (JsonBuilder *b, const KilnNotifyEvent *e)
{
  json_builder_set_member_name (b, "recipe");
  json_builder_begin_object (b);
  add_string (b, "name", e->recipe_name);
  add_string (b, "version", e->recipe_version);
  add_string (b, "path", e->recipe_path);
  json_builder_end_object (b);
}

static void
add_pipeline (JsonBuilder *b, const KilnNotifyEvent *e)
{
  if (!e->pipeline_name)
    return;
  json_builder_set_member_name (b, "pipeline");
  json_builder_begin_object (b);
  add_string (b, "name", e->pipeline_name);
  add_string (b, "path", e->pipeline_path);
  if (e->run_number > 0)
    {
      json_builder_set_member_name (b, "run");
      json_builder_add_int_value (b, e->run_number);
    }
  add_string (b, "trigger", e->trigger);
  json_builder_end_object (b);
}

static void
add_artifacts (JsonBuilder *b, const KilnNotifyEvent *e)
{
  json_builder_set_member_name (b, "artifacts");
  json_builder_begin_array (b);
  for (guint i = 0; i < e->n_artifacts; i++)
    {
      const KilnNotifyArtifact *a = &e->artifacts[i];
      json_builder_begin_object (b);
      add_string (b, "path", a->path);
      add_string (b, "format", a->format);
      add_string (b, "sha256", a->sha256);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_failure (JsonBuilder *b, const KilnNotifyEvent *e)
{
  if (!e->failure_message && !e->failure_step && !e->failure_stage)
    return;
  json_builder_set_member_name (b, "failure");
  json_builder_begin_object (b);
  add_string (b, "message", e->failure_message);
  add_string (b, "stage", e->failure_stage);
  add_string (b, "component", e->failure_component);
  add_string (b, "phase", e->failure_phase);
  add_string (b, "step", e->failure_step);
  json_builder_end_object (b);
}

char *
kiln_notify_event_json (const KilnNotifyEvent *e)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_string (b, "event", e->event);
  add_string (b, "state", e->state);
  add_string (b, "build", e->build);
  add_recipe (b, e);
  add_pipeline (b, e);
  add_time (b, "startedAt", e->started);
  add_time (b, "finishedAt", e->finished);
  /* whole seconds: a double would print as 41.299999999999997 */
  json_builder_set_member_name (b, "seconds");
  json_builder_add_int_value (b, (gint64) (e->seconds + 0.5));
  add_artifacts (b, e);
  add_failure (b, e);
  add_string (b, "reason", e->reason);
  add_string (b, "log", e->log);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return kiln_json_string (root, FALSE);
}
