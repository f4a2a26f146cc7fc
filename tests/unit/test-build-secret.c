/* test-build-secret.c - the per-$KILN_HOME key of the build key: made on
 * first use with mode 0600, the same on every later use, different in
 * another home, one file when several processes make it at once, and a
 * file that is not what kiln made (wrong mode, size, a link) refused and
 * left as it is.  Real files in a temporary directory, real processes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/confine.h"
#include "common/kiln.h"
#include "store/build-secret.h"

static char *top;

static char *
new_home (const char *name)
{
  return g_build_filename (top, name, NULL);
}

static void
test_made_private_on_first_use_then_reused (void **state)
{
  (void) state;
  g_autofree char *home = new_home ("first");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) a = kiln_build_secret_load (home, &error);
  assert_null (error);
  assert_non_null (a);
  assert_int_equal (g_bytes_get_size (a), KILN_BUILD_SECRET_LEN);
  g_autofree char *path = g_build_filename (home, "build-key.secret", NULL);
  GStatBuf st;
  assert_int_equal (g_lstat (path, &st), 0);
  assert_true (S_ISREG (st.st_mode));
  assert_int_equal (st.st_mode & 07777, 0600);
  assert_int_equal (g_lstat (home, &st), 0);
  assert_int_equal (st.st_mode & 077, 0);
  g_autoptr (GBytes) b = kiln_build_secret_load (home, &error);
  assert_non_null (b);
  assert_true (g_bytes_equal (a, b));
  /* no temporary file left beside it */
  g_autoptr (GDir) d = g_dir_open (home, 0, NULL);
  const char *entry;
  guint n = 0;
  while ((entry = g_dir_read_name (d)))
    n++;
  assert_int_equal (n, 1);
}

static void
test_another_home_has_another_key (void **state)
{
  (void) state;
  g_autofree char *h1 = new_home ("one");
  g_autofree char *h2 = new_home ("two");
  g_autoptr (GBytes) a = kiln_build_secret_load (h1, NULL);
  g_autoptr (GBytes) b = kiln_build_secret_load (h2, NULL);
  assert_non_null (a);
  assert_non_null (b);
  assert_false (g_bytes_equal (a, b));
}

/* Four processes make the key of one home at once: all get the same. */
static void
test_concurrent_creation_makes_one_key (void **state)
{
  (void) state;
  g_autofree char *home = new_home ("race");
  enum { N = 4 };
  int fds[N][2];
  pid_t pids[N];
  for (int i = 0; i < N; i++)
    {
      assert_int_equal (pipe (fds[i]), 0);
      pids[i] = fork ();
      assert_true (pids[i] >= 0);
      if (pids[i] == 0)
        {
          close (fds[i][0]);
          GBytes *key = kiln_build_secret_load (home, NULL);
          if (!key)
            _exit (1);
          gsize len = 0;
          const void *data = g_bytes_get_data (key, &len);
          _exit (write (fds[i][1], data, len) == (ssize_t) len ? 0 : 1);
        }
      close (fds[i][1]);
    }
  guint8 first[KILN_BUILD_SECRET_LEN];
  for (int i = 0; i < N; i++)
    {
      guint8 got[KILN_BUILD_SECRET_LEN];
      assert_int_equal (read (fds[i][0], got, sizeof got), sizeof got);
      close (fds[i][0]);
      int status;
      assert_int_equal (waitpid (pids[i], &status, 0), pids[i]);
      assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
      if (i == 0)
        memcpy (first, got, sizeof got);
      else
        assert_memory_equal (first, got, sizeof got);
    }
  g_autoptr (GBytes) mine = kiln_build_secret_load (home, NULL);
  assert_memory_equal (g_bytes_get_data (mine, NULL), first, sizeof first);
}

/* A file kiln did not make this way is an error naming it, and stays. */
static void
expect_refused (const char *home, const char *path, const char *what)
{
  GStatBuf before, after;
  assert_int_equal (g_lstat (path, &before), 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) key = kiln_build_secret_load (home, &error);
  assert_null (key);
  assert_non_null (error);
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_HOST));
  assert_non_null (strstr (error->message, path));
  if (what)
    assert_non_null (strstr (error->message, what));
  assert_int_equal (g_lstat (path, &after), 0);
  assert_int_equal (before.st_ino, after.st_ino);
  assert_int_equal (before.st_mode, after.st_mode);
  assert_int_equal (before.st_size, after.st_size);
}

static void
test_a_readable_or_odd_file_is_refused (void **state)
{
  (void) state;
  g_autofree char *home = new_home ("odd");
  g_autofree char *path = g_build_filename (home, "build-key.secret", NULL);
  g_autoptr (GBytes) key = kiln_build_secret_load (home, NULL);
  assert_non_null (key);

  assert_int_equal (g_chmod (path, 0644), 0);
  expect_refused (home, path, "mode 0644");

  assert_int_equal (g_chmod (path, 0600), 0);
  assert_true (g_file_set_contents (path, "short", -1, NULL));
  assert_int_equal (g_chmod (path, 0600), 0);
  expect_refused (home, path, "5 bytes");

  /* a link to a file of the right size and mode is still refused */
  g_autofree char *elsewhere = g_build_filename (top, "elsewhere", NULL);
  assert_true (g_file_set_contents (elsewhere,
                                    "0123456789abcdef0123456789abcdef", -1,
                                    NULL));
  assert_int_equal (g_chmod (elsewhere, 0600), 0);
  assert_int_equal (g_unlink (path), 0);
  assert_int_equal (symlink (elsewhere, path), 0);
  expect_refused (home, path, NULL);

  assert_int_equal (g_unlink (path), 0);
  assert_int_equal (g_mkdir (path, 0700), 0);
  expect_refused (home, path, NULL);
}

int
main (void)
{
  top = g_dir_make_tmp ("kiln-build-secret-XXXXXX", NULL);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_made_private_on_first_use_then_reused),
    cmocka_unit_test (test_another_home_has_another_key),
    cmocka_unit_test (test_concurrent_creation_makes_one_key),
    cmocka_unit_test (test_a_readable_or_odd_file_is_refused),
  };
  int rc = cmocka_run_group_tests (tests, NULL, NULL);
  kiln_remove_tree (top);
  g_free (top);
  return rc;
}
