/* test-notify-event.c - the JSON a notification carries
 * (src/automation/notify-event.h), read back with json-glib: the members
 * of an available build, a failed step, a skipped pipeline run; members
 * that do not apply are absent; text from documents and guests is escaped
 * (it is data, never JSON syntax). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "automation/notify-event.h"
#include "common/kiln-json.h"

/* The event's JSON parsed back; it must be one line. */
static JsonObject *
parse_event (const KilnNotifyEvent *e, JsonNode **root_out)
{
  g_autofree char *text = kiln_notify_event_json (e);
  assert_non_null (text);
  assert_null (strchr (text, '\n'));
  g_autoptr (GError) error = NULL;
  JsonNode *root = kiln_json_parse_bounded (text, -1, 16, &error);
  assert_null (error);
  assert_non_null (root);
  assert_true (JSON_NODE_HOLDS_OBJECT (root));
  *root_out = root;
  return json_node_get_object (root);
}

static JsonObject *
member_object (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  assert_non_null (n);
  assert_true (JSON_NODE_HOLDS_OBJECT (n));
  return json_node_get_object (n);
}

static void
test_available_build (void **state)
{
  (void) state;
  g_autoptr (GDateTime) started
      = g_date_time_new_utc (2026, 12, 6, 3, 0, 1);
  g_autoptr (GTimeZone) berlin = g_time_zone_new_identifier ("+01:00");
  g_autoptr (GDateTime) finished
      = g_date_time_new (berlin, 2026, 12, 6, 4, 1, 42.5);
  const KilnNotifyArtifact artifacts[] = {
    { "/out/web/web.qcow2", "qcow2", "ab12" },
    { "/out/web/web.ova", "ova", NULL },
  };
  KilnNotifyEvent e = {
    .event = "available", .state = "available", .build = "web/1.2.0/7",
    .recipe_name = "web", .recipe_version = "1.2.0",
    .recipe_path = "/srv/recipes/web.yaml",
    .started = started, .finished = finished, .seconds = 101.6,
    .artifacts = artifacts, .n_artifacts = G_N_ELEMENTS (artifacts),
    .log = "/home/k/.local/share/kiln/logs/web-1.2.0-7.log",
  };
  g_autoptr (JsonNode) root = NULL;
  JsonObject *o = parse_event (&e, &root);
  assert_string_equal (kiln_json_member_string (o, "event"), "available");
  assert_string_equal (kiln_json_member_string (o, "state"), "available");
  assert_string_equal (kiln_json_member_string (o, "build"), "web/1.2.0/7");
  JsonObject *recipe = member_object (o, "recipe");
  assert_string_equal (kiln_json_member_string (recipe, "name"), "web");
  assert_string_equal (kiln_json_member_string (recipe, "version"), "1.2.0");
  assert_string_equal (kiln_json_member_string (recipe, "path"),
                       "/srv/recipes/web.yaml");
  /* both times in UTC, whatever zone they were made in */
  assert_string_equal (kiln_json_member_string (o, "startedAt"),
                       "2026-12-06T03:00:01Z");
  assert_string_equal (kiln_json_member_string (o, "finishedAt"),
                       "2026-12-06T03:01:42Z");
  assert_int_equal (kiln_json_member_int (o, "seconds", -1), 102);
  assert_string_equal (kiln_json_member_string (o, "log"), e.log);
  JsonArray *a = json_object_get_array_member (o, "artifacts");
  assert_int_equal (json_array_get_length (a), 2);
  JsonObject *a0 = json_array_get_object_element (a, 0);
  assert_string_equal (kiln_json_member_string (a0, "path"),
                       "/out/web/web.qcow2");
  assert_string_equal (kiln_json_member_string (a0, "format"), "qcow2");
  assert_string_equal (kiln_json_member_string (a0, "sha256"), "ab12");
  JsonObject *a1 = json_array_get_object_element (a, 1);
  assert_string_equal (kiln_json_member_string (a1, "format"), "ova");
  assert_false (json_object_has_member (a1, "sha256"));
  /* what does not apply is left out */
  assert_false (json_object_has_member (o, "pipeline"));
  assert_false (json_object_has_member (o, "failure"));
  assert_false (json_object_has_member (o, "reason"));
}

static void
test_failed_step (void **state)
{
  (void) state;
  KilnNotifyEvent e = {
    .event = "failed", .state = "failed", .build = "web/1.2.0/8",
    .recipe_name = "web", .recipe_version = "1.2.0",
    .pipeline_name = "web-nightly", .pipeline_path = "/srv/nightly.yaml",
    .run_number = 12, .trigger = "schedule", .seconds = 40,
    .failure_message = "step Install exited 1: \"apt\" said\nno\ttab \x01",
    .failure_stage = "build",
    .failure_component = "/srv/components/web.yaml",
    .failure_phase = "build", .failure_step = "Install",
    .log = "/logs/web-1.2.0-8.log",
  };
  g_autoptr (JsonNode) root = NULL;
  JsonObject *o = parse_event (&e, &root);
  assert_string_equal (kiln_json_member_string (o, "event"), "failed");
  JsonObject *f = member_object (o, "failure");
  /* the guest's text comes back as it was: escaped, not interpreted */
  assert_string_equal (kiln_json_member_string (f, "message"),
                       e.failure_message);
  assert_string_equal (kiln_json_member_string (f, "stage"), "build");
  assert_string_equal (kiln_json_member_string (f, "component"),
                       "/srv/components/web.yaml");
  assert_string_equal (kiln_json_member_string (f, "phase"), "build");
  assert_string_equal (kiln_json_member_string (f, "step"), "Install");
  JsonObject *p = member_object (o, "pipeline");
  assert_string_equal (kiln_json_member_string (p, "name"), "web-nightly");
  assert_string_equal (kiln_json_member_string (p, "path"),
                       "/srv/nightly.yaml");
  assert_int_equal (kiln_json_member_int (p, "run", -1), 12);
  assert_string_equal (kiln_json_member_string (p, "trigger"), "schedule");
  assert_int_equal (json_array_get_length (
                        json_object_get_array_member (o, "artifacts")), 0);
  assert_false (json_object_has_member (o, "startedAt"));
  assert_false (json_object_has_member (o, "reason"));
}

/* A failure before anything ran: the message only, no step. */
static void
test_failed_before_build (void **state)
{
  (void) state;
  KilnNotifyEvent e = {
    .event = "failed", .state = "failed", .recipe_name = "web",
    .recipe_version = "1.2.0",
    .failure_message = "parent image /img/missing.qcow2 cannot be read",
  };
  g_autoptr (JsonNode) root = NULL;
  JsonObject *o = parse_event (&e, &root);
  JsonObject *f = member_object (o, "failure");
  assert_string_equal (kiln_json_member_string (f, "message"),
                       e.failure_message);
  assert_false (json_object_has_member (f, "component"));
  assert_false (json_object_has_member (f, "step"));
  assert_false (json_object_has_member (o, "build"));
  assert_false (json_object_has_member (o, "log"));
}

static void
test_skipped_run (void **state)
{
  (void) state;
  KilnNotifyEvent e = {
    .event = "skipped", .state = "skipped",
    .recipe_name = "web", .recipe_version = "1.2.0",
    .pipeline_name = "web-nightly", .run_number = 13, .trigger = "manual",
    .reason = "nothing it depends on changed since run 12, build web/1.2.0/7",
  };
  g_autoptr (JsonNode) root = NULL;
  JsonObject *o = parse_event (&e, &root);
  assert_string_equal (kiln_json_member_string (o, "event"), "skipped");
  assert_string_equal (kiln_json_member_string (o, "reason"), e.reason);
  assert_false (json_object_has_member (o, "failure"));
  assert_false (json_object_has_member (o, "build"));
  assert_int_equal (kiln_json_member_int (member_object (o, "pipeline"),
                                          "run", -1), 13);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_available_build),
    cmocka_unit_test (test_failed_step),
    cmocka_unit_test (test_failed_before_build),
    cmocka_unit_test (test_skipped_run),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
