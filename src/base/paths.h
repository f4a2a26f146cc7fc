/* paths.h - where kiln finds its data and keeps its state
 *
 * Uninstalled (the kiln binary runs from the build tree): components/,
 * templates/ come from the source tree and the agent from the build tree.
 * Installed: $(pkgdatadir) and $(pkglibexecdir).  Environment overrides:
 * KILN_DATADIR, KILN_AGENT, KILN_HOME.
 */
#pragma once

#include <glib.h>

/* $KILN_HOME, else /var/lib/kiln for root, else $XDG_DATA_HOME/kiln. */
const char *kiln_home (void);
/* Directory holding components/ and templates/. */
const char *kiln_datadir (void);
/* Path of the built-in component library directory. */
char *kiln_components_dir (void);
char *kiln_templates_dir (void);
/* The static guest agent binary. */
char *kiln_agent_path (void);
/* TRUE when running from the build tree. */
gboolean kiln_running_uninstalled (void);

/* $KILN_HOME holds build logs (what steps printed) and the catalog: it is
 * created 0700 and, when it exists with group or other access and belongs
 * to this user, narrowed to 0700 (docs/outputs.md).  FALSE with an error
 * when it cannot be created. */
gboolean kiln_home_make_private (GError **error);

/* g_mkdir_with_parents for the user's own directories (an output
 * directory): each directory made gets 0777 minus the caller's umask, not
 * kiln's private one.  0, or -1 with errno. */
int kiln_mkdir_for_user (const char *path);
/* The mode a file kiln writes for the user ends with: 0666 minus the
 * caller's umask. */
mode_t kiln_user_file_mode (void);
