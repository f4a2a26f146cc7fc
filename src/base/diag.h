/* diag.h - document diagnostics: FILE:LINE:COL: error: message
 *
 * Validation collects every problem it finds instead of stopping at the
 * first one, so a user fixes a document in one pass.  A KilnDiags list owns
 * its entries; print it sorted by position.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

typedef enum {
  KILN_DIAG_ERROR,
  KILN_DIAG_WARNING,
} KilnDiagSeverity;

typedef struct {
  char *file;              /* as the user named it */
  int line;                /* 1-based; 0 when the problem has no position */
  int col;                 /* 1-based; 0 when unknown */
  KilnDiagSeverity severity;
  char *message;           /* what was expected, what was found */
} KilnDiag;

typedef struct KilnDiags KilnDiags;

KilnDiags *kiln_diags_new (void);
void kiln_diags_free (KilnDiags *diags);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnDiags, kiln_diags_free)

void kiln_diags_add (KilnDiags *diags, KilnDiagSeverity severity,
                     const char *file, int line, int col,
                     const char *fmt, ...) G_GNUC_PRINTF (6, 7);
void kiln_diags_addv (KilnDiags *diags, KilnDiagSeverity severity,
                      const char *file, int line, int col,
                      const char *fmt, va_list ap) G_GNUC_PRINTF (6, 0);

guint kiln_diags_count (const KilnDiags *diags);
guint kiln_diags_error_count (const KilnDiags *diags);
const KilnDiag *kiln_diags_get (const KilnDiags *diags, guint i);

/* Append every entry of src to dst (copies). */
void kiln_diags_merge (KilnDiags *dst, const KilnDiags *src);

/* Sort by file, line, column; keeps insertion order for ties. */
void kiln_diags_sort (KilnDiags *diags);

/* "FILE:LINE:COL: error: message\n" per entry, control characters
 * escaped (base/escape.h). */
void kiln_diags_print (const KilnDiags *diags, FILE *out);
char *kiln_diag_format (const KilnDiag *d);

/* [{"file":..,"line":..,"column":..,"severity":"error","message":..}, ...] */
JsonNode *kiln_diags_to_json (const KilnDiags *diags);

/* TRUE when some entry's message contains fragment (tests). */
gboolean kiln_diags_find (const KilnDiags *diags, int line, int col,
                          const char *fragment);
