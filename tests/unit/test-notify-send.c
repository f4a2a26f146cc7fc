/* test-notify-send.c - sending an event to notify targets
 * (src/automation/notify-send.h) with real programs: only targets whose
 * `on:` has the event hear it, on stdin; a destination listed by both the
 * pipeline and the recipe hears it once; failures (exit status, a program
 * that is not there, a refused webhook) are counted and written to the
 * build log, and the rest are still told. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "automation/notify-send.h"

static char *dir;

static int
setup (void **state)
{
  (void) state;
  dir = g_dir_make_tmp ("kiln-notify-XXXXXX", NULL);
  return dir ? 0 : -1;
}

static int
teardown (void **state)
{
  (void) state;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_true (system (cmd) == 0);
  g_clear_pointer (&dir, g_free);
  return 0;
}

/* A command target appending its stdin to FILE (under dir). */
static KilnNotifyTarget *
appender (guint events, const char *file)
{
  KilnNotifyTarget *t = g_new0 (KilnNotifyTarget, 1);
  t->events = events;
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *script = g_strdup_printf ("cat >> '%s'", path);
  const char *argv[] = { "/bin/sh", "-c", script, NULL };
  t->command = g_strdupv ((char **) argv);
  t->timeout = 30;
  t->source = g_strdup ("test.yaml:1");
  return t;
}

static KilnNotifyTarget *
command (guint events, const char *const *argv)
{
  KilnNotifyTarget *t = g_new0 (KilnNotifyTarget, 1);
  t->events = events;
  t->command = g_strdupv ((char **) argv);
  t->timeout = 30;
  t->source = g_strdup ("test.yaml:2");
  return t;
}

static GPtrArray *
targets (void)
{
  return g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_notify_target_free);
}

static char *
read_file (const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

static void
test_only_listeners_hear_it_once (void **state)
{
  (void) state;
  g_autoptr (GPtrArray) pipeline = targets ();
  g_autoptr (GPtrArray) recipe = targets ();
  g_ptr_array_add (pipeline, appender (KILN_EVENT_AVAILABLE, "both"));
  g_ptr_array_add (pipeline, appender (KILN_EVENT_FAILED, "failed-only"));
  /* the same argv in the recipe: told once */
  g_ptr_array_add (recipe, appender (KILN_EVENT_AVAILABLE
                                     | KILN_EVENT_SKIPPED, "both"));
  g_ptr_array_add (recipe, appender (KILN_EVENT_AVAILABLE, "recipe"));
  GPtrArray *lists[] = { pipeline, recipe, NULL };
  assert_int_equal (kiln_notify_send (lists, KILN_EVENT_AVAILABLE,
                                      "{\"event\":\"available\"}", NULL), 0);
  g_autofree char *both = read_file ("both");
  g_autofree char *rec = read_file ("recipe");
  g_autofree char *failed = read_file ("failed-only");
  assert_string_equal (both, "{\"event\":\"available\"}\n");
  assert_string_equal (rec, "{\"event\":\"available\"}\n");
  assert_null (failed);
}

static void
test_failures_are_counted_and_logged (void **state)
{
  (void) state;
  g_autofree char *log = g_build_filename (dir, "build.log", NULL);
  assert_true (g_file_set_contents (log, "[     1.0s] stage  resolve\n", -1,
                                    NULL));
  /* a port nothing listens on: bound, then let go */
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4,
                                        G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (
      G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  assert_true (g_socket_bind (s, any, FALSE, NULL));
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (s, NULL);
  guint16 port = g_inet_socket_address_get_port (
      G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (s, NULL);

  g_autoptr (GPtrArray) list = targets ();
  const char *exits[] = { "/bin/sh", "-c", "echo no thanks; exit 4", NULL };
  const char *missing[] = { "/nonexistent/kiln-notify", NULL };
  g_ptr_array_add (list, command (KILN_EVENT_FAILED, exits));
  g_ptr_array_add (list, command (KILN_EVENT_FAILED, missing));
  KilnNotifyTarget *hook = g_new0 (KilnNotifyTarget, 1);
  hook->events = KILN_EVENT_FAILED;
  hook->webhook = g_strdup_printf ("http://127.0.0.1:%u/hook/SECRET", port);
  hook->timeout = 10;
  hook->source = g_strdup ("test.yaml:3");
  g_ptr_array_add (list, hook);
  g_ptr_array_add (list, appender (KILN_EVENT_FAILED, "told"));
  GPtrArray *lists[] = { list, NULL };
  assert_int_equal (kiln_notify_send (lists, KILN_EVENT_FAILED,
                                      "{\"event\":\"failed\"}", log), 3);
  /* the failures did not keep the last target from hearing it */
  g_autofree char *told = read_file ("told");
  assert_string_equal (told, "{\"event\":\"failed\"}\n");
  g_autofree char *text = read_file ("build.log");
  assert_non_null (strstr (text, "stage  resolve\n"));
  assert_non_null (strstr (text, "exit status 4: no thanks"));
  assert_non_null (strstr (text, "/nonexistent/kiln-notify"));
  g_autofree char *where = g_strdup_printf ("webhook http://127.0.0.1:%u "
                                            "(test.yaml:3)", port);
  assert_non_null (strstr (text, where));
  /* a hook's path may hold a token: never in a log */
  assert_null (strstr (text, "SECRET"));
}

/* No log file: a notification never makes one. */
static void
test_no_log_made (void **state)
{
  (void) state;
  g_autofree char *log = g_build_filename (dir, "none.log", NULL);
  g_autoptr (GPtrArray) list = targets ();
  const char *fails[] = { "/bin/false", NULL };
  g_ptr_array_add (list, command (KILN_EVENT_SKIPPED, fails));
  GPtrArray *lists[] = { list, NULL };
  assert_int_equal (kiln_notify_send (lists, KILN_EVENT_SKIPPED, "{}", log),
                    1);
  assert_false (g_file_test (log, G_FILE_TEST_EXISTS));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_only_listeners_hear_it_once,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_failures_are_counted_and_logged,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_no_log_made, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
