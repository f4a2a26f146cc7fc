/* test-loop.c - loop validation and expansion */
#include "doc-test-util.h"

#include "common/kiln.h"
#include "documents/loop.h"

static gboolean
check (const char *yaml, GHashTable *values, KilnDiags *diags)
{
  g_autoptr (KilnDoc) doc = test_yaml (yaml);
  return kiln_loop_check (doc->root, "step 'S'", values, diags);
}

static char *
expand (const char *yaml, GHashTable *values)
{
  g_autoptr (KilnDoc) doc = test_yaml (yaml);
  g_autoptr (GError) err = NULL;
  g_autoptr (GPtrArray) v = kiln_loop_expand (doc->root, values, &err);
  if (!v)
    return g_strdup_printf ("ERROR: %s", err->message);
  g_ptr_array_add (v, NULL);
  return g_strjoinv ("|", (char **) v->pdata);
}

#define assert_expands(yaml, values, expected)                              \
  do {                                                                      \
    g_autofree char *got_ = expand ((yaml), (values));                      \
    assert_string_equal (got_, (expected));                                 \
  } while (0)

static void
test_loop_expands_for_and_foreach (void **state)
{
  g_autoptr (GHashTable) v = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (v, "N", "3");
  g_hash_table_insert (v, "Hosts", "a;b;c");

  assert_expands ("for: {start: 1, end: 3, updateBy: 1}\n", NULL, "1|2|3");
  assert_expands ("for: {start: 10, end: 0, updateBy: -4}\n", NULL, "10|6|2");
  assert_expands ("for: {start: 5, end: 5, updateBy: -1}\n", NULL, "5");
  assert_expands ("for: {start: -1, end: '{{ N }}', updateBy: 2}\n", v,
                  "-1|1|3");
  assert_expands ("forEach: [a, '{{ N }}', '{{ loop.value }}']\n", v,
                  "a|3|{{ loop.value }}");
  assert_expands ("forEach: {list: 'x,y'}\n", NULL, "x|y");
  assert_expands ("forEach: {list: '{{ Hosts }}', delimiter: ';'}\n", v,
                  "a|b|c");
  assert_expands ("forEach: {list: \"a\\nb\", delimiter: \"\\n\"}\n", NULL,
                  "a|b");
  assert_expands ("forEach: {list: \"a\\tb\", delimiter: '\\t'}\n", NULL,
                  "a|b");
  assert_expands ("forEach: {list: a b, delimiter: ' '}\n", NULL, "a|b");
  assert_expands ("forEach: {list: a_b-c, delimiter: _}\n", NULL, "a|b-c");

  /* the extremes of the allowed (32-bit) range neither overflow nor run
   * forever; beyond it a bound is refused (below) */
  assert_expands ("for: {start: -2147483648, end: 2147483647, "
                  "updateBy: 2147483647}\n", NULL,
                  "-2147483648|-1|2147483646");

  g_autofree char *e1 = expand ("for: {start: 1, end: 3, updateBy: 0}\n", NULL);
  assert_true (g_str_has_prefix (e1, "ERROR: "));
  g_autofree char *e2 = expand ("forEach: {list: '{{ build.S.outputs.stdout }}'}\n",
                                NULL);
  assert_true (g_str_has_prefix (e2, "ERROR: "));
  g_autofree char *e3 = expand ("for: {start: 1, end: '{{ M }}', updateBy: 1}\n",
                                v);
  assert_true (g_str_has_prefix (e3, "ERROR: "));
}

static void
test_loop_is_static_unless_its_list_is_chained (void **state)
{
  g_autoptr (KilnDoc) a = test_yaml ("forEach: {list: '{{ build.S.outputs.stdout }}'}\n");
  assert_false (kiln_loop_is_static (a->root, NULL));
  g_autoptr (KilnDoc) b = test_yaml ("forEach: ['{{ build.S.outputs.stdout }}']\n");
  assert_true (kiln_loop_is_static (b->root, NULL));
  g_autoptr (KilnDoc) c = test_yaml ("name: x\nfor: {start: 1, end: 2, updateBy: 1}\n");
  assert_true (kiln_loop_is_static (c->root, NULL));
  assert_string_equal (kiln_loop_name (c->root), "x");
  assert_null (kiln_loop_name (b->root));
  /* AWSTOE's default loop name is "": the same as no name */
  g_autoptr (KilnDoc) d = test_yaml ("name: ''\nforEach: [a]\n");
  assert_null (kiln_loop_name (d->root));
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  assert_true (kiln_loop_check (d->root, "step 'S'", NULL, diags));
}

static void
test_loop_check_refuses_bad_loops_at_their_position (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  assert_true (check ("for: {start: 0, end: 99999, updateBy: 1}\n", NULL,
                      diags));
  assert_true (check ("name: a-b_1\nforEach: [x]\n", NULL, diags));
  assert_true (check ("for: {start: 1, end: '{{ NoDefault }}', updateBy: 1}\n",
                      NULL, diags));
  assert_int_equal (kiln_diags_count (diags), 0);

  assert_false (check ("for: {start: 0, end: 100000, updateBy: 1}\n", NULL,
                       diags));
  assert_diag (diags, 1, 6, "expected at most 100000 iterations");
  assert_false (check ("for: {start: 1, end: 5, updateBy: -1}\n", NULL,
                       diags));
  assert_diag (diags, 1, 35, "infinite loop");
  assert_false (check ("for: {start: 1, end: '{{ loop.index }}', "
                       "updateBy: 1}\n", NULL, diags));
  assert_diag (diags, 1, 22, "found the loop variable");
  assert_false (check ("forEach: {list: a, delimiter: '||'}\n", NULL, diags));
  assert_diag (diags, 1, 31, "expected one delimiter character");
  assert_false (check ("forEach: {delimiter: ','}\n", NULL, diags));
  assert_diag (diags, 1, 10, "missing required key 'list'");
  assert_false (check ("forEach: 3\n", NULL, diags));
  assert_diag (diags, 1, 10, "expected a list or a mapping");
  assert_false (check ("for: {start: -9223372036854775808, "
                       "end: 9223372036854775807, "
                       "updateBy: 9223372036854775807}\n", NULL, diags));
  assert_diag (diags, 1, 14, "expected an integer from -2147483648 to "
               "2147483647 for 'start'");
  assert_false (check ("for: [1, 2]\n", NULL, diags));
  assert_diag (diags, 1, 6, "expected a mapping {start, end, updateBy}");
  assert_false (check ("- a\n", NULL, diags));
  assert_diag (diags, 1, 1, "expected a mapping with 'for' or 'forEach'");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_loop_expands_for_and_foreach),
    cmocka_unit_test (test_loop_is_static_unless_its_list_is_chained),
    cmocka_unit_test (test_loop_check_refuses_bad_loops_at_their_position),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
