/* test-secret-mask.c - kiln masks secret values (***) in what it writes:
 * the build log, the guest console appended to it, the result */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "base/reporter.h"
#include "base/secret-mask.h"
#include "base/confine.h"

static void
assert_masked (const char *const *secrets, const char *in, const char *want)
{
  g_auto (GStrv) sorted = kiln_mask_secrets_prepare (secrets);
  g_autofree char *out
      = kiln_mask_secrets (in, -1, (const char *const *) sorted, NULL);
  if (strcmp (out, want) != 0)
    fail_msg ("masked to '%s', expected '%s'", out, want);
}

static void
test_mask_text (void **state)
{
  (void) state;
  static const char *const none[] = { NULL };
  static const char *const two[] = { "abcd", "abcdefgh", "", "abcd", NULL };
  assert_masked (none, "abcd", "abcd");
  assert_masked (NULL, "abcd", "abcd");
  assert_masked (two, "xxabcdefghyy abcdz abc", "xx***yy ***z abc");
  static const char *const nl[] = { "one\ntwo", NULL };
  assert_masked (nl, "key=one\ntwo\n", "key=***\n");
  g_auto (GStrv) sorted = kiln_mask_secrets_prepare (two);
  assert_int_equal (g_strv_length (sorted), 2);
  assert_string_equal (sorted[0], "abcdefgh");
  assert_null (kiln_mask_secrets_prepare (none));
}

static void
test_mask_json (void **state)
{
  (void) state;
  static const char *const s[] = { "hunter2", NULL };
  g_autoptr (JsonNode) n = json_from_string (
      "{\"hunter2\":[\"a hunter2\",{\"x\":\"hunter2\"},1]}", NULL);
  kiln_mask_secrets_json (n, s);
  g_autofree char *text = json_to_string (n, FALSE);
  assert_string_equal (text, "{\"hunter2\":[\"a ***\",{\"x\":\"***\"},1]}");
}

/* The log gets messages, agent lines and the console masked; the console
 * is masked after its \r\n became \n, so a value with a line break is
 * found; the result line too. */
static void
test_reporter_masks_log (void **state)
{
  (void) state;
  g_autofree char *dir = g_dir_make_tmp ("kiln-mask-XXXXXX", NULL);
  g_autofree char *log = g_build_filename (dir, "build.log", NULL);
  g_autofree char *console = g_build_filename (dir, "console.log", NULL);
  assert_true (g_file_set_contents (console,
                                    "boot\r\nkey=one\r\ntwo\r\npw=hunter2\r\n",
                                    -1, NULL));
  {
    g_autoptr (KilnReporter) r = kiln_reporter_new (FALSE);
    static const char *const s[] = { "hunter2", "one\ntwo", NULL };
    kiln_reporter_set_secrets (r, s);
    assert_true (kiln_reporter_open_log (r, log, NULL));
    kiln_reporter_log (r, "the password is %s", "hunter2");
    g_autoptr (JsonObject) ev = json_object_new ();
    json_object_set_string_member (ev, "event", "log");
    kiln_reporter_agent_event (r, ev, "{\"data\":\"hunter2\"}");
    kiln_reporter_append_file (r, "console", console);
    kiln_reporter_result (r, FALSE, "failed: hunter2");
  }
  g_autofree char *text = NULL;
  assert_true (g_file_get_contents (log, &text, NULL, NULL));
  assert_null (strstr (text, "hunter2"));
  assert_null (strstr (text, "one"));
  assert_non_null (strstr (text, "the password is ***"));
  assert_non_null (strstr (text, "{\"data\":\"***\"}"));
  assert_non_null (strstr (text, "key=***\npw=***\n"));
  assert_non_null (strstr (text, "failed: ***"));
  kiln_remove_tree (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_mask_text),
    cmocka_unit_test (test_mask_json),
    cmocka_unit_test (test_reporter_masks_log),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
