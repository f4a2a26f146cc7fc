/* lifecycle-parents.c - lifecycle rules applied now to the parents cached
 * on libvirt daemons (lifecycle-parents.h) */
#include "lifecycle-parents.h"

#include <stdio.h>

#include "backends/libvirt-pool.h"
#include "backends/libvirt.h"
#include "base/escape.h"
#include "common/kiln.h"

char *
kiln_parent_step_line (const KilnParentStep *step, const KilnCachedParent *p,
                       const char *uri, gboolean dry_run)
{
  g_autofree char *rule = kiln_lifecycle_rule_describe (step->rule);
  g_autofree char *size = g_format_size (p->bytes);
  if (step->kept)
    return g_strdup_printf ("%s the cached parent sha256:%s (%s) on %s, %s, "
                            "%s rule: %s", dry_run ? "would keep" : "kept",
                            p->digest, size, uri, step->kept,
                            step->despite ? "despite" : "under", rule);
  return g_strdup_printf ("%s the cached parent sha256:%s (%s) on %s, by "
                          "rule: %s", dry_run ? "would delete" : "deleted",
                          p->digest, size, uri, rule);
}

typedef struct {
  const char *name;
  GPtrArray *rules;
  gboolean dry_run;
  GDateTime *now;
  const char *who;
  guint *actions;
} Run;

/* The plan for the parents listed in pool, with the catalog as it is now
 * (read after the listing: a build that began meanwhile counts). */
static GPtrArray *
plan_target (KilnStore *store, const Run *run, const char *uri,
             GPtrArray *cached, GError **error)
{
  g_autoptr (GPtrArray) builds
      = kiln_catalog_list_builds (kiln_store_catalog (store), NULL, error);
  if (!builds)
    return NULL;
  g_autofree KilnTargetParent *parents = g_new0 (KilnTargetParent,
                                                 cached->len + 1);
  for (guint i = 0; i < cached->len; i++)
    {
      const KilnCachedParent *p = cached->pdata[i];
      parents[i].digest = p->digest;
      parents[i].complete = p->complete;
    }
  return kiln_parent_plan (builds, run->name, uri, parents, cached->len,
                           run->rules, run->now);
}

/* One target: its pool's parents listed, planned and (not in a dry run)
 * deleted.  Returns the exit code. */
static int
run_target (KilnStore *store, const Run *run, const char *uri,
            const char *pool_name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnHypervisor) hv = kiln_hypervisor_open (uri, NULL, &error);
  /* declared after hv: the pool's handle is closed first */
  g_autoptr (KilnPool) pool = NULL;
  g_autoptr (GPtrArray) cached = NULL;
  g_autoptr (GPtrArray) plan = NULL;
  if (hv && kiln_target_pool_find (hv, pool_name, &pool, &error) && pool
      && (cached = kiln_target_cached_parents (pool, &error)))
    plan = plan_target (store, run, uri, cached, &error);
  if (error)
    {
      kiln_print_text (stderr, "%s: %s: the parents cached on %s were not "
                       "looked at: %s\n", run->who, run->name, uri,
                       error->message);
      return kiln_exit_code_for_error (error);
    }
  if (!plan)      /* no pool there: nothing is cached */
    return KILN_EXIT_OK;
  int rc = KILN_EXIT_OK;
  for (guint i = 0; i < plan->len; i++)
    {
      const KilnParentStep *step = plan->pdata[i];
      const KilnCachedParent *p = cached->pdata[step->index];
      g_autoptr (GError) drop_error = NULL;
      if (!step->kept && !run->dry_run
          && !kiln_target_drop_parent (pool, p, &drop_error))
        {
          kiln_print_text (stderr, "%s: could not delete the cached parent "
                           "sha256:%s on %s: %s\n", run->who, p->digest, uri,
                           drop_error->message);
          rc = MAX (rc, kiln_exit_code_for_error (drop_error));
          continue;
        }
      g_autofree char *line = kiln_parent_step_line (step, p, uri,
                                                     run->dry_run);
      kiln_print_text (stdout, "%s\n", line);
      if (!step->kept)
        (*run->actions)++;
    }
  return rc;
}

int
kiln_lifecycle_apply_parents (KilnStore *store, const char *name,
                              const char *pool, GPtrArray *rules,
                              gboolean dry_run, GDateTime *now,
                              const char *who, guint *actions)
{
  if (!kiln_lifecycle_rules_act_on (rules, KILN_LIFECYCLE_CACHED_PARENTS))
    return KILN_EXIT_OK;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) builds
      = kiln_catalog_list_builds (kiln_store_catalog (store), name, &error);
  if (!builds)
    {
      kiln_print_text (stderr, "%s: %s: %s\n", who, name, error->message);
      return kiln_exit_code_for_error (error);
    }
  Run run = {
    .name = name, .rules = rules, .dry_run = dry_run, .now = now,
    .who = who, .actions = actions,
  };
  g_autoptr (GPtrArray) targets = kiln_parent_targets (builds, name);
  int rc = KILN_EXIT_OK;
  for (guint i = 0; i < targets->len; i++)
    {
      int target_rc = run_target (store, &run, targets->pdata[i], pool);
      rc = MAX (rc, target_rc);
    }
  return rc;
}
