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
 *
 * A rule names `after`, `keep` or both.  The rules apply to the builds of
 * the recipe (for a pipeline: its recipe).  Which builds they may never
 * touch is the store's to say (store/lifecycle.h).
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

/* One `exclude` entry: a version pattern, or one build (VERSION/NUMBER). */
typedef struct {
  KilnSemverPattern version;
  gint64 number;               /* 0: every build of the matching versions */
} KilnLifecycleExclusion;

typedef struct {
  KilnLifecycleAction action;
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
/* Does the rule look at this build at all (versions, exclusions)? */
gboolean kiln_lifecycle_rule_selects (const KilnLifecycleRule *rule,
                                      const char *version, gint64 number);
/* "delete builds older than 90d beyond the newest 5 of 1.x.x" */
char *kiln_lifecycle_rule_describe (const KilnLifecycleRule *rule);
