/* test-parent-plan.c - which parents cached on a target lifecycle rules
 * delete (src/store/parent-plan.h), decided from catalog records alone:
 * by age (any recipe's recent use on that target counts, another target's
 * not), by count (the recipe's newest available builds there), both, two
 * rules; never a parent an unfinished build uses or a half-sent one; never
 * another recipe's parent; the targets of a recipe's builds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "documents/yamldoc.h"
#include "store/parent-plan.h"

#define HERE "qemu:///system"
#define THERE "qemu+ssh://builder.example/system"

typedef struct {
  GDateTime *now;
  GPtrArray *builds;      /* KilnBuildRecord*, newest first */
  gint64 next_id;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->now = g_date_time_new_utc (2026, 12, 7, 12, 0, 0);
  f->builds = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_build_record_free);
  f->next_id = 1000;
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  g_date_time_unref (f->now);
  g_ptr_array_unref (f->builds);
  g_free (f);
  return 0;
}

/* hours before now as the catalog writes it; -1: none */
static char *
ago (Fixture *f, int hours)
{
  if (hours < 0)
    return NULL;
  g_autoptr (GDateTime) t = g_date_time_add_hours (f->now, -hours);
  return g_date_time_format_iso8601 (t);
}

/* The next build, older than every one added before (the catalog lists
 * newest first). */
static KilnBuildRecord *
add (Fixture *f, const char *ref, const char *state, const char *uri,
     const char *digest, int started_hours_ago, int finished_hours_ago)
{
  g_auto (GStrv) parts = g_strsplit (ref, "/", 3);
  KilnBuildRecord *r = g_new0 (KilnBuildRecord, 1);
  r->id = f->next_id--;
  r->name = g_strdup (parts[0]);
  r->version = g_strdup (parts[1]);
  r->build_number = g_ascii_strtoll (parts[2], NULL, 10);
  r->state = g_strdup (state);
  r->connect_uri = g_strdup (uri);
  r->parent_digest = g_strdup (digest);
  r->started = ago (f, started_hours_ago);
  r->finished = ago (f, finished_hours_ago);
  g_ptr_array_add (f->builds, r);
  return r;
}

/* Rules from a `lifecycle:` value; the document stays with the rules'
 * owner through doc_out. */
static GPtrArray *
rules_from (const char *yaml, KilnDoc **doc_out)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  KilnDoc *doc = kiln_doc_load_string ("r.yaml", yaml, strlen (yaml), diags);
  assert_non_null (doc);
  GPtrArray *rules = kiln_lifecycle_parse (doc->root, diags);
  if (!rules)
    kiln_diags_print (diags, stderr);
  assert_non_null (rules);
  *doc_out = doc;
  return rules;
}

/* The plan as "DIGEST delete (SOURCE)" or "DIGEST kept: WHY [despite]"
 * lines. */
static char *
plan_text (Fixture *f, const char *name, const char *uri,
           const KilnTargetParent *parents, guint n, const char *yaml)
{
  KilnDoc *doc = NULL;
  g_autoptr (GPtrArray) rules = rules_from (yaml, &doc);
  g_autoptr (KilnDoc) owner = doc;
  g_autoptr (GPtrArray) plan = kiln_parent_plan (f->builds, name, uri,
                                                 parents, n, rules, f->now);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < plan->len; i++)
    {
      const KilnParentStep *st = plan->pdata[i];
      const char *digest = parents[st->index].digest;
      if (st->kept)
        g_string_append_printf (s, "%s kept: %s%s\n", digest, st->kept,
                                st->despite ? " [despite]" : "");
      else
        g_string_append_printf (s, "%s delete (%s)\n", digest,
                                st->rule->source);
    }
  return g_string_free (s, FALSE);
}

/* web's builds on two targets, another recipe's, a running one */
static void
add_builds (Fixture *f)
{
  add (f, "web/1.0.0/5", "available", HERE, "p1", 25, 24);       /* 1d */
  add (f, "web/1.0.0/4", "available", HERE, "p2", 481, 480);     /* 20d */
  add (f, "db/1.0.0/1", "available", HERE, "p3", 49, 48);        /* 2d */
  add (f, "web/1.0.0/3", "available", HERE, "p3", 721, 720);     /* 30d */
  add (f, "web/0.9.0/1", "available", THERE, "p4", 2, 1);        /* 1h */
  add (f, "web/1.0.0/2", "deleted", HERE, "p4", 961, 960);       /* 40d */
  add (f, "app/1.0.0/1", "building", HERE, "p5", 1440, -1);      /* 60d */
  add (f, "web/1.0.0/1", "failed", HERE, "p5", 1200, 1199);      /* 50d */
  add (f, "web/0.1.0/1", "failed", HERE, "p6", 2000, 1999);      /* half */
  add (f, "other/1.0.0/1", "available", HERE, "p-other", 2400, 2399);
  add (f, "web/0.0.1/1", "available", NULL, "p7", 3000, 2999);   /* embed */
}

static const KilnTargetParent on_here[] = {
  { "p1", TRUE }, { "p2", TRUE }, { "p3", TRUE }, { "p4", TRUE },
  { "p5", TRUE }, { "p6", FALSE }, { "p-other", TRUE }, { "p7", TRUE },
  { "p-nobody", TRUE },
};

static void
test_by_age (void **state)
{
  Fixture *f = *state;
  add_builds (f);
  g_autofree char *text = plan_text (
      f, "web", HERE, on_here, G_N_ELEMENTS (on_here),
      "- action: delete\n  resource: cached-parents\n  after: 14d\n");
  assert_string_equal (text,
      /* used by web a day ago */
      "p1 kept: used by web/1.0.0/5 at 2026-12-06 12:00 UTC, within 14d\n"
      "p2 delete (r.yaml:1)\n"
      /* web's last use was 30 days ago, db's 2 days ago: any recipe's */
      "p3 kept: used by db/1.0.0/1 at 2026-12-05 12:00 UTC, within 14d\n"
      /* used an hour ago, but on another target */
      "p4 delete (r.yaml:1)\n"
      "p5 kept: app/1.0.0/1 uses it and is not finished [despite]\n"
      "p6 kept: half-sent (no marker: `kiln images prune-parents` removes "
      "it) [despite]\n");
  /* other recipes' parents, and nobody's, are not in the plan: p-other,
   * p-nobody; nor p7, which web used on the embedded driver only */
}

static void
test_by_count_and_both (void **state)
{
  Fixture *f = *state;
  add_builds (f);
  /* web's available builds here, newest first: /5 (p1), /4 (p2), /3 (p3);
   * by count alone another recipe's recent use does not keep p3 */
  g_autofree char *keep2 = plan_text (
      f, "web", HERE, on_here, G_N_ELEMENTS (on_here),
      "- action: delete\n  resource: cached-parents\n  keep: 2\n");
  assert_string_equal (keep2,
      "p1 kept: the parent of web/1.0.0/5, one of the newest 2 builds of "
      "web there\n"
      "p2 kept: the parent of web/1.0.0/4, one of the newest 2 builds of "
      "web there\n"
      "p3 delete (r.yaml:1)\n"
      "p4 delete (r.yaml:1)\n"
      "p5 kept: app/1.0.0/1 uses it and is not finished [despite]\n"
      "p6 kept: half-sent (no marker: `kiln images prune-parents` removes "
      "it) [despite]\n");
  /* both: older than 14d and not of the newest build */
  g_autofree char *both = plan_text (
      f, "web", HERE, on_here, 4,
      "- action: delete\n  resource: cached-parents\n  after: 14d\n"
      "  keep: 1\n");
  assert_string_equal (both,
      "p1 kept: used by web/1.0.0/5 at 2026-12-06 12:00 UTC, within 14d\n"
      "p2 delete (r.yaml:1)\n"
      "p3 kept: used by db/1.0.0/1 at 2026-12-05 12:00 UTC, within 14d\n"
      "p4 delete (r.yaml:1)\n");
  /* two rules: the first that takes a parent deletes it; a kept one
   * gives the first rule's reason */
  g_autofree char *two = plan_text (
      f, "web", HERE, on_here, 4,
      "- action: delete\n  resource: cached-parents\n  after: 14d\n"
      "- action: delete\n  resource: cached-parents\n  keep: 2\n");
  assert_string_equal (two,
      "p1 kept: used by web/1.0.0/5 at 2026-12-06 12:00 UTC, within 14d\n"
      "p2 delete (r.yaml:1)\n"
      "p3 delete (r.yaml:4)\n"
      "p4 delete (r.yaml:1)\n");
}

static void
test_other_recipes_and_rules (void **state)
{
  Fixture *f = *state;
  add_builds (f);
  const char *rule = "- action: delete\n  resource: cached-parents\n"
                     "  after: 1d\n";
  /* db's rule sees its own parent only (p3, last used 2 days ago);
   * other's takes p-other, which no build used for 100 days */
  g_autofree char *db = plan_text (f, "db", HERE, on_here,
                                   G_N_ELEMENTS (on_here), rule);
  assert_string_equal (db, "p3 delete (r.yaml:1)\n");
  g_autofree char *other = plan_text (f, "other", HERE, on_here,
                                      G_N_ELEMENTS (on_here), rule);
  assert_string_equal (other, "p-other delete (r.yaml:1)\n");
  /* a recipe with no build on that target: nothing */
  g_autofree char *none = plan_text (f, "db", THERE, on_here,
                                     G_N_ELEMENTS (on_here), rule);
  assert_string_equal (none, "");
  /* on the other target, web's p4 was used an hour ago */
  static const KilnTargetParent on_there[] = { { "p4", TRUE },
                                               { "p1", TRUE } };
  g_autofree char *there = plan_text (f, "web", THERE, on_there, 2, rule);
  assert_string_equal (there, "p4 kept: used by web/0.9.0/1 at 2026-12-07 "
                              "11:00 UTC, within 1d\n");
  /* rules for builds only: no step at all */
  g_autofree char *builds_only = plan_text (
      f, "web", HERE, on_here, G_N_ELEMENTS (on_here),
      "- action: delete\n  after: 1d\n");
  assert_string_equal (builds_only, "");
}

static void
test_unreadable_time_counts_as_now (void **state)
{
  Fixture *f = *state;
  KilnBuildRecord *r = add (f, "web/1.0.0/2", "failed", HERE, "p1", 1000,
                            -1);
  g_free (r->started);
  r->started = g_strdup ("yesterday-ish");
  add (f, "web/1.0.0/1", "available", HERE, "p1", 2000, 1999);
  static const KilnTargetParent p1[] = { { "p1", TRUE } };
  g_autofree char *text = plan_text (
      f, "web", HERE, p1, 1,
      "- action: delete\n  resource: cached-parents\n  after: 1d\n");
  assert_string_equal (text, "p1 kept: used by web/1.0.0/2 at an unknown "
                             "time, within 1d\n");
}

static void
test_targets (void **state)
{
  Fixture *f = *state;
  add_builds (f);
  g_autoptr (GPtrArray) web = kiln_parent_targets (f->builds, "web");
  assert_int_equal (web->len, 2);
  assert_string_equal (web->pdata[0], HERE);
  assert_string_equal (web->pdata[1], THERE);
  g_autoptr (GPtrArray) db = kiln_parent_targets (f->builds, "db");
  assert_int_equal (db->len, 1);
  g_autoptr (GPtrArray) nobody = kiln_parent_targets (f->builds, "nobody");
  assert_int_equal (nobody->len, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_by_age, setup, teardown),
    cmocka_unit_test_setup_teardown (test_by_count_and_both, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_other_recipes_and_rules, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_unreadable_time_counts_as_now,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_targets, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
