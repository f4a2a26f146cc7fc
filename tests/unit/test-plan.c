/* test-plan.c - compiling components into the agent's plan */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <json-glib/json-glib.h>

#include "common/kiln.h"
#include "common/kiln-protocol.h"
#include "documents/params.h"
#include "build/plan.h"
#include "base/workspace.h"

static const char parent_yaml[] =
  "name: parent\n"
  "schemaVersion: 1.0\n"
  "parameters:\n"
  "  - Who:\n"
  "      type: string\n"
  "      default: world\n"
  "constants:\n"
  "  - Dir:\n"
  "      type: string\n"
  "      value: /etc/kiln\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: Hello\n"
  "        action: ExecuteBash\n"
  "        timeoutSeconds: 30\n"
  "        inputs:\n"
  "          commands:\n"
  "            - echo 'hello {{ Who }}' > {{ Dir }}/hello\n"
  "      - name: Each\n"
  "        action: ExecuteBash\n"
  "        loop:\n"
  "          forEach: ['{{ Who }}', b]\n"
  "        inputs:\n"
  "          commands: ['echo {{ loop.value }} {{ build.Hello.outputs.stdout }}']\n"
  "      - name: Child\n"
  "        action: ExecuteDocument\n"
  "        inputs:\n"
  "          document: child.yaml\n"
  "          phases: build\n"
  "          parameters:\n"
  "            - name: Greeting\n"
  "              value: 'hi {{ Who }}'\n"
  "  - name: test\n"
  "    steps:\n"
  "      - name: Check\n"
  "        action: ExecuteBash\n"
  "        inputs:\n"
  "          commands: ['test -f {{ Dir }}/hello']\n";

static const char child_yaml[] =
  "name: child\n"
  "schemaVersion: 1.0\n"
  "parameters:\n"
  "  - Greeting:\n"
  "      type: string\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: Say\n"
  "        action: ExecuteBash\n"
  "        inputs:\n"
  "          commands: ['echo {{ Greeting }}']\n";

static const char s3_yaml[] =
  "name: s3\n"
  "schemaVersion: 1.0\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: Fetch\n"
  "        action: S3Download\n"
  "        inputs:\n"
  "          - source: s3://bucket/key\n"
  "            destination: /tmp/key\n"
  "          - source: s3://bucket/dir/*\n"
  "            destination: /tmp/dir/\n"
  "            expectedBucketOwner: '111122223333'\n"
  "      - name: Send\n"
  "        action: S3Upload\n"
  "        inputs:\n"
  "          - source: /var/log/*\n"
  "            destination: s3://out-bucket/logs/\n";

static const char s3_loop_yaml[] =
  "name: s3loop\n"
  "schemaVersion: 1.0\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: FetchEach\n"
  "        action: S3Download\n"
  "        loop:\n"
  "          forEach: [a, b]\n"
  "        inputs:\n"
  "          - source: s3://bucket/{{ loop.value }}\n"
  "            destination: /tmp/\n";

/* allowedValues hold when a parent's parameter reaches the child */
static const char picky_yaml[] =
  "name: picky\n"
  "schemaVersion: 1.0\n"
  "parameters:\n"
  "  - Mode:\n"
  "      type: string\n"
  "      allowedValues: [fast, safe]\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: Say\n"
  "        action: ExecuteBash\n"
  "        inputs:\n"
  "          commands: ['echo {{ Mode }}']\n";

static const char picky_parent_yaml[] =
  "name: parent\n"
  "schemaVersion: 1.0\n"
  "parameters:\n"
  "  - Who:\n"
  "      type: string\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: Child\n"
  "        action: ExecuteDocument\n"
  "        inputs:\n"
  "          document: picky.yaml\n"
  "          parameters:\n"
  "            - name: Mode\n"
  "              value: '{{ Who }}'\n";

typedef struct {
  char *dir;
  GPtrArray *components;
} Fixture;

static void
add (Fixture *f, const char *name, const char *text, const char *who)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  assert_true (g_file_set_contents (path, text, -1, NULL));
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  KilnComponent *c = kiln_component_load (path, diags);
  if (!c)
    {
      kiln_diags_print (diags, stderr);
      fail ();
    }
  g_autoptr (GHashTable) supplied = g_hash_table_new (g_str_hash, g_str_equal);
  if (who)
    g_hash_table_insert (supplied, "Who", (gpointer) who);
  KilnPlanComponent *pc = g_new0 (KilnPlanComponent, 1);
  pc->component = c;
  pc->params = kiln_params_bind (c, supplied, NULL, NULL, KILN_PARAMS_STRICT,
                                 diags);
  assert_non_null (pc->params);
  pc->ref = g_strdup (name);
  g_ptr_array_add (f->components, pc);
}

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->dir = g_dir_make_tmp ("kiln-plan-XXXXXX", NULL);
  f->components = g_ptr_array_new_with_free_func (kiln_plan_component_free);
  g_autofree char *child = g_build_filename (f->dir, "child.yaml", NULL);
  g_file_set_contents (child, child_yaml, -1, NULL);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  g_ptr_array_unref (f->components);
  kiln_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f);
  return 0;
}

static JsonNode *
compile_s3 (Fixture *f, const char *stage, const char *const *phases,
            guint *n, KilnS3Transfers *s3, GError **error)
{
  KilnPlanOptions opts = { "run-1", stage, phases, TRUE, s3 };
  g_autofree char *text = kiln_plan_compile (f->components, &opts, n, error);
  if (!text)
    return NULL;
  return json_from_string (text, NULL);
}

static JsonNode *
compile (Fixture *f, const char *stage, const char *const *phases, guint *n,
         GError **error)
{
  KilnPlanOptions opts = { "run-1", stage, phases, TRUE, NULL };
  g_autofree char *text = kiln_plan_compile (f->components, &opts, n, error);
  if (!text)
    return NULL;
  return json_from_string (text, NULL);
}

static const char *
path_str (JsonNode *root, const char *expr)
{
  g_autoptr (JsonNode) m = json_path_query (expr, root, NULL);
  JsonArray *a = json_node_get_array (m);
  if (json_array_get_length (a) != 1)
    return NULL;
  static char buf[4096];
  g_strlcpy (buf, json_array_get_string_element (a, 0), sizeof buf);
  return buf;
}

static void
test_build_plan (void **state)
{
  Fixture *f = *state;
  static const char *const phases[] = { "build", "validate", NULL };
  g_autoptr (GError) error = NULL;
  guint n = 0;
  add (f, "parent.yaml", parent_yaml, "kiln");
  g_autoptr (JsonNode) root = compile (f, "build", phases, &n, &error);
  assert_non_null (root);
  assert_int_equal (n, 4); /* Hello, Each, Child + the child's Say */

  /* parameters and constants substituted */
  assert_string_equal (path_str (root, "$.documents[0].phases[0].steps[0].inputs.commands[0]"),
                       "echo 'hello kiln' > /etc/kiln/hello");
  /* the test phase is not in a build plan */
  g_autoptr (JsonNode) ph = json_path_query ("$.documents[0].phases[*].name", root, NULL);
  assert_int_equal (json_array_get_length (json_node_get_array (ph)), 1);
  /* loop lists are substituted, runtime references are left alone */
  assert_string_equal (path_str (root, "$.documents[0].phases[0].steps[1].loop.forEach[0]"), "kiln");
  assert_string_equal (path_str (root, "$.documents[0].phases[0].steps[1].inputs.commands[0]"),
                       "echo {{ loop.value }} {{ build.Hello.outputs.stdout }}");
  /* ExecuteDocument: the child inline with its parameters bound */
  assert_string_equal (path_str (root, "$.documents[0].phases[0].steps[2].inputs.document.name"), "child");
  assert_string_equal (path_str (root, "$.documents[0].phases[0].steps[2].inputs.phases"), "build");
  assert_string_equal (path_str (root, "$.documents[0].phases[0].steps[2].inputs.document.phases[0].steps[0].inputs.commands[0]"),
                       "echo hi kiln");
  g_autoptr (JsonNode) t = json_path_query ("$.documents[0].phases[0].steps[0].timeoutSeconds", root, NULL);
  assert_int_equal (json_array_get_int_element (json_node_get_array (t), 0), 30);
}

static const char ci_yaml[] =
    "name: ci\n"
    "schemaVersion: 1.0\n"
    "phases:\n"
    "  - name: build\n"
    "    steps:\n"
    "      - name: Seed\n"
    "        action: ExecuteBash\n"
    "        inputs:\n"
    "          commands: ['cat /var/lib/cloud/instance/user-data.txt']\n"
    "  - name: test\n"
    "    steps:\n"
    "      - name: Up\n"
    "        action: ExecuteBash\n"
    "        inputs:\n"
    "          commands: ['true']\n";

static gboolean
waits (JsonNode *root)
{
  JsonNode *v = json_object_get_member (json_node_get_object (root),
                                        "waitForCloudInit");
  assert_non_null (v);
  return json_node_get_boolean (v);
}

/* The agent waits for cloud-init's final stage only when a step of the
 * plan works with cloud-init; the member is in every plan. */
static void
test_wait_for_cloud_init (void **state)
{
  Fixture *f = *state;
  static const char *const build[] = { "build", "validate", NULL };
  static const char *const test[] = { "test", NULL };
  g_autoptr (GError) error = NULL;
  add (f, "parent.yaml", parent_yaml, "kiln");
  g_autoptr (JsonNode) plain = compile (f, "build", build, NULL, &error);
  assert_non_null (plain);
  assert_false (waits (plain));
  g_autofree char *text = json_to_string (plain, FALSE);
  assert_false (kiln_plan_waits_for_cloud_init (text));

  add (f, "ci.yaml", ci_yaml, NULL);
  g_autoptr (JsonNode) needs = compile (f, "build", build, NULL, &error);
  assert_non_null (needs);
  assert_true (waits (needs));
  g_free (text);
  text = json_to_string (needs, FALSE);
  assert_true (kiln_plan_waits_for_cloud_init (text));
  /* only the phases in the plan count: the test phase does not need it */
  g_autoptr (JsonNode) tests = compile (f, "test", test, NULL, &error);
  assert_non_null (tests);
  assert_false (waits (tests));
  assert_false (kiln_plan_waits_for_cloud_init ("not json"));
}

static void
test_test_plan (void **state)
{
  Fixture *f = *state;
  static const char *const phases[] = { "test", NULL };
  g_autoptr (GError) error = NULL;
  guint n = 0;
  add (f, "parent.yaml", parent_yaml, NULL);
  g_autoptr (JsonNode) root = compile (f, "test", phases, &n, &error);
  assert_non_null (root);
  assert_int_equal (n, 1);
  assert_string_equal (path_str (root, "$.stage"), "test");
  assert_string_equal (path_str (root, "$.documents[0].phases[0].steps[0].inputs.commands[0]"),
                       "test -f /etc/kiln/hello");
}

/* Without a transfer table (a command that cannot move S3 data) an S3 step
 * is refused at the step. */
static void
test_s3_refused_without_transfers (void **state)
{
  Fixture *f = *state;
  static const char *const phases[] = { "build", NULL };
  g_autoptr (GError) error = NULL;
  add (f, "s3.yaml", s3_yaml, NULL);
  g_autoptr (JsonNode) root = compile (f, "build", phases, NULL, &error);
  assert_null (root);
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  assert_non_null (strstr (error->message, "S3Download"));
  assert_non_null (strstr (error->message, "step 'Fetch'"));
}

/* Each S3 entry becomes a transfer; the plan carries its id, and for a
 * download whether it is a prefix; the URI stays as written. */
static void
test_s3_transfers_registered (void **state)
{
  Fixture *f = *state;
  static const char *const phases[] = { "build", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnS3Transfers) s3 = kiln_s3_transfers_new ();
  add (f, "s3.yaml", s3_yaml, NULL);
  guint n = 0;
  g_autoptr (JsonNode) root = compile_s3 (f, "build", phases, &n, s3, &error);
  assert_non_null (root);
  assert_int_equal (n, 2);
  assert_int_equal (kiln_s3_transfers_count (s3, FALSE), 2);
  assert_int_equal (kiln_s3_transfers_count (s3, TRUE), 1);
  assert_string_equal (path_str (root, "$.documents[0].phases[0].steps[0].inputs[0].transfer"), "1");
  assert_string_equal (path_str (root, "$.documents[0].phases[0].steps[0].inputs[0].prefix"), "false");
  assert_string_equal (path_str (root, "$.documents[0].phases[0].steps[0].inputs[1].transfer"), "2");
  assert_string_equal (path_str (root, "$.documents[0].phases[0].steps[0].inputs[1].prefix"), "true");
  assert_string_equal (path_str (root, "$.documents[0].phases[0].steps[1].inputs[0].transfer"), "3");
  assert_null (path_str (root, "$.documents[0].phases[0].steps[1].inputs[0].prefix"));
  const KilnS3Transfer *dir = s3->items->pdata[1];
  assert_string_equal (dir->bucket, "bucket");
  assert_string_equal (dir->key, "dir/");
  assert_true (dir->prefix);
  assert_string_equal (dir->expected_owner, "111122223333");
  const KilnS3Transfer *up = s3->items->pdata[2];
  assert_true (up->upload);
  assert_string_equal (up->bucket, "out-bucket");
  assert_string_equal (up->key, "logs/");
}

/* A URI known only at run time cannot be fetched before the boot. */
static void
test_s3_runtime_uri_refused (void **state)
{
  Fixture *f = *state;
  static const char *const phases[] = { "build", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnS3Transfers) s3 = kiln_s3_transfers_new ();
  add (f, "s3loop.yaml", s3_loop_yaml, NULL);
  g_autoptr (JsonNode) root = compile_s3 (f, "build", phases, NULL, s3, &error);
  assert_null (root);
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  assert_non_null (strstr (error->message, "step 'FetchEach'"));
  assert_non_null (strstr (error->message, "must be known before the boot"));
  assert_non_null (strstr (error->message, "{{ loop.value }}"));
}

static void
test_allowed_values_through_execute_document (void **state)
{
  Fixture *f = *state;
  static const char *const phases[] = { "build", "validate", NULL };
  g_autofree char *picky = g_build_filename (f->dir, "picky.yaml", NULL);
  assert_true (g_file_set_contents (picky, picky_yaml, -1, NULL));
  add (f, "parent.yaml", picky_parent_yaml, "slow");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = compile (f, "build", phases, NULL, &error);
  assert_null (root);
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  assert_non_null (strstr (error->message, "step 'Child'"));
  assert_non_null (strstr (error->message, "allowedValues of parameter "
                           "'Mode' (fast, safe)"));
  assert_non_null (strstr (error->message, "found 'slow'"));

  g_ptr_array_set_size (f->components, 0);
  add (f, "parent.yaml", picky_parent_yaml, "safe");
  g_clear_error (&error);
  g_autoptr (JsonNode) ok = compile (f, "build", phases, NULL, &error);
  assert_non_null (ok);
  assert_string_equal (path_str (ok, "$.documents[0].phases[0].steps[0].inputs.document.phases[0].steps[0].inputs.commands[0]"),
                       "echo safe");
}

static const char secrets_yaml[] =
  "name: secrets\n"
  "schemaVersion: 1.0\n"
  "parameters:\n"
  "  - motd: {type: string}\n"
  "  - apiToken: {type: string}\n"
  "  - plain: {type: string}\n"
  "  - emptyPassword: {type: string, default: ''}\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: Say\n"
  "        action: ExecuteBash\n"
  "        inputs:\n"
  "          commands: ['echo {{ motd }} {{ apiToken }} {{ plain }}']\n";

/* The plan lists the values of the parameters the recipe marks secret and
 * of those named like secrets, each once, and nothing else. */
static void
test_secret_values (void **state)
{
  Fixture *f = *state;
  g_autofree char *path = g_build_filename (f->dir, "secrets.yaml", NULL);
  assert_true (g_file_set_contents (path, secrets_yaml, -1, NULL));
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  KilnComponent *c = kiln_component_load (path, diags);
  assert_non_null (c);
  g_autoptr (GHashTable) supplied = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (supplied, "motd", "marked-value");
  g_hash_table_insert (supplied, "apiToken", "named-value");
  g_hash_table_insert (supplied, "plain", "marked-value plain-value");
  KilnPlanComponent *pc = g_new0 (KilnPlanComponent, 1);
  pc->component = c;
  pc->params = kiln_params_bind (c, supplied, NULL, NULL, KILN_PARAMS_STRICT,
                                 diags);
  assert_non_null (pc->params);
  pc->secret = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (pc->secret, g_strdup ("motd"));
  pc->ref = g_strdup ("secrets");
  g_ptr_array_add (f->components, pc);

  g_auto (GStrv) values = kiln_plan_secret_values (f->components);
  assert_int_equal (g_strv_length (values), 2);
  assert_true (g_strv_contains ((const char *const *) values, "marked-value"));
  assert_true (g_strv_contains ((const char *const *) values, "named-value"));

  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = compile (f, "build", NULL, NULL, &error);
  assert_non_null (root);
  JsonArray *list = json_object_get_array_member (json_node_get_object (root),
                                                  KILN_PLAN_KEY_SECRETS);
  assert_non_null (list);
  assert_int_equal (json_array_get_length (list), 2);
  /* the steps still get the real values */
  assert_string_equal (path_str (root, "$.documents[0].phases[0].steps[0].inputs.commands[0]"),
                       "echo marked-value named-value marked-value plain-value");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_build_plan, setup, teardown),
    cmocka_unit_test_setup_teardown (test_test_plan, setup, teardown),
    cmocka_unit_test_setup_teardown (test_wait_for_cloud_init, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_s3_refused_without_transfers, setup, teardown),
    cmocka_unit_test_setup_teardown (test_s3_transfers_registered, setup, teardown),
    cmocka_unit_test_setup_teardown (test_s3_runtime_uri_refused, setup, teardown),
    cmocka_unit_test_setup_teardown (
        test_allowed_values_through_execute_document, setup, teardown),
    cmocka_unit_test_setup_teardown (test_secret_values, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
