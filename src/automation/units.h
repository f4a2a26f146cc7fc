/* units.h - a pipeline's systemd service and timer (kiln pipeline install)
 *
 * kiln-pipeline-NAME.service runs `kiln pipeline run --trigger schedule
 * FILE` once (Type=oneshot); kiln-pipeline-NAME.timer starts it on the
 * pipeline's schedule (OnCalendar=, from documents/cron.h, in the
 * pipeline's time zone) with Persistent=true, so a run missed while the
 * machine was off happens when it is back.  Text only: the caller writes
 * the files and enables the timer.
 */
#pragma once

#include <glib.h>

#include "documents/pipeline.h"

/* "kiln-pipeline-NAME" + suffix (".service", ".timer"). */
char *kiln_pipeline_unit_name (const char *name, const char *suffix);

/* kiln: the kiln program's absolute path; file: the pipeline's absolute
 * path; home: $KILN_HOME, set in the service so the timer's runs use the
 * catalog install was run with. */
char *kiln_pipeline_service_unit (const KilnPipeline *p, const char *kiln,
                                  const char *file, const char *home);

/* NULL with an error (KILN_ERROR_INPUT) when the schedule has no
 * OnCalendar= form (LW, nW): never an approximation. */
char *kiln_pipeline_timer_unit (const KilnPipeline *p, GError **error);

/* One word of a unit setting, quoted for systemd: % as %%, quotes and
 * backslashes escaped when it needs quotes, and, in a command line
 * (ExecStart=, where systemd expands variables), $ as $$. */
char *kiln_unit_quote (const char *word, gboolean command);
