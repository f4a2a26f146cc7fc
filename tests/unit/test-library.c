/* test-library.c - listing the component library, and why a reference
 * names no component */
#include "doc-test-util.h"

#include "base/workspace.h"
#include "documents/library.h"

static void
touch (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  assert_true (g_file_set_contents (path, "", 0, NULL));
}

static void
test_list_is_sorted_without_hidden_files (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("kiln-library-XXXXXX", NULL);
  /* created out of order, so the order of the directory is not sorted */
  const char *files[] = { "zeta.yaml", "alpha.yaml", "mid-1.yaml",
                          ".hidden.yaml", ".yaml", "notes.txt", "beta.yml",
                          "mid.yaml" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    touch (dir, files[i]);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) names = kiln_library_list (dir, &error);
  assert_non_null (names);
  g_autofree char *all = g_strjoinv (",", names);
  assert_string_equal (all, "alpha,mid,mid-1,zeta");
  kiln_remove_tree (dir);

  g_auto (GStrv) none = kiln_library_list (dir, &error);
  assert_null (none);
  assert_true (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
}

static void
test_check_file_says_what_was_found (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("kiln-library-XXXXXX", NULL);
  touch (dir, "c.yaml");
  g_autofree char *file = g_build_filename (dir, "c.yaml", NULL);
  g_autofree char *missing = g_build_filename (dir, "no.yaml", NULL);
  assert_null (kiln_library_check_file ("./c.yaml", file));
  g_autofree char *why_dir = kiln_library_check_file ("./d", dir);
  assert_non_null (strstr (why_dir, "found a directory or special file at"));
  g_autofree char *why_none = kiln_library_check_file ("./no.yaml", missing);
  assert_non_null (strstr (why_none, "found nothing at"));
  kiln_remove_tree (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_list_is_sorted_without_hidden_files),
    cmocka_unit_test (test_check_file_says_what_was_found),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
