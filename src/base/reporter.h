/* reporter.h - what a long-running command tells the user and the build log
 *
 * Three audiences: a person at a terminal (stage, step and elapsed time on
 * one updating line), a pipe or CI log (plain lines), a program (--json: one
 * JSON object per line on stdout).  Everything also goes to the build log
 * file with elapsed-time stamps.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

typedef struct KilnReporter KilnReporter;

/* log_path may be NULL (no log file yet); json selects --json output. */
KilnReporter *kiln_reporter_new (gboolean json);
void kiln_reporter_free (KilnReporter *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnReporter, kiln_reporter_free)

/* Start writing the build log (earlier messages are written into it too). */
gboolean kiln_reporter_open_log (KilnReporter *r, const char *path,
                                 GError **error);
const char *kiln_reporter_log_path (KilnReporter *r);

/* Values masked (***) from now on in the log, on screen, in --json events
 * and in the result (base/secret-mask.h); NULL or empty: none. */
void kiln_reporter_set_secrets (KilnReporter *r, const char *const *values);

double kiln_reporter_elapsed (KilnReporter *r);

void kiln_reporter_stage (KilnReporter *r, const char *stage);
const char *kiln_reporter_current_stage (KilnReporter *r);
void kiln_reporter_info (KilnReporter *r, const char *fmt, ...)
    G_GNUC_PRINTF (2, 3);
void kiln_reporter_warn (KilnReporter *r, const char *fmt, ...)
    G_GNUC_PRINTF (2, 3);
/* Only into the log (details a person does not need on screen). */
void kiln_reporter_log (KilnReporter *r, const char *fmt, ...)
    G_GNUC_PRINTF (2, 3);

/* An event line from the guest agent (already parsed). */
void kiln_reporter_agent_event (KilnReporter *r, JsonObject *event,
                                const char *raw_line);
/* Who else reads every agent event (kiln run's log folder): called after
 * the reporter has handled it, outside its lock.  NULL sink: nobody. */
typedef void (*KilnAgentEventSink) (JsonObject *event, gpointer data);
void kiln_reporter_set_agent_sink (KilnReporter *r, KilnAgentEventSink sink,
                                   gpointer data);
/* The last lines the current/last step printed (for failure reports). */
char *kiln_reporter_step_tail (KilnReporter *r, guint max_lines);

/* Append a file (the guest console) to the log under a heading. */
void kiln_reporter_append_file (KilnReporter *r, const char *title,
                                const char *path);

/* A progress fraction for a named task (conversions): a bar on a terminal. */
void kiln_reporter_progress (KilnReporter *r, const char *task,
                             double fraction);

/* Final line: "build succeeded" / the failure summary. */
void kiln_reporter_result (KilnReporter *r, gboolean ok, const char *summary);

/* Emit an arbitrary JSON event (--json) and log it. */
void kiln_reporter_event (KilnReporter *r, const char *name,
                          JsonObject *members /* may be NULL, not consumed */);
