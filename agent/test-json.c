/* test-json.c - the agent's strict JSON parser and serializer */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "util.h"

static json *
parse (const char *text)
{
  char *err = NULL;
  json *v = json_parse (text, strlen (text), &err);
  if (!v)
    fail_msg ("parse of <%s> failed: %s", text, err);
  return v;
}

static void
expect_reject (const char *text, size_t len, const char *fragment)
{
  char *err = NULL;
  json *v = json_parse (text, len, &err);
  if (v)
    fail_msg ("<%.*s> should be rejected", (int) len, text);
  assert_non_null (err);
  if (fragment && !strstr (err, fragment))
    fail_msg ("<%.*s>: error '%s' lacks '%s'", (int) len, text, err, fragment);
  free (err);
}

static void
test_json_parses_every_kind_of_value (void **unused)
{
  json *v = parse (" {\"a\": [1, -2.5, 3e2, 0, -0, 1E-2], \"b\": {\"c\": null, \"d\": true, \"e\": false},"
                   " \"s\": \"x\\n\\t\\\"\\\\\\/\\u00e9\\ud83d\\ude00\"} ");
  assert_int_equal (v->type, JSON_OBJECT);
  assert_int_equal (v->count, 3);
  assert_string_equal (v->keys[0], "a");
  assert_string_equal (v->keys[2], "s");
  json *a = json_get (v, "a");
  assert_int_equal (json_len (a), 6);
  assert_true (json_at (a, 1)->number == -2.5);
  assert_true (json_at (a, 2)->number == 300);
  assert_true (json_at (a, 5)->number == 0.01);
  long long n;
  assert_true (json_get_int (json_at (a, 0), &n));
  assert_int_equal (n, 1);
  assert_false (json_get_int (json_at (a, 1), &n));
  assert_int_equal (json_get (json_get (v, "b"), "c")->type, JSON_NULL);
  assert_true (json_get (json_get (v, "b"), "d")->boolean);
  assert_string_equal (json_get_str (v, "s"), "x\n\t\"\\/\xc3\xa9\xf0\x9f\x98\x80");
  assert_null (json_get_str (v, "a"));
  assert_null (json_get (v, "missing"));
  assert_null (json_at (a, 6));
  json_free (v);

  v = parse ("\"raw \xe2\x82\xac \xf0\x9f\x98\x80\"");
  assert_string_equal (v->string, "raw \xe2\x82\xac \xf0\x9f\x98\x80");
  json_free (v);
  v = parse ("[]");
  assert_int_equal (json_len (v), 0);
  json_free (v);
  v = parse ("\xEF\xBB\xBF{}"); /* a UTF-8 BOM is tolerated */
  assert_int_equal (v->type, JSON_OBJECT);
  json_free (v);
}

static void
test_json_rejects_invalid_text_with_a_reason (void **unused)
{
  static const struct { const char *text; const char *fragment; } bad[] = {
    { "", "expected a value" },
    { "   ", "expected a value" },
    { "[1,]", "expected a value" },
    { "{\"a\":1,}", "member name" },
    { "{'a':1}", "member name" },
    { "[01]", "no leading zero" },
    { "[1.]", "digit after '.'" },
    { "[.5]", "expected a value" },
    { "[+1]", "expected a value" },
    { "[1e]", "exponent" },
    { "[-]", "digit" },
    { "[NaN]", "expected a value" },
    { "[Infinity]", "expected a value" },
    { "[1e400]", "double range" },
    { "tru", "expected a value" },
    { "nul", "expected a value" },
    { "[1] x", "end of input" },
    { "{} {}", "end of input" },
    { "\"a\tb\"", "control character" },
    { "\"a\nb\"", "control character" },
    { "\"\\x\"", "one of" },
    { "\"\\u12\"", "four hex digits" },
    { "\"\\u12G4\"", "four hex digits" },
    { "\"\\ud83d\"", "low surrogate" },
    { "\"\\ud83d\\u0041\"", "low surrogate" },
    { "\"\\ude00\"", "high surrogate" },
    { "\"\\u0000\"", "\\u0000" },
    { "\"abc", "closing" },
    { "[1 2]", "',' or ']'" },
    { "{\"a\" 1}", "':'" },
    { "{\"a\":1 \"b\":2}", "',' or '}'" },
    { "{\"a\":1,\"a\":2}", "not used before" },
    { "/* c */ 1", "expected a value" },
    { "[1] // c", "end of input" },
  };
  for (size_t i = 0; i < ARRAY_LEN (bad); i++)
    expect_reject (bad[i].text, strlen (bad[i].text), bad[i].fragment);

  /* Invalid UTF-8: lone continuation, overlong, surrogate, > U+10FFFF,
   * truncated sequence, bytes that never start a sequence. */
  static const char *const bad_utf8[] = {
    "\"\x80\"", "\"\xc0\x80\"", "\"\xc1\xbf\"", "\"\xe0\x80\x80\"", "\"\xed\xa0\x80\"",
    "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xe2\x82\"", "\"\xff\"", "\"\xf0\x9f\x98\"",
  };
  for (size_t i = 0; i < ARRAY_LEN (bad_utf8); i++)
    expect_reject (bad_utf8[i], strlen (bad_utf8[i]), "UTF-8");
  /* A NUL byte inside the text. */
  expect_reject ("\"a\0b\"", 5, "control character");

  /* Nesting is bounded. */
  char deep[1000];
  memset (deep, '[', 500);
  memset (deep + 500, ']', 500);
  expect_reject (deep, sizeof deep, "levels of nesting");
  memset (deep, '[', 150);
  memset (deep + 150, ']', 150);
  char *err = NULL;
  json *ok = json_parse (deep, 300, &err);
  assert_non_null (ok);
  json_free (ok);
}

static void
test_error_position (void **unused)
{
  char *err = NULL;
  assert_null (json_parse ("{\n  \"a\": [1,\n   x]}", 17, &err));
  assert_string_equal (err, "line 3, column 4: expected a value (object, list, string, number, true, false or null), found 'x'");
  free (err);
  assert_null (json_parse ("[\"\xc3\xa9\xc3\xa9\", 1 2]", 13, &err));
  assert_string_equal (err, "line 1, column 10: expected ',' or ']', found '2'");
  free (err);
  assert_null (json_parse ("[1", 2, &err));
  assert_string_equal (err, "line 1, column 3: expected ',' or ']', found end of input");
  free (err);
}

static void
test_json_serialize_escapes_and_reads_back (void **unused)
{
  json *o = json_new_object ();
  json_set_str (o, "s", "q\"b\\n\n\r\t\b\f\x01\x7f/");
  json_set_int (o, "i", -42);
  json_set (o, "d", json_new_number (1.5));
  json_set (o, "big", json_new_number (1e300));
  json_set (o, "nan", json_new_number (0.0 / 0.0));
  json_set_bool (o, "t", true);
  json_set (o, "n", json_new_null ());
  json *arr = json_new_array ();
  json_append (arr, json_new_string ("\xc3\xa9"));
  json_append (arr, json_new_string ("bad \xff\xfe byte"));
  json_set (o, "a", arr);
  char *text = json_serialize (o);
  assert_string_equal (text, "{\"s\":\"q\\\"b\\\\n\\n\\r\\t\\b\\f\\u0001\\u007f/\",\"i\":-42,\"d\":1.5,"
                             "\"big\":1.0000000000000001e+300,\"nan\":null,\"t\":true,\"n\":null,"
                             "\"a\":[\"\xc3\xa9\",\"bad \xef\xbf\xbd\xef\xbf\xbd byte\"]}");
  /* What we write, we read back. */
  char *err = NULL;
  json *back = json_parse (text, strlen (text), &err);
  assert_non_null (back);
  assert_string_equal (json_get_str (back, "s"), "q\"b\\n\n\r\t\b\f\x01\x7f/");
  free (text);
  json_free (back);
  json_free (o);
}

static void
test_json_clone_take_and_equality (void **unused)
{
  json *o = parse ("{\"a\":1,\"b\":[1,{\"c\":\"d\"}],\"e\":\"f\"}");
  json *c = json_clone (o);
  assert_true (json_equal (o, c));
  json_set_str (c, "a", "changed");
  assert_false (json_equal (o, c));
  assert_int_equal (c->count, 3); /* replaced, not added */
  assert_string_equal (c->keys[0], "a");
  json *b = json_take (c, "b");
  assert_non_null (b);
  assert_int_equal (c->count, 2);
  assert_string_equal (c->keys[1], "e");
  assert_null (json_take (c, "b"));
  json_free (b);
  json *x = parse ("{\"e\":\"f\",\"a\":1,\"b\":[1,{\"c\":\"d\"}]}");
  assert_true (json_equal (o, x)); /* member order does not matter for equality */
  json_free (x);
  json_free (o);
  json_free (c);
  assert_string_equal (json_type_name (JSON_ARRAY), "a list");
}

/* Mutated documents must never crash the parser (the ASan build checks
 * memory); whatever parses must serialize to something that parses to the
 * same tree. */
static void
test_json_mutated_documents_never_crash (void **unused)
{
  static const char *const seeds[] = {
    "{\"version\":1,\"documents\":[{\"name\":\"x\",\"phases\":[{\"name\":\"build\",\"steps\":[]}]}]}",
    "[\"\\u00e9\\ud83d\\ude00\",-1.5e-3,true,false,null,{\"k\":[[]]}]",
    "\"\xe2\x82\xac \\\" \\\\ \\n\"",
  };
  static const char alphabet[] = "{}[]\",:\\/ 0123456789.eE+-tfnulrsa\x80\xc3\xa9\xe2\xf0\xff\n\t";
  uint32_t seed = 12345;
  int parsed = 0;
  for (int round = 0; round < 30000; round++)
    {
      const char *base = seeds[round % ARRAY_LEN (seeds)];
      size_t len = strlen (base);
      char buf[256];
      memcpy (buf, base, len);
      int edits = 1 + round % 4;
      for (int e = 0; e < edits; e++)
        {
          seed = seed * 1103515245u + 12345u;
          size_t pos = (seed >> 8) % len;
          seed = seed * 1103515245u + 12345u;
          char c = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
          seed = seed * 1103515245u + 12345u;
          switch ((seed >> 8) % 3)
            {
            case 0:
              buf[pos] = c;
              break;
            case 1:
              if (len < sizeof buf - 1)
                {
                  memmove (buf + pos + 1, buf + pos, len - pos);
                  buf[pos] = c;
                  len++;
                }
              break;
            default:
              memmove (buf + pos, buf + pos + 1, len - pos - 1);
              len--;
              break;
            }
        }
      char *err = NULL;
      json *v = json_parse (buf, len, &err);
      if (!v)
        {
          assert_non_null (err);
          assert_non_null (strstr (err, "line "));
          free (err);
          continue;
        }
      parsed++;
      char *text = json_serialize (v);
      json *again = json_parse (text, strlen (text), &err);
      if (!again)
        fail_msg ("serialized <%s> does not parse: %s", text, err);
      assert_true (json_equal (v, again));
      free (text);
      json_free (again);
      json_free (v);
    }
  assert_true (parsed > 100);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_json_parses_every_kind_of_value),
    cmocka_unit_test (test_json_rejects_invalid_text_with_a_reason),
    cmocka_unit_test (test_error_position),
    cmocka_unit_test (test_json_serialize_escapes_and_reads_back),
    cmocka_unit_test (test_json_clone_take_and_equality),
    cmocka_unit_test (test_json_mutated_documents_never_crash),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
