/* test-lifecycle-rules.c - the `lifecycle:` rules as documents/lifecycle.c
 * reads them: `resource:` (builds, the default, or cached-parents), what a
 * rule for cached parents accepts and refuses (at LINE:COL, what was
 * expected and what was found), and how rules describe themselves. */
#include "doc-test-util.h"

#include "documents/lifecycle.h"

/* The rules of a `lifecycle:` value; NULL with the problems in diags. */
static GPtrArray *
parse (const char *yaml, KilnDiags *diags)
{
  g_autoptr (KilnDoc) doc = test_yaml (yaml);
  return kiln_lifecycle_parse (doc->root, diags);
}

static char *
describe (GPtrArray *rules, guint i)
{
  return kiln_lifecycle_rule_describe (rules->pdata[i]);
}

static void
test_resource_accepted (void **state)
{
  (void) state;
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (GPtrArray) rules = parse (
      "- action: delete\n"
      "  resource: cached-parents\n"
      "  after: 14d\n"
      "  keep: 2\n"
      "- action: delete\n"
      "  resource: cached-parents\n"
      "  keep: 1\n"
      "- action: delete\n"
      "  resource: cached-parents\n"
      "  after: 36h\n"
      "- action: deprecate\n"
      "  resource: builds\n"
      "  after: 30d\n"
      "  versions: 1.x\n"
      "- action: delete\n"
      "  keep: 5\n", diags);
  assert_no_errors (diags);
  assert_non_null (rules);
  assert_int_equal (rules->len, 5);
  const KilnLifecycleRule *r0 = rules->pdata[0];
  assert_int_equal (r0->resource, KILN_LIFECYCLE_CACHED_PARENTS);
  assert_int_equal (r0->action, KILN_LIFECYCLE_DELETE);
  assert_int_equal (r0->after, 14 * 86400);
  assert_int_equal (r0->keep, 2);
  assert_int_equal (((KilnLifecycleRule *) rules->pdata[3])->resource,
                    KILN_LIFECYCLE_BUILDS);
  /* builds is the default */
  assert_int_equal (((KilnLifecycleRule *) rules->pdata[4])->resource,
                    KILN_LIFECYCLE_BUILDS);
  g_autofree char *d0 = describe (rules, 0);
  g_autofree char *d1 = describe (rules, 1);
  g_autofree char *d2 = describe (rules, 2);
  g_autofree char *d3 = describe (rules, 3);
  assert_string_equal (d0, "delete cached parents unused for 14d beyond "
                           "those of the newest 2 builds (t.yaml:1)");
  assert_string_equal (d1, "delete cached parents beyond that of the "
                           "newest build (t.yaml:5)");
  assert_string_equal (d2, "delete cached parents unused for 1d12h "
                           "(t.yaml:8)");
  assert_string_equal (d3, "deprecate builds older than 30d of 1.x.x "
                           "(t.yaml:11)");
  assert_true (kiln_lifecycle_rules_act_on (rules,
                                            KILN_LIFECYCLE_CACHED_PARENTS));
  assert_true (kiln_lifecycle_rules_act_on (rules, KILN_LIFECYCLE_BUILDS));
  assert_false (kiln_lifecycle_rules_act_on (NULL, KILN_LIFECYCLE_BUILDS));
  assert_string_equal (
      kiln_lifecycle_resource_name (KILN_LIFECYCLE_CACHED_PARENTS),
      "cached-parents");
}

/* One refused rule: exactly one error, at line:col, with the fragment. */
static void
assert_refused (const char *yaml, int line, int col, const char *fragment)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (GPtrArray) rules = parse (yaml, diags);
  assert_null (rules);
  assert_diag (diags, line, col, fragment);
  if (kiln_diags_error_count (diags) != 1)
    {
      test_dump_diags (diags);
      fail_msg ("expected one error");
    }
}

static void
test_resource_refused (void **state)
{
  (void) state;
  assert_refused ("- action: delete\n  resource: parents\n  keep: 1\n", 2, 13,
                  "expected one of builds, cached-parents for 'resource', "
                  "found 'parents'");
  assert_refused ("- action: deprecate\n  resource: cached-parents\n"
                  "  after: 14d\n", 1, 11,
                  "expected 'delete' for 'action' with 'resource: "
                  "cached-parents' (a cached parent is deleted, never "
                  "deprecated), found 'deprecate'");
  assert_refused ("- action: delete\n  resource: cached-parents\n"
                  "  after: 14d\n  versions: 1.x\n", 4, 3,
                  "expected only 'action', 'after' and 'keep' with "
                  "'resource: cached-parents', found 'versions'");
  assert_refused ("- action: delete\n  resource: cached-parents\n"
                  "  keep: 2\n  exclude: [1.0.0]\n", 4, 3,
                  "found 'exclude' (it chooses builds, not parents)");
  assert_refused ("- action: delete\n  resource: cached-parents\n"
                  "  keep: 2\n  artifacts: false\n", 4, 3,
                  "found 'artifacts'");
  assert_refused ("- action: delete\n  resource: cached-parents\n", 1, 3,
                  "expected 'after' (an age like 90d) or 'keep' (how many "
                  "of the newest builds keep their parents) in lifecycle "
                  "rule 1, found neither");
  assert_refused ("- action: delete\n  resource: [cached-parents]\n"
                  "  keep: 2\n", 2, 13, "'resource'");
  /* an action that is neither is reported once, as before */
  assert_refused ("- action: remove\n  resource: cached-parents\n"
                  "  keep: 2\n", 1, 11,
                  "expected one of deprecate, delete for 'action'");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_resource_accepted),
    cmocka_unit_test (test_resource_refused),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
