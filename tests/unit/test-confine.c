/* test-confine.c - removal, creation and opening below a root never follow
 * a symbolic link, never leave the root and never cross a mount (real
 * files, real symbolic links, and as root a real tmpfs and a real bind
 * mount); work directories whose owner is gone are reaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/confine.h"
#include "base/owner.h"
#include "base/workspace.h"
#include "common/kiln.h"

typedef struct {
  char *dir;        /* holds root/ and outside/ */
  char *root;       /* what kiln removes below */
  char *outside;    /* must survive everything */
  char *mounted;    /* a mount point to undo, or NULL */
} Fixture;

static void
write_file (const char *path, const char *text)
{
  g_autofree char *dir = g_path_get_dirname (path);
  assert_int_equal (g_mkdir_with_parents (dir, 0755), 0);
  assert_true (g_file_set_contents (path, text, -1, NULL));
}

static gboolean
exists (const char *path)
{
  GStatBuf st;
  return g_lstat (path, &st) == 0;
}

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->dir = g_dir_make_tmp ("kiln-confine-XXXXXX", NULL);
  f->root = g_build_filename (f->dir, "root", NULL);
  f->outside = g_build_filename (f->dir, "outside", NULL);
  g_autofree char *precious = g_build_filename (f->outside, "precious",
                                                NULL);
  write_file (precious, "keep me");
  g_mkdir (f->root, 0700);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  if (f->mounted)
    assert_int_equal (umount2 (f->mounted, MNT_DETACH), 0);
  g_free (f->mounted);
  kiln_remove_tree (f->dir);
  assert_false (exists (f->dir));
  g_free (f->dir);
  g_free (f->root);
  g_free (f->outside);
  g_free (f);
  return 0;
}

static char *
below (Fixture *f, const char *rel)
{
  return g_build_filename (f->root, rel, NULL);
}

static void
assert_outside_intact (Fixture *f)
{
  g_autofree char *precious = g_build_filename (f->outside, "precious",
                                                NULL);
  g_autofree char *text = NULL;
  assert_true (g_file_get_contents (precious, &text, NULL, NULL));
  assert_string_equal (text, "keep me");
}

static void
test_removes_a_tree_and_a_missing_path (void **state)
{
  Fixture *f = *state;
  g_autofree char *tree = below (f, "a");
  g_autofree char *deep = below (f, "a/b/c/d.txt");
  write_file (deep, "x");
  g_autoptr (GError) error = NULL;
  assert_true (kiln_remove_below (f->root, tree, &error));
  assert_false (exists (tree));
  assert_true (exists (f->root));
  /* nothing there is removed already */
  assert_true (kiln_remove_below (f->root, tree, &error));
  g_autofree char *missing = below (f, "no/such/thing");
  assert_true (kiln_remove_below (f->root, missing, &error));
}

static void
test_a_link_inside_is_removed_not_followed (void **state)
{
  Fixture *f = *state;
  g_autofree char *tree = below (f, "work");
  g_autofree char *file = below (f, "work/file");
  write_file (file, "x");
  g_autofree char *link = below (f, "work/escape");
  assert_int_equal (symlink (f->outside, link), 0);
  g_autoptr (GError) error = NULL;
  assert_true (kiln_remove_below (f->root, tree, &error));
  assert_false (exists (tree));
  assert_outside_intact (f);
}

/* A single file (a build's artifact): a regular file and a link go (the
 * link itself), a directory in its place is left alone with what it
 * holds, a missing one is no error. */
static void
test_remove_file_takes_files_and_links_only (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  gboolean removed = FALSE;
  g_autofree char *file = below (f, "out/image.qcow2");
  write_file (file, "x");
  assert_true (kiln_remove_file (file, &removed, &error));
  assert_true (removed);
  assert_false (exists (file));

  g_autofree char *link = below (f, "out/SHA256SUMS");
  g_autofree char *precious = g_build_filename (f->outside, "precious", NULL);
  assert_int_equal (symlink (precious, link), 0);
  assert_true (kiln_remove_file (link, &removed, &error));
  assert_true (removed);
  assert_false (exists (link));
  assert_outside_intact (f);

  g_autofree char *dir = below (f, "out/manifest.json");
  g_autofree char *inside = below (f, "out/manifest.json/kept");
  write_file (inside, "y");
  assert_true (kiln_remove_file (dir, &removed, &error));
  assert_false (removed);
  assert_true (exists (inside));

  g_autofree char *missing = below (f, "out/gone");
  assert_true (kiln_remove_file (missing, &removed, &error));
  assert_false (removed);
  g_autofree char *no_dir = below (f, "nowhere/gone");
  assert_true (kiln_remove_file (no_dir, &removed, &error));
  assert_false (removed);
}

static void
test_a_link_on_the_way_is_refused (void **state)
{
  Fixture *f = *state;
  g_autofree char *link = below (f, "images");
  assert_int_equal (symlink (f->outside, link), 0);
  g_autofree char *through = below (f, "images/precious");
  g_autoptr (GError) error = NULL;
  assert_false (kiln_remove_below (f->root, through, &error));
  assert_non_null (strstr (error->message, "symbolic link"));
  assert_outside_intact (f);
  /* the link as the thing removed: it goes, its target stays */
  g_clear_error (&error);
  assert_true (kiln_remove_below (f->root, link, &error));
  assert_false (exists (link));
  assert_outside_intact (f);
}

static void
test_a_path_outside_the_root_is_refused (void **state)
{
  Fixture *f = *state;
  g_autofree char *escape = below (f, "../outside");
  g_autoptr (GError) error = NULL;
  assert_false (kiln_remove_below (f->root, escape, &error));
  assert_non_null (strstr (error->message, "not inside"));
  g_clear_error (&error);
  assert_false (kiln_remove_below (f->root, f->outside, &error));
  g_clear_error (&error);
  assert_false (kiln_remove_below (f->root, f->root, &error));
  assert_outside_intact (f);
  assert_true (exists (f->root));
}

/* Mounts need root (CAP_SYS_ADMIN); elsewhere the test says so and
 * passes without them. */
static gboolean
try_mount (Fixture *f, const char *source, const char *target,
           const char *type, unsigned long flags)
{
  if (mount (source, target, type, flags, type ? "size=1m" : NULL) != 0)
    {
      assert_true (errno == EPERM || errno == EACCES);
      print_message ("  (not root: no %s mount to test with)\n",
                     type ? type : "bind");
      return FALSE;
    }
  f->mounted = g_strdup (target);
  return TRUE;
}

static void
test_a_tmpfs_below_is_never_entered (void **state)
{
  Fixture *f = *state;
  g_autofree char *tree = below (f, "tree");
  g_autofree char *mnt = below (f, "tree/mnt");
  g_autofree char *sibling = below (f, "tree/sibling");
  write_file (sibling, "s");
  g_mkdir (mnt, 0755);
  if (!try_mount (f, "tmpfs", mnt, "tmpfs", 0))
    return;
  g_autofree char *inside = below (f, "tree/mnt/on-tmpfs");
  write_file (inside, "host data");
  g_autoptr (GError) error = NULL;
  assert_false (kiln_remove_below (f->root, tree, &error));
  assert_non_null (strstr (error->message, "mount point"));
  assert_true (exists (inside));
  /* the mount itself as the thing removed: refused too */
  g_clear_error (&error);
  assert_false (kiln_remove_below (f->root, mnt, &error));
  assert_true (exists (inside));
  /* and nothing is created or opened through it */
  g_autofree char *new_dir = below (f, "tree/mnt/new");
  g_clear_error (&error);
  assert_false (kiln_mkdir_below (f->root, new_dir, 0700, &error));
  assert_false (exists (new_dir));
  g_clear_error (&error);
  assert_int_equal (kiln_open_below (f->root, inside, O_RDONLY, 0, &error),
                    -1);
}

static void
test_a_bind_mount_of_the_same_filesystem_is_never_entered (void **state)
{
  Fixture *f = *state;
  g_autofree char *tree = below (f, "tree");
  g_autofree char *mnt = below (f, "tree/bound");
  g_mkdir_with_parents (mnt, 0755);
  /* same device as the tree: only the mount id tells */
  if (!try_mount (f, f->outside, mnt, NULL, MS_BIND))
    return;
  g_autoptr (GError) error = NULL;
  assert_false (kiln_remove_below (f->root, tree, &error));
  assert_non_null (strstr (error->message, "mount point"));
  assert_outside_intact (f);
}

static void
test_mkdir_and_open_refuse_links (void **state)
{
  Fixture *f = *state;
  g_autofree char *link = below (f, "logs");
  assert_int_equal (symlink (f->outside, link), 0);
  g_autofree char *through = below (f, "logs/name/1.0");
  g_autoptr (GError) error = NULL;
  assert_false (kiln_mkdir_below (f->root, through, 0700, &error));
  g_autofree char *made = g_build_filename (f->outside, "name", NULL);
  assert_false (exists (made));
  g_autofree char *precious = below (f, "logs/precious");
  g_clear_error (&error);
  assert_int_equal (kiln_open_below (f->root, precious, O_RDONLY, 0, &error),
                    -1);
  /* a link as the file itself */
  g_autofree char *real = below (f, "real");
  g_autofree char *file_link = below (f, "real/1.log");
  g_autofree char *target = g_build_filename (f->outside, "precious", NULL);
  g_clear_error (&error);
  assert_true (kiln_mkdir_below (f->root, real, 0700, &error));
  assert_int_equal (symlink (target, file_link), 0);
  g_clear_error (&error);
  assert_int_equal (kiln_open_below (f->root, file_link, O_RDONLY, 0, &error),
                    -1);
  assert_non_null (strstr (error->message, "symbolic link"));
  /* a real file opens */
  g_autofree char *ok_file = below (f, "real/2.log");
  write_file (ok_file, "log");
  g_clear_error (&error);
  int fd = kiln_open_below (f->root, ok_file, O_RDONLY, 0, &error);
  assert_true (fd >= 0);
  close (fd);
  assert_outside_intact (f);
}

/* --- work directories and their owners --------------------------------- */

/* A process that has ended: a child that exited and was waited for. */
static KilnOwner
gone_owner (void)
{
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    _exit (0);
  KilnOwner o = { .pid = pid, .start = kiln_owner_start_of (pid) };
  int status;
  assert_int_equal (waitpid (pid, &status, 0), pid);
  return o;
}

static void
test_owner_alive_and_gone (void **state)
{
  (void) state;
  KilnOwner self = kiln_owner_self ();
  assert_true (self.start > 0);
  assert_true (kiln_owner_alive (&self));
  KilnOwner other_start = { .pid = self.pid, .start = self.start + 1 };
  assert_false (kiln_owner_alive (&other_start));
  KilnOwner gone = gone_owner ();
  assert_false (kiln_owner_alive (&gone));
  g_autofree char *text = kiln_owner_format (&self);
  KilnOwner back;
  assert_true (kiln_owner_parse (text, &back));
  assert_int_equal (back.pid, self.pid);
  assert_true (back.start == self.start);
  assert_false (kiln_owner_parse ("12", &back));
  assert_false (kiln_owner_parse ("-1 5", &back));
  assert_false (kiln_owner_parse ("1 x", &back));
}

static char *
fake_work_dir (Fixture *f, const char *name, const char *owner_line,
               const char *sock_dir)
{
  g_autofree char *work = below (f, "work");
  char *dir = g_build_filename (work, name, NULL);
  g_autofree char *disk = g_build_filename (dir, "disk.qcow2", NULL);
  write_file (disk, "overlay with secrets");
  g_autofree char *owner = g_build_filename (dir, "owner", NULL);
  g_autofree char *text = g_strdup_printf ("%s\n%s\n", owner_line,
                                           sock_dir ? sock_dir : "");
  write_file (owner, text);
  return dir;
}

static void
test_reap_removes_only_dead_owners_directories (void **state)
{
  Fixture *f = *state;
  KilnOwner gone = gone_owner ();
  KilnOwner self = kiln_owner_self ();
  g_autofree char *gone_text = kiln_owner_format (&gone);
  g_autofree char *self_text = kiln_owner_format (&self);
  /* the dead owner's socket directory, as kiln names them */
  g_autofree char *sock_dir = g_build_filename (f->dir, "kiln-AbC123", NULL);
  g_mkdir (sock_dir, 0700);
  g_autofree char *dead = fake_work_dir (f, "web-dead01", gone_text,
                                         sock_dir);
  g_autofree char *alive = fake_work_dir (f, "web-alive1", self_text, NULL);
  g_autofree char *kept = fake_work_dir (f, "web-kept01", "kept", NULL);
  /* a link in a dead directory leads nowhere */
  g_autofree char *link = g_build_filename (dead, "escape", NULL);
  assert_int_equal (symlink (f->outside, link), 0);

  g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  assert_int_equal (kiln_workspace_reap (f->root, removed), 1);
  assert_int_equal (removed->len, 1);
  assert_string_equal (removed->pdata[0], dead);
  assert_false (exists (dead));
  assert_false (exists (sock_dir));
  assert_true (exists (alive));
  assert_true (exists (kept));
  assert_outside_intact (f);
}

static void
test_reap_leaves_a_socket_directory_that_is_not_kilns (void **state)
{
  Fixture *f = *state;
  KilnOwner gone = gone_owner ();
  g_autofree char *gone_text = kiln_owner_format (&gone);
  /* named like kiln's, but holding a regular file: not kiln's to remove */
  g_autofree char *sock_dir = g_build_filename (f->dir, "kiln-XyZ789", NULL);
  g_autofree char *file = g_build_filename (sock_dir, "data", NULL);
  write_file (file, "someone's");
  g_autofree char *dead = fake_work_dir (f, "web-dead02", gone_text,
                                         f->outside);
  g_free (fake_work_dir (f, "web-dead03", gone_text, sock_dir));
  assert_int_equal (kiln_workspace_reap (f->root, NULL), 2);
  assert_false (exists (dead));
  assert_true (exists (file));
  assert_outside_intact (f);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_removes_a_tree_and_a_missing_path,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_a_link_inside_is_removed_not_followed,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (
        test_remove_file_takes_files_and_links_only, setup, teardown),
    cmocka_unit_test_setup_teardown (test_a_link_on_the_way_is_refused, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_a_path_outside_the_root_is_refused,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_a_tmpfs_below_is_never_entered,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (
        test_a_bind_mount_of_the_same_filesystem_is_never_entered, setup,
        teardown),
    cmocka_unit_test_setup_teardown (test_mkdir_and_open_refuse_links, setup,
                                     teardown),
    cmocka_unit_test (test_owner_alive_and_gone),
    cmocka_unit_test_setup_teardown (
        test_reap_removes_only_dead_owners_directories, setup, teardown),
    cmocka_unit_test_setup_teardown (
        test_reap_leaves_a_socket_directory_that_is_not_kilns, setup,
        teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
