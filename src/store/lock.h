/* lock.h - exclusive locks between kiln processes (flock on a file under
 * $KILN_HOME): one build per recipe, one build per template. */
#pragma once

#include <glib.h>

#include "base/reporter.h"

typedef enum {
  KILN_LOCK_WAIT,   /* block until the holder is done */
  KILN_LOCK_TRY,    /* fail at once when another process holds it */
} KilnLockMode;

/* Takes the lock on path (the file and its directory are created) and
 * returns the descriptor that holds it; closing it releases the lock.
 * When another process holds it: KILN_LOCK_WAIT reports `busy` through r
 * (may be NULL) and waits; KILN_LOCK_TRY fails with KILN_ERROR_FAILED and
 * `busy` as the message.  -1 and KILN_ERROR_HOST when the file cannot be
 * opened or locked. */
int kiln_lock_take (const char *path, KilnLockMode mode, KilnReporter *r,
                    const char *busy, GError **error);

/* $KILN_HOME/locks/NAME.lock: held by kiln build for the whole build, and
 * by kiln images rm/prune while they remove that recipe's builds. */
char *kiln_recipe_lock_path (const char *name);
