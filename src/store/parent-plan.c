/* parent-plan.c - which parents cached on a target lifecycle rules delete
 * (parent-plan.h) */
#include "parent-plan.h"

#include "build-ref.h"
#include "documents/units.h"

void
kiln_parent_step_free (KilnParentStep *step)
{
  if (!step)
    return;
  g_free (step->kept);
  g_free (step);
}

GPtrArray *
kiln_parent_targets (GPtrArray *builds, const char *name)
{
  GPtrArray *uris = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < builds->len; i++)
    {
      const KilnBuildRecord *r = builds->pdata[i];
      if (r->connect_uri && g_strcmp0 (r->name, name) == 0
          && !g_ptr_array_find_with_equal_func (uris, r->connect_uri,
                                                g_str_equal, NULL))
        g_ptr_array_add (uris, g_strdup (r->connect_uri));
    }
  return uris;
}

static gboolean
is_unfinished (const KilnBuildRecord *r)
{
  static const char *const states[] = {
    "pending", "building", "testing", "distributing", NULL
  };
  return g_strv_contains (states, r->state);
}

/* The newer of r's start and finish; NULL when neither can be read. */
static GDateTime *
last_seen (const KilnBuildRecord *r)
{
  g_autoptr (GDateTime) started
      = r->started ? g_date_time_new_from_iso8601 (r->started, NULL) : NULL;
  g_autoptr (GDateTime) finished
      = r->finished ? g_date_time_new_from_iso8601 (r->finished, NULL) : NULL;
  if (!started || (finished && g_date_time_compare (finished, started) > 0))
    return g_steal_pointer (&finished);
  return g_steal_pointer (&started);
}

/* What the catalog says about one digest on the target. */
typedef struct {
  gboolean ours;                    /* a parent of one of name's builds */
  const KilnBuildRecord *running;   /* an unfinished build using it */
  const KilnBuildRecord *last;      /* the build that used it last */
  GDateTime *last_at;               /* ... then; NULL: its time is unknown,
                                     * taken as now */
  const KilnBuildRecord *newest;    /* name's newest available build on it */
  guint newest_pos;                 /* ... counted among name's available
                                     * builds there, newest first, from 0 */
} Use;

static void
use_clear (Use *u)
{
  g_clear_pointer (&u->last_at, g_date_time_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Use, use_clear)

static void
use_collect (Use *u, GPtrArray *builds, const char *name, const char *uri,
             const char *digest)
{
  guint available = 0;
  gboolean unknown_time = FALSE;
  for (guint i = 0; i < builds->len; i++)
    {
      const KilnBuildRecord *r = builds->pdata[i];
      if (g_strcmp0 (r->connect_uri, uri) != 0)
        continue;
      gboolean mine = g_strcmp0 (r->name, name) == 0;
      gboolean counted = mine && g_strcmp0 (r->state, "available") == 0;
      if (g_strcmp0 (r->parent_digest, digest) == 0)
        {
          u->ours = u->ours || mine;
          if (!u->running && is_unfinished (r))
            u->running = r;
          if (counted && !u->newest)
            {
              u->newest = r;
              u->newest_pos = available;
            }
          g_autoptr (GDateTime) at = last_seen (r);
          if (unknown_time)
            ;
          else if (!at)
            {
              unknown_time = TRUE;
              u->last = r;
              g_clear_pointer (&u->last_at, g_date_time_unref);
            }
          else if (!u->last_at || g_date_time_compare (at, u->last_at) > 0)
            {
              u->last = r;
              g_clear_pointer (&u->last_at, g_date_time_unref);
              u->last_at = g_steal_pointer (&at);
            }
        }
      if (counted)
        available++;
    }
}

/* Whether rule takes the parent; else *why says what keeps it. */
static gboolean
rule_takes (const KilnLifecycleRule *rule, const Use *u, const char *name,
            GDateTime *now, char **why)
{
  if (rule->after && u->last
      && (!u->last_at || g_date_time_difference (now, u->last_at)
                             <= rule->after * G_TIME_SPAN_SECOND))
    {
      g_autofree char *ref = kiln_build_record_ref (u->last);
      g_autofree char *age = kiln_duration_format (rule->after);
      g_autoptr (GDateTime) utc = u->last_at ? g_date_time_to_utc (u->last_at)
                                             : NULL;
      g_autofree char *at = utc ? g_date_time_format (utc,
                                                      "%Y-%m-%d %H:%M UTC")
                                : g_strdup ("an unknown time");
      *why = g_strdup_printf ("used by %s at %s, within %s", ref, at, age);
      return FALSE;
    }
  if (rule->keep && u->newest && u->newest_pos < rule->keep)
    {
      g_autofree char *ref = kiln_build_record_ref (u->newest);
      if (rule->keep == 1)
        *why = g_strdup_printf ("the parent of %s, the newest build of %s "
                                "there", ref, name);
      else
        *why = g_strdup_printf ("the parent of %s, one of the newest %u "
                                "builds of %s there", ref, rule->keep, name);
      return FALSE;
    }
  return TRUE;
}

/* The step for one parent of name's builds. */
static KilnParentStep *
plan_one (const KilnTargetParent *p, const Use *u, GPtrArray *rules,
          const char *name, GDateTime *now)
{
  KilnParentStep *step = g_new0 (KilnParentStep, 1);
  for (guint i = 0; i < rules->len && !step->rule; i++)
    if (((KilnLifecycleRule *) rules->pdata[i])->resource
        == KILN_LIFECYCLE_CACHED_PARENTS)
      step->rule = rules->pdata[i];
  step->despite = TRUE;
  if (!p->complete)
    {
      step->kept = g_strdup ("half-sent (no marker: `kiln images "
                             "prune-parents` removes it)");
      return step;
    }
  if (u->running)
    {
      g_autofree char *ref = kiln_build_record_ref (u->running);
      step->kept = g_strdup_printf ("%s uses it and is not finished", ref);
      return step;
    }
  step->despite = FALSE;
  for (guint i = 0; i < rules->len; i++)
    {
      const KilnLifecycleRule *rule = rules->pdata[i];
      if (rule->resource != KILN_LIFECYCLE_CACHED_PARENTS)
        continue;
      g_autofree char *why = NULL;
      if (rule_takes (rule, u, name, now, &why))
        {
          step->rule = rule;
          g_clear_pointer (&step->kept, g_free);
          return step;
        }
      /* kept: the first rule's reason stands */
      if (!step->kept)
        step->kept = g_steal_pointer (&why);
    }
  return step;
}

GPtrArray *
kiln_parent_plan (GPtrArray *builds, const char *name, const char *uri,
                  const KilnTargetParent *parents, guint n, GPtrArray *rules,
                  GDateTime *now)
{
  GPtrArray *plan = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_parent_step_free);
  if (!kiln_lifecycle_rules_act_on (rules, KILN_LIFECYCLE_CACHED_PARENTS))
    return plan;
  for (guint i = 0; i < n; i++)
    {
      g_auto (Use) u = { 0 };
      use_collect (&u, builds, name, uri, parents[i].digest);
      if (!u.ours)
        continue;
      KilnParentStep *step = plan_one (&parents[i], &u, rules, name, now);
      step->index = i;
      g_ptr_array_add (plan, step);
    }
  return plan;
}
