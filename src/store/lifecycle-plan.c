/* lifecycle-plan.c - lifecycle rules applied to a recipe's builds
 * (lifecycle-plan.h) */
#include "lifecycle-plan.h"

#include "build-ref.h"
#include "common/kiln.h"

void
kiln_lifecycle_step_free (KilnLifecycleStep *step)
{
  if (!step)
    return;
  kiln_build_record_free (step->build);
  g_free (step->kept);
  g_free (step);
}

static KilnBuildRecord *
record_copy (const KilnBuildRecord *r)
{
  KilnBuildRecord *c = g_new0 (KilnBuildRecord, 1);
  c->id = r->id;
  c->name = g_strdup (r->name);
  c->version = g_strdup (r->version);
  c->build_number = r->build_number;
  c->state = g_strdup (r->state);
  c->build_key = g_strdup (r->build_key);
  c->parent = g_strdup (r->parent);
  c->parent_digest = g_strdup (r->parent_digest);
  c->image_path = g_strdup (r->image_path);
  c->image_digest = g_strdup (r->image_digest);
  c->log_path = g_strdup (r->log_path);
  c->failure = g_strdup (r->failure);
  c->started = g_strdup (r->started);
  c->finished = g_strdup (r->finished);
  c->owner_pid = r->owner_pid;
  c->owner_start = r->owner_start;
  c->stage = g_strdup (r->stage);
  c->deprecated = g_strdup (r->deprecated);
  return c;
}

static gboolean
is_available (const KilnBuildRecord *r)
{
  return g_strcmp0 (r->state, "available") == 0;
}

/* Which builds other available builds name as their parent: image path
 * and image digest -> the child's reference. */
typedef struct {
  GHashTable *by_path;
  GHashTable *by_digest;
} Parents;

static void
parents_clear (Parents *p)
{
  g_clear_pointer (&p->by_path, g_hash_table_unref);
  g_clear_pointer (&p->by_digest, g_hash_table_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Parents, parents_clear)

static void
parents_collect (Parents *p, GPtrArray *all)
{
  p->by_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      g_free);
  p->by_digest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        g_free);
  for (guint i = 0; i < all->len; i++)
    {
      const KilnBuildRecord *b = all->pdata[i];
      if (!is_available (b))
        continue;
      if (b->parent)
        g_hash_table_insert (p->by_path, g_strdup (b->parent),
                             kiln_build_record_ref (b));
      if (b->parent_digest)
        g_hash_table_insert (p->by_digest, g_strdup (b->parent_digest),
                             kiln_build_record_ref (b));
    }
}

/* The child that names r as its parent, or NULL. */
static const char *
child_of (const Parents *p, const KilnBuildRecord *r)
{
  const char *child = r->image_path
                          ? g_hash_table_lookup (p->by_path, r->image_path)
                          : NULL;
  if (!child && r->image_digest)
    child = g_hash_table_lookup (p->by_digest, r->image_digest);
  return child;
}

/* Finished longer ago than seconds before now. */
static gboolean
older_than (const KilnBuildRecord *r, gint64 seconds, GDateTime *now)
{
  const char *when = r->finished ? r->finished : r->started;
  g_autoptr (GDateTime) t = when ? g_date_time_new_from_iso8601 (when, NULL)
                                 : NULL;
  if (!t)
    return FALSE;
  return g_date_time_difference (now, t) > seconds * G_TIME_SPAN_SECOND;
}

/* What one rule takes from builds (available builds of the recipe, newest
 * first): into steps, keyed by build id. */
static void
apply_rule (const KilnLifecycleRule *rule, GPtrArray *builds, GDateTime *now,
            GHashTable *steps)
{
  guint selected = 0;
  for (guint i = 0; i < builds->len; i++)
    {
      const KilnBuildRecord *r = builds->pdata[i];
      if (!kiln_lifecycle_rule_selects (rule, r->version, r->build_number))
        continue;
      if (++selected <= rule->keep)
        continue;
      if (rule->after && !older_than (r, rule->after, now))
        continue;
      KilnLifecycleStep *step = g_hash_table_lookup (steps, &r->id);
      if (rule->action == KILN_LIFECYCLE_DEPRECATE && (r->deprecated || step))
        continue;
      if (!step)
        {
          step = g_new0 (KilnLifecycleStep, 1);
          step->build = record_copy (r);
          g_hash_table_insert (steps, &step->build->id, step);
        }
      else if (step->action == KILN_LIFECYCLE_DELETE)
        {
          step->artifacts = step->artifacts || rule->artifacts;
          continue;
        }
      step->action = rule->action;
      step->artifacts = rule->artifacts;
      step->rule = rule;
    }
}

static gint
newest_first (gconstpointer a, gconstpointer b)
{
  const KilnLifecycleStep *x = *(KilnLifecycleStep *const *) a;
  const KilnLifecycleStep *y = *(KilnLifecycleStep *const *) b;
  return x->build->id < y->build->id ? 1 : x->build->id > y->build->id ? -1
                                                                       : 0;
}

GPtrArray *
kiln_lifecycle_plan (KilnCatalog *cat, const char *name, GPtrArray *rules,
                     GDateTime *now, GError **error)
{
  g_autoptr (GPtrArray) all = kiln_catalog_list_builds (cat, NULL, error);
  if (!all)
    return NULL;
  g_auto (Parents) parents = { 0 };
  parents_collect (&parents, all);
  g_autoptr (GPtrArray) builds = g_ptr_array_new ();
  for (guint i = 0; i < all->len; i++)
    {
      const KilnBuildRecord *r = all->pdata[i];
      if (is_available (r) && g_strcmp0 (r->name, name) == 0)
        g_ptr_array_add (builds, (gpointer) r);
    }
  g_autoptr (GHashTable) steps = g_hash_table_new_full (
      g_int64_hash, g_int64_equal, NULL,
      (GDestroyNotify) kiln_lifecycle_step_free);
  for (guint i = 0; rules && i < rules->len; i++)
    {
      const KilnLifecycleRule *rule = rules->pdata[i];
      /* a rule for cached parents is parent-plan.h's */
      if (rule->resource == KILN_LIFECYCLE_BUILDS)
        apply_rule (rule, builds, now, steps);
    }

  /* builds are newest first: the first one is the recipe's newest */
  gint64 newest = builds->len ? ((KilnBuildRecord *) builds->pdata[0])->id
                              : 0;
  GPtrArray *plan = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_lifecycle_step_free);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, steps);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      KilnLifecycleStep *step = value;
      const char *child = child_of (&parents, step->build);
      if (step->build->id == newest)
        step->kept = g_strdup_printf ("the newest available build of %s",
                                      name);
      else if (step->action == KILN_LIFECYCLE_DELETE && child)
        step->kept = g_strdup_printf ("the parent of %s", child);
      g_hash_table_iter_steal (&it);
      g_ptr_array_add (plan, step);
    }
  g_ptr_array_sort (plan, newest_first);
  return plan;
}

gboolean
kiln_lifecycle_apply (KilnStore *store, GPtrArray *plan, gboolean dry_run,
                      KilnLifecycleFn fn, gpointer data)
{
  gboolean all_ok = TRUE;
  for (guint i = 0; i < plan->len; i++)
    {
      const KilnLifecycleStep *step = plan->pdata[i];
      g_autoptr (GError) error = NULL;
      gboolean ok = TRUE;
      if (!step->kept && !dry_run)
        {
          g_autofree char *rule = kiln_lifecycle_rule_describe (step->rule);
          g_autofree char *why = g_strdup_printf ("lifecycle: %s", rule);
          if (step->action == KILN_LIFECYCLE_DEPRECATE)
            ok = kiln_catalog_set_deprecated (kiln_store_catalog (store),
                                              step->build->id, TRUE, why,
                                              &error);
          else
            ok = kiln_store_delete (store, step->build, step->artifacts, why,
                                    &error);
        }
      if (!ok)
        all_ok = FALSE;
      if (fn)
        fn (step, ok ? NULL : error, data);
    }
  return all_ok;
}
