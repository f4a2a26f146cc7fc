/* apt-sources.h - read the host's apt sources to find its mirrors
 *
 * A template's `mirror: default` means "the mirror this machine already
 * uses" (often a local proxy or snapshot), so a template builds wherever apt
 * works.  Both formats are read: one-line sources.list entries and deb822
 * *.sources files.
 */
#pragma once

#include <glib.h>

typedef struct {
  char *uri;                 /* without a trailing '/' */
  char **suites;
  char **areas;
} KilnAptSource;

void kiln_apt_source_free (KilnAptSource *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnAptSource, kiln_apt_source_free)

/* Parse one file's text; format picked by name (*.sources = deb822).
 * Appends KilnAptSource* for enabled `deb` entries to out. */
void kiln_apt_sources_parse (const char *filename, const char *text,
                             GPtrArray *out);

/* All entries of /etc/apt/sources.list and /etc/apt/sources.list.d/ (root
 * may be NULL for "/"; tests pass a directory). */
GPtrArray *kiln_apt_sources_read_host (const char *root);

/* The mirror URI for distribution's suite: an entry listing `suite`, else
 * one listing SUITE-updates, else one whose URI ends in /DISTRIBUTION.
 * security = TRUE looks for SUITE-security (and URIs ending in
 * /debian-security).  NULL when none fits. */
char *kiln_apt_sources_find_mirror (GPtrArray *sources,
                                    const char *distribution,
                                    const char *suite, gboolean security);

/* The distribution's public mirrors, when the host has none. */
const char *kiln_apt_default_mirror (const char *distribution,
                                     gboolean security);
