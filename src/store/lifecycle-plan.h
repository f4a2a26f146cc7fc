/* lifecycle-plan.h - what lifecycle rules do to a recipe's builds
 *
 * kiln_lifecycle_plan() reads the catalog once and says, build by build,
 * what the rules (documents/lifecycle.h) would do; kiln_lifecycle_apply()
 * does it through the store.  A dry run prints the plan and a real run
 * applies the same plan, so they cannot disagree.
 *
 * Rules act on available builds of the one recipe, newest first (a rule
 * for `cached-parents` is not this plan's: store/parent-plan.h).  `keep:
 * N` passes over the newest N builds the rule selects (its versions, its
 * exclusions); `after: AGE` only takes builds that finished longer ago
 * than AGE; with both, a build must pass both.  Deprecating an already
 * deprecated build does nothing; a build two rules take is deleted.
 *
 * Never touched, whatever the rules say (the step is reported with
 * `kept`): the newest available build of the recipe (neither deprecated
 * nor deleted, so `name@1.x` parents keep resolving); and never deleted: a
 * build that another available build names as its parent (by image path
 * or digest), so every available image's provenance stays in the store.
 */
#pragma once

#include <glib.h>

#include "store.h"
#include "documents/lifecycle.h"

typedef struct {
  KilnBuildRecord *build;            /* owned copy of the catalog entry */
  KilnLifecycleAction action;
  gboolean artifacts;                /* delete the output files too */
  const KilnLifecycleRule *rule;     /* borrowed: the rule that decided */
  char *kept;                        /* why the action is not taken, or
                                      * NULL: it is taken */
} KilnLifecycleStep;

void kiln_lifecycle_step_free (KilnLifecycleStep *step);

/* The steps for name's builds under rules (KilnLifecycleRule*), at now;
 * KilnLifecycleStep*, newest build first.  NULL with an error only when
 * the catalog cannot be read. */
GPtrArray *kiln_lifecycle_plan (KilnCatalog *cat, const char *name,
                                GPtrArray *rules, GDateTime *now,
                                GError **error);

/* Called for every step: error NULL when it was done (or, in a dry run,
 * would be, or is kept). */
typedef void (*KilnLifecycleFn) (const KilnLifecycleStep *step,
                                 const GError *error, gpointer data);

/* Apply plan: deprecations in the catalog, deletions through
 * kiln_store_delete().  A step that fails is reported and the others are
 * still tried.  Returns FALSE when any step failed. */
gboolean kiln_lifecycle_apply (KilnStore *store, GPtrArray *plan,
                               gboolean dry_run, KilnLifecycleFn fn,
                               gpointer data);
