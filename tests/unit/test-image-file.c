/* test-image-file.c - only regular files are disk images (issue 13, item 8):
 * FIFOs, character devices, directories and sockets are refused, without
 * being opened; block devices only where the caller allows them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "base/image-file.h"
#include "common/kiln.h"
#include "documents/recipe.h"

static void
test_kinds (void **state)
{
  (void) state;
  g_autofree char *dir = g_dir_make_tmp ("kiln-image-file-XXXXXX", NULL);
  assert_non_null (dir);
  g_autofree char *reg = g_build_filename (dir, "disk.qcow2", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo.qcow2", NULL);
  g_autofree char *link = g_build_filename (dir, "link.qcow2", NULL);
  assert_true (g_file_set_contents (reg, "x", 1, NULL));
  assert_int_equal (mkfifo (fifo, 0600), 0);
  assert_int_equal (symlink (reg, link), 0);

  assert_null (kiln_image_file_problem (reg, FALSE));
  assert_null (kiln_image_file_problem (link, FALSE));
  /* opening the FIFO would block this test: the check must not */
  assert_string_equal (kiln_image_file_problem (fifo, TRUE),
                       "a FIFO (named pipe)");
  assert_string_equal (kiln_image_file_problem ("/dev/zero", TRUE),
                       "a character device");
  assert_string_equal (kiln_image_file_problem (dir, TRUE), "a directory");
  /* missing: the caller's own open says so */
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  assert_null (kiln_image_file_problem (missing, FALSE));

  g_autoptr (GError) error = NULL;
  assert_false (kiln_image_file_check ("/dev/zero", "the parent image", FALSE,
                                       &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  assert_int_equal (kiln_exit_code_for_error (error), 2);
  assert_string_equal (error->message, "expected the parent image as a "
                       "regular file, found /dev/zero, a character device");
  assert_true (kiln_image_file_check (reg, "the image", TRUE, NULL));

  g_unlink (link);
  g_unlink (fifo);
  g_unlink (reg);
  g_rmdir (dir);
}

/* A recipe whose parent is a FIFO: one error at the parent, and loading it
 * does not hang. */
static void
test_recipe_parent (void **state)
{
  (void) state;
  g_autofree char *dir = g_dir_make_tmp ("kiln-image-file-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "parent.qcow2", NULL);
  g_autofree char *path = g_build_filename (dir, "r.yaml", NULL);
  assert_int_equal (mkfifo (fifo, 0600), 0);
  static const char text[] = "name: x\nversion: 1.0.0\nparent: "
                             "./parent.qcow2\n";
  assert_true (g_file_set_contents (path, text, -1, NULL));
  g_autoptr (KilnDiags) d = kiln_diags_new ();
  g_autoptr (KilnRecipe) r = kiln_recipe_load (path, d);
  assert_null (r);
  assert_true (kiln_diags_find (d, 3, 9, "found './parent.qcow2', a FIFO"));

  static const char chr[] = "name: x\nversion: 1.0.0\nparent: /dev/zero\n";
  assert_true (g_file_set_contents (path, chr, -1, NULL));
  g_autoptr (KilnDiags) d2 = kiln_diags_new ();
  g_autoptr (KilnRecipe) r2 = kiln_recipe_load (path, d2);
  assert_null (r2);
  assert_true (kiln_diags_find (d2, 3, 9, "a character device"));

  g_unlink (path);
  g_unlink (fifo);
  g_rmdir (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_kinds),
    cmocka_unit_test (test_recipe_parent),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
