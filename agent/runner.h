/* runner.h - runs the plan: documents, phases, steps (AWSTOE semantics)
 *
 * Documents run in plan order; in each, the selected phases in document
 * order; in each, the steps in order.  A step: `if` evaluated once (kept
 * across reboots), then up to maxAttempts attempts, each running every loop
 * iteration under the step's timeout; onFailure decides what a failure
 * does (Abort stops the run, Continue goes on but the phase and document
 * fail, Ignore records IgnoredFailure).  Progress is saved before anything
 * with side effects, so the run resumes after a reboot or a power loss.
 */
#pragma once

#include "agent.h"
#include "json.h"

typedef enum
{
  RUN_OK,          /* finished (successfully or not) */
  RUN_ABORT,       /* a failure with onFailure Abort: stop the run */
  RUN_REBOOT,      /* a reboot is due: state saved, reboot event sent */
  RUN_INTERRUPTED, /* the agent is being stopped */
} run_status;

/* Runs or resumes the plan in a->st.  On RUN_OK the run is over: the state
 * is marked finished and `done` was sent. */
run_status runner_run_plan (agent *a);
/* Sends `done` from the (finished) state. */
void runner_send_done (agent *a);
/* Runs or resumes a nested document at depth (ExecuteDocument).  *summary
 * gets AWSTOE's summary object; *failure the first failure, NULL when the
 * document succeeded. */
run_status runner_run_child (agent *a, int depth, const json *doc, const json *phases, json **summary,
                             char **failure);
