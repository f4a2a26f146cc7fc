/* notify.h - who hears how a build or a pipeline run went
 * (docs/recipes-and-pipelines.md, "Notifications")
 *
 * A `notify:` section, in a recipe or a pipeline: one target or a list.
 *
 *   notify:
 *     - on: [failed, available, skipped]   # default [failed, available]
 *       command: [./tell-chat, "#images"]  # argv, no shell; the event as
 *                                          # JSON on stdin
 *     - on: [failed]
 *       webhook: https://hooks.example.com/kiln   # an HTTP POST of the JSON
 *       timeout: 10s                       # default 30s, for either kind
 *
 * A command's first word with a '/' is a path relative to the document;
 * without one it is looked up in PATH when the notification is sent.  The
 * documents only say whom to tell; src/automation/notify-send.c builds the event
 * and sends it.
 */
#pragma once

#include <glib.h>

#include "base/diag.h"
#include "yamldoc.h"

typedef enum {
  KILN_EVENT_FAILED = 1 << 0,
  KILN_EVENT_AVAILABLE = 1 << 1,
  KILN_EVENT_SKIPPED = 1 << 2,
  KILN_EVENT_CANCELLED = 1 << 3,
} KilnEventKind;

typedef struct {
  guint events;                /* KilnEventKind bits */
  char **command;              /* argv (argv[0] resolved), or NULL */
  char *webhook;               /* an http(s) URL, or NULL */
  gint64 timeout;              /* seconds */
  char *source;                /* "FILE:LINE" */
} KilnNotifyTarget;

void kiln_notify_target_free (KilnNotifyTarget *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnNotifyTarget, kiln_notify_target_free)

/* The targets of a `notify:` value (KilnNotifyTarget*); relative command
 * paths start at base_dir.  NULL on errors (in diags); empty for null. */
GPtrArray *kiln_notify_parse (const KilnNode *n, const char *base_dir,
                              KilnDiags *diags);

/* "failed", "available", "skipped", "cancelled"; NULL for anything else. */
const char *kiln_event_name (KilnEventKind kind);
/* The kind of a build or run state ("available", "failed", ...); 0 when it
 * has none. */
KilnEventKind kiln_event_from_state (const char *state);
