/* pipeline-run.h - one run of a pipeline (kiln pipeline run)
 *
 * A run builds the pipeline's recipe through the same engine as kiln build
 * (build/recipe-job.h) and records itself in the catalog
 * (store/catalog-pipelines.h): its trigger, its result, why, the build.
 * It is skipped, and recorded as skipped with the reason, when
 *  - the previous run of the pipeline is still going (its lock is held),
 *  - the pipeline is disabled (by `enabled: false`, or by kiln after
 *    `disable_after` failed runs in a row),
 *  - `when: changed` and none of its inputs (inputs.h) changed since the
 *    last run that built or found it up to date.
 */
#pragma once

#include <glib.h>

#include "documents/pipeline.h"

/* $KILN_HOME/locks/pipelines/NAME.lock: held for a whole run. */
char *kiln_pipeline_lock_path (const char *name);

/* Runs p once; trigger is "manual" or "schedule".  Prints what it does;
 * returns the process exit code (0 for a skipped run). */
int kiln_pipeline_run (KilnPipeline *p, const char *trigger);
