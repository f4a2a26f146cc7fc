/* semver.h - semantic versions and version patterns (EC2 Image Builder style)
 *
 * A version is MAJOR.MINOR.PATCH, each 0 .. 2^30-1, decimal without leading
 * zeros (awstoe.md section 4).  A pattern replaces trailing nodes with 'x':
 * x.x.x, 1.x.x, 1.6.x, or an exact 1.6.8.  Once a node is 'x' every later
 * node must be 'x' (x.2.x and 1.x.8 are errors).  Short forms used in parent
 * references (web-base@1.x) leave out trailing nodes, which then mean 'x':
 * "1" = "1.x" = 1.x.x, "1.6" = 1.6.x, "x" = x.x.x.
 */
#pragma once

#include <glib.h>

#define KILN_SEMVER_MAX ((1u << 30) - 1)
#define KILN_SEMVER_ANY (-1)

typedef struct {
  guint32 major, minor, patch;
} KilnSemver;

typedef struct {
  gint32 major, minor, patch;   /* KILN_SEMVER_ANY for 'x' */
} KilnSemverPattern;

/* Pure parsers: FALSE with *why (static text) on a bad value. */
gboolean kiln_semver_parse (const char *s, KilnSemver *out, const char **why);
gboolean kiln_semver_pattern_parse (const char *s, KilnSemverPattern *out,
                                    const char **why);

/* <0, 0, >0 like strcmp. */
int kiln_semver_compare (const KilnSemver *a, const KilnSemver *b);
char *kiln_semver_to_string (const KilnSemver *v);
/* Always the full three-node form: "1.x.x". */
char *kiln_semver_pattern_to_string (const KilnSemverPattern *p);
gboolean kiln_semver_pattern_matches (const KilnSemverPattern *p,
                                      const KilnSemver *v);

/* Index of the newest version in versions[0..n) matching p, or -1. */
int kiln_semver_pick_newest (const KilnSemverPattern *p,
                             const KilnSemver *versions, guint n);
/* The same over strings (NULL-terminated); unparsable entries are skipped.
 * Returns an element of versions or NULL. */
const char *kiln_semver_pick_newest_str (const char *pattern,
                                         const char *const *versions);
