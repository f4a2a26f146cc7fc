/* schema.h - small helpers every document validator uses
 *
 * Each helper reports through KilnDiags at the node's position and returns
 * whether the value was acceptable, so validators read as a list of checks.
 * `what` names the value for the message, e.g. "'timeoutSeconds'" or
 * "step 'Install' in phase 'build'".
 */
#pragma once

#include "base/diag.h"
#include "yamldoc.h"

void kiln_schema_error (KilnDiags *diags, const KilnNode *at,
                        const char *fmt, ...) G_GNUC_PRINTF (3, 4);
void kiln_schema_warning (KilnDiags *diags, const KilnNode *at,
                          const char *fmt, ...) G_GNUC_PRINTF (3, 4);

/* Shape checks: "expected a mapping for WHAT, found a list". */
gboolean kiln_schema_expect_map (KilnDiags *diags, const KilnNode *n,
                                 const char *what);
gboolean kiln_schema_expect_seq (KilnDiags *diags, const KilnNode *n,
                                 const char *what);
/* A scalar that is not null. */
gboolean kiln_schema_expect_scalar (KilnDiags *diags, const KilnNode *n,
                                    const char *what);

/* Report every key of map not in allowed (NULL-terminated), with a
 * "did you mean" suggestion.  Returns TRUE when all keys are known. */
gboolean kiln_schema_check_keys (KilnDiags *diags, const KilnNode *map,
                                 const char *what,
                                 const char *const *allowed);

/* FALSE, with one error at the map, when map has keys and none of them is
 * in allowed: a path that names something else (`component: /etc/shadow`,
 * a configuration file) is one error that does not echo the file's lines
 * back as unknown keys.  what: "a component (a mapping with ...)". */
gboolean kiln_schema_has_known_key (KilnDiags *diags, const KilnNode *map,
                                    const char *what,
                                    const char *const *allowed);

/* The value of a required key; reports "missing required key 'k' in WHAT"
 * at the map's position and returns NULL when absent (or null). */
const KilnNode *kiln_schema_require (KilnDiags *diags, const KilnNode *map,
                                     const char *key, const char *what);

/* Scalar conversions.  Each reports and returns FALSE on a bad value. */
gboolean kiln_schema_int (KilnDiags *diags, const KilnNode *n,
                          const char *what, gint64 min, gint64 max,
                          gint64 *out);
gboolean kiln_schema_bool (KilnDiags *diags, const KilnNode *n,
                           const char *what, gboolean *out);
/* One of allowed (exact match); reports with a suggestion.  *out is the
 * index into allowed. */
gboolean kiln_schema_enum (KilnDiags *diags, const KilnNode *n,
                           const char *what, const char *const *allowed,
                           guint *out);

/* Parse helpers without reporting (for pure functions and tests). */
gboolean kiln_parse_int (const char *s, gint64 *out);
gboolean kiln_parse_bool (const char *s, gboolean *out);

/* 'value' quoted and shortened for messages ("'abc'", "'aaaa...'"). */
char *kiln_quote_for_message (const char *s);
