/* notify-send.h - telling a build's or a pipeline run's notify targets
 * how it went (docs/recipes-and-pipelines.md, "Notifications")
 *
 * The event (notify-event.h) goes to every target whose `on:` has it: a
 * command gets it on stdin (backends/program.h: argv, no shell), a webhook
 * as an HTTP POST of application/json (backends/http.h), each bounded by
 * the target's timeout.  A notification that fails (cannot start, exits
 * non-zero, times out, no answer, HTTP status >= 400) is a warning on
 * stderr and in the build log; it never changes the build, the run or
 * kiln's exit code.
 */
#pragma once

#include <glib.h>

#include "build/job.h"
#include "documents/notify.h"
#include "documents/pipeline.h"
#include "documents/recipe.h"
#include "store/catalog.h"

/* Sends json to the targets of lists (NULL-terminated, each a GPtrArray of
 * KilnNotifyTarget*, in order) whose `on:` has kind.  A destination (the
 * same command argv, the same webhook URL) listed twice is told once, with
 * the first listing's timeout.  Warnings go to stderr and are appended to
 * log_path when it is not NULL.  Returns how many notifications failed. */
guint kiln_notify_send (GPtrArray *const *lists, KilnEventKind kind,
                        const char *json, const char *log_path);

/* Who is told, and about what. */
typedef struct {
  const KilnRecipe *recipe;
  const char *recipe_path;        /* as given, may be NULL */
  const KilnPipeline *pipeline;   /* NULL for kiln build */
  gint64 run_number;              /* the pipeline run */
  const char *trigger;
  GDateTime *started;             /* when the build or run began */
  KilnCatalog *cat;               /* for the artifacts; NULL: the home's
                                   * store is opened when there are some */
} KilnNotifySubject;

/* Tells the targets (the pipeline's, then the recipe's) how it ended:
 * state is available, failed, cancelled, skipped or up-to-date (told as
 * skipped); build ("name/version/N") and build_id may be NULL/0; reason is
 * why it was skipped or, with no outcome, why it failed; o (may be NULL)
 * is the job's outcome.  Nothing happens when no target listens. */
void kiln_notify_tell (const KilnNotifySubject *s, const char *state,
                       const char *build, gint64 build_id,
                       const char *reason, const KilnJobOutcome *o);
