/* lifecycle-parents.h - lifecycle rules applied now to the parents cached on
 * libvirt daemons (`resource: cached-parents`)
 *
 * For one recipe: the targets its builds were made on, and on each the
 * parents in its pool that the rules delete (store/parent-plan.h decides).
 * A target is connected to only when the recipe has such a rule; the pool
 * is looked up, never made (build/target-disks.h), and the parents are
 * listed and deleted through target-disks.h as `kiln images parents` and
 * `prune-parents` do.  A dry run connects and lists, and deletes nothing.
 */
#pragma once

#include <glib.h>

#include "build/target-disks.h"
#include "store/parent-plan.h"
#include "store/store.h"

/* What a run prints for one parent p (the one step->index names) on uri:
 * "deleted the cached parent sha256:DIGEST (SIZE) on URI, by rule: ...",
 * "would delete ...", "kept ..., WHY, under rule: ..." (the rule's own
 * after or keep), "kept ..., WHY, despite rule: ..." (whatever the rules
 * say). */
char *kiln_parent_step_line (const KilnParentStep *step,
                             const KilnCachedParent *p, const char *uri,
                             gboolean dry_run);

/* Apply the cached-parents rules among rules (KilnLifecycleRule*) of
 * recipe name, whose disks go to pool (NULL: "kiln"), on every target of
 * its builds, at now: lines on stdout; a target that cannot be reached or a
 * parent that cannot be deleted on stderr (prefixed with who), the others
 * still done.  *actions gets how many parents were (or would be) deleted
 * added.  Returns the exit code: KILN_EXIT_OK, or the worst failure's. */
int kiln_lifecycle_apply_parents (KilnStore *store, const char *name,
                                  const char *pool, GPtrArray *rules,
                                  gboolean dry_run, GDateTime *now,
                                  const char *who, guint *actions);
