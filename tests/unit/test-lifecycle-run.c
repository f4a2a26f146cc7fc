/* test-lifecycle-run.c - applying lifecycle rules now
 * (src/automation/lifecycle-run.h): the rule set (each document once), the
 * lines a dry and a real run print, a dry run that changes nothing and a
 * real run that then does what it said, on a real catalog and store; a
 * recipe whose build lock is held is left alone; the recipe files the
 * catalog knows; the lines of rules for cached parents, and a target that
 * cannot be reached (the other rules still apply). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "automation/lifecycle-parents.h"
#include "automation/lifecycle-run.h"
#include "base/paths.h"
#include "base/workspace.h"
#include "common/kiln.h"
#include "store/build-ref.h"
#include "store/lock.h"

typedef struct {
  char *dir;
  char *home;
  KilnStore *store;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr (GError) error = NULL;
  f->dir = g_dir_make_tmp ("kiln-lifecycle-run-XXXXXX", NULL);
  f->home = g_build_filename (f->dir, "home", NULL);
  g_setenv ("KILN_HOME", f->home, TRUE); /* the recipe locks live there */
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
  g_free (f);
  return 0;
}

/* The rules of a `lifecycle:` value, owned by the returned array (the
 * document is kept with them through doc_out). */
static GPtrArray *
rules_from (const char *yaml, KilnDoc **doc_out)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  KilnDoc *doc = kiln_doc_load_string ("/work/r.yaml", yaml, strlen (yaml),
                                       diags);
  assert_non_null (doc);
  GPtrArray *rules = kiln_lifecycle_parse (doc->root, diags);
  if (!rules)
    kiln_diags_print (diags, stderr);
  assert_non_null (rules);
  *doc_out = doc;
  return rules;
}

/* An available build of name/version, its image in the store. */
static gint64
add_build (Fixture *f, const char *name, const char *version,
           const char *recipe_path)
{
  g_autoptr (GError) error = NULL;
  KilnCatalog *cat = kiln_store_catalog (f->store);
  gint64 number = 0;
  gint64 id = kiln_store_begin_build (f->store, name, version, recipe_path,
                                      &number, &error);
  assert_true (id > 0);
  g_autofree char *dir = kiln_store_build_dir (f->store, name, version,
                                               number, &error);
  g_autofree char *image = g_build_filename (dir, "image.qcow2", NULL);
  assert_int_equal (g_mkdir_with_parents (dir, 0755), 0);
  assert_true (g_file_set_contents (image, version, -1, NULL));
  assert_true (kiln_catalog_set (cat, id, "image_path", image, NULL));
  assert_true (kiln_catalog_set_state (cat, id, "available", NULL, NULL));
  return id;
}

static KilnBuildRecord *
get (Fixture *f, gint64 id)
{
  return kiln_catalog_get_build (kiln_store_catalog (f->store), id, NULL);
}

static void
test_rules_each_document_once (void **state)
{
  (void) state;
  KilnDoc *doc = NULL;
  g_autoptr (GPtrArray) two = rules_from (
      "- action: deprecate\n  keep: 2\n- action: delete\n  keep: 5\n", &doc);
  g_autoptr (KilnDoc) owner = doc;
  g_autoptr (KilnLifecycleRules) set = kiln_lifecycle_rules_new ();
  assert_int_equal (kiln_lifecycle_rules_count (set), 0);
  assert_true (kiln_lifecycle_rules_add (set, "web", "/srv/r/web.yaml", two));
  assert_int_equal (kiln_lifecycle_rules_count (set), 2);
  /* the same file by another spelling: not twice */
  assert_false (kiln_lifecycle_rules_add (set, "web",
                                          "/srv/r/../r/./web.yaml", two));
  assert_int_equal (kiln_lifecycle_rules_count (set), 2);
  /* a pipeline's rules join its recipe's */
  assert_true (kiln_lifecycle_rules_add (set, "web", "/srv/p/nightly.yaml",
                                         two));
  assert_int_equal (kiln_lifecycle_rules_count (set), 4);
  /* a document without rules adds none */
  assert_true (kiln_lifecycle_rules_add (set, "db", "/srv/r/db.yaml", NULL));
  assert_int_equal (kiln_lifecycle_rules_count (set), 4);
}

static void
test_step_lines (void **state)
{
  (void) state;
  KilnDoc *doc = NULL;
  g_autoptr (GPtrArray) rules = rules_from (
      "- action: delete\n  keep: 1\n  after: 30d\n  artifacts: true\n"
      "- action: deprecate\n  keep: 1\n",
      &doc);
  g_autoptr (KilnDoc) owner = doc;
  KilnBuildRecord build = { .name = "web", .version = "1.0.0",
                            .build_number = 3 };
  KilnLifecycleStep step = { .build = &build,
                             .action = KILN_LIFECYCLE_DELETE,
                             .artifacts = TRUE,
                             .rule = rules->pdata[0] };
  g_autofree char *del_dry = kiln_lifecycle_step_line (&step, TRUE);
  g_autofree char *del = kiln_lifecycle_step_line (&step, FALSE);
  assert_string_equal (del_dry,
                       "would delete web/1.0.0/3 and its output files, by "
                       "rule: delete builds older than 30d beyond the newest "
                       "1, with their output files (/work/r.yaml:1)");
  assert_string_equal (del,
                       "deleted web/1.0.0/3 and its output files, by "
                       "rule: delete builds older than 30d beyond the newest "
                       "1, with their output files (/work/r.yaml:1)");
  step.action = KILN_LIFECYCLE_DEPRECATE;
  step.artifacts = FALSE;
  step.rule = rules->pdata[1];
  g_autofree char *dep_dry = kiln_lifecycle_step_line (&step, TRUE);
  g_autofree char *dep = kiln_lifecycle_step_line (&step, FALSE);
  assert_string_equal (dep_dry, "would deprecate web/1.0.0/3, by rule: "
                       "deprecate builds beyond the newest 1 "
                       "(/work/r.yaml:5)");
  assert_string_equal (dep, "deprecated web/1.0.0/3, by rule: "
                       "deprecate builds beyond the newest 1 "
                       "(/work/r.yaml:5)");
  step.kept = "the newest available build of web";
  g_autofree char *kept_dry = kiln_lifecycle_step_line (&step, TRUE);
  g_autofree char *kept = kiln_lifecycle_step_line (&step, FALSE);
  assert_string_equal (kept_dry, "would keep web/1.0.0/3, the newest "
                       "available build of web, despite rule: deprecate "
                       "builds beyond the newest 1 (/work/r.yaml:5)");
  assert_string_equal (kept, "kept web/1.0.0/3, the newest "
                       "available build of web, despite rule: deprecate "
                       "builds beyond the newest 1 (/work/r.yaml:5)");
}

static void
test_dry_run_then_real_run (void **state)
{
  Fixture *f = *state;
  gint64 w1 = add_build (f, "web", "1.0.0", "/srv/web.yaml");
  gint64 w2 = add_build (f, "web", "1.0.1", "/srv/web.yaml");
  gint64 w3 = add_build (f, "web", "1.0.2", "/srv/web.yaml");
  gint64 other = add_build (f, "db", "1.0.0", "/srv/db.yaml");
  KilnDoc *doc = NULL;
  g_autoptr (GPtrArray) rules = rules_from ("- action: delete\n  keep: 1\n",
                                            &doc);
  g_autoptr (KilnDoc) owner = doc;
  g_autoptr (KilnLifecycleRules) set = kiln_lifecycle_rules_new ();
  kiln_lifecycle_rules_add (set, "web", "/srv/web.yaml", rules);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  guint actions = 99;
  assert_int_equal (kiln_lifecycle_run_rules (f->store, set, TRUE, now,
                                              "test", &actions),
                    KILN_EXIT_OK);
  assert_int_equal (actions, 2);
  gint64 ids[] = { w1, w2, w3, other };
  char *images[G_N_ELEMENTS (ids)]; /* freed below */
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr (KilnBuildRecord) r = get (f, ids[i]);
      assert_string_equal (r->state, "available");
      assert_true (g_file_test (r->image_path, G_FILE_TEST_EXISTS));
      images[i] = g_strdup (r->image_path);
    }

  /* the recipe's build lock held: its builds are left alone */
  g_autofree char *lock_path = kiln_recipe_lock_path ("web");
  int fd = kiln_lock_take (lock_path, KILN_LOCK_TRY, NULL, "busy", NULL);
  assert_true (fd >= 0);
  assert_int_not_equal (kiln_lifecycle_run_rules (f->store, set, FALSE, now,
                                                  "test", &actions),
                        KILN_EXIT_OK);
  assert_int_equal (actions, 0);
  close (fd);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr (KilnBuildRecord) r = get (f, ids[i]);
      assert_string_equal (r->state, "available");
    }

  /* the real run does what the dry run said: two deleted, the newest and
   * the other recipe's build kept */
  assert_int_equal (kiln_lifecycle_run_rules (f->store, set, FALSE, now,
                                              "test", &actions),
                    KILN_EXIT_OK);
  assert_int_equal (actions, 2);
  const char *want[] = { "deleted", "deleted", "available", "available" };
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr (KilnBuildRecord) r = get (f, ids[i]);
      assert_string_equal (r->state, want[i]);
      assert_int_equal (g_file_test (images[i], G_FILE_TEST_EXISTS),
                        strcmp (want[i], "available") == 0);
      g_free (images[i]);
    }

  /* and a second run finds nothing to do */
  assert_int_equal (kiln_lifecycle_run_rules (f->store, set, FALSE, now,
                                              "test", &actions),
                    KILN_EXIT_OK);
  assert_int_equal (actions, 0);
}

static void
test_recipe_paths (void **state)
{
  Fixture *f = *state;
  add_build (f, "web", "1.0.0", "/srv/old/web.yaml");
  add_build (f, "web", "1.0.1", "/srv/new/web.yaml");
  add_build (f, "db", "2.0.0", "/srv/db.yaml");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) paths
      = kiln_catalog_recipe_paths (kiln_store_catalog (f->store), &error);
  assert_non_null (paths);
  assert_int_equal (paths->len, 4);
  assert_string_equal (paths->pdata[0], "db");
  assert_string_equal (paths->pdata[1], "/srv/db.yaml");
  assert_string_equal (paths->pdata[2], "web");
  assert_string_equal (paths->pdata[3], "/srv/new/web.yaml");
}


static void
test_parent_step_lines (void **state)
{
  (void) state;
  KilnDoc *doc = NULL;
  g_autoptr (GPtrArray) rules = rules_from (
      "- action: delete\n  resource: cached-parents\n  after: 14d\n"
      "  keep: 2\n", &doc);
  g_autoptr (KilnDoc) owner = doc;
  KilnCachedParent p = { .digest = "ab12", .volume = "kiln-parent-ab12",
                         .bytes = 3 * 1000 * 1000, .complete = TRUE };
  KilnParentStep step = { .rule = rules->pdata[0] };
  const char *uri = "qemu:///system";
  /* g_format_size puts a no-break space before the unit */
#define SIZE "(3.0\302\240MB)"
  g_autofree char *dry = kiln_parent_step_line (&step, &p, uri, TRUE);
  g_autofree char *real = kiln_parent_step_line (&step, &p, uri, FALSE);
  assert_string_equal (dry, "would delete the cached parent sha256:ab12 "
                       SIZE " on qemu:///system, by rule: delete cached "
                       "parents unused for 14d beyond those of the newest 2 "
                       "builds (/work/r.yaml:1)");
  assert_string_equal (real, "deleted the cached parent sha256:ab12 "
                       SIZE " on qemu:///system, by rule: delete cached "
                       "parents unused for 14d beyond those of the newest 2 "
                       "builds (/work/r.yaml:1)");
  step.kept = "used by web/1.0.0/3 at 2026-12-07 11:00 UTC, within 14d";
  g_autofree char *under = kiln_parent_step_line (&step, &p, uri, FALSE);
  assert_string_equal (under, "kept the cached parent sha256:ab12 " SIZE
                       " on qemu:///system, used by web/1.0.0/3 at "
                       "2026-12-07 11:00 UTC, within 14d, under rule: "
                       "delete cached parents unused for 14d beyond those "
                       "of the newest 2 builds (/work/r.yaml:1)");
  step.kept = "app/1.0.0/1 uses it and is not finished";
  step.despite = TRUE;
  g_autofree char *despite = kiln_parent_step_line (&step, &p, uri, TRUE);
  assert_string_equal (despite, "would keep the cached parent sha256:ab12 "
                       SIZE " on qemu:///system, app/1.0.0/1 uses it and "
                       "is not finished, despite rule: delete cached "
                       "parents unused for 14d beyond those of the newest 2 "
                       "builds (/work/r.yaml:1)");
#undef SIZE
}

/* What fn writes to stderr, while it runs. */
static char *
stderr_of (void (*fn) (gpointer), gpointer data)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (),
                                            "kiln-test-stderr-XXXXXX", NULL);
  int fd = g_mkstemp (path);
  assert_true (fd >= 0);
  fflush (stderr);
  int saved = dup (2);
  dup2 (fd, 2);
  fn (data);
  fflush (stderr);
  dup2 (saved, 2);
  close (saved);
  close (fd);
  char *text = NULL;
  assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_unlink (path);
  return text;
}

typedef struct {
  Fixture *f;
  KilnLifecycleRules *set;
  gboolean dry_run;
  int rc;
  guint actions;
} RunCall;

static void
run_call (gpointer data)
{
  RunCall *c = data;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  c->rc = kiln_lifecycle_run_rules (c->f->store, c->set, c->dry_run, now,
                                    "test", &c->actions);
}

/* A recipe whose builds ran on a target that cannot be reached: a line on
 * stderr and the exit code of a failed step; its rules for builds still
 * apply.  A recipe built on the embedded driver only connects nowhere. */
static void
test_unreachable_target (void **state)
{
  Fixture *f = *state;
  KilnCatalog *cat = kiln_store_catalog (f->store);
  const char *gone = "qemu+unix:///system?socket=/nonexistent/kiln-test.sock";
  gint64 ids[3];
  for (int i = 0; i < 3; i++)
    {
      ids[i] = add_build (f, "web", "1.0.0", "/srv/web.yaml");
      assert_true (kiln_catalog_set (cat, ids[i], "connect_uri", gone, NULL));
      assert_true (kiln_catalog_set (cat, ids[i], "parent_digest", "ab12",
                                     NULL));
    }
  gint64 embedded = add_build (f, "db", "1.0.0", "/srv/db.yaml");
  assert_true (kiln_catalog_set (cat, embedded, "parent_digest", "cd34",
                                 NULL));
  KilnDoc *doc = NULL;
  g_autoptr (GPtrArray) rules = rules_from (
      "- action: delete\n  resource: cached-parents\n  after: 1m\n"
      "- action: delete\n  keep: 1\n", &doc);
  g_autoptr (KilnDoc) owner = doc;
  g_autoptr (KilnLifecycleRules) set = kiln_lifecycle_rules_new ();
  kiln_lifecycle_rules_add (set, "web", "/srv/web.yaml", rules);
  kiln_lifecycle_rules_add (set, "db", "/srv/db.yaml", rules);

  RunCall dry = { .f = f, .set = set, .dry_run = TRUE };
  g_autofree char *dry_err = stderr_of (run_call, &dry);
  assert_int_equal (dry.rc, KILN_EXIT_HOST);
  assert_int_equal (dry.actions, 2);
  g_autofree char *want = g_strdup_printf (
      "test: web: the parents cached on %s were not looked at: cannot "
      "connect to %s", gone, gone);
  assert_non_null (strstr (dry_err, want));
  /* one line: db's builds ran on the embedded driver, nothing to reach */
  g_auto (GStrv) lines = g_strsplit (dry_err, "\n", -1);
  if (g_strv_length (lines) != 2)
    fail_msg ("expected one line on stderr, found: %s", dry_err);

  RunCall real = { .f = f, .set = set, .dry_run = FALSE };
  g_autofree char *real_err = stderr_of (run_call, &real);
  assert_int_equal (real.rc, KILN_EXIT_HOST);
  assert_non_null (strstr (real_err, want));
  assert_int_equal (real.actions, 2);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (KilnBuildRecord) r = get (f, ids[i]);
      assert_string_equal (r->state, i < 2 ? "deleted" : "available");
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_rules_each_document_once),
    cmocka_unit_test (test_step_lines),
    cmocka_unit_test_setup_teardown (test_dry_run_then_real_run, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_recipe_paths, setup, teardown),
    cmocka_unit_test (test_parent_step_lines),
    cmocka_unit_test_setup_teardown (test_unreachable_target, setup,
                                     teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
