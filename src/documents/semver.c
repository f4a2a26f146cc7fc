/* semver.c - semantic versions and version patterns */
#include "semver.h"

#include <string.h>

/* One numeric node at *p: digits, no leading zero, <= KILN_SEMVER_MAX. */
static gboolean
take_node (const char **p, guint32 *out, const char **why)
{
  const char *s = *p;
  guint64 v = 0;
  if (!g_ascii_isdigit (*s))
    {
      *why = "each part is a number";
      return FALSE;
    }
  if (s[0] == '0' && g_ascii_isdigit (s[1]))
    {
      *why = "numbers have no leading zeros";
      return FALSE;
    }
  for (; g_ascii_isdigit (*s); s++)
    {
      v = v * 10 + (guint64) (*s - '0');
      if (v > KILN_SEMVER_MAX)
        {
          *why = "each number is at most 1073741823 (2^30-1)";
          return FALSE;
        }
    }
  *out = (guint32) v;
  *p = s;
  return TRUE;
}

gboolean
kiln_semver_parse (const char *s, KilnSemver *out, const char **why)
{
  const char *dummy;
  guint32 n[3];
  const char *p = s;
  if (!why)
    why = &dummy;
  *why = NULL;
  if (!s || !*s)
    {
      *why = "the value is empty";
      return FALSE;
    }
  if (*s == 'v' || *s == 'V')
    {
      *why = "write it without the leading 'v'";
      return FALSE;
    }
  for (int i = 0; i < 3; i++)
    {
      if (!take_node (&p, &n[i], why))
        {
          if (*p == 'x')
            *why = "a version is exact (e.g. 1.2.0); 'x' belongs in "
                   "references like web-base@1.x";
          return FALSE;
        }
      if (i < 2)
        {
          if (*p != '.')
            {
              *why = "a version has three parts: MAJOR.MINOR.PATCH";
              return FALSE;
            }
          p++;
        }
    }
  if (*p)
    {
      *why = *p == '.' ? "a version has three parts: MAJOR.MINOR.PATCH"
             : (*p == '-' || *p == '+')
               ? "pre-release and build suffixes are not supported"
               : "a version has three parts: MAJOR.MINOR.PATCH";
      return FALSE;
    }
  out->major = n[0];
  out->minor = n[1];
  out->patch = n[2];
  return TRUE;
}

gboolean
kiln_semver_pattern_parse (const char *s, KilnSemverPattern *out,
                           const char **why)
{
  const char *dummy;
  gint32 n[3] = { KILN_SEMVER_ANY, KILN_SEMVER_ANY, KILN_SEMVER_ANY };
  const char *p = s;
  gboolean seen_x = FALSE;
  int i;
  if (!why)
    why = &dummy;
  *why = NULL;
  if (!s || !*s)
    {
      *why = "the value is empty";
      return FALSE;
    }
  for (i = 0; i < 3; i++)
    {
      if (*p == 'x' || *p == 'X' || *p == '*')
        {
          if (*p != 'x')
            {
              *why = "use a lowercase 'x' for 'any'";
              return FALSE;
            }
          seen_x = TRUE;
          p++;
        }
      else
        {
          guint32 v;
          if (seen_x)
            {
              *why = "after an 'x' every later part must be 'x' too "
                     "(e.g. 1.x.x)";
              return FALSE;
            }
          if (!take_node (&p, &v, why))
            return FALSE;
          n[i] = (gint32) v;
        }
      if (*p == '\0')
        break;
      if (*p != '.' || i == 2)
        {
          *why = i == 2 ? "a version has at most three parts"
                        : "parts are separated by '.'";
          return FALSE;
        }
      p++;
      if (*p == '\0')
        {
          *why = "the version ends with '.'";
          return FALSE;
        }
    }
  out->major = n[0];
  out->minor = n[1];
  out->patch = n[2];
  return TRUE;
}

int
kiln_semver_compare (const KilnSemver *a, const KilnSemver *b)
{
  if (a->major != b->major)
    return a->major < b->major ? -1 : 1;
  if (a->minor != b->minor)
    return a->minor < b->minor ? -1 : 1;
  if (a->patch != b->patch)
    return a->patch < b->patch ? -1 : 1;
  return 0;
}

char *
kiln_semver_to_string (const KilnSemver *v)
{
  return g_strdup_printf ("%u.%u.%u", v->major, v->minor, v->patch);
}

static void
append_node (GString *s, gint32 v)
{
  if (v == KILN_SEMVER_ANY)
    g_string_append_c (s, 'x');
  else
    g_string_append_printf (s, "%d", v);
}

char *
kiln_semver_pattern_to_string (const KilnSemverPattern *p)
{
  GString *s = g_string_new (NULL);
  append_node (s, p->major);
  g_string_append_c (s, '.');
  append_node (s, p->minor);
  g_string_append_c (s, '.');
  append_node (s, p->patch);
  return g_string_free (s, FALSE);
}

static gboolean
node_matches (gint32 want, guint32 have)
{
  return want == KILN_SEMVER_ANY || (guint32) want == have;
}

gboolean
kiln_semver_pattern_matches (const KilnSemverPattern *p, const KilnSemver *v)
{
  return node_matches (p->major, v->major) && node_matches (p->minor, v->minor)
         && node_matches (p->patch, v->patch);
}

int
kiln_semver_pick_newest (const KilnSemverPattern *p,
                         const KilnSemver *versions, guint n)
{
  int best = -1;
  for (guint i = 0; i < n; i++)
    if (kiln_semver_pattern_matches (p, &versions[i])
        && (best < 0 || kiln_semver_compare (&versions[i], &versions[best]) > 0))
      best = (int) i;
  return best;
}

const char *
kiln_semver_pick_newest_str (const char *pattern, const char *const *versions)
{
  KilnSemverPattern p;
  KilnSemver best_v = { 0 };
  const char *best = NULL;
  if (!kiln_semver_pattern_parse (pattern, &p, NULL) || !versions)
    return NULL;
  for (const char *const *v = versions; *v; v++)
    {
      KilnSemver sv;
      if (!kiln_semver_parse (*v, &sv, NULL)
          || !kiln_semver_pattern_matches (&p, &sv))
        continue;
      if (!best || kiln_semver_compare (&sv, &best_v) > 0)
        {
          best = *v;
          best_v = sv;
        }
    }
  return best;
}
