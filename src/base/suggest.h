/* suggest.h - "did you mean ...?" for misspelt keys and values */
#pragma once

#include <glib.h>

/* Edit distance (Damerau: adjacent transpositions count as one edit),
 * case-insensitive. */
guint kiln_edit_distance (const char *a, const char *b);

/* The candidate closest to word when it is close enough to be a plausible
 * typo (distance <= max(1, strlen(word)/3)), else NULL.  candidates is a
 * NULL-terminated array. */
const char *kiln_suggest (const char *word, const char *const *candidates);

/* ", did you mean 'x'?" or "" - convenient for message building. */
char *kiln_suggest_suffix (const char *word, const char *const *candidates);
