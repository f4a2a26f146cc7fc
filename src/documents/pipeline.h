/* pipeline.h - a recipe on a schedule (docs/recipes-and-pipelines.md)
 *
 *   pipeline: web-nightly       # [a-z0-9][a-z0-9-]*, at most 63 characters
 *   description: ...            # optional
 *   recipe: ./recipe.yaml       # relative to this file; validated as well
 *   schedule: "cron(0 3 * * ? *)"   # AWS cron(...) or a crontab line (cron.h)
 *   when: changed               # changed (default: build only when the
 *                               # parent or a component changed) | always
 *   timezone: Europe/Berlin     # optional IANA zone; schedules are UTC
 *                               # otherwise
 *   enabled: true               # optional, default true
 *   disable_after: 5            # optional: disable the pipeline after this
 *                               # many failed runs in a row (0: never)
 *   refresh: 7d                 # optional, template parents only: rebuild
 *                               # the template from its mirror when older
 *   lifecycle: [...]            # optional (lifecycle.h), applied after a
 *                               # run that built, with the recipe's own
 *   notify: [...]               # optional (notify.h), with the recipe's own
 *
 * `when: changed` mirrors Image Builder's default start condition
 * (EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE); `always` is
 * EXPRESSION_MATCH_ONLY.
 */
#pragma once

#include <glib.h>

#include "cron.h"
#include "base/diag.h"
#include "recipe.h"
#include "yamldoc.h"

typedef enum {
  KILN_WHEN_CHANGED,
  KILN_WHEN_ALWAYS,
} KilnPipelineWhen;

typedef struct {
  KilnDoc *doc;
  char *path;                  /* as given */
  char *name;
  char *description;           /* may be NULL */
  char *recipe_ref;            /* as written */
  char *recipe_path;           /* resolved against this file's directory */
  KilnRecipe *recipe;          /* loaded and fully validated */
  KilnCron *schedule;
  KilnPipelineWhen when;
  char *timezone;              /* NULL = UTC */
  GTimeZone *tz;               /* the zone schedules are read in (UTC too) */
  gboolean enabled;
  guint disable_after;         /* 0: never */
  gint64 refresh;              /* seconds; 0: no refresh */
  GPtrArray *lifecycle;        /* KilnLifecycleRule* */
  GPtrArray *notify;           /* KilnNotifyTarget* */
} KilnPipeline;

/* Parse and validate the pipeline and its recipe (with the recipe's
 * components).  NULL on any error, every problem in diags. */
KilnPipeline *kiln_pipeline_load (const char *path, KilnDiags *diags);
/* The same for a loaded document (taken over, freed on failure too). */
KilnPipeline *kiln_pipeline_from_doc (KilnDoc *doc, KilnDiags *diags);
void kiln_pipeline_free (KilnPipeline *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnPipeline, kiln_pipeline_free)

const char *kiln_pipeline_when_name (KilnPipelineWhen when);
/* The next run strictly after `after`, in the pipeline's zone; NULL when
 * the schedule never fires again. */
GDateTime *kiln_pipeline_next_run (const KilnPipeline *p, GDateTime *after);
/* OnCalendar= lines for a systemd timer (cron.h), with the time zone. */
char **kiln_pipeline_oncalendar (const KilnPipeline *p, GError **error);

/* Is name a time zone this machine knows (IANA name with a zoneinfo file,
 * or UTC)? */
gboolean kiln_timezone_is_valid (const char *name);
