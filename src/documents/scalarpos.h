/* scalarpos.h - where a character inside a scalar is in the source text
 *
 * A cron field or a naming-template variable is a part of one YAML scalar;
 * its error should point at that part, not at the start of the scalar.
 * The mapping reads the document's source so quotes ('it''s'), escapes
 * ("\t", "\u00e9") and multi-byte characters are counted right.  Where the
 * source cannot be followed (block scalars, folded lines) the position falls
 * back to the scalar's own start.
 */
#pragma once

#include "base/diag.h"
#include "yamldoc.h"

/* Line and column of the character at byte `offset` of n->scalar.  doc may
 * be NULL: then the column is n's column, +1 for a quote, + the number of
 * characters before offset. */
void kiln_scalar_position (const KilnDoc *doc, const KilnNode *n,
                           gsize offset, int *line, int *col);

/* An error at that position. */
void kiln_scalar_error (KilnDiags *diags, const KilnDoc *doc,
                        const KilnNode *n, gsize offset, const char *fmt,
                        ...) G_GNUC_PRINTF (5, 6);
