/* lifecycle-run.h - applying lifecycle rules now (kiln lifecycle run, and
 * kiln pipeline run after a build that became available)
 *
 * The rules come from documents: a recipe's `lifecycle:` applies to the
 * builds of that recipe, a pipeline's to the builds of its recipe, together
 * with the recipe's own.  A set gathers them by recipe name, each document
 * once (by its canonical path), so naming a pipeline and its recipe, or a
 * recipe twice, does not apply the same rules twice.
 *
 * A run plans each recipe's builds (store/lifecycle-plan.h) and prints one
 * line per step, then applies its rules for cached parents to the targets
 * its builds were made on (lifecycle-parents.h), a line per parent; a dry
 * run prints the same lines in the conditional ("would delete ...") and
 * changes nothing.  A real run takes the recipe's build lock first
 * (without waiting): a recipe that is being built is left alone, with a
 * line on stderr.
 */
#pragma once

#include <glib.h>

#include "documents/pipeline.h"
#include "documents/recipe.h"
#include "store/lifecycle-plan.h"
#include "store/store.h"

typedef struct KilnLifecycleRules KilnLifecycleRules;

KilnLifecycleRules *kiln_lifecycle_rules_new (void);
void kiln_lifecycle_rules_free (KilnLifecycleRules *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnLifecycleRules, kiln_lifecycle_rules_free)

/* The rules (KilnLifecycleRule*, borrowed: the document outlives the set)
 * of the document at path, for the builds of recipe name.  FALSE, adding
 * nothing, when that document was added already. */
gboolean kiln_lifecycle_rules_add (KilnLifecycleRules *set, const char *name,
                                   const char *path, GPtrArray *rules);
/* A recipe's rules (and its build.pool, where its cached parents are); a
 * pipeline's and its recipe's. */
void kiln_lifecycle_rules_add_recipe (KilnLifecycleRules *set,
                                      const KilnRecipe *recipe);
void kiln_lifecycle_rules_add_pipeline (KilnLifecycleRules *set,
                                        const KilnPipeline *p);
/* How many rules the set holds, over every recipe. */
guint kiln_lifecycle_rules_count (const KilnLifecycleRules *set);

/* What a run prints for one step: "deleted web/1.0.0/3, by rule: ...",
 * "would deprecate ...", "kept ..., the newest available build of web,
 * despite rule: ...". */
char *kiln_lifecycle_step_line (const KilnLifecycleStep *step,
                                gboolean dry_run);

/* Apply the set at now: steps on stdout, failures on stderr (prefixed
 * with who, e.g. "kiln lifecycle").  *actions (may be NULL) gets how many
 * builds were (or would be) deprecated or deleted, and cached parents
 * deleted.  A target that cannot be reached is a failure; the other rules
 * still apply.  Returns the exit code: KILN_EXIT_OK, or the worst
 * failure's. */
int kiln_lifecycle_run_rules (KilnStore *store, KilnLifecycleRules *set,
                              gboolean dry_run, GDateTime *now,
                              const char *who, guint *actions);

/* After a pipeline run whose build became available: the pipeline's rules
 * and its recipe's, now, printed as kiln lifecycle run prints them.  A
 * failure is printed and does not change the run's result. */
void kiln_lifecycle_after_pipeline_run (KilnStore *store,
                                        const KilnPipeline *p);
