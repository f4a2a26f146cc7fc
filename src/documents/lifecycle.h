/* lifecycle.h - lifecycle rules: when builds are deprecated and deleted
 * (docs/recipes-and-pipelines.md, "Lifecycle")
 *
 * A `lifecycle:` section, in a recipe or a pipeline, is a list of rules in
 * the spirit of EC2 Image Builder's lifecycle policies:
 *
 *   lifecycle:
 *     - action: deprecate     # deprecate | delete
 *       after: 30d            # by age: builds finished longer ago than this
 *     - action: delete
 *       keep: 5               # by count: all but the newest 5 builds
 *       after: 90d            # both: older than 90d and not among the newest 5
 *       versions: 1.x         # only builds whose version matches (default all)
 *       exclude: [1.2.x, 1.0.0/3]   # never these versions, or this build
 *       artifacts: true       # delete only: the files in the output
 *                             # directory too (default false)
 *     - action: delete
 *       resource: cached-parents   # builds (default) | cached-parents
 *       after: 14d            # parents no build on the target used for 14d
 *       keep: 2               # never those of the newest 2 builds there
 *
 * A rule names `after`, `keep` or both.  The rules apply to the builds of
 * the recipe (for a pipeline: its recipe).  Which builds they may never
 * touch is the store's to say (store/lifecycle-plan.h).  A rule for
 * `cached-parents` deletes the parent images kept in a libvirt daemon's
 * storage pool for the recipe's builds there (store/parent-plan.h): only
 * `action: delete`, and no `versions`, `exclude` or `artifacts` (they
 * choose builds).
 */
#pragma once

#include <glib.h>

#include "base/diag.h"
#include "semver.h"
#include "yamldoc.h"

typedef enum {
  KILN_LIFECYCLE_DEPRECATE,
  KILN_LIFECYCLE_DELETE,
} KilnLifecycleAction;

/* What a rule acts on (`resource:`). */
typedef enum {
  KILN_LIFECYCLE_BUILDS,
  KILN_LIFECYCLE_CACHED_PARENTS,
} KilnLifecycleResource;

/* One `exclude` entry: a version pattern, or one build (VERSION/NUMBER). */
typedef struct {
  KilnSemverPattern version;
  gint64 number;               /* 0: every build of the matching versions */
} KilnLifecycleExclusion;

typedef struct {
  KilnLifecycleAction action;
  KilnLifecycleResource resource;
  gint64 after;                /* seconds; 0 = no age condition */
  guint keep;                  /* 0 = no count condition */
  gboolean has_versions;
  KilnSemverPattern versions;
  GArray *exclude;             /* KilnLifecycleExclusion */
  gboolean artifacts;          /* delete: the output directory's files too */
  char *source;                /* "FILE:LINE", for what a run reports */
} KilnLifecycleRule;

void kiln_lifecycle_rule_free (KilnLifecycleRule *rule);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnLifecycleRule, kiln_lifecycle_rule_free)

/* The rules of a `lifecycle:` value (a list), KilnLifecycleRule*, in
 * document order; every problem in diags.  NULL on errors; an empty array
 * for a null value. */
GPtrArray *kiln_lifecycle_parse (const KilnNode *n, KilnDiags *diags);

const char *kiln_lifecycle_action_name (KilnLifecycleAction action);
const char *kiln_lifecycle_resource_name (KilnLifecycleResource resource);
/* Does any rule (KilnLifecycleRule*, may be NULL) act on resource? */
gboolean kiln_lifecycle_rules_act_on (GPtrArray *rules,
                                      KilnLifecycleResource resource);
/* Does the rule look at this build at all (versions, exclusions)? */
gboolean kiln_lifecycle_rule_selects (const KilnLifecycleRule *rule,
                                      const char *version, gint64 number);
/* "delete builds older than 90d beyond the newest 5 of 1.x.x (FILE:LINE)",
 * "delete cached parents unused for 14d beyond those of the newest 2
 * builds (FILE:LINE)" */
char *kiln_lifecycle_rule_describe (const KilnLifecycleRule *rule);
