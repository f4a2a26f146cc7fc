/* parent-plan.h - which parents cached on a target lifecycle rules delete
 *
 * A build on a libvirt daemon leaves its parent in the daemon's storage
 * pool, one volume per digest, for the builds after it
 * (build/target-disks.h).  A lifecycle rule with `resource: cached-parents`
 * (documents/lifecycle.h) deletes them again.  What it deletes is decided
 * here, from the catalog's builds and the digests found on the target and
 * nothing else, so a dry run and a real run agree and the decision is
 * tested without a daemon:
 *
 *   - the targets: the libvirt URIs the recipe's builds were made on (the
 *     catalog's connect_uri; the embedded driver caches nothing).  A target
 *     is a URI as the builds named it;
 *   - the parents: the digests cached there that are the parent_digest of
 *     one of the recipe's builds on that target.  Another recipe's parents
 *     are not its rules' business;
 *   - a rule takes a parent when no build of any recipe on that target with
 *     that parent started or finished within `after` (a build whose times
 *     cannot be read counts as just now), and it is not the parent of one
 *     of the recipe's newest `keep` available builds on that target.  With
 *     two rules, the first that takes it deletes it;
 *   - never deleted, whatever the rules say: a parent an unfinished build
 *     on that target uses, and a half-sent one (no marker: `kiln images
 *     prune-parents` removes those).
 */
#pragma once

#include <glib.h>

#include "catalog.h"
#include "documents/lifecycle.h"

/* A parent cached on the target, as the target lists it. */
typedef struct {
  const char *digest;               /* its SHA-256 */
  gboolean complete;                /* its marker is there */
} KilnTargetParent;

typedef struct {
  guint index;                      /* into the parents given */
  const KilnLifecycleRule *rule;    /* borrowed: the rule that deletes it;
                                     * for a kept one the first rule */
  char *kept;                       /* why it stays, or NULL: deleted */
  gboolean despite;                 /* kept whatever the rules say (not by
                                     * the rule's own after or keep) */
} KilnParentStep;

void kiln_parent_step_free (KilnParentStep *step);

/* The URIs name's builds were made on (char*), each once, newest build
 * first.  builds: KilnBuildRecord*, newest first (the whole catalog). */
GPtrArray *kiln_parent_targets (GPtrArray *builds, const char *name);

/* What the cached-parents rules among rules (KilnLifecycleRule*; others are
 * ignored) do at now to the parents cached on uri: one KilnParentStep for
 * each of the n that is a parent of name's builds there, in the order
 * given.  builds: the whole catalog, newest first. */
GPtrArray *kiln_parent_plan (GPtrArray *builds, const char *name,
                             const char *uri, const KilnTargetParent *parents,
                             guint n, GPtrArray *rules, GDateTime *now);
