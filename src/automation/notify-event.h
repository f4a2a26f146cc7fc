/* notify-event.h - the JSON a notification carries
 * (docs/recipes-and-pipelines.md, "Notifications")
 *
 * Pure: what happened goes in, the event's JSON text comes out; sending it
 * is notify-send.h's job.  Members that do not apply (no pipeline, no
 * failure, no build) are left out rather than null.
 */
#pragma once

#include <glib.h>

typedef struct {
  const char *path;
  const char *format;             /* qcow2, raw, ova ... */
  const char *sha256;             /* hex, may be NULL */
} KilnNotifyArtifact;

typedef struct {
  const char *event;              /* available failed skipped cancelled */
  const char *state;              /* the build's or run's state: also
                                   * up-to-date, for a build nothing needed */
  const char *build;              /* "name/version/N", or NULL */
  const char *recipe_name;
  const char *recipe_version;
  const char *recipe_path;        /* may be NULL */
  const char *pipeline_name;      /* NULL when not a pipeline run */
  const char *pipeline_path;
  gint64 run_number;              /* the pipeline run, 0 for none */
  const char *trigger;            /* manual, schedule; NULL when none */
  GDateTime *started;             /* may be NULL */
  GDateTime *finished;            /* may be NULL */
  double seconds;                 /* told in whole seconds */
  const KilnNotifyArtifact *artifacts;
  guint n_artifacts;
  const char *failure_message;    /* failed or cancelled: the error */
  const char *failure_stage;
  const char *failure_component;  /* ... where a step failed, or NULL */
  const char *failure_phase;
  const char *failure_step;
  const char *reason;             /* skipped: why */
  const char *log;                /* the build log's path, or NULL */
} KilnNotifyEvent;

/* The event as one line of JSON (no newline), for stdin and a POST body. */
char *kiln_notify_event_json (const KilnNotifyEvent *e);
