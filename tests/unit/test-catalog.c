/* test-catalog.c - the SQLite catalog: build numbers, states, digests */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "store/build-ref.h"
#include "store/catalog.h"
#include "common/kiln.h"
#include "base/workspace.h"

typedef struct {
  char *dir;
  char *db;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->dir = g_dir_make_tmp ("kiln-catalog-XXXXXX", NULL);
  f->db = g_build_filename (f->dir, "catalog.db", NULL);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  kiln_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db);
  g_free (f);
  return 0;
}

static void
test_build_numbers_and_states (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnCatalog) cat = kiln_catalog_open (f->db, &error);
  assert_non_null (cat);

  gint64 n1 = 0, n2 = 0, n3 = 0;
  gint64 a = kiln_catalog_begin_build (cat, "web", "1.0.0", "r.yaml", &n1,
                                       &error);
  gint64 b = kiln_catalog_begin_build (cat, "web", "1.0.0", "r.yaml", &n2,
                                       &error);
  gint64 c = kiln_catalog_begin_build (cat, "web", "1.1.0", "r.yaml", &n3,
                                       &error);
  assert_true (a > 0 && b > a && c > b);
  assert_int_equal (n1, 1);
  assert_int_equal (n2, 2);
  assert_int_equal (n3, 1);

  assert_true (kiln_catalog_set_state (cat, a, "building", NULL, &error));
  assert_true (kiln_catalog_set (cat, a, "build_key", "abc", &error));
  assert_false (kiln_catalog_set (cat, a, "name; DROP TABLE builds", "x",
                                  &error));
  g_clear_error (&error);
  assert_true (kiln_catalog_set_state (cat, a, "available", NULL, &error));

  g_autoptr (KilnBuildRecord) r = kiln_catalog_get_build (cat, a, &error);
  assert_non_null (r);
  assert_string_equal (r->state, "available");
  assert_string_equal (r->build_key, "abc");
  assert_non_null (r->finished);

  g_autoptr (KilnBuildRecord) hit
      = kiln_catalog_find_by_key (cat, "web", "abc", &error);
  assert_non_null (hit);
  assert_int_equal (hit->id, a);
  g_autoptr (KilnBuildRecord) miss
      = kiln_catalog_find_by_key (cat, "web", "zzz", &error);
  assert_null (miss);

  g_autoptr (GPtrArray) all = kiln_catalog_list_builds (cat, "web", &error);
  assert_int_equal (all->len, 3);
  assert_int_equal (((KilnBuildRecord *) all->pdata[0])->id, c);

  assert_true (kiln_catalog_delete_build (cat, b, &error));
  g_autoptr (GPtrArray) after = kiln_catalog_list_builds (cat, NULL, &error);
  assert_int_equal (after->len, 2);
}

static void
test_reopen_keeps_data (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  gint64 n = 0;
  {
    g_autoptr (KilnCatalog) cat = kiln_catalog_open (f->db, &error);
    kiln_catalog_begin_build (cat, "base", "2.0.0", NULL, &n, &error);
  }
  g_autoptr (KilnCatalog) cat = kiln_catalog_open (f->db, &error);
  kiln_catalog_begin_build (cat, "base", "2.0.0", NULL, &n, &error);
  assert_int_equal (n, 2);
}

static void
test_artifact_paths_in_order (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnCatalog) cat = kiln_catalog_open (f->db, &error);
  assert_non_null (cat);
  gint64 n;
  gint64 a = kiln_catalog_begin_build (cat, "web", "1.0.0", NULL, &n, &error);
  gint64 b = kiln_catalog_begin_build (cat, "web", "1.0.0", NULL, &n, &error);
  assert_true (kiln_catalog_add_artifact (cat, a, "raw", "/o/w.raw", 10,
                                          "aa", &error));
  assert_true (kiln_catalog_add_artifact (cat, b, "vmdk", "/o/x.vmdk", 5,
                                          "bb", &error));
  assert_true (kiln_catalog_add_artifact (cat, a, "file", "/o/SHA256SUMS",
                                          1, "cc", &error));
  g_autoptr (GPtrArray) pa = kiln_catalog_artifact_paths (cat, a, &error);
  assert_non_null (pa);
  assert_int_equal (pa->len, 2);
  assert_string_equal (pa->pdata[0], "/o/w.raw");
  assert_string_equal (pa->pdata[1], "/o/SHA256SUMS");
  g_autoptr (GPtrArray) none = kiln_catalog_artifact_paths (cat, 999, &error);
  assert_non_null (none);
  assert_int_equal (none->len, 0);
}

static void
test_file_digest_cached_and_refreshed (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnCatalog) cat = kiln_catalog_open (f->db, &error);
  g_autofree char *path = g_build_filename (f->dir, "img", NULL);

  assert_true (g_file_set_contents (path, "abc", 3, NULL));
  g_autofree char *d1 = kiln_catalog_file_digest (cat, path, NULL, &error);
  assert_string_equal (d1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  g_autofree char *d2 = kiln_catalog_file_digest (cat, path, NULL, &error);
  assert_string_equal (d1, d2);

  /* a changed file (size differs) gets a fresh digest */
  assert_true (g_file_set_contents (path, "abcd", 4, NULL));
  g_autofree char *d3 = kiln_catalog_file_digest (cat, path, NULL, &error);
  assert_string_equal (d3, "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589");

  g_autofree char *missing = g_build_filename (f->dir, "nope", NULL);
  assert_null (kiln_catalog_file_digest (cat, missing, NULL, &error));
  assert_non_null (error);
  g_clear_error (&error);

  /* a digest not cached yet stops when cancelled (a signal in resolve) */
  g_autofree char *fresh = g_build_filename (f->dir, "fresh", NULL);
  assert_true (g_file_set_contents (fresh, "xyz", 3, NULL));
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  assert_null (kiln_catalog_file_digest (cat, fresh, cancel, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}

/* NAME[/VERSION[/NUMBER]] against real catalog rows. */
static void
test_build_refs (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnCatalog) cat = kiln_catalog_open (f->db, &error);
  assert_non_null (cat);
  gint64 n = 0;
  kiln_catalog_begin_build (cat, "web", "1.0.0", "r.yaml", &n, &error);
  kiln_catalog_begin_build (cat, "web", "1.0.0", "r.yaml", &n, &error);
  kiln_catalog_begin_build (cat, "web", "1.1.0", "r.yaml", &n, &error);
  kiln_catalog_begin_build (cat, "db", "2.0.0", "r.yaml", &n, &error);

  struct { const char *text; const char *want; } cases[] = {
    { "web", "web/1.1.0/1" },
    { "web/1.0.0", "web/1.0.0/2" },
    { "web/1.0.0/1", "web/1.0.0/1" },
    { "db", "db/2.0.0/1" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (KilnBuildRef) ref = { 0 };
      assert_true (kiln_build_ref_parse (cases[i].text, &ref, &error));
      g_autoptr (KilnBuildRecord) r = kiln_build_ref_find (cat, &ref, &error);
      assert_non_null (r);
      g_autofree char *got = kiln_build_record_ref (r);
      assert_string_equal (got, cases[i].want);
    }

  const char *bad[] = { "", "Web", "web/1.0", "web/1.0.0/0", "web/1.0.0/x",
                        "web/1.0.0/1/2", "web//1" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_auto (KilnBuildRef) ref = { 0 };
      g_clear_error (&error);
      assert_false (kiln_build_ref_parse (bad[i], &ref, &error));
      assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
    }

  g_auto (KilnBuildRef) missing = { 0 };
  g_clear_error (&error);
  assert_true (kiln_build_ref_parse ("web/1.0.0/3", &missing, &error));
  assert_null (kiln_build_ref_find (cat, &missing, &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  assert_non_null (strstr (error->message, "the newest build of web is "
                                           "web/1.1.0/1"));
  g_auto (KilnBuildRef) none = { 0 };
  g_clear_error (&error);
  assert_true (kiln_build_ref_parse ("app", &none, &error));
  assert_null (kiln_build_ref_find (cat, &none, &error));
  assert_non_null (strstr (error->message, "no build of 'app'"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_build_numbers_and_states, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_reopen_keeps_data, setup, teardown),
    cmocka_unit_test_setup_teardown (test_build_refs, setup, teardown),
    cmocka_unit_test_setup_teardown (test_artifact_paths_in_order, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_file_digest_cached_and_refreshed,
                                     setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
