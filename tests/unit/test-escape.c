/* test-escape.c - control characters in text output are escaped */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include <fcntl.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/reporter.h"
#include "base/escape.h"

static void
assert_escapes (const char *in, gssize len, const char *want)
{
  g_autofree char *out = kiln_escape_text (in, len);
  if (strcmp (out, want) != 0)
    fail_msg ("escaped to '%s', expected '%s'", out, want);
}

static void
test_plain_text_unchanged (void **state)
{
  (void) state;
  assert_escapes ("plain text, é, 日本, tab\tand\nnewline", -1,
                  "plain text, é, 日本, tab\tand\nnewline");
  assert_false (kiln_text_needs_escape ("a\tb\nc é", -1));
  assert_escapes ("", -1, "");
  assert_null (kiln_escape_text (NULL, -1));
}

static void
test_c0_and_del (void **state)
{
  (void) state;
  assert_escapes ("\033[2J\033]0;owned\007", -1,
                  "\\x1b[2J\\x1b]0;owned\\x07");
  assert_escapes ("safe\rhidden", -1, "safe\\x0dhidden");
  assert_escapes ("back\bspace\x7f", -1, "back\\x08space\\x7f");
  assert_true (kiln_text_needs_escape ("\033", -1));
  /* a NUL inside a counted buffer */
  assert_escapes ("a\0b", 3, "a\\x00b");
}

static void
test_c1_bidi_and_invalid_utf8 (void **state)
{
  (void) state;
  /* U+009B is CSI for terminals that read C1 controls */
  assert_escapes ("x\xc2\x9b" "31m", -1, "x\\u009b31m");
  /* right-to-left override reorders what a reader sees */
  assert_escapes ("abc\xe2\x80\xae" "def", -1, "abc\\u202edef");
  /* a lone byte that is not UTF-8 */
  assert_escapes ("a\x9b" "b\xff", -1, "a\\x9bb\\xff");
}

static void
test_diagnostics_escaped (void **state)
{
  (void) state;
  g_autoptr (KilnDiags) d = kiln_diags_new ();
  kiln_diags_add (d, KILN_DIAG_ERROR, "bad\033name.yaml", 3, 5,
                  "unknown action '%s'", "\033[2Jx");
  g_autofree char *line = kiln_diag_format (kiln_diags_get (d, 0));
  assert_string_equal (line, "bad\\x1bname.yaml:3:5: error: unknown action "
                       "'\\x1b[2Jx'");
  /* --json keeps the text; JSON escapes it */
  g_autoptr (JsonNode) j = kiln_diags_to_json (d);
  JsonObject *o = json_array_get_object_element (json_node_get_array (j), 0);
  assert_string_equal (json_object_get_string_member (o, "message"),
                       "unknown action '\033[2Jx'");
}

/* What fd 2 received while fn ran. */
static char *
capture_stderr (void (*fn) (KilnReporter *, const char *), KilnReporter *r,
                const char *arg)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (),
                                            "kiln-escape-XXXXXX", NULL);
  int fd = g_mkstemp (path);
  assert_true (fd >= 0);
  fflush (stderr);
  int saved = dup (STDERR_FILENO);
  dup2 (fd, STDERR_FILENO);
  fn (r, arg);
  fflush (stderr);
  dup2 (saved, STDERR_FILENO);
  close (saved);
  close (fd);
  char *text = NULL;
  assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_unlink (path);
  return text;
}

static void
report_failure (KilnReporter *r, const char *summary)
{
  kiln_reporter_result (r, FALSE, summary);
}

static void
report_info (KilnReporter *r, const char *msg)
{
  kiln_reporter_info (r, "%s", msg);
}

/* Step output, the console tail and the summary of a failure, as a
 * person sees them and as the build log keeps them. */
static void
test_reporter_escapes_guest_text (void **state)
{
  (void) state;
  g_autofree char *dir = g_dir_make_tmp ("kiln-escape-XXXXXX", NULL);
  g_autofree char *log = g_build_filename (dir, "build.log", NULL);
  g_autofree char *console = g_build_filename (dir, "console.log", NULL);
  g_autoptr (KilnReporter) r = kiln_reporter_new (FALSE);
  assert_true (kiln_reporter_open_log (r, log, NULL));

  g_autoptr (JsonObject) start = json_object_new ();
  json_object_set_string_member (start, "event", "step-start");
  json_object_set_string_member (start, "step", "Evil\033]0;title\007");
  kiln_reporter_agent_event (r, start, "{}");
  g_autoptr (JsonObject) out = json_object_new ();
  json_object_set_string_member (out, "event", "output");
  json_object_set_string_member (out, "data", "\033[2Jcleared\n");
  kiln_reporter_agent_event (r, out, "{}");
  g_autofree char *tail = kiln_reporter_step_tail (r, 5);
  /* the tail itself is data: escaped where it is printed */
  assert_non_null (strstr (tail, "\033[2J"));

  assert_true (g_file_set_contents (console, "\033[31mred\r\nok\r\n", -1,
                                    NULL));
  kiln_reporter_append_file (r, "console", console);

  g_autofree char *summary = g_strdup_printf ("failed\n  | %s", tail);
  g_autofree char *shown = capture_stderr (report_failure, r, summary);
  assert_null (strchr (shown, '\033'));
  assert_non_null (strstr (shown, "\\x1b[2Jcleared"));
  g_autofree char *info = capture_stderr (report_info, r, "wrote \033[8m");
  assert_null (strchr (info, '\033'));
  assert_non_null (strstr (info, "wrote \\x1b[8m"));

  g_autofree char *text = NULL;
  assert_true (g_file_get_contents (log, &text, NULL, NULL));
  assert_null (strchr (text, '\033'));
  assert_null (strchr (text, '\r'));
  assert_non_null (strstr (text, "\\x1b[31mred\nok\n"));
  assert_non_null (strstr (text, "\\x1b[2Jcleared"));
  g_unlink (console);
  g_unlink (log);
  g_rmdir (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_plain_text_unchanged),
    cmocka_unit_test (test_c0_and_del),
    cmocka_unit_test (test_c1_bidi_and_invalid_utf8),
    cmocka_unit_test (test_diagnostics_escaped),
    cmocka_unit_test (test_reporter_escapes_guest_text),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
