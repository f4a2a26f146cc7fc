/* test-params.c - binding supplied values to a component's parameters */
#include "doc-test-util.h"

#include "documents/params.h"

static const char doc[] =
  "name: demo\n"
  "schemaVersion: 1.0\n"
  "parameters:\n"
  "  - Port:\n"
  "      type: string\n"
  "      default: '8080'\n"
  "  - Host:\n"
  "      type: string\n"
  "constants:\n"
  "  - Fixed:\n"
  "      type: string\n"
  "      value: 1\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: A\n"
  "        action: ExecuteBash\n"
  "        inputs:\n"
  "          commands: ['echo {{ Host }}:{{ Port }} {{ Fixed }}']\n";

static KilnComponent *
load (void)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  KilnComponent *c = test_component (doc, diags);
  assert_no_errors (diags);
  return c;
}

static void
test_params_bind_defaults_and_supplied_values (void **state)
{
  g_autoptr (KilnComponent) c = load ();
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (GHashTable) s = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (s, "Host", "web");
  g_autoptr (GHashTable) v = kiln_params_bind (c, s, NULL, NULL,
                                               KILN_PARAMS_STRICT, diags);
  assert_non_null (v);
  assert_int_equal (kiln_diags_count (diags), 0);
  assert_string_equal (g_hash_table_lookup (v, "Host"), "web");
  assert_string_equal (g_hash_table_lookup (v, "Port"), "8080");
  assert_string_equal (g_hash_table_lookup (v, "Fixed"), "1");
  assert_int_equal (g_hash_table_size (v), 3);

  g_hash_table_insert (s, "Port", "9090");
  g_autoptr (GHashTable) v2 = kiln_params_bind (c, s, NULL, NULL,
                                                KILN_PARAMS_LENIENT, diags);
  assert_string_equal (g_hash_table_lookup (v2, "Port"), "9090");
}

static void
test_missing_and_unknown (void **state)
{
  g_autoptr (KilnComponent) c = load ();
  g_autoptr (KilnDoc) at = test_yaml ("component: demo\nparameters:\n"
                                      "  Hots: x\n");
  const KilnNode *key = kiln_node_map_get_key (
    kiln_node_map_get (at->root, "parameters"), "Hots");
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (GHashTable) s = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) nodes = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (s, "Hots", "x");
  g_hash_table_insert (nodes, "Hots", (gpointer) key);

  g_autoptr (GHashTable) v = kiln_params_bind (c, s, nodes, at->root,
                                               KILN_PARAMS_STRICT, diags);
  assert_null (v);
  assert_diag (diags, 3, 3, "unknown parameter 'Hots' for component 'demo'; "
               "did you mean 'Host'?");
  assert_diag (diags, 1, 1, "missing a value for parameter 'Host' of "
               "component 'demo', which has no default");

  /* lenient: the unknown name is a warning, the missing value still an
   * error */
  g_autoptr (KilnDiags) d2 = kiln_diags_new ();
  g_hash_table_insert (s, "Host", "h");
  g_autoptr (GHashTable) v2 = kiln_params_bind (c, s, nodes, at->root,
                                                KILN_PARAMS_LENIENT, d2);
  assert_non_null (v2);
  assert_int_equal (kiln_diags_error_count (d2), 0);
  assert_diag (d2, 3, 3, "ignored");
  assert_false (g_hash_table_contains (v2, "Hots"));

  /* constants cannot be overridden */
  g_autoptr (KilnDiags) d3 = kiln_diags_new ();
  g_hash_table_insert (s, "Fixed", "2");
  g_hash_table_remove (s, "Hots");
  g_autoptr (GHashTable) v3 = kiln_params_bind (c, s, NULL, NULL,
                                                KILN_PARAMS_STRICT, d3);
  assert_null (v3);
  assert_diag (d3, 0, 0, "'Fixed' is a constant");
}

/* allowedValues: every bound value must be one of them, reported at the
 * value; a value still holding {{ references }} waits for the plan. */
static void
test_allowed_values (void **state)
{
  g_autoptr (KilnDiags) dd = kiln_diags_new ();
  g_autoptr (KilnComponent) c = test_component (
    "schemaVersion: 1.0\n"
    "parameters:\n"
    "  - Mode:\n"
    "      type: string\n"
    "      default: fast\n"
    "      allowedValues: [fast, safe]\n"
    "phases:\n"
    "  - name: build\n"
    "    steps:\n"
    "      - name: A\n"
    "        action: ExecuteBash\n"
    "        inputs:\n"
    "          commands: ['echo {{ Mode }}']\n", dd);
  assert_no_errors (dd);
  g_autoptr (KilnDoc) at = test_yaml ("component: demo\nparameters:\n"
                                      "  Mode:   slow\n");
  const KilnNode *params = kiln_node_map_get (at->root, "parameters");
  g_autoptr (GHashTable) s = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (s, "Mode", "slow");
  g_hash_table_insert (names, "Mode", (gpointer) kiln_node_map_get_key (
                         params, "Mode"));
  g_hash_table_insert (values, "Mode", (gpointer) kiln_node_map_get (
                         params, "Mode"));

  g_autoptr (KilnDiags) d1 = kiln_diags_new ();
  g_autoptr (GHashTable) v1 = kiln_params_bind_at (c, s, names, values,
                                                   at->root,
                                                   KILN_PARAMS_STRICT, d1);
  assert_null (v1);
  assert_diag (d1, 3, 11, "expected one of the allowedValues of parameter "
               "'Mode' (fast, safe) for the value given, found 'slow'");

  /* kiln run --parameters: no position, the component's file; still an
   * error (unknown names are what lenient forgives) */
  g_autoptr (KilnDiags) d2 = kiln_diags_new ();
  g_autoptr (GHashTable) v2 = kiln_params_bind (c, s, NULL, NULL,
                                                KILN_PARAMS_LENIENT, d2);
  assert_null (v2);
  assert_diag (d2, 0, 0, "for the value of --parameters, found 'slow'");

  /* ExecuteDocument before substitution: a reference waits */
  g_hash_table_insert (s, "Mode", "{{ ParentMode }}");
  g_autoptr (KilnDiags) d3 = kiln_diags_new ();
  g_autoptr (GHashTable) v3 = kiln_params_bind_at (
    c, s, names, values, at->root, KILN_PARAMS_STRICT_UNRESOLVED, d3);
  assert_non_null (v3);
  assert_int_equal (kiln_diags_count (d3), 0);
  g_autoptr (KilnDiags) d4 = kiln_diags_new ();
  g_autoptr (GHashTable) v4 = kiln_params_bind_at (
    c, s, names, values, at->root, KILN_PARAMS_STRICT, d4);
  assert_null (v4);

  /* an allowed value binds */
  g_hash_table_insert (s, "Mode", "safe");
  g_autoptr (KilnDiags) d5 = kiln_diags_new ();
  g_autoptr (GHashTable) v5 = kiln_params_bind_at (c, s, names, values,
                                                   at->root,
                                                   KILN_PARAMS_STRICT, d5);
  assert_non_null (v5);
  assert_string_equal (g_hash_table_lookup (v5, "Mode"), "safe");
}

/* A value goes into the plan (JSON): bytes that are not UTF-8 (a --param
 * from the command line) are refused by name; fuzz-plan found the agent
 * refusing such a plan. */
static void
test_value_not_utf8_is_refused (void **state)
{
  g_autoptr (KilnComponent) c = load ();
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (GHashTable) s = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (s, "Host", "wor\x9c\xf5ld");
  g_autoptr (GHashTable) v = kiln_params_bind (c, s, NULL, NULL,
                                               KILN_PARAMS_LENIENT, diags);
  assert_null (v);
  assert_diag (diags, 0, 0, "the value of parameter 'Host' of component "
               "'demo' is not valid UTF-8");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_params_bind_defaults_and_supplied_values),
    cmocka_unit_test (test_missing_and_unknown),
    cmocka_unit_test (test_allowed_values),
    cmocka_unit_test (test_value_not_utf8_is_refused),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
