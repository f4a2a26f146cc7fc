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

/* YAML tags: honoured as YAML says or refused by name, never ignored. */
static void
test_yaml_tags_honoured_or_refused (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnDoc) doc = load ("a: !!str 60\nb: !!str ~\nc: !!null ''\n"
                                  "d: !!int -3\ne: !!bool TRUE\nf: !!seq [x]\n"
                                  "g: !!map {k: v}\nh: ! 7\n"
                                  "i: !<tag:yaml.org,2002:str> 8\n", diags);
  assert_non_null (doc);
  const KilnNode *a = kiln_node_map_get (doc->root, "a");
  assert_string_equal (a->scalar, "60");
  assert_true (kiln_node_is_string_tagged (a));
  /* !!str ~ is the string "~", not null; !!null '' is null */
  assert_false (kiln_node_is_null (kiln_node_map_get (doc->root, "b")));
  assert_string_equal (kiln_node_map_get (doc->root, "b")->scalar, "~");
  assert_true (kiln_node_is_null (kiln_node_map_get (doc->root, "c")));
  assert_false (kiln_node_is_string_tagged (kiln_node_map_get (doc->root, "d")));
  assert_string_equal (kiln_node_map_get (doc->root, "d")->scalar, "-3");
  assert_true (kiln_node_is_seq (kiln_node_map_get (doc->root, "f")));
  assert_true (kiln_node_is_map (kiln_node_map_get (doc->root, "g")));
  assert_true (kiln_node_is_string_tagged (kiln_node_map_get (doc->root, "h")));
  assert_true (kiln_node_is_string_tagged (kiln_node_map_get (doc->root, "i")));
  /* a string in the plan's JSON, as any scalar */
  g_autoptr (JsonNode) j = kiln_node_to_json (a);
  assert_string_equal (json_node_get_string (j), "60");

  expect_error ("a: !foo x\n", 1, 4, "YAML tag '!foo' is not supported");
  expect_error ("a: !!python/object:os.system x\n", 1, 4,
                "YAML tag '!!python/object:os.system' is not supported");
  expect_error ("a: !!float 1.5\n", 1, 4, "YAML tag '!!float' is not supported");
  expect_error ("a: !!timestamp 2024-01-01\n", 1, 4,
                "YAML tag '!!timestamp' is not supported");
  expect_error ("a: !!binary aGk=\n", 1, 4, "YAML tag '!!binary' is not supported");
  expect_error ("a: !!set {x: ~}\n", 1, 4, "YAML tag '!!set' is not supported");
  expect_error ("!foo {a: 1}\n", 1, 1, "YAML tag '!foo' is not supported");
  expect_error ("a: [1, !e x]\n", 1, 8, "YAML tag '!e' is not supported");
  expect_error ("!k a: 1\n", 1, 1, "YAML tag '!k' is not supported");
  expect_error ("a: !!int 0x10\n", 1, 4,
                "expected a decimal integer after the YAML tag '!!int', found '0x10'");
  expect_error ("a: !!bool yes\n", 1, 4,
                "expected true or false after the YAML tag '!!bool'");
  expect_error ("a: !!null x\n", 1, 4,
                "expected null, ~ or nothing after the YAML tag '!!null'");
  expect_error ("a: !!seq {k: v}\n", 1, 4,
                "expected a list after the YAML tag '!!seq', found a mapping");
  expect_error ("a: !!map [x]\n", 1, 4,
                "expected a mapping after the YAML tag '!!map', found a list");
  expect_error ("a: !!str [x]\n", 1, 4,
                "expected a scalar after the YAML tag '!!str', found a list");
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
    cmocka_unit_test (test_yaml_tags_honoured_or_refused),
    cmocka_unit_test (test_yaml_refuses_duplicates_anchors_and_bad_bytes),
    cmocka_unit_test (test_yaml_nests_at_most_64_levels),
    cmocka_unit_test (test_size_limit),
    cmocka_unit_test (test_to_json),
    cmocka_unit_test (test_yaml_comment_only_document_has_no_root),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
