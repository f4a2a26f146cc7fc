/* test-reporter-log.c - the build log is private (0600) when it is a
 * file kiln writes, and a log sent to a device (the fuzzers send theirs to
 * /dev/null) leaves the device's mode alone: once it did not, and every
 * CI run took /dev/null away from non-root users.  A real device node
 * (the null device, made with mknod in a temporary directory: root only),
 * never the machine's own /dev/null. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/confine.h"
#include "base/reporter.h"

static char *top;

static void
test_a_file_log_is_private (void **state)
{
  (void) state;
  g_autofree char *log = g_build_filename (top, "build.log", NULL);
  assert_true (g_file_set_contents (log, "old", -1, NULL));
  assert_int_equal (g_chmod (log, 0644), 0);
  KilnReporter *r = kiln_reporter_new (FALSE);
  assert_true (kiln_reporter_open_log (r, log, NULL));
  kiln_reporter_free (r);
  GStatBuf st;
  assert_int_equal (g_stat (log, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0600);
}

static void
test_a_device_log_keeps_its_mode (void **state)
{
  (void) state;
  if (geteuid () != 0)
    skip ();
  g_autofree char *dev = g_build_filename (top, "null", NULL);
  assert_int_equal (mknod (dev, S_IFCHR | 0666, makedev (1, 3)), 0);
  assert_int_equal (g_chmod (dev, 0666), 0);   /* whatever the umask */
  KilnReporter *r = kiln_reporter_new (FALSE);
  assert_true (kiln_reporter_open_log (r, dev, NULL));
  kiln_reporter_info (r, "%s", "a line into the device");
  kiln_reporter_free (r);
  GStatBuf st;
  assert_int_equal (g_stat (dev, &st), 0);
  assert_true (S_ISCHR (st.st_mode));
  assert_int_equal (st.st_mode & 07777, 0666);
}

int
main (void)
{
  top = g_dir_make_tmp ("kiln-reporter-log-XXXXXX", NULL);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_a_file_log_is_private),
    cmocka_unit_test (test_a_device_log_keeps_its_mode),
  };
  int rc = cmocka_run_group_tests (tests, NULL, NULL);
  kiln_remove_tree (top);
  g_free (top);
  return rc;
}
