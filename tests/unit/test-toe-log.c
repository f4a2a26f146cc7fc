/* test-toe-log.c - the run log folder of `kiln run --output DIR` from the
 * agent's events (src/build/toe-log.c) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "common/kiln.h"
#include "base/workspace.h"
#include "build/plan.h"
#include "build/toe-log.h"

static const char doc_yaml[] =
  "name: note\n"
  "description: writes a note\n"
  "schemaVersion: 1.0\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: Show\n"
  "        action: ExecuteBash\n"
  "        timeoutSeconds: 30\n"
  "        onFailure: Ignore\n"
  "        maxAttempts: 2\n"
  "        inputs:\n"
  "          commands: ['echo hi']\n"
  "      - name: Child\n"
  "        action: ExecuteDocument\n"
  "        inputs:\n"
  "          document: child.yaml\n"
  "      - name: Hang\n"
  "        action: ExecuteBash\n"
  "        loop:\n"
  "          forEach: [a, b]\n"
  "        inputs:\n"
  "          commands: ['sleep 100']\n";

static const char child_yaml[] =
  "name: child\n"
  "schemaVersion: 1.0\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: Inner\n"
  "        action: ExecuteBash\n"
  "        inputs:\n"
  "          commands: ['true']\n";

typedef struct {
  char *dir;
  GPtrArray *components;
  KilnToeLog *log;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->dir = g_dir_make_tmp ("kiln-toe-log-XXXXXX", NULL);
  f->components = g_ptr_array_new_with_free_func (kiln_plan_component_free);
  g_autofree char *path = g_build_filename (f->dir, "note.yaml", NULL);
  assert_true (g_file_set_contents (path, doc_yaml, -1, NULL));
  g_autofree char *child = g_build_filename (f->dir, "child.yaml", NULL);
  assert_true (g_file_set_contents (child, child_yaml, -1, NULL));
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  KilnPlanComponent *pc = g_new0 (KilnPlanComponent, 1);
  pc->component = kiln_component_load (path, diags);
  if (!pc->component)
    kiln_diags_print (diags, stderr);
  assert_non_null (pc->component);
  pc->ref = g_strdup ("note.yaml");
  g_ptr_array_add (f->components, pc);
  f->log = kiln_toe_log_new ("exec-1", f->components);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  kiln_toe_log_free (f->log);
  g_ptr_array_unref (f->components);
  kiln_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f);
  return 0;
}

static void
feed (Fixture *f, const char *line)
{
  g_autoptr (JsonNode) n = json_from_string (line, NULL);
  assert_non_null (n);
  kiln_toe_log_agent_event (json_node_get_object (n), f->log);
}

/* The events of a run that ends in the middle of the step Hang. */
static void
feed_run (Fixture *f)
{
  feed (f, "{\"event\":\"hello\",\"boot\":1}");
  feed (f, "{\"event\":\"phase-start\",\"document\":\"note\","
           "\"phase\":\"build\"}");
  feed (f, "{\"event\":\"step-start\",\"document\":\"note\",\"phase\":"
           "\"build\",\"step\":\"Show\",\"action\":\"ExecuteBash\","
           "\"attempt\":1}");
  feed (f, "{\"event\":\"output\",\"document\":\"note\",\"phase\":\"build\","
           "\"step\":\"Show\",\"stream\":\"stdout\",\"data\":\"hi there\"}");
  feed (f, "{\"event\":\"step-end\",\"document\":\"note\",\"phase\":"
           "\"build\",\"step\":\"Show\",\"status\":\"ignored\",\"attempts\":2,"
           "\"failureMessage\":\"exit code 1\",\"outputs\":{\"stdout\":"
           "\"hi there\"}}");
  feed (f, "{\"event\":\"step-start\",\"document\":\"note\",\"phase\":"
           "\"build\",\"step\":\"Child\",\"action\":\"ExecuteDocument\"}");
  feed (f, "{\"event\":\"step-start\",\"document\":\"child\",\"phase\":"
           "\"build\",\"step\":\"Inner\",\"action\":\"ExecuteBash\","
           "\"depth\":1}");
  feed (f, "{\"event\":\"step-end\",\"document\":\"child\",\"phase\":"
           "\"build\",\"step\":\"Inner\",\"status\":\"success\","
           "\"depth\":1,\"outputs\":{}}");
  feed (f, "{\"event\":\"step-end\",\"document\":\"note\",\"phase\":"
           "\"build\",\"step\":\"Child\",\"status\":\"success\"}");
  feed (f, "{\"event\":\"step-start\",\"document\":\"note\",\"phase\":"
           "\"build\",\"step\":\"Hang\",\"action\":\"ExecuteBash\"}");
  /* hostile or odd lines change nothing */
  feed (f, "{\"event\":\"step-end\"}");
  feed (f, "{\"event\":42}");
  feed (f, "{\"event\":\"step-end\",\"document\":\"x\",\"phase\":\"y\","
           "\"step\":\"z\",\"depth\":2}");
}

static const char *
str_at (JsonNode *root, const char *expr)
{
  g_autoptr (JsonNode) m = json_path_query (expr, root, NULL);
  JsonArray *a = json_node_get_array (m);
  if (json_array_get_length (a) != 1)
    return NULL;
  JsonNode *n = json_array_get_element (a, 0);
  if (!JSON_NODE_HOLDS_VALUE (n))
    return NULL;
  static char buf[4096];
  g_strlcpy (buf, json_node_get_string (n), sizeof buf);
  return buf;
}

static gint64
int_at (JsonNode *root, const char *expr)
{
  g_autoptr (JsonNode) m = json_path_query (expr, root, NULL);
  JsonArray *a = json_node_get_array (m);
  assert_int_equal (json_array_get_length (a), 1);
  return json_array_get_int_element (a, 0);
}

static void
assert_rfc3339 (const char *text)
{
  assert_non_null (text);
  assert_true (g_regex_match_simple (
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}"
      "\\+00:00$", text, 0, 0));
  g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (text, NULL);
  assert_non_null (dt);
}

static void
test_failed_run (void **state)
{
  Fixture *f = *state;
  feed_run (f);
  g_autofree char *text = kiln_toe_log_detailed_json (
      f->log, FALSE, "interrupted by signal 15");
  g_autoptr (JsonNode) root = json_from_string (text, NULL);
  assert_non_null (root);
  assert_string_equal (str_at (root, "$.executionId"), "exec-1");
  assert_string_equal (str_at (root, "$.status"), "failed");
  assert_string_equal (str_at (root, "$.failureMessage"),
                       "interrupted by signal 15");
  assert_rfc3339 (str_at (root, "$.startTime"));
  assert_rfc3339 (str_at (root, "$.endTime"));

  assert_string_equal (str_at (root, "$.documents[0].name"), "note");
  assert_string_equal (str_at (root, "$.documents[0].description"),
                       "writes a note");
  assert_true (g_str_has_suffix (str_at (root, "$.documents[0].filePath"),
                                 "/note.yaml"));
  assert_string_equal (str_at (root, "$.documents[0].status"), "failed");
  /* Show was ignored: the document's failure is the step that stopped */
  assert_string_equal (str_at (root, "$.documents[0].failureMessage"),
                       "interrupted by signal 15");
  assert_string_equal (str_at (root, "$.documents[0].phases[0].name"),
                       "build");
  assert_string_equal (str_at (root, "$.documents[0].phases[0].status"),
                       "failed");

  const char *show = "$.documents[0].phases[0].steps[0]";
  g_autofree char *e = NULL;
#define AT(member) (g_free (e), e = g_strconcat (show, member, NULL))
  assert_string_equal (str_at (root, AT (".name")), "Show");
  assert_string_equal (str_at (root, AT (".status")), "ignored");
  assert_string_equal (str_at (root, AT (".failureMessage")), "exit code 1");
  assert_string_equal (str_at (root, AT (".onFailure")), "Ignore");
  assert_string_equal (str_at (root, AT (".action")), "ExecuteBash");
  assert_int_equal (int_at (root, AT (".timeoutSeconds")), 30);
  assert_int_equal (int_at (root, AT (".maxAttempts")), 2);
  assert_int_equal (int_at (root, AT (".attempts")), 2);
  assert_rfc3339 (str_at (root, AT (".startTime")));
  assert_rfc3339 (str_at (root, AT (".endTime")));
  /* inputs and outputs are JSON in a string, as AWSTOE writes them */
  g_autoptr (JsonNode) inputs = json_from_string (str_at (root, AT (".inputs")),
                                                  NULL);
  assert_string_equal (str_at (inputs, "$.commands[0]"), "echo hi");
  g_autoptr (JsonNode) outputs = json_from_string (
      str_at (root, AT (".outputs")), NULL);
  assert_string_equal (str_at (outputs, "$.stdout"), "hi there");

  show = "$.documents[0].phases[0].steps[1]";
  assert_string_equal (str_at (root, AT (".name")), "Child");
  assert_string_equal (str_at (root, AT (".status")), "success");
  assert_string_equal (str_at (root, AT (".detailedOutput[0].name")), "Inner");
  assert_string_equal (str_at (root, AT (".detailedOutput[0].document")),
                       "child");
  assert_string_equal (str_at (root, AT (".detailedOutput[0].status")),
                       "success");

  /* the step the run stopped in: failed, with the run's message */
  show = "$.documents[0].phases[0].steps[2]";
  assert_string_equal (str_at (root, AT (".name")), "Hang");
  assert_string_equal (str_at (root, AT (".status")), "failed");
  assert_string_equal (str_at (root, AT (".failureMessage")),
                       "interrupted by signal 15");
  assert_rfc3339 (str_at (root, AT (".endTime")));
  g_autoptr (JsonNode) loop = json_from_string (str_at (root, AT (".loop")),
                                                NULL);
  assert_string_equal (str_at (loop, "$.forEach[1]"), "b");
#undef AT
  g_autoptr (JsonNode) steps = json_path_query (
      "$.documents[0].phases[0].steps[*]", root, NULL);
  assert_int_equal (json_array_get_length (json_node_get_array (steps)), 3);

  const char *console = kiln_toe_log_console (f->log);
  assert_non_null (strstr (console, "Document note, phase build, step Show "
                                    "(ExecuteBash), attempt 1\nhi there\n"));
  assert_non_null (strstr (console, "Step Show: ignored: exit code 1\n"));
  assert_non_null (strstr (console, "Document child, phase build, step "
                                    "Inner"));
}

static void
test_success_and_folder (void **state)
{
  Fixture *f = *state;
  feed (f, "{\"event\":\"phase-start\",\"document\":\"note\","
           "\"phase\":\"build\"}");
  feed (f, "{\"event\":\"step-start\",\"document\":\"note\",\"phase\":"
           "\"build\",\"step\":\"Show\",\"action\":\"ExecuteBash\"}");
  feed (f, "{\"event\":\"step-end\",\"document\":\"note\",\"phase\":"
           "\"build\",\"step\":\"Show\",\"status\":\"success\"}");
  feed (f, "{\"event\":\"phase-end\",\"document\":\"note\","
           "\"phase\":\"build\",\"status\":\"success\"}");
  g_autofree char *app = g_build_filename (f->dir, "kiln.log", NULL);
  assert_true (g_file_set_contents (app, "kiln's log\n", -1, NULL));
  g_autoptr (GError) error = NULL;
  g_autofree char *folder = kiln_toe_log_write (f->log, f->dir, TRUE, NULL,
                                                app, &error);
  assert_non_null (folder);
  g_autofree char *base = g_path_get_basename (folder);
  assert_true (g_regex_match_simple (
      "^TOE_[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}-[0-9]{2}-[0-9]{2}_UTC-0_"
      "exec-1$", base, 0, 0));
  const char *names[] = { "document.yaml", "application.log", "console.log",
                          "detailedoutput.json" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *p = g_build_filename (folder, names[i], NULL);
      assert_true (g_file_test (p, G_FILE_TEST_IS_REGULAR));
    }
  g_autofree char *p = g_build_filename (folder, "document.yaml", NULL);
  g_autofree char *text = NULL;
  assert_true (g_file_get_contents (p, &text, NULL, NULL));
  assert_string_equal (text, doc_yaml);
  g_free (p);
  p = g_build_filename (folder, "application.log", NULL);
  g_free (text);
  assert_true (g_file_get_contents (p, &text, NULL, NULL));
  assert_string_equal (text, "kiln's log\n");
  g_free (p);
  p = g_build_filename (folder, "detailedoutput.json", NULL);
  g_free (text);
  assert_true (g_file_get_contents (p, &text, NULL, NULL));
  g_autoptr (JsonNode) root = json_from_string (text, NULL);
  assert_non_null (root);
  assert_string_equal (str_at (root, "$.status"), "success");
  assert_string_equal (str_at (root, "$.documents[0].status"), "success");
  assert_string_equal (str_at (root, "$.documents[0].phases[0].status"),
                       "success");
}

static void
test_folder_name (void **state)
{
  (void) state;
  g_autoptr (GTimeZone) tz = g_time_zone_new_offset (2 * 3600);
  g_autoptr (GDateTime) dt = g_date_time_new (tz, 2026, 12, 6, 13, 4, 5);
  g_autofree char *name = kiln_toe_log_folder_name (dt, "abc");
  assert_string_equal (name, "TOE_2026-12-06_11-04-05_UTC-0_abc");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_failed_run, setup, teardown),
    cmocka_unit_test_setup_teardown (test_success_and_folder, setup,
                                     teardown),
    cmocka_unit_test (test_folder_name),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
