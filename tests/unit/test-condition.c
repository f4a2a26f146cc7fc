/* test-condition.c - `if` and Assert conditions */
#include "doc-test-util.h"

#include "documents/condition.h"

static gboolean
check (const char *yaml, gboolean is_if, KilnDiags *diags)
{
  g_autoptr (KilnDoc) doc = test_yaml (yaml);
  return kiln_condition_check (doc->root, is_if, "the 'if' of step 'S'", NULL,
                               diags);
}

static void
test_condition_accepts_every_operator_form (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  const char *good[] = {
    "stringEquals: a\nvalue: b\n",
    "stringIsEmpty: ''\n",
    "stringIsWhitespace: ' '\n",
    "binaryExists: bash\n",
    "fileExists: /etc/passwd\nthen: Execute\nelse: Skip\n",
    "folderExists: /etc\nelse: Abort\n",
    "numberEquals: 1\nvalue: '1.0'\n",
    "numberLessThanEquals: -2.5\nvalue: '-3'\n",
    "patternMatches: '^a[0-9]+(b|c)?$'\nvalue: a1\n",
    "patternMatches: '[(?=]'\nvalue: x\n",
    "fileMD5Equals: d41d8cd98f00b204e9800998ecf8427e\npath: /x\n",
    "fileSHA512Equals: '{{ build.S.outputs.stdout }}'\npath: /x\n",
    "and:\n  - fileExists: /a\n  - or:\n      - not:\n          and:\n"
    "            - fileExists: /b\n",
    "- or:\n    - fileExists: /a\n    - fileExists: /b\n  then: Skip\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    if (!check (good[i], TRUE, diags))
      {
        test_dump_diags (diags);
        fail_msg ("refused: %s", good[i]);
      }
  assert_int_equal (kiln_diags_count (diags), 0);

  /* a non-number value is legal (the comparison is false): a warning */
  assert_true (check ("numberGreaterThan: 1\nvalue: abc\n", TRUE, diags));
  assert_int_equal (kiln_diags_error_count (diags), 0);
  assert_int_equal (kiln_diags_count (diags), 1);
}

static void
test_condition_refuses_bad_shapes_at_their_position (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  assert_false (check ("fileExists: /a\nfolderExists: /b\n", TRUE, diags));
  assert_diag (diags, 2, 1, "found 'folderExists' beside 'fileExists'");
  assert_false (check ("stringEquals: a\n", TRUE, diags));
  assert_diag (diags, 1, 1, "missing required key 'value'");
  assert_false (check ("fileSHA1Equals: abc\npath: /x\n", TRUE, diags));
  assert_diag (diags, 1, 17, "expected 40 hexadecimal digits");
  assert_false (check ("fileExists: /a\nthen: Skip\n", FALSE, diags));
  assert_diag (diags, 2, 1, "unknown key 'then'");
  assert_false (check ("fileExists: /a\nthen: skip\n", TRUE, diags));
  assert_diag (diags, 2, 7, "did you mean 'Skip'?");
  assert_false (check ("[]\n", TRUE, diags));
  assert_diag (diags, 1, 1, "expected one condition");
  assert_false (check ("or: []\n", TRUE, diags));
  assert_diag (diags, 1, 5, "found an empty list");
  assert_false (check ("and:\n  - fileExists: /a\n    value: x\n", TRUE,
                       diags));
  assert_diag (diags, 3, 5, "expected no 'value'");
}

static void
test_condition_nests_at_most_four_levels (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  const char *four = "not:\n  not:\n    not:\n      not:\n"
                     "        fileExists: /a\n";
  const char *five = "not:\n  not:\n    not:\n      not:\n        not:\n"
                     "          fileExists: /a\n";
  assert_true (check (four, TRUE, diags));
  assert_false (check (five, TRUE, diags));
  assert_diag (diags, 5, 9, "nested at most 4 levels deep");
  assert_int_equal (KILN_CONDITION_MAX_DEPTH, 4);
}

static void
test_condition_patterns_are_re2_only (void **state)
{
  char *problem = NULL;
  assert_true (kiln_condition_regex_ok ("^[a-z]+\\d{2,3}$", NULL));
  assert_true (kiln_condition_regex_ok ("(?i)abc|(?P<x>d)", NULL));
  assert_true (kiln_condition_regex_ok ("\\123", NULL));
  const char *re2_refuses[] = {
    "a(?=b)", "a(?!b)", "(?<=a)b", "(?<!a)b", "(a)\\1", "(?>a)", "a*+",
    "a++", "(?<n>a)\\k<n>", "(a)(?1)", "a\\Z",
  };
  for (guint i = 0; i < G_N_ELEMENTS (re2_refuses); i++)
    {
      if (kiln_condition_regex_ok (re2_refuses[i], &problem))
        fail_msg ("accepted %s", re2_refuses[i]);
      assert_non_null (strstr (problem, "RE2"));
      g_clear_pointer (&problem, g_free);
    }
  assert_false (kiln_condition_regex_ok ("(a", &problem));
  assert_non_null (problem);
  g_free (problem);
  assert_true (g_strv_contains (kiln_condition_comparison_operators (),
                                "fileSHA256Equals"));
  assert_int_equal (g_strv_length ((char **)
                                   kiln_condition_comparison_operators ()),
                    20);
}

/* The agent translates RE2 into POSIX ERE (common/kiln-re2-posix.h): what
 * the translation cannot carry is accepted (as AWSTOE accepts it) with a
 * warning at the pattern; what it carries draws none. */
static void
test_condition_warns_on_re2_syntax_the_guest_lacks (void **state)
{
  const char *gaps[] = {
    "\\bword\\b", "\\Bx", "\\pL", "\\PL", "a(?i)b", "(?i:ab)", "[\\D]",
    "(?U)a+", "(?m)\\Ax",
  };
  for (guint i = 0; i < G_N_ELEMENTS (gaps); i++)
    if (!kiln_condition_regex_guest_gap (gaps[i]))
      fail_msg ("no warning for %s", gaps[i]);
  const char *carried[] = {
    "^[0-9]+\\.[0-9]+$", "ub(untu|ian)", "[(?]", "a?b*c+", "x{2,3}",
    "[[:space:]]+", "\\.conf$", "[]a]", "^\\d+$", "\\w+", "a\\sb", "[\\d.]+",
    "(?i)abc", "(?m)^x$", "(?:ab)+", "(?P<v>[0-9]+)", "a.*?b", "a+?",
    "x{2,3}?", "\\Aabc\\z", "\\Qa.b\\E",
  };
  for (guint i = 0; i < G_N_ELEMENTS (carried); i++)
    if (kiln_condition_regex_guest_gap (carried[i]))
      fail_msg ("warned for %s", carried[i]);

  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  assert_true (check ("patternMatches: '\\bPermitRootLogin\\b'\n"
                      "value: x\n", TRUE, diags));
  assert_int_equal (kiln_diags_error_count (diags), 0);
  assert_diag (diags, 1, 17, "POSIX extended regular expressions");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_condition_accepts_every_operator_form),
    cmocka_unit_test (test_condition_refuses_bad_shapes_at_their_position),
    cmocka_unit_test (test_condition_nests_at_most_four_levels),
    cmocka_unit_test (test_condition_patterns_are_re2_only),
    cmocka_unit_test (test_condition_warns_on_re2_syntax_the_guest_lacks),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
