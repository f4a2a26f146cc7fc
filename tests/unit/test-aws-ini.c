/* test-aws-ini.c - the AWS shared files' INI syntax as the AWS CLI reads
 * it (src/base/aws-ini.c), from text in memory: comments, spaces, nested
 * settings, and errors that name FILE:LINE but never quote the line */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/aws-ini.h"
#include "common/kiln.h"

/* Every value a message must not repeat has SEKRIT in it. */
#define NO_SECRET "SEKRIT"
#define PATH "mem/credentials"

/* ---- helpers ----------------------------------------------------------- */

static KilnAwsIniFile *
parse_ok (const char *text)
{
  g_autofree char *copy = g_strdup (text);
  g_autoptr (GError) error = NULL;
  KilnAwsIniFile *f = kiln_aws_ini_parse (PATH, copy, strlen (copy), &error);
  if (!f)
    fail_msg ("parse failed: %s", error->message);
  return f;
}

/* section's setting name is value, set on line */
static void
expect_setting (const KilnAwsIniFile *f, const char *section,
                const char *name, const char *value, guint line)
{
  const KilnAwsIniValue *v =
    kiln_aws_ini_get (kiln_aws_ini_section (f, section), name);
  if (!v)
    fail_msg ("[%s] has no %s", section, name);
  assert_string_equal (v->value, value);
  assert_int_equal (v->line, line);
}

/* text[0..len) does not parse: the message is exactly PATH:LINE: what */
static void
expect_malformed_len (const char *text, gsize len, guint line,
                      const char *what)
{
  g_autofree char *copy = g_malloc (len + 1);
  memcpy (copy, text, len);
  copy[len] = '\0';
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnAwsIniFile) f = kiln_aws_ini_parse (PATH, copy, len, &error);
  assert_null (f);
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  g_autofree char *want = g_strdup_printf ("%s:%u: %s", PATH, line, what);
  assert_string_equal (error->message, want);
  assert_null (strstr (error->message, NO_SECRET));
}

static void
expect_malformed (const char *text, guint line, const char *what)
{
  expect_malformed_len (text, strlen (text), line, what);
}

/* ---- the syntax --------------------------------------------------------- */

static void
test_comments_and_spaces (void **state)
{
  (void) state;
  g_autoptr (KilnAwsIniFile) f = parse_ok (
    "# a comment\n"
    "; another\n"
    "[  default  ]   ; after the header\r\n"
    "   # an indented comment\n"
    "  Name   =   spaced value   # trailing comment\r\n"
    "colon: v ; note\n"
    "hash = a#b;c\n"
    "empty =\n");
  assert_false (kiln_aws_ini_is_empty (f));
  assert_string_equal (kiln_aws_ini_path (f), PATH);
  expect_setting (f, "default", "name", "spaced value", 5);
  expect_setting (f, "default", "colon", "v", 6);
  /* # and ; start a comment only after a blank */
  expect_setting (f, "default", "hash", "a#b;c", 7);
  /* an empty value is as good as none */
  assert_null (kiln_aws_ini_get (kiln_aws_ini_section (f, "default"),
                                 "empty"));
  assert_null (kiln_aws_ini_get (kiln_aws_ini_section (f, "default"),
                                 "absent"));
}

static void
test_nested_and_continued (void **state)
{
  (void) state;
  g_autoptr (KilnAwsIniFile) f = parse_ok (
    "[profile \t dev]\n"
    "s3 =\n"
    "  addressing_style = path\n"
    "\tEndpoint_URL = http://127.0.0.1:9000\n"
    "region = eu-central-1\n"
    "output = text\n"
    "   continued\n");
  /* blanks in a section's name are folded to one space */
  assert_null (kiln_aws_ini_section (f, "profile \t dev"));
  expect_setting (f, "profile dev", "s3.addressing_style", "path", 3);
  expect_setting (f, "profile dev", "s3.endpoint_url",
                  "http://127.0.0.1:9000", 4);
  expect_setting (f, "profile dev", "region", "eu-central-1", 5);
  expect_setting (f, "profile dev", "output", "text\ncontinued", 6);
}

static void
test_later_wins (void **state)
{
  (void) state;
  g_autoptr (KilnAwsIniFile) f = parse_ok (
    "[a]\nx = 1\ny = 2\n[b]\nz = 3\n[a]\nx = 4\n");
  expect_setting (f, "a", "x", "4", 7);
  expect_setting (f, "a", "y", "2", 3);
  expect_setting (f, "b", "z", "3", 5);
}

static void
test_malformed (void **state)
{
  (void) state;
  expect_malformed ("[default]\naws_secret_access_key SEKRITtypo\n", 2,
                    "expected 'name = value', a [section] or a comment");
  expect_malformed ("[default\n", 1,
                    "a section header without its closing ']'");
  expect_malformed ("[default] SEKRITafter\n", 1,
                    "text after a section header's ']'");
  expect_malformed ("# c\n[ ]\n", 2, "a section header with no name");
  expect_malformed ("key = SEKRITx\n[default]\n", 1,
                    "a setting before the first [section]");
  expect_malformed ("[default]\ns3 =\n  SEKRITnested\n", 3,
                    "expected an indented 'name = value' under the setting "
                    "above");
  static const char binary[] = "[default]\nx = 1\n\0SEKRIT";
  expect_malformed_len (binary, sizeof binary - 1, 3,
                        "a NUL byte: this is not a text file");
}

static void
test_absent_file (void **state)
{
  (void) state;
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnAwsIniFile) f =
    kiln_aws_ini_load ("/nonexistent/kiln-test/credentials", &error);
  assert_non_null (f);
  assert_null (error);
  assert_true (kiln_aws_ini_is_empty (f));
  assert_string_equal (kiln_aws_ini_path (f),
                       "/nonexistent/kiln-test/credentials");
  assert_null (kiln_aws_ini_section (f, "default"));
  assert_null (kiln_aws_ini_section (NULL, "default"));
  assert_null (kiln_aws_ini_get (NULL, "region"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_comments_and_spaces),
    cmocka_unit_test (test_nested_and_continued),
    cmocka_unit_test (test_later_wins),
    cmocka_unit_test (test_malformed),
    cmocka_unit_test (test_absent_file),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
