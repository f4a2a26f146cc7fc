/* workspace.h - a job's private temporary directories, removed on every path
 *
 * The work directory is $KILN_HOME/work/PREFIX-XXXXXX (0700); the socket
 * directory a short /tmp/kiln-XXXXXX (unix socket paths are limited to 108
 * bytes).  The work directory holds a file `owner` naming the process that
 * made it (owner.h) and the socket directory, so that a kiln that was
 * killed leaves nothing the next one cannot find: kiln_workspace_reap()
 * removes the directories of owners that are gone.  Removal goes through
 * confine.h (no links followed, no mount crossed).
 */
#pragma once

#include <glib.h>

#include "confine.h"

typedef struct {
  char *dir;        /* under $KILN_HOME/work: overlays, console logs, plans */
  char *sock_dir;   /* short path under /tmp for unix sockets (108-byte limit) */
  gboolean keep;    /* --keep-on-failure: leave dir in place */
} KilnWorkspace;

KilnWorkspace *kiln_workspace_new (const char *prefix, GError **error);
/* Removes both directories (dir only when !keep: a kept directory is no
 * longer anybody's, and reaping leaves it alone) and frees. */
void kiln_workspace_free (KilnWorkspace *ws);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnWorkspace, kiln_workspace_free)

char *kiln_workspace_path (KilnWorkspace *ws, const char *name);

/* Removes the work directories under home/work (and their socket
 * directories) whose owner process is gone; each removed directory is
 * appended to removed (char*) when it is not NULL.  Returns how many were
 * found. */
guint kiln_workspace_reap (const char *home, GPtrArray *removed);
