/* loop.h - step loops: `for`, `forEach` list, `forEach` {list, delimiter}
 *
 *   loop:
 *     name: hosts              # optional, unique among the phase's loops
 *     for: { start: 1, end: 10, updateBy: 1 }      # inclusive range
 *     forEach: [a, b]                              # or an explicit list
 *     forEach: { list: 'a,b', delimiter: ',' }     # or a split string
 */
#pragma once

#include <glib.h>

#include "base/diag.h"
#include "yamldoc.h"

/* kiln refuses loops longer than this (memory and plan size stay bounded). */
#define KILN_LOOP_MAX_ITERATIONS 100000

/* Check a loop.  `what` names the step ("step 'Ping' in phase 'build'");
 * values (name -> value, may be NULL) resolves parameters and constants so
 * `for` bounds written as {{ Param }} are checked with their defaults.
 * Uniqueness of the name within the phase is the caller's check.
 * Returns TRUE when no error was added. */
gboolean kiln_loop_check (const KilnNode *loop, const char *what,
                          GHashTable *values, KilnDiags *diags);

/* The loop's `name`, or NULL. */
const char *kiln_loop_name (const KilnNode *loop);

/* TRUE when the iteration values can be computed before the build: no
 * chaining in a delimited list, every parameter known.  (Items of an
 * explicit forEach list may still hold chaining: they expand one by one
 * at run time.) */
gboolean kiln_loop_is_static (const KilnNode *loop, GHashTable *values);

/* The iteration values (strings; `for` gives "1", "2", ...), with
 * parameters and constants from values substituted (values may be NULL).
 * NULL with KILN_ERROR_INPUT when the loop is invalid or not static. */
GPtrArray *kiln_loop_expand (const KilnNode *loop, GHashTable *values,
                             GError **error);
