/* test-kiln-json.c - the JSON helpers of common/kiln-json.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/kiln.h"
#include "common/kiln-json.h"

static JsonNode *
parse (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *n = json_from_string (text, &error);
  if (!n)
    fail_msg ("bad test JSON <%s>: %s", text, error->message);
  return n;
}

static void
test_member_getters_read_other_types_as_missing (void **state)
{
  g_autoptr (JsonNode) root = parse (
      "{\"s\": \"text\", \"i\": 42, \"d\": 2.0, \"neg\": -5, \"b\": true,"
      " \"n\": null, \"o\": {}, \"a\": [1]}");
  JsonObject *o = json_node_get_object (root);

  assert_string_equal (kiln_json_member_string (o, "s"), "text");
  const char *not_strings[] = { "i", "b", "n", "o", "a", "missing" };
  for (guint i = 0; i < G_N_ELEMENTS (not_strings); i++)
    assert_null (kiln_json_member_string (o, not_strings[i]));

  assert_int_equal (kiln_json_member_int (o, "i", -1), 42);
  assert_int_equal (kiln_json_member_int (o, "d", -1), 2);
  assert_int_equal (kiln_json_member_int (o, "neg", -1), -5);
  const char *not_numbers[] = { "s", "b", "n", "o", "a", "missing" };
  for (guint i = 0; i < G_N_ELEMENTS (not_numbers); i++)
    assert_int_equal (kiln_json_member_int (o, not_numbers[i], -1), -1);

  assert_int_equal (kiln_json_member_uint (o, "i"), 42);
  assert_int_equal (kiln_json_member_uint (o, "neg"), 0);
  assert_int_equal (kiln_json_member_uint (o, "s"), 0);

  assert_null (kiln_json_member_string (NULL, "s"));
  assert_int_equal (kiln_json_member_int (NULL, "i", 7), 7);
}

/* A guest may send any number: one beyond gint64 saturates (json-glib's
 * own conversion of 1e300 is undefined behaviour; found by fuzz-events). */
static void
test_member_int_saturates_huge_numbers (void **state)
{
  g_autoptr (JsonNode) root = parse (
      "{\"big\": 1e300, \"small\": -1e300, \"max\": 9223372036854775807,"
      " \"frac\": 2.9}");
  JsonObject *o = json_node_get_object (root);
  assert_true (kiln_json_member_int (o, "big", 0) == G_MAXINT64);
  assert_true (kiln_json_member_int (o, "small", 0) == G_MININT64);
  assert_true (kiln_json_member_int (o, "max", 0) == G_MAXINT64);
  assert_int_equal (kiln_json_member_int (o, "frac", 0), 2);
  assert_int_equal (kiln_json_member_uint (o, "small"), 0);
}

/* Guest JSON is parsed with a nesting limit: json-glib recurses once per
 * level and a line of '[' exhausts the stack.  Brackets inside strings do
 * not count. */
static void
test_parse_bounded_refuses_deep_nesting (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) ok = kiln_json_parse_bounded (
      "{\"a\": [[{\"b\": \"[[[[[[[[[[\\\"[[[[\"}]]}", -1, 4, &error);
  if (!ok)
    fail_msg ("refused: %s", error->message);

  gsize n = 200000;
  g_autofree char *deep = g_malloc (2 * n + 1);
  memset (deep, '[', n);
  memset (deep + n, ']', n);
  deep[2 * n] = '\0';
  JsonNode *refused = kiln_json_parse_bounded (deep, -1, 32, &error);
  assert_null (refused);
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  assert_non_null (strstr (error->message, "32 levels"));
  g_clear_error (&error);

  /* exactly at the limit is fine; one more is not */
  g_autoptr (JsonNode) at_limit = kiln_json_parse_bounded ("[[[1]]]", 7, 3,
                                                           &error);
  assert_non_null (at_limit);
  assert_null (kiln_json_parse_bounded ("[[[[1]]]]", 9, 3, &error));
  g_clear_error (&error);

  assert_null (kiln_json_parse_bounded ("{\"a\": ", -1, 8, &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  g_clear_error (&error);
  assert_null (kiln_json_parse_bounded ("", 0, 8, &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
}

static void
test_to_text_is_pretty_with_a_final_newline (void **state)
{
  g_autoptr (JsonNode) root = parse (
      "{\"name\":\"x\",\"list\":[1,{\"k\":true}],\"empty\":{},\"none\":[]}");
  g_autofree char *text = kiln_json_to_text (root);
  assert_string_equal (text,
                       "{\n"
                       "  \"name\" : \"x\",\n"
                       "  \"list\" : [\n"
                       "    1,\n"
                       "    {\n"
                       "      \"k\" : true\n"
                       "    }\n"
                       "  ],\n"
                       "  \"empty\" : {  },\n"
                       "  \"none\" : []\n"
                       "}\n");
}

static void
test_add_string_or_null (void **state)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "set", "v");
  kiln_json_add_string_or_null (b, "unset", NULL);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, FALSE);
  assert_string_equal (text, "{\"set\":\"v\",\"unset\":null}");
}

/* json-glib writes U+001F raw; the text kiln writes has every control
 * character escaped, and reads back as the same string (fuzz-plan found a
 * plan the agent refused for it). */
static void
test_every_control_character_is_escaped (void **state)
{
  (void) state;
  char all[32];
  for (int i = 1; i < 32; i++)
    all[i - 1] = (char) i;
  all[31] = '\0';
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonObject) o = json_object_new ();
  json_object_set_string_member (o, "s", all);
  json_node_set_object (node, o);
  for (int pretty = 0; pretty <= 1; pretty++)
    {
      g_autofree char *text = kiln_json_string (node, pretty);
      for (const char *p = text; *p; p++)
        assert_true ((unsigned char) *p >= 0x20 || *p == '\n');
      assert_non_null (strstr (text, "\\u001f"));
      g_autoptr (JsonNode) back = kiln_json_parse_bounded (text, -1, 8, NULL);
      assert_non_null (back);
      assert_string_equal (json_object_get_string_member (
                               json_node_get_object (back), "s"), all);
    }
  g_autofree char *pretty_text = kiln_json_to_text (node);
  assert_null (strchr (pretty_text, 0x1f));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_member_getters_read_other_types_as_missing),
    cmocka_unit_test (test_member_int_saturates_huge_numbers),
    cmocka_unit_test (test_parse_bounded_refuses_deep_nesting),
    cmocka_unit_test (test_to_text_is_pretty_with_a_final_newline),
    cmocka_unit_test (test_add_string_or_null),
    cmocka_unit_test (test_every_control_character_is_escaped),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
