/* aws-ini.h - the AWS shared credentials and config files, read as the AWS
 * CLI reads them
 *
 * They are INI files as Python's configparser reads them (the AWS CLI's
 * parser), which GKeyFile does not: "name = value" or "name: value" with
 * spaces around the separator, names in any case (kept lower-case),
 * comments from # or ; (whole lines, or after a space at the end of a
 * value), a line indented under a setting continues its value, and nested
 * settings: a name with no value followed by indented "name = value" lines
 *
 *   [profile dev]
 *   s3 =
 *     addressing_style = path
 *
 * kept as "s3.addressing_style".  A later setting or section of the same
 * name wins; a section's name has its runs of blanks made one space.
 *
 * Kept apart from s3-config.c, which decides what the settings mean, so
 * that the syntax can be tested on its own.  Values may be keys: they are
 * wiped when freed, and no error message ever quotes a line of a file (a
 * line with a typo in it may hold one), only FILE:LINE and what is wrong.
 */
#pragma once

#include <glib.h>

/* One setting's value and the line it was set on (1 = the first). */
typedef struct {
  char *value;
  guint line;
} KilnAwsIniValue;

/* One file: its path (what messages name) and its sections. */
typedef struct KilnAwsIniFile KilnAwsIniFile;

/* The file at path; an empty one when there is none (as for the CLI).
 * NULL with KILN_ERROR_INPUT "PATH:LINE: what is wrong" when it does not
 * parse (a NUL byte in it included), KILN_ERROR_HOST when it exists but
 * cannot be read.  The file's text is wiped once parsed. */
KilnAwsIniFile *kiln_aws_ini_load (const char *path, GError **error);

/* The same from text[0..len) (a NUL byte after it, as g_file_get_contents
 * leaves one), which is cut into lines in place: the caller wipes and frees
 * it.  path only names the text in messages. */
KilnAwsIniFile *kiln_aws_ini_parse (const char *path, char *text, gsize len,
                                    GError **error);

void kiln_aws_ini_free (KilnAwsIniFile *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnAwsIniFile, kiln_aws_ini_free)

/* The path the file was loaded from. */
const char *kiln_aws_ini_path (const KilnAwsIniFile *f);

/* TRUE when the file has no section (absent, empty or only comments). */
gboolean kiln_aws_ini_is_empty (const KilnAwsIniFile *f);

/* The section named name ("default", "profile dev", "services local"),
 * NULL when f is NULL or has none: setting name -> KilnAwsIniValue, for
 * kiln_aws_ini_get. */
GHashTable *kiln_aws_ini_section (const KilnAwsIniFile *f, const char *name);

/* A setting's value in section (NULL: none), NULL when it is absent or
 * empty.  name is lower-case; a nested one is "parent.name". */
const KilnAwsIniValue *kiln_aws_ini_get (GHashTable *section,
                                         const char *name);
