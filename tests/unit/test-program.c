/* test-program.c - host programs and HTTP POSTs (backends/program.h,
 * backends/http.h): stdin reaches the program, its status and output come
 * back, a program that outlives its timeout is stopped, a POST to a port
 * where nothing listens fails with a message and no answer; programs in
 * the sbin directories are found with a user's PATH. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <gio/gio.h>

#include "backends/http.h"
#include "backends/program.h"
#include "backends/template-build.h"
#include "common/kiln.h"

static void
test_stdin_status_and_output (void **state)
{
  const char *argv[] = { "/bin/sh", "-c", "cat; echo oops >&2; exit 3",
                         NULL };
  g_auto (KilnProgramResult) res = { 0 };
  g_autoptr (GError) error = NULL;
  assert_true (kiln_program_run (argv, "{\"event\": \"failed\"}\n", 30, &res,
                                 &error));
  assert_true (res.exited);
  assert_false (res.timed_out);
  assert_int_equal (res.status, 3);
  assert_string_equal (res.output, "{\"event\": \"failed\"}\noops\n");
}

static void
test_no_stdin_is_empty (void **state)
{
  const char *argv[] = { "wc", "-c", NULL };   /* found in PATH */
  g_auto (KilnProgramResult) res = { 0 };
  assert_true (kiln_program_run (argv, NULL, 30, &res, NULL));
  assert_true (res.exited);
  assert_int_equal (res.status, 0);
  assert_string_equal (g_strstrip (res.output), "0");
}

static void
test_timeout_stops_it (void **state)
{
  /* ignores TERM: KILL follows */
  const char *argv[] = { "/bin/sh", "-c", "trap '' TERM; echo started; "
                         "while :; do sleep 1; done", NULL };
  g_auto (KilnProgramResult) res = { 0 };
  assert_true (kiln_program_run (argv, NULL, 1, &res, NULL));
  assert_true (res.timed_out);
  assert_false (res.exited);
  assert_string_equal (res.output, "started\n");
}

static void
test_output_is_bounded (void **state)
{
  const char *argv[] = { "/bin/sh", "-c", "head -c 200000 /dev/zero | "
                         "tr '\\0' x", NULL };
  g_auto (KilnProgramResult) res = { 0 };
  assert_true (kiln_program_run (argv, NULL, 30, &res, NULL));
  assert_int_equal (strlen (res.output), 64 * 1024);
}

static void
test_missing_program (void **state)
{
  const char *argv[] = { "/nonexistent/notify-me", NULL };
  g_auto (KilnProgramResult) res = { 0 };
  g_autoptr (GError) error = NULL;
  assert_false (kiln_program_run (argv, "x", 30, &res, &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_HOST));
  assert_non_null (strstr (error->message, "/nonexistent/notify-me"));
}

/* A port on 127.0.0.1 where nothing listens: bound, then closed. */
static guint16
closed_port (void)
{
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
  return port;
}

static void
test_post_to_nothing_fails (void **state)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/hook",
                                          closed_port ());
  g_auto (KilnHttpResult) res = { 0 };
  g_autoptr (GError) error = NULL;
  assert_false (kiln_http_post (url, "application/json", "{}", 2, 5, &res,
                                &error));
  assert_int_equal (res.status, 0);
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_HOST));
  assert_non_null (strstr (error->message, url));
}

static void
test_post_other_schemes_refused (void **state)
{
  g_auto (KilnHttpResult) res = { 0 };
  g_autoptr (GError) error = NULL;
  assert_false (kiln_http_post ("file:///etc/passwd", "application/json",
                                "{}", 2, 5, &res, &error));
  assert_non_null (error);
}

/* A user's PATH (Debian's for users, cron's) has no sbin directory, where
 * mkfs.ext4, sfdisk and mkfs.vfat live: kiln still finds them, and gives
 * the programs it runs a PATH that has them. */
static void
test_sbin_found_without_it_on_path (void **state)
{
  g_autofree char *saved = g_strdup (g_getenv ("PATH"));
  g_setenv ("PATH", "/usr/bin:/bin", TRUE);
  g_autofree char *mkfs = kiln_host_program_find ("mkfs.ext4");
  g_autofree char *none = kiln_host_program_find ("kiln-no-such-program");
  g_autofree char *path = kiln_host_program_path ();
  g_autofree char *missing = kiln_template_build_missing_tools (TRUE);
  g_setenv ("PATH", "/usr/sbin:/usr/bin", TRUE);
  g_autofree char *path_with_sbin = kiln_host_program_path ();
  if (saved)
    g_setenv ("PATH", saved, TRUE);
  else
    g_unsetenv ("PATH");

  assert_non_null (mkfs);
  assert_true (g_str_has_suffix (mkfs, "sbin/mkfs.ext4"));
  assert_true (g_file_test (mkfs, G_FILE_TEST_IS_EXECUTABLE));
  assert_null (none);
  assert_string_equal (path, "/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin");
  assert_string_equal (path_with_sbin,
                       "/usr/sbin:/usr/bin:/usr/local/sbin:/sbin");
  /* scripts/install-deps installs them all */
  if (missing)
    fail_msg ("template build tools reported missing: %s", missing);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_stdin_status_and_output),
    cmocka_unit_test (test_no_stdin_is_empty),
    cmocka_unit_test (test_timeout_stops_it),
    cmocka_unit_test (test_output_is_bounded),
    cmocka_unit_test (test_missing_program),
    cmocka_unit_test (test_sbin_found_without_it_on_path),
    cmocka_unit_test (test_post_to_nothing_fails),
    cmocka_unit_test (test_post_other_schemes_refused),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
