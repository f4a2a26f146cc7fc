/* toe-log.h - the log folder `kiln run --output DIR` leaves, like `awstoe
 * run --log-directory DIR` (docs/awstoe-compat.md, "Run log folder")
 *
 * DIR/TOE_<YYYY-MM-DD_HH-MM-SS>_UTC-0_<executionId>/ holds
 *   document.yaml        the component document(s) as given
 *   application.log      kiln's own log of the run
 *   console.log          every step's stdout and stderr, a header per step
 *   detailedoutput.json  the status, times, inputs and outputs of every
 *                        document, phase and step
 * It is built from the agent's events as the host receives them (times are
 * the host's clock when the event arrived) and written on success and on
 * failure alike; each file is written under a temporary name and renamed.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct KilnToeLog KilnToeLog;

/* components: KilnPlanComponent*, borrowed, must outlive the log; the run
 * starts now. */
KilnToeLog *kiln_toe_log_new (const char *execution_id,
                              GPtrArray *components);
void kiln_toe_log_free (KilnToeLog *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnToeLog, kiln_toe_log_free)

/* One agent event (a KilnAgentEventSink for the reporter; data: the log). */
void kiln_toe_log_agent_event (JsonObject *event, gpointer data);

/* "TOE_2026-12-06_11-00-00_UTC-0_<id>" for a start time (any zone). */
char *kiln_toe_log_folder_name (GDateTime *start, const char *execution_id);

/* Writes the folder under log_dir (which must exist).  success and
 * failure_message (NULL on success) say how the run ended;
 * application_log (may be NULL) is copied.  Returns the folder's path, or
 * NULL with error. */
char *kiln_toe_log_write (KilnToeLog *t, const char *log_dir,
                          gboolean success, const char *failure_message,
                          const char *application_log, GError **error);

/* Exposed for the unit test: detailedoutput.json's text. */
char *kiln_toe_log_detailed_json (KilnToeLog *t, gboolean success,
                                  const char *failure_message);
/* ... and console.log's text so far. */
const char *kiln_toe_log_console (KilnToeLog *t);
