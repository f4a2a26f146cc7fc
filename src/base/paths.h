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
