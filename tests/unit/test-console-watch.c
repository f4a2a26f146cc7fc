/* test-console-watch.c - noticing a guest kernel panic on the console log
 * (src/build/console-watch.c) as QEMU writes it: appended to in pieces,
 * raw bytes, started afresh on a new domain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "build/console-watch.h"

typedef struct {
  char *dir;
  char *log;
  KilnConsoleWatch *w;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->dir = g_dir_make_tmp ("kiln-console-XXXXXX", NULL);
  f->log = g_build_filename (f->dir, "console.log", NULL);
  g_assert_true (g_file_set_contents (f->log, "", 0, NULL));
  f->w = kiln_console_watch_new (f->log);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  kiln_console_watch_free (f->w);
  g_unlink (f->log);
  g_rmdir (f->dir);
  g_free (f->log);
  g_free (f->dir);
  g_free (f);
  return 0;
}

static void
append (Fixture *f, const char *data, gsize len)
{
  FILE *fp = fopen (f->log, "ab");
  assert_non_null (fp);
  assert_int_equal (fwrite (data, 1, len, fp), len);
  fclose (fp);
}

static void
append_str (Fixture *f, const char *s)
{
  append (f, s, strlen (s));
}

static void
test_no_panic (void **state)
{
  Fixture *f = *state;
  assert_null (kiln_console_watch_panic (f->w));
  append_str (f, "[    1.0] Linux version 6.1\nkiln-agent: hello\n");
  assert_null (kiln_console_watch_panic (f->w));
  assert_null (kiln_console_watch_panic (f->w));
}

static void
test_panic_line (void **state)
{
  Fixture *f = *state;
  append_str (f, "booting\n[    6.6] Kernel panic - not syncing: sysrq triggered crash\n"
                 "[    6.6] CPU: 0 PID: 1\n");
  g_autofree char *p = kiln_console_watch_panic (f->w);
  assert_string_equal (p, "Kernel panic - not syncing: sysrq triggered crash");
}

/* QEMU writes the log as the guest prints: the mark may be cut between
 * two looks, and raw bytes (NUL, not UTF-8, escapes) come before it. */
static void
test_panic_cut_and_raw (void **state)
{
  Fixture *f = *state;
  static const char raw[] = "\0\xff\xfe\x1b[0m noise ";
  append (f, raw, sizeof raw - 1);
  append_str (f, "[    2.0] Kernel pan");
  assert_null (kiln_console_watch_panic (f->w));
  append_str (f, "ic - not syncing: Attempted to kill init! \xff\x01 exitcode=0x9\n");
  g_autofree char *p = kiln_console_watch_panic (f->w);
  assert_non_null (p);
  assert_true (g_str_has_prefix (p, "Kernel panic - not syncing: Attempted to kill init!"));
  assert_true (g_utf8_validate (p, -1, NULL));
  for (const char *c = p; *c; c++)
    assert_true ((guchar) *c >= 0x20);
}

/* A guest printing megabytes without a newline: what is kept between
 * looks stays small, and a panic after it is still seen. */
static void
test_flood_then_panic (void **state)
{
  Fixture *f = *state;
  gsize n = 3 * 1024 * 1024;
  g_autofree char *junk = g_malloc (n);
  memset (junk, 'a', n);
  append (f, junk, n);
  for (int i = 0; i < 4; i++)
    assert_null (kiln_console_watch_panic (f->w));
  append_str (f, "Kernel panic - not syncing: Fatal exception\n");
  g_autofree char *p = kiln_console_watch_panic (f->w);
  assert_string_equal (p, "Kernel panic - not syncing: Fatal exception");
}

/* A new domain (after a reboot) starts the log afresh: the watch starts
 * again from its beginning. */
static void
test_log_started_afresh (void **state)
{
  Fixture *f = *state;
  append_str (f, "first boot, quite a long line of boot messages here\n");
  assert_null (kiln_console_watch_panic (f->w));
  g_assert_true (g_file_set_contents (f->log, "Kernel panic - not syncing: x\n", -1, NULL));
  g_autofree char *p = kiln_console_watch_panic (f->w);
  assert_string_equal (p, "Kernel panic - not syncing: x");
}

static void
test_missing_log (void **state)
{
  (void) state;
  g_autoptr (KilnConsoleWatch) w = kiln_console_watch_new ("/nonexistent/kiln/console.log");
  assert_null (kiln_console_watch_panic (w));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_no_panic, setup, teardown),
    cmocka_unit_test_setup_teardown (test_panic_line, setup, teardown),
    cmocka_unit_test_setup_teardown (test_panic_cut_and_raw, setup, teardown),
    cmocka_unit_test_setup_teardown (test_flood_then_panic, setup, teardown),
    cmocka_unit_test_setup_teardown (test_log_started_afresh, setup, teardown),
    cmocka_unit_test (test_missing_log),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
