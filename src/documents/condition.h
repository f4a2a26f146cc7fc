/* condition.h - `if` conditions and Assert inputs
 *
 * The operators are common/kiln-protocol.h's.  A condition holds exactly
 * one operator at each level: a comparison
 * (`stringEquals: base` + `value: x`, `fileExists: /p`, `fileSHA256Equals:
 * hash` + `path: /p` ...) or a logical operator (`and: [...]`, `or: [...]`,
 * `not: {...}`), nested at most KILN_CONDITION_MAX_DEPTH logical levels.
 * An `if` may add `then:` / `else:` (Execute | Skip | Abort) beside it.
 */
#pragma once

#include <glib.h>

#include "base/diag.h"
#include "common/kiln-protocol.h"
#include "yamldoc.h"

#define KILN_CONDITION_MAX_DEPTH 4

/* Check a condition.  is_if allows then/else (and the one-entry list form
 * of `if`); `what` names the owner ("the 'if' of step 'X'", "the inputs of
 * Assert step 'X'").  values resolves parameters and constants (may be
 * NULL).  Returns TRUE when no error was added. */
gboolean kiln_condition_check (const KilnNode *cond, gboolean is_if,
                               const char *what, GHashTable *values,
                               KilnDiags *diags);

/* The comparison operators (NULL-terminated, static). */
const char *const *kiln_condition_comparison_operators (void);

/* A patternMatches regex: TRUE when GRegex accepts it and it uses nothing
 * Go's RE2 refuses (look-around, back-references, possessive or atomic
 * groups).  On FALSE *problem says why (free it). */
gboolean kiln_condition_regex_ok (const char *pattern, char **problem);

/* kiln's agent evaluates patternMatches with POSIX extended regular
 * expressions (regcomp), translating RE2 first (common/kiln-re2-posix.h):
 * the first construct the translation refuses (a word boundary, a Unicode
 * class, flags in mid-pattern...), described for a message, or NULL when
 * there is none.  Static string. */
const char *kiln_condition_regex_guest_gap (const char *pattern);

/* The `if` (or Assert) mapping that holds the operator: the map itself, or
 * the single entry of the list form.  NULL when the shape is wrong. */
const KilnNode *kiln_condition_root (const KilnNode *cond);
