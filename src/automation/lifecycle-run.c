/* lifecycle-run.c - applying lifecycle rules now (lifecycle-run.h) */
#include "lifecycle-run.h"

#include <stdio.h>
#include <unistd.h>

#include "base/escape.h"
#include "common/kiln.h"
#include "lifecycle-parents.h"
#include "store/build-ref.h"
#include "store/lock.h"

struct KilnLifecycleRules {
  GPtrArray *names;       /* recipe names, in the order first added */
  GHashTable *rules;      /* name -> GPtrArray of borrowed rules */
  GHashTable *documents;  /* canonical paths already added */
  GHashTable *pools;      /* name -> the recipe's build.pool (NULL: kiln) */
};

KilnLifecycleRules *
kiln_lifecycle_rules_new (void)
{
  KilnLifecycleRules *set = g_new0 (KilnLifecycleRules, 1);
  set->names = g_ptr_array_new_with_free_func (g_free);
  set->rules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_ptr_array_unref);
  set->documents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          NULL);
  set->pools = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      g_free);
  return set;
}

void
kiln_lifecycle_rules_free (KilnLifecycleRules *set)
{
  if (!set)
    return;
  g_ptr_array_unref (set->names);
  g_hash_table_unref (set->rules);
  g_hash_table_unref (set->documents);
  g_hash_table_unref (set->pools);
  g_free (set);
}

gboolean
kiln_lifecycle_rules_add (KilnLifecycleRules *set, const char *name,
                          const char *path, GPtrArray *rules)
{
  char *canonical = g_canonicalize_filename (path, NULL);
  if (!g_hash_table_add (set->documents, canonical))
    return FALSE;
  GPtrArray *list = g_hash_table_lookup (set->rules, name);
  if (!list)
    {
      list = g_ptr_array_new ();
      g_hash_table_insert (set->rules, g_strdup (name), list);
      g_ptr_array_add (set->names, g_strdup (name));
    }
  for (guint i = 0; rules && i < rules->len; i++)
    g_ptr_array_add (list, rules->pdata[i]);
  return TRUE;
}

void
kiln_lifecycle_rules_add_recipe (KilnLifecycleRules *set,
                                 const KilnRecipe *recipe)
{
  kiln_lifecycle_rules_add (set, recipe->name, recipe->path,
                            recipe->lifecycle);
  /* where its builds sent their parents, for its cached-parents rules */
  if (recipe->build.pool)
    g_hash_table_insert (set->pools, g_strdup (recipe->name),
                         g_strdup (recipe->build.pool));
}

void
kiln_lifecycle_rules_add_pipeline (KilnLifecycleRules *set,
                                   const KilnPipeline *p)
{
  kiln_lifecycle_rules_add (set, p->recipe->name, p->path, p->lifecycle);
  kiln_lifecycle_rules_add_recipe (set, p->recipe);
}

guint
kiln_lifecycle_rules_count (const KilnLifecycleRules *set)
{
  guint n = 0;
  for (guint i = 0; i < set->names->len; i++)
    {
      GPtrArray *list = g_hash_table_lookup (set->rules, set->names->pdata[i]);
      n += list->len;
    }
  return n;
}

char *
kiln_lifecycle_step_line (const KilnLifecycleStep *step, gboolean dry_run)
{
  g_autofree char *ref = kiln_build_record_ref (step->build);
  g_autofree char *rule = kiln_lifecycle_rule_describe (step->rule);
  if (step->kept)
    return g_strdup_printf ("%s %s, %s, despite rule: %s",
                            dry_run ? "would keep" : "kept", ref, step->kept,
                            rule);
  const char *verb;
  if (step->action == KILN_LIFECYCLE_DEPRECATE)
    verb = dry_run ? "would deprecate" : "deprecated";
  else
    verb = dry_run ? "would delete" : "deleted";
  return g_strdup_printf ("%s %s%s, by rule: %s", verb, ref,
                          step->artifacts ? " and its output files" : "",
                          rule);
}

typedef struct {
  gboolean dry_run;
  const char *who;
  GDateTime *now;
  guint actions;
  int rc;
} Report;

static void
report_step (const KilnLifecycleStep *step, const GError *error,
             gpointer data)
{
  Report *report = data;
  if (error)
    {
      g_autofree char *ref = kiln_build_record_ref (step->build);
      kiln_print_text (stderr, "%s: %s: could not %s it: %s\n", report->who,
                       ref, kiln_lifecycle_action_name (step->action),
                       error->message);
      report->rc = MAX (report->rc, kiln_exit_code_for_error (error));
      return;
    }
  g_autofree char *line = kiln_lifecycle_step_line (step, report->dry_run);
  kiln_print_text (stdout, "%s\n", line);
  if (!step->kept)
    report->actions++;
}

/* One recipe's builds, and the parents its builds left on their
 * targets, under its rules. */
static void
run_recipe (KilnStore *store, const char *name, const char *pool,
            GPtrArray *rules, Report *report)
{
  GDateTime *now = report->now;
  g_autoptr (GError) error = NULL;
  int lock_fd = -1;
  if (!report->dry_run)
    {
      /* the lock kiln build holds: a build that is running keeps its
       * recipe's images as they are */
      g_autofree char *path = kiln_recipe_lock_path (name);
      g_autofree char *busy = g_strdup_printf (
          "a build of %s is running; its lifecycle rules were not applied",
          name);
      lock_fd = kiln_lock_take (path, KILN_LOCK_TRY, NULL, busy, &error);
      if (lock_fd < 0)
        {
          kiln_print_text (stderr, "%s: %s\n", report->who, error->message);
          report->rc = MAX (report->rc, kiln_exit_code_for_error (error));
          return;
        }
    }
  g_autoptr (GPtrArray) plan = kiln_lifecycle_plan (
      kiln_store_catalog (store), name, rules, now, &error);
  if (!plan)
    {
      kiln_print_text (stderr, "%s: %s: %s\n", report->who, name,
                       error->message);
      report->rc = MAX (report->rc, kiln_exit_code_for_error (error));
    }
  else
    kiln_lifecycle_apply (store, plan, report->dry_run, report_step, report);
  int rc = kiln_lifecycle_apply_parents (store, name, pool, rules,
                                         report->dry_run, now, report->who,
                                         &report->actions);
  report->rc = MAX (report->rc, rc);
  if (lock_fd >= 0)
    close (lock_fd);
}

int
kiln_lifecycle_run_rules (KilnStore *store, KilnLifecycleRules *set,
                          gboolean dry_run, GDateTime *now, const char *who,
                          guint *actions)
{
  Report report = {
    .dry_run = dry_run, .who = who, .now = now, .rc = KILN_EXIT_OK
  };
  for (guint i = 0; i < set->names->len; i++)
    {
      const char *name = set->names->pdata[i];
      GPtrArray *rules = g_hash_table_lookup (set->rules, name);
      if (rules->len)
        run_recipe (store, name, g_hash_table_lookup (set->pools, name),
                    rules, &report);
    }
  fflush (stdout);
  if (actions)
    *actions = report.actions;
  return report.rc;
}

void
kiln_lifecycle_after_pipeline_run (KilnStore *store, const KilnPipeline *p)
{
  g_autoptr (KilnLifecycleRules) set = kiln_lifecycle_rules_new ();
  kiln_lifecycle_rules_add_pipeline (set, p);
  if (kiln_lifecycle_rules_count (set) == 0)
    return;
  g_autofree char *who = g_strdup_printf ("kiln pipeline: %s: lifecycle",
                                          p->name);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  kiln_print_text (stdout, "pipeline %s: applying its lifecycle rules\n",
                   p->name);
  kiln_lifecycle_run_rules (store, set, FALSE, now, who, NULL);
}
