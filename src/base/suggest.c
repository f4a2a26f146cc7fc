/* suggest.c - "did you mean ...?" */
#include "suggest.h"

#include <string.h>

guint
kiln_edit_distance (const char *a, const char *b)
{
  g_autofree char *x = g_utf8_strdown (a, -1);
  g_autofree char *y = g_utf8_strdown (b, -1);
  gsize n = strlen (x), m = strlen (y);
  if (n > 256 || m > 256)
    return (guint) MAX (n, m);
  g_autofree guint *d = g_new0 (guint, (n + 1) * (m + 1));
#define D(i, j) d[(i) * (m + 1) + (j)]
  for (gsize i = 0; i <= n; i++)
    D (i, 0) = (guint) i;
  for (gsize j = 0; j <= m; j++)
    D (0, j) = (guint) j;
  for (gsize i = 1; i <= n; i++)
    for (gsize j = 1; j <= m; j++)
      {
        guint cost = x[i - 1] == y[j - 1] ? 0 : 1;
        guint v = MIN (D (i - 1, j) + 1, D (i, j - 1) + 1);
        v = MIN (v, D (i - 1, j - 1) + cost);
        if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1])
          v = MIN (v, D (i - 2, j - 2) + 1);
        D (i, j) = v;
      }
  guint r = D (n, m);
#undef D
  return r;
}

const char *
kiln_suggest (const char *word, const char *const *candidates)
{
  const char *best = NULL;
  guint best_d = G_MAXUINT;
  guint limit = MAX (1, (guint) strlen (word) / 3);

  if (!word || !candidates)
    return NULL;
  for (const char *const *c = candidates; *c; c++)
    {
      guint d = kiln_edit_distance (word, *c);
      if (d < best_d)
        {
          best_d = d;
          best = *c;
        }
    }
  return best_d <= limit ? best : NULL;
}

char *
kiln_suggest_suffix (const char *word, const char *const *candidates)
{
  const char *s = kiln_suggest (word, candidates);
  return s ? g_strdup_printf ("; did you mean '%s'?", s) : g_strdup ("");
}
