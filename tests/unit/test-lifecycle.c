/* test-lifecycle.c - lifecycle rules on a real catalog with many builds
 * (made through the store API, with image files, logs and artifacts on
 * disk): the plan, a dry run that changes nothing, a real run that removes
 * exactly what the plan said, the newest-build and parent exclusions,
 * deprecation; and the catalog's pipeline tables, also on a catalog made
 * before they existed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <unistd.h>

#include "store/build-ref.h"
#include "store/catalog-pipelines.h"
#include "store/lifecycle-plan.h"
#include "store/store.h"
#include "base/workspace.h"
#include "common/kiln.h"

typedef struct {
  char *dir;
  char *home;
  char *out;        /* the user's output directory */
  KilnStore *store;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr (GError) error = NULL;
  f->dir = g_dir_make_tmp ("kiln-lifecycle-XXXXXX", NULL);
  f->home = g_build_filename (f->dir, "home", NULL);
  f->out = g_build_filename (f->dir, "dist", NULL);
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
  g_free (f->out);
  g_free (f);
  return 0;
}

static KilnCatalog *
cat_of (Fixture *f)
{
  return kiln_store_catalog (f->store);
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

/* Sets builds.finished of id to days ago (the catalog records "now"). */
static void
backdate (Fixture *f, gint64 id, int days)
{
  g_autofree char *db = g_build_filename (f->home, "catalog.db", NULL);
  sqlite3 *raw = NULL;
  assert_int_equal (sqlite3_open (db, &raw), SQLITE_OK);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) then = g_date_time_add_days (now, -days);
  g_autofree char *iso = g_date_time_format_iso8601 (then);
  g_autofree char *sql = g_strdup_printf (
      "UPDATE builds SET finished = '%s' WHERE id = %" G_GINT64_FORMAT, iso,
      id);
  assert_int_equal (sqlite3_exec (raw, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close (raw);
}

/* An available build of name/version with its image in the store, its
 * log, and two artifacts (an image and SHA256SUMS) in the output
 * directory; parent (may be NULL) recorded as its parent image. */
static gint64
add_build (Fixture *f, const char *name, const char *version,
           const char *parent)
{
  g_autoptr (GError) error = NULL;
  gint64 number = 0;
  gint64 id = kiln_store_begin_build (f->store, name, version, "r.yaml",
                                      &number, &error);
  assert_true (id > 0);
  g_autofree char *log = kiln_store_prepare_log (f->store, id, &error);
  write_file (log, "log\n");
  assert_true (kiln_store_record_log (f->store, id, log, &error));
  g_autofree char *dir = kiln_store_build_dir (f->store, name, version,
                                               number, &error);
  g_autofree char *image = g_build_filename (dir, "image.qcow2", NULL);
  g_autofree char *content = g_strdup_printf ("%s %s %" G_GINT64_FORMAT,
                                              name, version, number);
  write_file (image, content);
  assert_true (kiln_catalog_set (cat_of (f), id, "image_path", image, NULL));
  g_autofree char *digest = kiln_catalog_file_digest (cat_of (f), image,
                                                      NULL, NULL);
  assert_true (kiln_catalog_set (cat_of (f), id, "image_digest", digest,
                                 NULL));
  if (parent)
    assert_true (kiln_catalog_set (cat_of (f), id, "parent", parent, NULL));
  g_autofree char *sub = g_strdup_printf ("%s-%s-%" G_GINT64_FORMAT, name,
                                          version, number);
  const char *files[] = { "disk.qcow2", "SHA256SUMS" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *p = g_build_filename (f->out, sub, files[i], NULL);
      write_file (p, "artifact");
      assert_true (kiln_store_record_artifact (f->store, id,
                                               i ? "file" : "qcow2", p, 8,
                                               "00", NULL));
    }
  assert_true (kiln_catalog_set_state (cat_of (f), id, "available", NULL,
                                       NULL));
  return id;
}

static KilnBuildRecord *
get (Fixture *f, gint64 id)
{
  return kiln_catalog_get_build (cat_of (f), id, NULL);
}

static GPtrArray *
rules_from (const char *yaml)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnDoc) doc = kiln_doc_load_string ("rules.yaml", yaml, strlen (yaml),
                                                  diags);
  assert_non_null (doc);
  GPtrArray *rules = kiln_lifecycle_parse (doc->root, diags);
  if (!rules)
    kiln_diags_print (diags, stderr);
  assert_non_null (rules);
  return rules;
}

static GPtrArray *
plan_for (Fixture *f, const char *name, GPtrArray *rules, int days_ahead)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) at = g_date_time_add_days (now, days_ahead);
  g_autoptr (GError) error = NULL;
  GPtrArray *plan = kiln_lifecycle_plan (cat_of (f), name, rules, at, &error);
  assert_non_null (plan);
  return plan;
}

/* The plan as "REF ACTION" or "REF kept: WHY" lines, newest first. */
static char *
plan_text (GPtrArray *plan)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < plan->len; i++)
    {
      const KilnLifecycleStep *st = plan->pdata[i];
      g_autofree char *ref = kiln_build_record_ref (st->build);
      if (st->kept)
        g_string_append_printf (s, "%s kept: %s\n", ref, st->kept);
      else
        g_string_append_printf (s, "%s %s%s\n", ref,
                                kiln_lifecycle_action_name (st->action),
                                st->artifacts ? "+artifacts" : "");
    }
  return g_string_free (s, FALSE);
}

typedef struct {
  GString *log;
  guint failed;
} Applied;

static void
record_step (const KilnLifecycleStep *step, const GError *error,
             gpointer data)
{
  Applied *a = data;
  g_autofree char *ref = kiln_build_record_ref (step->build);
  if (error)
    a->failed++;
  if (step->kept)
    g_string_append_printf (a->log, "%s kept: %s\n", ref, step->kept);
  else
    g_string_append_printf (a->log, "%s %s%s\n", ref,
                            kiln_lifecycle_action_name (step->action),
                            step->artifacts ? "+artifacts" : "");
}

/* What is on disk and in the catalog for every build, one line each. */
static char *
snapshot (Fixture *f)
{
  g_autoptr (GPtrArray) all = kiln_catalog_list_builds (cat_of (f), NULL,
                                                        NULL);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < all->len; i++)
    {
      const KilnBuildRecord *r = all->pdata[i];
      g_autofree char *ref = kiln_build_record_ref (r);
      g_autoptr (GPtrArray) arts = kiln_catalog_artifact_paths (cat_of (f),
                                                                r->id, NULL);
      guint present = 0;
      for (guint j = 0; j < arts->len; j++)
        present += exists (arts->pdata[j]);
      g_string_append_printf (s, "%s %s%s image=%d log=%d artifacts=%u\n",
                              ref, r->state, r->deprecated ? " deprecated"
                                                           : "",
                              exists (r->image_path), exists (r->log_path),
                              present);
    }
  return g_string_free (s, FALSE);
}

/* --- the plan, a dry run and a real run ------------------------------- */

static void
test_keep_rule_dry_run_then_real_run (void **state)
{
  Fixture *f = *state;
  /* 12 builds of web over three versions, 3 of another recipe */
  gint64 web[12];
  for (int i = 0; i < 12; i++)
    web[i] = add_build (f, "web", i < 4 ? "1.0.0" : i < 8 ? "1.1.0"
                                                          : "2.0.0", NULL);
  for (int i = 0; i < 3; i++)
    add_build (f, "db", "1.0.0", NULL);
  g_autoptr (GPtrArray) rules = rules_from ("- action: delete\n  keep: 5\n");
  g_autoptr (GPtrArray) plan = plan_for (f, "web", rules, 0);
  g_autofree char *text = plan_text (plan);
  assert_string_equal (text,
                       "web/1.1.0/3 delete\nweb/1.1.0/2 delete\n"
                       "web/1.1.0/1 delete\nweb/1.0.0/4 delete\n"
                       "web/1.0.0/3 delete\nweb/1.0.0/2 delete\n"
                       "web/1.0.0/1 delete\n");

  g_autofree char *before = snapshot (f);
  Applied dry = { g_string_new (NULL), 0 };
  assert_true (kiln_lifecycle_apply (f->store, plan, TRUE, record_step,
                                     &dry));
  g_autofree char *after_dry = snapshot (f);
  assert_string_equal (before, after_dry);

  Applied real = { g_string_new (NULL), 0 };
  assert_true (kiln_lifecycle_apply (f->store, plan, FALSE, record_step,
                                     &real));
  assert_string_equal (dry.log->str, real.log->str);
  assert_int_equal (real.failed, 0);
  /* exactly the planned builds went: image and log, not the artifacts */
  for (int i = 0; i < 12; i++)
    {
      g_autoptr (KilnBuildRecord) r = get (f, web[i]);
      gboolean planned = i < 7;
      assert_string_equal (r->state, planned ? "deleted" : "available");
      assert_int_equal (exists (r->image_path), !planned);
      assert_int_equal (exists (r->log_path), !planned);
      g_autoptr (GPtrArray) arts = kiln_catalog_artifact_paths (cat_of (f),
                                                                r->id, NULL);
      for (guint j = 0; j < arts->len; j++)
        assert_true (exists (arts->pdata[j]));
    }
  g_autoptr (GPtrArray) db = kiln_catalog_list_builds (cat_of (f), "db",
                                                       NULL);
  for (guint i = 0; i < db->len; i++)
    assert_string_equal (((KilnBuildRecord *) db->pdata[i])->state,
                         "available");
  /* a second run finds nothing to do */
  g_autoptr (GPtrArray) again = plan_for (f, "web", rules, 0);
  assert_int_equal (again->len, 0);
  g_string_free (dry.log, TRUE);
  g_string_free (real.log, TRUE);
}

static void
test_age_versions_and_exclusions (void **state)
{
  Fixture *f = *state;
  gint64 ids[8];
  for (int i = 0; i < 8; i++)
    {
      ids[i] = add_build (f, "web", i < 3 ? "1.0.0" : i < 6 ? "1.2.0"
                                                            : "2.0.0", NULL);
      backdate (f, ids[i], 100 - i * 10);   /* 100, 90, ... 30 days ago */
    }
  /* older than 65 days, versions 1.x, not 1.0.0/2: 1.0.0/1 (100 days),
   * 1.0.0/3 (80), 1.2.0/1 (70) */
  g_autoptr (GPtrArray) rules = rules_from (
      "- action: delete\n  after: 65d\n  versions: 1.x\n"
      "  exclude: [1.0.0/2]\n  artifacts: true\n");
  g_autoptr (GPtrArray) plan = plan_for (f, "web", rules, 0);
  g_autofree char *text = plan_text (plan);
  assert_string_equal (text, "web/1.2.0/1 delete+artifacts\n"
                             "web/1.0.0/3 delete+artifacts\n"
                             "web/1.0.0/1 delete+artifacts\n");
  g_autoptr (KilnBuildRecord) victim = get (f, ids[0]);
  g_autoptr (GPtrArray) arts = kiln_catalog_artifact_paths (cat_of (f),
                                                            victim->id, NULL);
  g_autofree char *art_dir = g_path_get_dirname (arts->pdata[0]);
  /* a link among the artifacts goes as a link, its target stays */
  g_autofree char *target = g_build_filename (f->dir, "keep-me", NULL);
  write_file (target, "precious");
  g_autofree char *link = g_build_filename (art_dir, "link.ova", NULL);
  assert_int_equal (symlink (target, link), 0);
  assert_true (kiln_store_record_artifact (f->store, victim->id, "ova", link,
                                           0, "00", NULL));

  assert_true (kiln_lifecycle_apply (f->store, plan, FALSE, NULL, NULL));
  for (guint i = 0; i < arts->len; i++)
    assert_false (exists (arts->pdata[i]));
  assert_false (exists (link));
  assert_false (exists (art_dir));          /* empty, so removed */
  assert_true (exists (target));
  g_autoptr (KilnBuildRecord) excluded = get (f, ids[1]);
  assert_string_equal (excluded->state, "available");
  /* "keep" and "after" together: older than 35 days and beyond the
   * newest 2 of what is left (2.0.0/2, 2.0.0/1, 1.2.0/3, 1.2.0/2,
   * 1.0.0/2): 1.2.0/3 (50 days), 1.2.0/2 (60) and 1.0.0/2 (90) */
  g_autoptr (GPtrArray) both = rules_from (
      "- action: deprecate\n  keep: 2\n  after: 35d\n");
  g_autoptr (GPtrArray) plan2 = plan_for (f, "web", both, 0);
  g_autofree char *text2 = plan_text (plan2);
  assert_string_equal (text2, "web/1.2.0/3 deprecate\nweb/1.2.0/2 deprecate\n"
                              "web/1.0.0/2 deprecate\n");
}

static void
test_newest_and_parents_are_never_deleted (void **state)
{
  Fixture *f = *state;
  gint64 base[4];
  for (int i = 0; i < 4; i++)
    base[i] = add_build (f, "base", "1.0.0", NULL);
  /* app/1.0.0/1 was built on base/1.0.0/2 */
  g_autoptr (KilnBuildRecord) parent = get (f, base[1]);
  gint64 app = add_build (f, "app", "1.0.0", parent->image_path);
  /* app/1.0.0/2 names base/1.0.0/1 by digest only */
  g_autoptr (KilnBuildRecord) by_digest = get (f, base[0]);
  gint64 app2 = add_build (f, "app", "1.0.0", NULL);
  assert_true (kiln_catalog_set (cat_of (f), app2, "parent_digest",
                                 by_digest->image_digest, NULL));

  g_autoptr (GPtrArray) rules = rules_from ("- action: delete\n  after: 1d\n");
  g_autoptr (GPtrArray) plan = plan_for (f, "base", rules, 30);
  g_autofree char *text = plan_text (plan);
  assert_string_equal (text,
                       "base/1.0.0/4 kept: the newest available build of base\n"
                       "base/1.0.0/3 delete\n"
                       "base/1.0.0/2 kept: the parent of app/1.0.0/1\n"
                       "base/1.0.0/1 kept: the parent of app/1.0.0/2\n");
  assert_true (kiln_lifecycle_apply (f->store, plan, FALSE, NULL, NULL));
  for (int i = 0; i < 4; i++)
    {
      g_autoptr (KilnBuildRecord) r = get (f, base[i]);
      assert_string_equal (r->state, i == 2 ? "deleted" : "available");
      assert_int_equal (exists (r->image_path), i != 2);
    }
  /* once the child is gone, its parent is not protected any more */
  g_autoptr (KilnBuildRecord) child = get (f, app);
  assert_true (kiln_store_delete (f->store, child, FALSE, "test", NULL));
  g_autoptr (GPtrArray) plan2 = plan_for (f, "base", rules, 30);
  g_autofree char *text2 = plan_text (plan2);
  assert_string_equal (text2,
                       "base/1.0.0/4 kept: the newest available build of base\n"
                       "base/1.0.0/2 delete\n"
                       "base/1.0.0/1 kept: the parent of app/1.0.0/2\n");
  /* the newest is not deprecated either */
  g_autoptr (GPtrArray) dep = rules_from ("- action: deprecate\n  after: 1d\n");
  g_autoptr (GPtrArray) plan3 = plan_for (f, "app", dep, 30);
  g_autofree char *text3 = plan_text (plan3);
  assert_string_equal (text3,
                       "app/1.0.0/2 kept: the newest available build of app\n");
}

static void
test_deprecation (void **state)
{
  Fixture *f = *state;
  gint64 ids[3];
  for (int i = 0; i < 3; i++)
    ids[i] = add_build (f, "web", "1.0.0", NULL);
  g_autoptr (GPtrArray) rules = rules_from (
      "- action: deprecate\n  keep: 1\n- action: delete\n  keep: 2\n");
  g_autoptr (GPtrArray) plan = plan_for (f, "web", rules, 0);
  g_autofree char *text = plan_text (plan);
  /* 1.0.0/1 is taken by both rules: deleted */
  assert_string_equal (text, "web/1.0.0/2 deprecate\nweb/1.0.0/1 delete\n");
  assert_true (kiln_lifecycle_apply (f->store, plan, FALSE, NULL, NULL));
  g_autoptr (KilnBuildRecord) r = get (f, ids[1]);
  assert_non_null (r->deprecated);
  assert_string_equal (r->state, "available");
  /* deprecating again is nothing to do; undeprecate clears the mark */
  g_autoptr (GPtrArray) plan2 = plan_for (f, "web", rules, 0);
  assert_int_equal (plan2->len, 0);
  assert_true (kiln_catalog_set_deprecated (cat_of (f), ids[1], FALSE, NULL,
                                            NULL));
  g_autoptr (KilnBuildRecord) r2 = get (f, ids[1]);
  assert_null (r2->deprecated);
}

/* --- the catalog's pipeline tables ------------------------------------- */

static void
test_pipelines_and_runs (void **state)
{
  Fixture *f = *state;
  KilnCatalog *cat = cat_of (f);
  g_autoptr (GError) error = NULL;
  assert_true (kiln_catalog_register_pipeline (cat, "nightly", "/a.yaml",
                                               &error));
  assert_true (kiln_catalog_register_pipeline (cat, "nightly", "/b.yaml",
                                               &error));
  g_autoptr (KilnPipelineRecord) p = kiln_catalog_get_pipeline (cat, "nightly",
                                                                &error);
  assert_string_equal (p->path, "/b.yaml");
  assert_null (p->disabled);
  assert_null (kiln_catalog_get_pipeline (cat, "other", &error));
  assert_null (error);

  gint64 n = 0;
  guint failures = 99;
  gint64 r1 = kiln_catalog_begin_run (cat, "nightly", "manual", "running",
                                      NULL, 42, &n, &error);
  assert_true (r1 > 0);
  assert_int_equal (n, 1);
  assert_true (kiln_catalog_finish_run (cat, r1, "failed", "boom", 0, NULL,
                                        NULL, &failures, &error));
  assert_int_equal (failures, 1);
  gint64 r2 = kiln_catalog_begin_run (cat, "nightly", "schedule", "skipped",
                                      "nothing changed", 43, &n, &error);
  assert_int_equal (n, 2);
  gint64 r3 = kiln_catalog_begin_run (cat, "nightly", "schedule", "running",
                                      NULL, 44, &n, &error);
  assert_true (kiln_catalog_finish_run (cat, r3, "failed", "boom", 0, NULL,
                                        NULL, &failures, &error));
  assert_int_equal (failures, 2);   /* the skipped run in between counts not */
  gint64 build = add_build (f, "web", "1.0.0", NULL);
  gint64 r4 = kiln_catalog_begin_run (cat, "nightly", "schedule", "running",
                                      NULL, 45, &n, &error);
  assert_true (kiln_catalog_finish_run (cat, r4, "available", NULL, build,
                                        "web/1.0.0/1", "{}", &failures,
                                        &error));
  assert_int_equal (failures, 0);

  g_autoptr (KilnRunRecord) last_ok = kiln_catalog_last_run (
      cat, "nightly", "available", &error);
  assert_int_equal (last_ok->id, r4);
  assert_int_equal (last_ok->build_id, build);
  assert_string_equal (last_ok->build, "web/1.0.0/1");
  g_autoptr (KilnRunRecord) skipped = kiln_catalog_last_run (
      cat, "nightly", "skipped", &error);
  assert_int_equal (skipped->id, r2);
  assert_non_null (skipped->finished);

  /* a run left running (its process killed) is closed by the next one */
  gint64 r5 = kiln_catalog_begin_run (cat, "nightly", "schedule", "running",
                                      NULL, 46, &n, &error);
  assert_true (kiln_catalog_close_abandoned_runs (cat, "nightly", &error));
  g_autoptr (GPtrArray) runs = kiln_catalog_list_runs (cat, "nightly", 2,
                                                       &error);
  assert_int_equal (runs->len, 2);
  const KilnRunRecord *newest = runs->pdata[0];
  assert_int_equal (newest->id, r5);
  assert_string_equal (newest->state, "cancelled");
  assert_non_null (strstr (newest->reason, "pid 46"));

  /* disabling and enabling; enabling starts the count again */
  gint64 r6 = kiln_catalog_begin_run (cat, "nightly", "schedule", "running",
                                      NULL, 47, &n, &error);
  assert_true (kiln_catalog_finish_run (cat, r6, "failed", "x", 0, NULL, NULL,
                                        &failures, &error));
  assert_true (kiln_catalog_set_pipeline_disabled (cat, "nightly",
                                                   "1 failed run", &error));
  g_autoptr (KilnPipelineRecord) d = kiln_catalog_get_pipeline (cat, "nightly",
                                                                &error);
  assert_string_equal (d->disabled, "1 failed run");
  assert_int_equal (d->failures, 1);
  assert_true (kiln_catalog_set_pipeline_disabled (cat, "nightly", NULL,
                                                   &error));
  g_autoptr (KilnPipelineRecord) e = kiln_catalog_get_pipeline (cat, "nightly",
                                                                &error);
  assert_null (e->disabled);
  assert_int_equal (e->failures, 0);
  assert_true (kiln_catalog_set_pipeline_installed (cat, "nightly", "/units",
                                                    &error));
  g_autoptr (GPtrArray) all = kiln_catalog_list_pipelines (cat, &error);
  assert_int_equal (all->len, 1);
  assert_string_equal (((KilnPipelineRecord *) all->pdata[0])->installed,
                       "/units");
  /* a forgotten build leaves the run's reference */
  assert_true (kiln_store_forget (f->store, build, &error));
  g_autoptr (KilnRunRecord) gone = kiln_catalog_last_run (cat, "nightly",
                                                          "available", &error);
  assert_int_equal (gone->build_id, 0);
  assert_string_equal (gone->build, "web/1.0.0/1");
}

/* A catalog written before lifecycle and pipelines existed opens, keeps
 * its builds and gains the new tables. */
static void
test_old_catalog_gains_the_new_tables (void **state)
{
  Fixture *f = *state;
  g_autofree char *db = g_build_filename (f->dir, "old", "catalog.db", NULL);
  g_autofree char *old_dir = g_path_get_dirname (db);
  g_mkdir_with_parents (old_dir, 0755);
  sqlite3 *raw = NULL;
  assert_int_equal (sqlite3_open (db, &raw), SQLITE_OK);
  assert_int_equal (sqlite3_exec (raw,
      "CREATE TABLE builds (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
      "  version TEXT NOT NULL, build_number INTEGER NOT NULL,"
      "  state TEXT NOT NULL, recipe_path TEXT, build_key TEXT, parent TEXT,"
      "  parent_digest TEXT, image_path TEXT, image_digest TEXT,"
      "  log_path TEXT, failure TEXT, started TEXT NOT NULL, finished TEXT,"
      "  UNIQUE (name, version, build_number));"
      "CREATE TABLE build_states (build_id INTEGER NOT NULL REFERENCES"
      "  builds(id) ON DELETE CASCADE, state TEXT NOT NULL, at TEXT NOT NULL,"
      "  detail TEXT);"
      "CREATE TABLE artifacts (build_id INTEGER NOT NULL REFERENCES"
      "  builds(id) ON DELETE CASCADE, format TEXT NOT NULL,"
      "  path TEXT NOT NULL, size INTEGER, sha256 TEXT);"
      "CREATE TABLE digests (path TEXT PRIMARY KEY, size INTEGER,"
      "  mtime_ns INTEGER, sha256 TEXT);"
      "INSERT INTO builds (name, version, build_number, state, started,"
      "  finished) VALUES ('web', '1.0.0', 1, 'available',"
      "  '2026-01-01T00:00:00Z', '2026-01-01T00:10:00Z');",
      NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close (raw);

  g_autoptr (GError) error = NULL;
  g_autoptr (KilnCatalog) cat = kiln_catalog_open (db, &error);
  assert_non_null (cat);
  g_autoptr (GPtrArray) builds = kiln_catalog_list_builds (cat, NULL, &error);
  assert_int_equal (builds->len, 1);
  const KilnBuildRecord *r = builds->pdata[0];
  assert_string_equal (r->name, "web");
  assert_null (r->deprecated);
  assert_true (kiln_catalog_set_deprecated (cat, r->id, TRUE, "test",
                                            &error));
  assert_true (kiln_catalog_register_pipeline (cat, "p", "/p.yaml", &error));
  assert_true (kiln_catalog_begin_run (cat, "p", "manual", "skipped", "x", 1,
                                       NULL, &error) > 0);
  g_autoptr (KilnBuildRecord) again = kiln_catalog_get_build (cat, r->id,
                                                              &error);
  assert_non_null (again->deprecated);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_keep_rule_dry_run_then_real_run,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_age_versions_and_exclusions, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (
        test_newest_and_parents_are_never_deleted, setup, teardown),
    cmocka_unit_test_setup_teardown (test_deprecation, setup, teardown),
    cmocka_unit_test_setup_teardown (test_pipelines_and_runs, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_old_catalog_gains_the_new_tables,
                                     setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
