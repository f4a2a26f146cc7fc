/* naming.h - output name templates: "web-golden-{{ kiln:buildDate }}"
 *
 * Variables (case-sensitive, spaces inside the braces optional):
 *   {{ kiln:name }}          the recipe's name
 *   {{ kiln:version }}       the recipe's version, 1.2.0
 *   {{ kiln:buildNumber }}   the build number, 7
 *   {{ kiln:buildDate }}     the build's start, UTC, 2026-11-22T22-03-00Z
 *                            (ISO 8601 with '-' for ':', which file systems
 *                            and Windows shares refuse)
 *   {{ imagebuilder:buildDate }}     the same as kiln:buildDate
 *   {{ imagebuilder:buildVersion }}  version-buildNumber: 1.2.0-7 (Image
 *                            Builder writes 1.2.0/7; '/' cannot be in a file
 *                            name)
 * The expanded name is a file name: 1-127 characters (the AMI name limit)
 * of letters, digits and . _ - + @ ( ) [ ], not starting with '.' or '-'.
 */
#pragma once

#include <glib.h>

#include "base/diag.h"
#include "yamldoc.h"

#define KILN_NAME_MAX 127

typedef struct {
  const char *name;
  const char *version;
  gint64 build_number;
  GDateTime *build_date;    /* any zone; written in UTC */
} KilnNamingContext;

/* "2026-11-22T22-03-00Z" */
char *kiln_naming_format_date (GDateTime *t);

/* Check a template without expanding it: syntax, variable names, the
 * characters of the literal text, and that the longest expansion (a
 * 10-digit build number) fits in KILN_NAME_MAX with this recipe name and
 * version (either may be NULL: that part of the check is skipped).  On
 * failure sets *err_offset (byte offset in tmpl) and *err_message. */
gboolean kiln_naming_check (const char *tmpl, const char *name,
                            const char *version, gsize *err_offset,
                            char **err_message);

/* Expand; NULL with KILN_ERROR_INPUT when the template or the result is not
 * acceptable. */
char *kiln_naming_expand (const char *tmpl, const KilnNamingContext *ctx,
                          GError **error);

/* Is s a safe file name by the rules above?  *bad_offset: the offending
 * byte (0 for empty/too long); *why: static text. */
gboolean kiln_file_name_check (const char *s, gsize *bad_offset,
                               const char **why);

/* Document check, positions inside the scalar (doc may be NULL). */
gboolean kiln_schema_naming (KilnDiags *diags, const KilnDoc *doc,
                             const KilnNode *n, const char *what,
                             const char *name, const char *version);
