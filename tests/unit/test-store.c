/* test-store.c - the image store: its layout, storing an image with the
 * real qemu-img, retention, and removal that never leaves the store (a
 * real SQLite catalog and real files in a temporary KILN_HOME). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <unistd.h>

#include "store/store.h"
#include "backends/qemu-img.h"
#include "common/kiln.h"
#include "base/workspace.h"

typedef struct {
  char *dir;        /* holds home/ and outside/ */
  char *home;       /* KILN_HOME */
  char *outside;    /* a tree that is not part of the store */
  KilnStore *store;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr (GError) error = NULL;
  f->dir = g_dir_make_tmp ("kiln-store-XXXXXX", NULL);
  f->home = g_build_filename (f->dir, "home", NULL);
  f->outside = g_build_filename (f->dir, "outside", NULL);
  g_mkdir (f->outside, 0755);
  f->store = kiln_store_open (f->home, &error);
  assert_non_null (f->store);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  kiln_store_free (f->store);
  kiln_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->home);
  g_free (f->outside);
  g_free (f);
  return 0;
}

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

/* A build of name/version in state, with an image file at its layout path
 * (when available) recorded in the catalog, and a log.  Returns its id. */
static gint64
add_build (Fixture *f, const char *name, const char *version,
           const char *state)
{
  KilnCatalog *cat = kiln_store_catalog (f->store);
  g_autoptr (GError) error = NULL;
  gint64 number = 0;
  gint64 id = kiln_store_begin_build (f->store, name, version, "r.yaml",
                                      &number, &error);
  assert_true (id > 0);
  g_autofree char *log = kiln_store_prepare_log (f->store, id, &error);
  assert_non_null (log);
  write_file (log, "log\n");
  assert_true (kiln_store_record_log (f->store, id, log, &error));
  if (g_str_equal (state, "available"))
    {
      g_autofree char *dir = kiln_store_build_dir (f->store, name, version,
                                                   number, &error);
      g_autofree char *image = g_build_filename (dir, "image.qcow2", NULL);
      write_file (image, "not really qcow2");
      assert_true (kiln_catalog_set (cat, id, "image_path", image, &error));
    }
  assert_true (kiln_catalog_set_state (cat, id, state, NULL, &error));
  return id;
}

static char *
state_of (Fixture *f, gint64 id)
{
  g_autoptr (KilnBuildRecord) r
      = kiln_catalog_get_build (kiln_store_catalog (f->store), id, NULL);
  return r ? g_strdup (r->state) : NULL;
}

static char *
dir_of (Fixture *f, const char *name, const char *version, gint64 number)
{
  return kiln_store_build_dir (f->store, name, version, number, NULL);
}

/* --- layout ------------------------------------------------------------ */

static void
test_layout_is_images_name_version_number (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = kiln_store_build_dir (f->store, "web", "1.2.0", 7,
                                               &error);
  g_autofree char *want_dir = g_build_filename (f->home, "images", "web",
                                                "1.2.0", "7", NULL);
  assert_string_equal (dir, want_dir);
  g_autofree char *log = kiln_store_log_path (f->store, "web", "1.2.0", 7,
                                              &error);
  g_autofree char *want_log = g_build_filename (f->home, "logs", "web",
                                                "1.2.0", "7.log", NULL);
  assert_string_equal (log, want_log);
}

static void
test_layout_refuses_names_that_leave_the_store (void **state)
{
  Fixture *f = *state;
  const char *bad[] = { "..", ".", "", "a/b", "../../etc" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e1 = NULL;
      g_autoptr (GError) e2 = NULL;
      assert_null (kiln_store_build_dir (f->store, bad[i], "1.0.0", 1, &e1));
      assert_true (g_error_matches (e1, KILN_ERROR, KILN_ERROR_INPUT));
      assert_null (kiln_store_build_dir (f->store, "web", bad[i], 1, &e2));
      assert_true (g_error_matches (e2, KILN_ERROR, KILN_ERROR_INPUT));
    }
  g_autoptr (GError) e3 = NULL;
  assert_null (kiln_store_build_dir (f->store, "web", "1.0.0", 0, &e3));
  assert_true (g_error_matches (e3, KILN_ERROR, KILN_ERROR_INPUT));
}

static void
test_open_existing_creates_nothing (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *empty = g_build_filename (f->dir, "empty-home", NULL);
  assert_null (kiln_store_open_existing (empty, &error));
  assert_null (error);
  assert_false (exists (empty));
  g_autoptr (KilnStore) again = kiln_store_open_existing (f->home, &error);
  assert_non_null (again);
}

/* --- storing an image -------------------------------------------------- */

static void
test_put_image_flattens_renames_and_records (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = g_build_filename (f->dir, "parent.raw", NULL);
  g_autofree char *overlay = g_build_filename (f->dir, "overlay.qcow2", NULL);
  {
    g_autofree char *zeros = g_malloc0 (1 << 20);
    assert_true (g_file_set_contents (raw, zeros, 1 << 20, NULL));
  }
  assert_true (kiln_qemu_img_create_overlay (raw, "raw", overlay, 0,
                                             &error));
  gint64 number = 0;
  gint64 id = kiln_store_begin_build (f->store, "web", "1.0.0", NULL,
                                      &number, &error);
  assert_true (id > 0);

  g_autofree char *image = kiln_store_put_image (
      f->store, id, overlay, "qcow2", NULL, NULL, NULL, &error);
  assert_non_null (image);
  g_autofree char *dir = dir_of (f, "web", "1.0.0", number);
  g_autofree char *want = g_build_filename (dir, "image.qcow2", NULL);
  assert_string_equal (image, want);
  g_autofree char *tmp = g_build_filename (dir, ".image.qcow2.tmp", NULL);
  assert_false (exists (tmp));

  /* flattened: no backing file */
  g_autoptr (KilnImageInfo) info = kiln_qemu_img_info (image, "qcow2",
                                                       &error);
  assert_non_null (info);
  assert_string_equal (info->format, "qcow2");
  assert_null (info->backing_file);

  g_autoptr (KilnBuildRecord) r
      = kiln_catalog_get_build (kiln_store_catalog (f->store), id, &error);
  assert_string_equal (r->image_path, image);
  assert_non_null (r->image_digest);
  assert_int_equal (strlen (r->image_digest), 64);
}

static void
test_put_image_failure_leaves_nothing_in_the_store (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "missing.qcow2", NULL);
  gint64 number = 0;
  gint64 id = kiln_store_begin_build (f->store, "web", "1.0.0", NULL,
                                      &number, &error);
  g_autofree char *image = kiln_store_put_image (
      f->store, id, missing, "qcow2", NULL, NULL, NULL, &error);
  assert_null (image);
  assert_non_null (error);
  g_autofree char *dir = dir_of (f, "web", "1.0.0", number);
  assert_false (exists (dir));
  g_autoptr (KilnBuildRecord) r
      = kiln_catalog_get_build (kiln_store_catalog (f->store), id, NULL);
  assert_null (r->image_path);
}

/* --- retention --------------------------------------------------------- */

typedef struct {
  GPtrArray *seen;    /* "name/version/number action" */
  guint errors;
} Seen;

static void
record_seen (const KilnBuildRecord *r, KilnStoreAction action,
             const GError *error, gpointer data)
{
  Seen *s = data;
  if (error)
    s->errors++;
  g_ptr_array_add (s->seen, g_strdup_printf (
      "%s/%s/%" G_GINT64_FORMAT " %s%s", r->name, r->version,
      r->build_number, action == KILN_STORE_REMOVED ? "removed" : "forgotten",
      error ? " (error)" : ""));
}

static void
assert_seen (Seen *s, const char *const *want)
{
  assert_int_equal (s->seen->len, g_strv_length ((char **) want));
  for (guint i = 0; want[i]; i++)
    assert_string_equal (s->seen->pdata[i], want[i]);
}

static void
test_retain_keeps_the_newest_available_builds (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  gint64 b1 = add_build (f, "web", "1.0.0", "available");
  gint64 b2 = add_build (f, "web", "1.0.0", "available");
  gint64 b3 = add_build (f, "web", "1.0.0", "failed");
  gint64 b4 = add_build (f, "web", "1.1.0", "available");
  gint64 b5 = add_build (f, "web", "1.1.0", "available");
  gint64 other = add_build (f, "db", "1.0.0", "available");
  Seen s = { g_ptr_array_new_with_free_func (g_free), 0 };

  KilnRetainPolicy keep2 = { .keep = 2, .why = "outputs.retain" };
  assert_true (kiln_store_retain (f->store, "web", &keep2, record_seen, &s,
                                  &error));
  const char *want[] = { "web/1.0.0/2 removed", "web/1.0.0/1 removed", NULL };
  assert_seen (&s, want);
  assert_int_equal (s.errors, 0);

  g_autofree char *d1 = dir_of (f, "web", "1.0.0", 1);
  g_autofree char *d2 = dir_of (f, "web", "1.0.0", 2);
  g_autofree char *d4 = dir_of (f, "web", "1.1.0", 1);
  g_autofree char *d5 = dir_of (f, "web", "1.1.0", 2);
  g_autofree char *dother = dir_of (f, "db", "1.0.0", 1);
  assert_false (exists (d1));
  assert_false (exists (d2));
  assert_true (exists (d4));
  assert_true (exists (d5));
  assert_true (exists (dother));

  g_autofree char *s1 = state_of (f, b1);
  g_autofree char *s2 = state_of (f, b2);
  g_autofree char *s3 = state_of (f, b3);
  g_autofree char *s4 = state_of (f, b4);
  g_autofree char *s5 = state_of (f, b5);
  g_autofree char *so = state_of (f, other);
  assert_string_equal (s1, "deleted");
  assert_string_equal (s2, "deleted");
  assert_string_equal (s3, "failed");   /* not forgotten without asking */
  assert_string_equal (s4, "available");
  assert_string_equal (s5, "available");
  assert_string_equal (so, "available");
  /* the log stays with a removed build */
  g_autofree char *log1 = kiln_store_log_path (f->store, "web", "1.0.0", 1,
                                               NULL);
  assert_true (exists (log1));
  g_ptr_array_unref (s.seen);
}

static void
test_retain_counts_the_build_in_progress (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  add_build (f, "web", "1.0.0", "available");
  add_build (f, "web", "1.0.0", "available");
  gint64 current = add_build (f, "web", "1.0.0", "distributing");
  Seen s = { g_ptr_array_new_with_free_func (g_free), 0 };

  KilnRetainPolicy policy = { .keep = 2, .in_progress = current,
                              .why = "outputs.retain" };
  assert_true (kiln_store_retain (f->store, "web", &policy, record_seen, &s,
                                  &error));
  const char *want[] = { "web/1.0.0/1 removed", NULL };
  assert_seen (&s, want);
  g_autofree char *sc = state_of (f, current);
  assert_string_equal (sc, "distributing");
  g_ptr_array_unref (s.seen);
}

static void
test_retain_dry_run_changes_nothing (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  gint64 b1 = add_build (f, "web", "1.0.0", "available");
  gint64 b2 = add_build (f, "web", "1.0.0", "failed");
  Seen s = { g_ptr_array_new_with_free_func (g_free), 0 };

  KilnRetainPolicy policy = { .keep = 0, .forget_failed = TRUE,
                              .dry_run = TRUE, .why = "prune" };
  assert_true (kiln_store_retain (f->store, "web", &policy, record_seen, &s,
                                  &error));
  const char *want[] = { "web/1.0.0/2 forgotten", "web/1.0.0/1 removed",
                         NULL };
  assert_seen (&s, want);
  g_autofree char *d1 = dir_of (f, "web", "1.0.0", 1);
  assert_true (exists (d1));
  g_autofree char *s1 = state_of (f, b1);
  g_autofree char *s2 = state_of (f, b2);
  assert_string_equal (s1, "available");
  assert_string_equal (s2, "failed");
  g_ptr_array_unref (s.seen);
}

static void
test_prune_forgets_failed_builds_with_their_logs (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  gint64 kept = add_build (f, "web", "1.0.0", "available");
  gint64 failed = add_build (f, "web", "1.0.0", "failed");
  gint64 cancelled = add_build (f, "web", "1.0.0", "cancelled");
  Seen s = { g_ptr_array_new_with_free_func (g_free), 0 };

  KilnRetainPolicy policy = { .keep = 1, .forget_failed = TRUE,
                              .why = "kiln images prune" };
  assert_true (kiln_store_retain (f->store, "web", &policy, record_seen, &s,
                                  &error));
  const char *want[] = { "web/1.0.0/3 forgotten", "web/1.0.0/2 forgotten",
                         NULL };
  assert_seen (&s, want);
  g_autofree char *sf = state_of (f, failed);
  g_autofree char *sc = state_of (f, cancelled);
  g_autofree char *sk = state_of (f, kept);
  assert_null (sf);
  assert_null (sc);
  assert_string_equal (sk, "available");
  g_autofree char *log2 = kiln_store_log_path (f->store, "web", "1.0.0", 2,
                                               NULL);
  g_autofree char *log1 = kiln_store_log_path (f->store, "web", "1.0.0", 1,
                                               NULL);
  assert_false (exists (log2));
  assert_true (exists (log1));
  g_ptr_array_unref (s.seen);
}

/* --- removal never leaves the store ------------------------------------- */

/* outside/NAME/1.0.0/1/image.qcow2 plus a file that must survive */
static char *
outside_tree (Fixture *f, const char *name)
{
  g_autofree char *img = g_build_filename (f->outside, name, "1.0.0", "1",
                                           "image.qcow2", NULL);
  write_file (img, "someone else's");
  return g_build_filename (f->outside, name, NULL);
}

static KilnBuildRecord *
record_of (Fixture *f, gint64 id)
{
  return kiln_catalog_get_build (kiln_store_catalog (f->store), id, NULL);
}

static void
test_remove_refuses_a_symlinked_name_directory (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  /* images/evil -> outside/evil: the build's directory resolves outside */
  g_autofree char *target = outside_tree (f, "evil");
  g_autofree char *images = g_build_filename (f->home, "images", NULL);
  g_autofree char *link = g_build_filename (images, "evil", NULL);
  g_mkdir_with_parents (images, 0755);
  assert_int_equal (symlink (target, link), 0);
  gint64 number = 0;
  gint64 id = kiln_store_begin_build (f->store, "evil", "1.0.0", NULL,
                                      &number, &error);
  g_autofree char *image = g_build_filename (link, "1.0.0", "1",
                                             "image.qcow2", NULL);
  kiln_catalog_set (kiln_store_catalog (f->store), id, "image_path", image,
                    NULL);
  kiln_catalog_set_state (kiln_store_catalog (f->store), id, "available",
                          NULL, NULL);
  g_autoptr (KilnBuildRecord) r = record_of (f, id);

  /* kiln images rm */
  assert_false (kiln_store_remove (f->store, r, "kiln images rm", &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_HOST));
  assert_non_null (strstr (error->message, "symbolic link"));
  g_autofree char *victim = g_build_filename (target, "1.0.0", "1",
                                              "image.qcow2", NULL);
  assert_true (exists (victim));
  g_autofree char *st = state_of (f, id);
  assert_string_equal (st, "available");

  /* kiln images prune --keep 0 */
  Seen s = { g_ptr_array_new_with_free_func (g_free), 0 };
  KilnRetainPolicy policy = { .keep = 0, .forget_failed = TRUE,
                              .why = "kiln images prune" };
  assert_true (kiln_store_retain (f->store, "evil", &policy, record_seen, &s,
                                  NULL));
  const char *want[] = { "evil/1.0.0/1 removed (error)", NULL };
  assert_seen (&s, want);
  assert_true (exists (victim));
  g_ptr_array_unref (s.seen);

  /* discarding a failed build's image goes the same way */
  g_clear_error (&error);
  assert_false (kiln_store_discard_image (f->store, id, &error));
  assert_true (exists (victim));
}

static void
test_remove_takes_a_symlinked_build_directory_not_its_target (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  gint64 id = add_build (f, "web", "1.0.0", "available");
  g_autofree char *target = outside_tree (f, "web");
  /* the build directory itself replaced by a link out of the store */
  g_autofree char *dir = dir_of (f, "web", "1.0.0", 1);
  assert_true (kiln_remove_tree (dir));
  g_autofree char *target_dir = g_build_filename (target, "1.0.0", "1",
                                                  NULL);
  assert_int_equal (symlink (target_dir, dir), 0);
  g_autoptr (KilnBuildRecord) r = record_of (f, id);

  assert_true (kiln_store_remove (f->store, r, "kiln images rm", &error));
  assert_false (exists (dir));
  g_autofree char *victim = g_build_filename (target_dir, "image.qcow2",
                                              NULL);
  assert_true (exists (victim));
  g_autofree char *st = state_of (f, id);
  assert_string_equal (st, "deleted");
}

static void
test_remove_does_not_follow_links_inside_the_build (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  gint64 id = add_build (f, "web", "1.0.0", "available");
  g_autofree char *target = outside_tree (f, "web");
  g_autofree char *dir = dir_of (f, "web", "1.0.0", 1);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_mkdir (sub, 0755);
  g_autofree char *escape = g_build_filename (sub, "escape", NULL);
  assert_int_equal (symlink (target, escape), 0);
  g_autoptr (KilnBuildRecord) r = record_of (f, id);

  assert_true (kiln_store_remove (f->store, r, "kiln images rm", &error));
  assert_false (exists (dir));
  g_autofree char *victim = g_build_filename (target, "1.0.0", "1",
                                              "image.qcow2", NULL);
  assert_true (exists (victim));
}

static void
test_remove_ignores_an_image_path_outside_the_store (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  gint64 id = add_build (f, "web", "1.0.0", "available");
  g_autofree char *target = outside_tree (f, "web");
  g_autofree char *victim = g_build_filename (target, "1.0.0", "1",
                                              "image.qcow2", NULL);
  /* an edited catalog names a file elsewhere */
  kiln_catalog_set (kiln_store_catalog (f->store), id, "image_path", victim,
                    NULL);
  g_autoptr (KilnBuildRecord) r = record_of (f, id);

  assert_true (kiln_store_remove (f->store, r, "kiln images rm", &error));
  assert_true (exists (victim));
  g_autofree char *dir = dir_of (f, "web", "1.0.0", 1);
  assert_false (exists (dir));
}

/* --- the cache --------------------------------------------------------- */

static void
test_find_identical_needs_the_image_and_every_artifact (void **state)
{
  Fixture *f = *state;
  KilnCatalog *cat = kiln_store_catalog (f->store);
  g_autofree char *out = g_build_filename (f->dir, "out", NULL);
  g_autofree char *artifact = g_build_filename (out, "web", "web.qcow2",
                                                NULL);
  write_file (artifact, "artifact");
  gint64 id = add_build (f, "web", "1.0.0", "available");
  kiln_catalog_set (cat, id, "build_key", "k1", NULL);
  assert_true (kiln_store_record_artifact (f->store, id, "qcow2", artifact,
                                           8, "00", NULL));

  g_autoptr (KilnBuildRecord) hit
      = kiln_store_find_identical (f->store, "web", "k1", out);
  assert_non_null (hit);
  assert_int_equal (hit->id, id);
  /* another key, another output directory, a deleted artifact: a miss */
  assert_null (kiln_store_find_identical (f->store, "web", "k2", out));
  assert_null (kiln_store_find_identical (f->store, "web", "k1",
                                          f->outside));
  g_unlink (artifact);
  assert_null (kiln_store_find_identical (f->store, "web", "k1", out));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (
        test_layout_is_images_name_version_number, setup, teardown),
    cmocka_unit_test_setup_teardown (
        test_layout_refuses_names_that_leave_the_store, setup, teardown),
    cmocka_unit_test_setup_teardown (test_open_existing_creates_nothing,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (
        test_put_image_flattens_renames_and_records, setup, teardown),
    cmocka_unit_test_setup_teardown (
        test_put_image_failure_leaves_nothing_in_the_store, setup, teardown),
    cmocka_unit_test_setup_teardown (
        test_retain_keeps_the_newest_available_builds, setup, teardown),
    cmocka_unit_test_setup_teardown (
        test_retain_counts_the_build_in_progress, setup, teardown),
    cmocka_unit_test_setup_teardown (test_retain_dry_run_changes_nothing,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (
        test_prune_forgets_failed_builds_with_their_logs, setup, teardown),
    cmocka_unit_test_setup_teardown (
        test_remove_refuses_a_symlinked_name_directory, setup, teardown),
    cmocka_unit_test_setup_teardown (
        test_remove_takes_a_symlinked_build_directory_not_its_target, setup,
        teardown),
    cmocka_unit_test_setup_teardown (
        test_remove_does_not_follow_links_inside_the_build, setup, teardown),
    cmocka_unit_test_setup_teardown (
        test_remove_ignores_an_image_path_outside_the_store, setup,
        teardown),
    cmocka_unit_test_setup_teardown (
        test_find_identical_needs_the_image_and_every_artifact, setup,
        teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
