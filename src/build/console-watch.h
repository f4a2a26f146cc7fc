/* console-watch.h - notice a guest kernel panic on the boot's console
 *
 * A panicked guest kernel stops its agent for good but keeps the domain
 * running (panic=0 halts in place), so without this a boot waits for the
 * step's or the stage's timeout, an hour by default.  The boot reads what
 * the console log gained while it waits for the agent, a bounded amount
 * at a time, and stops at the first "Kernel panic - not syncing" line.
 */
#pragma once

#include <glib.h>

typedef struct KilnConsoleWatch KilnConsoleWatch;

KilnConsoleWatch *kiln_console_watch_new (const char *console_log);
void kiln_console_watch_free (KilnConsoleWatch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnConsoleWatch, kiln_console_watch_free)

/* Reads what the console log gained since the last call.  Returns the
 * panic line (from "Kernel panic" on, valid UTF-8, at most a few hundred
 * bytes) when the guest kernel panicked, NULL otherwise.  A console log
 * that cannot be read is no panic. */
char *kiln_console_watch_panic (KilnConsoleWatch *w);
