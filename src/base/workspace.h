/* workspace.h - a job's private temporary directories, removed on every path */
#pragma once

#include <glib.h>

typedef struct {
  char *dir;        /* under $KILN_HOME/work: overlays, console logs, plans */
  char *sock_dir;   /* short path under /tmp for unix sockets (108-byte limit) */
  gboolean keep;    /* --keep-on-failure: leave dir in place */
} KilnWorkspace;

KilnWorkspace *kiln_workspace_new (const char *prefix, GError **error);
/* Removes both directories (dir only when !keep) and frees. */
void kiln_workspace_free (KilnWorkspace *ws);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnWorkspace, kiln_workspace_free)

char *kiln_workspace_path (KilnWorkspace *ws, const char *name);

/* rm -rf without following symlinks; TRUE when path is gone. */
gboolean kiln_remove_tree (const char *path);
