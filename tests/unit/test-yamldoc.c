/* test-yamldoc.c - the YAML loader keeps positions and refuses what it must */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "documents/yamldoc.h"

static KilnDoc *
load (const char *text, KilnDiags *diags)
{
  return kiln_doc_load_string ("t.yaml", text, strlen (text), diags);
}

static void
expect_error (const char *text, int line, int col, const char *fragment)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnDoc) doc = load (text, diags);
  assert_null (doc);
  assert_int_equal (kiln_diags_error_count (diags), 1);
  const KilnDiag *d = kiln_diags_get (diags, 0);
  if (!kiln_diags_find (diags, line, col, fragment))
    fail_msg ("expected %d:%d '%s', got %d:%d '%s'", line, col, fragment,
              d->line, d->col, d->message);
}

static void
test_yaml_nodes_carry_line_and_column (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnDoc) doc = load ("name: x\nphases:\n  - name: build\n"
                                  "    steps: []\n", diags);
  assert_non_null (doc);
  const KilnNode *phases = kiln_node_map_get (doc->root, "phases");
  assert_true (kiln_node_is_seq (phases));
  assert_int_equal (phases->line, 3);
  assert_int_equal (phases->col, 3);
  const KilnNode *p0 = kiln_node_seq_get (phases, 0);
  const KilnNode *name = kiln_node_map_get (p0, "name");
  assert_string_equal (name->scalar, "build");
  assert_int_equal (name->line, 3);
  assert_int_equal (name->col, 11);
  const KilnNode *key = kiln_node_map_get_key (p0, "steps");
  assert_int_equal (key->line, 4);
  assert_int_equal (key->col, 5);
}

static void
test_quoted_and_null (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnDoc) doc = load ("a: 0700\nb: '0700'\nc:\nd: ~\ne: ''\n",
                                  diags);
  assert_non_null (doc);
  assert_false (kiln_node_map_get (doc->root, "a")->quoted);
  assert_true (kiln_node_map_get (doc->root, "b")->quoted);
  assert_true (kiln_node_is_null (kiln_node_map_get (doc->root, "c")));
  assert_true (kiln_node_is_null (kiln_node_map_get (doc->root, "d")));
  assert_false (kiln_node_is_null (kiln_node_map_get (doc->root, "e")));
}

static void
test_yaml_refuses_duplicates_anchors_and_bad_bytes (void **state)
{
  expect_error ("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a'");
  expect_error ("a: &x 1\nb: *x\n", 1, 4, "anchor");
  expect_error ("a: [1, 2]\nb: *x\n", 2, 4, "alias");
  expect_error ("a: 1\n---\nb: 2\n", 2, 1, "one YAML document");
  expect_error ("a: [1, 2\n", 2, 1, "YAML syntax error");
  expect_error ("a: 1\nb: \xff\n", 2, 4, "invalid byte 0xff");
  expect_error ("? [a]\n: 1\n", 1, 3, "plain string as mapping key");
}

static void
test_yaml_nests_at_most_64_levels (void **state)
{
  GString *s = g_string_new ("");
  for (int i = 0; i < 70; i++)
    g_string_append_c (s, '[');
  for (int i = 0; i < 70; i++)
    g_string_append_c (s, ']');
  expect_error (s->str, 1, 65, "nesting of at most 64");
  g_string_free (s, TRUE);
}

static void
test_size_limit (void **state)
{
  gsize n = KILN_DOC_MAX_BYTES + 1;
  g_autofree char *big = g_malloc (n + 1);
  memset (big, 'a', n);
  big[n] = 0;
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  assert_null (kiln_doc_load_string ("t.yaml", big, n, diags));
  assert_true (kiln_diags_find (diags, 1, 1, "at most 1 MiB"));
}

static void
test_to_json (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnDoc) doc = load ("a: [1, x]\nb: {c: ~}\n", diags);
  assert_non_null (doc);
  g_autoptr (JsonNode) j = kiln_node_to_json (doc->root);
  g_autofree char *s = json_to_string (j, FALSE);
  assert_string_equal (s, "{\"a\":[\"1\",\"x\"],\"b\":{\"c\":null}}");
}

static void
test_yaml_comment_only_document_has_no_root (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnDoc) doc = load ("# only a comment\n", diags);
  assert_non_null (doc);
  assert_null (doc->root);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_yaml_nodes_carry_line_and_column),
    cmocka_unit_test (test_quoted_and_null),
    cmocka_unit_test (test_yaml_refuses_duplicates_anchors_and_bad_bytes),
    cmocka_unit_test (test_yaml_nests_at_most_64_levels),
    cmocka_unit_test (test_size_limit),
    cmocka_unit_test (test_to_json),
    cmocka_unit_test (test_yaml_comment_only_document_has_no_root),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
