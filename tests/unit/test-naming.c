/* test-naming.c - output name templates and where their errors point */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "documents/naming.h"
#include "documents/scalarpos.h"

static char *
expand (const char *tmpl)
{
  g_autoptr (GDateTime) date = g_date_time_new_utc (2026, 11, 22, 22, 3, 0);
  KilnNamingContext ctx = { "web-golden", "1.2.0", 7, date };
  g_autoptr (GError) error = NULL;
  char *s = kiln_naming_expand (tmpl, &ctx, &error);
  if (!s)
    fail_msg ("'%s': %s", tmpl, error->message);
  return s;
}

static void
test_naming_expands_kiln_and_imagebuilder_variables (void **state)
{
  struct { const char *tmpl, *want; } cases[] = {
    { "web-golden-{{ kiln:buildDate }}", "web-golden-2026-11-22T22-03-00Z" },
    { "{{kiln:name}}-{{kiln:version}}-{{kiln:buildNumber}}",
      "web-golden-1.2.0-7" },
    { "{{ imagebuilder:buildDate }}", "2026-11-22T22-03-00Z" },
    { "x-{{imagebuilder:buildVersion}}", "x-1.2.0-7" },
    { "{{   kiln:name   }}.img", "web-golden.img" },
    { "A_b+c@(d)[e]", "A_b+c@(d)[e]" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *s = expand (cases[i].tmpl);
      assert_string_equal (s, cases[i].want);
    }
  /* the date is written in UTC whatever the zone of the input */
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Tokyo");
  g_autoptr (GDateTime) tokyo = g_date_time_new (tz, 2026, 11, 23, 7, 3, 0);
  g_autofree char *d = kiln_naming_format_date (tokyo);
  assert_string_equal (d, "2026-11-22T22-03-00Z");
}

static void
check_bad (const char *tmpl, gsize want_off, const char *fragment)
{
  gsize off = 999;
  g_autofree char *msg = NULL;
  if (kiln_naming_check (tmpl, "web-golden", "1.2.0", &off, &msg))
    fail_msg ("'%s' accepted", tmpl);
  if (off != want_off || !strstr (msg, fragment))
    fail_msg ("'%s': got %zu '%s', expected %zu '%s'", tmpl, off, msg,
              want_off, fragment);
}

static void
test_naming_check_refuses_bad_name_templates (void **state)
{
  assert_true (kiln_naming_check ("web-{{ kiln:buildDate }}", "web", "1.0.0",
                                  NULL, NULL));
  check_bad ("web-{{ kiln:buildate }}", 7, "found 'kiln:buildate'; did you "
             "mean 'kiln:buildDate'?");
  check_bad ("web-{{ buildDate }}", 7, "did you mean 'kiln:buildDate'?");
  check_bad ("web-{{ imagebuilder:buildVersoin }}", 7,
             "did you mean 'imagebuilder:buildVersion'?");
  check_bad ("web-{{ aws:region }}", 7, "expected a variable kiln:name");
  check_bad ("web-{{ kiln:name", 4, "expected '}}' to close '{{'");
  check_bad ("web-{{ }}", 4, "found nothing");
  check_bad ("web/{{ kiln:name }}", 3, "found '/'");
  check_bad ("web {{ kiln:name }}", 3, "found ' ' (a space)");
  check_bad ("web-}}", 4, "without '{{'");
  check_bad ("caf\xc3\xa9", 3, "found '\xc3\xa9'");
  check_bad ("", 0, "found an empty one");
  check_bad ("-{{ kiln:name }}", 0, "does not start with '-'");
  check_bad (".hidden", 0, "does not start with '.'");
  /* 100 characters + "-" + a date of 20 = 121 fits; + the build number not */
  g_autofree char *ok = g_strnfill (100, 'a');
  g_autofree char *t1 = g_strconcat (ok, "-{{ kiln:buildDate }}", NULL);
  assert_true (kiln_naming_check (t1, "n", "1.0.0", NULL, NULL));
  g_autofree char *t2 = g_strconcat (ok, "-{{ kiln:buildDate }}-"
                                     "{{ kiln:buildNumber }}", NULL);
  check_bad (t2, 0, "at most 127 characters, found one that expands to 132");
  /* the length check needs the recipe's name and version */
  assert_true (kiln_naming_check (t2, NULL, NULL, NULL, NULL));
}

static void
test_file_name (void **state)
{
  gsize off;
  const char *why;
  assert_true (kiln_file_name_check ("web-1.2.0-7", &off, &why));
  assert_false (kiln_file_name_check ("a/b", &off, &why));
  assert_int_equal (off, 1);
  assert_false (kiln_file_name_check ("..", &off, &why));
  assert_false (kiln_file_name_check ("", &off, &why));
  g_autofree char *longname = g_strnfill (128, 'x');
  assert_false (kiln_file_name_check (longname, &off, &why));
  longname[127] = 0;
  assert_true (kiln_file_name_check (longname, &off, &why));
  /* expansion refuses a result that is not a file name */
  g_autoptr (GDateTime) date = g_date_time_new_utc (2026, 1, 1, 0, 0, 0);
  KilnNamingContext ctx = { "x", "1.0.0", 1, date };
  g_autoptr (GError) error = NULL;
  assert_null (kiln_naming_expand ("{{ kiln:nope }}", &ctx, &error));
  assert_non_null (strstr (error->message, "kiln:nope"));
}

static void
test_naming_errors_point_into_every_scalar_style (void **state)
{
  const char *text =
    "a: web-{{ kiln:buildate }}\n"
    "b: \"web-{{ kiln:buildate }}\"\n"
    "c: 'it''s-{{ kiln:buildate }}'\n"
    "d: \"\\t\\u00e9-{{ kiln:buildate }}\"\n"
    "e: {x: \"\xc3\xa9\xc3\xa9-{{ kiln:buildate }}\"}\n"
    "f: >\n  web-{{ kiln:buildate }}\n"
    "g: \"a\\x41-{{ kiln:buildate }}\"\n";
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnDoc) doc = kiln_doc_load_string ("r.yaml", text,
                                                  strlen (text), diags);
  assert_non_null (doc);
  const char *keys[] = { "a", "b", "c", "d", "f", "g" };
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    assert_false (kiln_schema_naming (diags, doc,
                                      kiln_node_map_get (doc->root, keys[i]),
                                      "outputs.name", "web", "1.0.0"));
  assert_false (kiln_schema_naming (
      diags, doc, kiln_node_map_get (kiln_node_map_get (doc->root, "e"), "x"),
      "outputs.name", "web", "1.0.0"));
  assert_true (kiln_diags_find (diags, 1, 11, "in outputs.name: expected a "
                                "variable"));
  assert_true (kiln_diags_find (diags, 2, 12, "kiln:buildate"));
  assert_true (kiln_diags_find (diags, 3, 7, "file name, found '''"));
  assert_true (kiln_diags_find (diags, 4, 5, "file name, found a tab"));
  assert_true (kiln_diags_find (diags, 5, 9, "file name, found '\xc3\xa9'"));
  assert_true (kiln_diags_find (diags, 6, 4, "kiln:buildate"));   /* folded */
  assert_true (kiln_diags_find (diags, 8, 14, "kiln:buildate"));  /* \x41 */
  assert_int_equal (kiln_diags_error_count (diags), 7);

  /* without the source text: column + quote + characters before */
  int line, col;
  const KilnNode *b = kiln_node_map_get (doc->root, "b");
  kiln_scalar_position (NULL, b, 7, &line, &col);
  assert_int_equal (line, 2);
  assert_int_equal (col, 12);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_naming_expands_kiln_and_imagebuilder_variables),
    cmocka_unit_test (test_naming_check_refuses_bad_name_templates),
    cmocka_unit_test (test_file_name),
    cmocka_unit_test (test_naming_errors_point_into_every_scalar_style),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
