/* units.c - sizes and durations in documents */
#include "units.h"

#include <string.h>

#include "schema.h"

/* Digits at *p into *v; FALSE on overflow or when there is no digit. */
static gboolean
take_number (const char **p, guint64 *v, gboolean *overflow)
{
  const char *s = *p;
  guint64 n = 0;
  *overflow = FALSE;
  if (!g_ascii_isdigit (*s))
    return FALSE;
  for (; g_ascii_isdigit (*s); s++)
    {
      guint d = (guint) (*s - '0');
      if (n > (G_MAXUINT64 - d) / 10)
        *overflow = TRUE;
      else
        n = n * 10 + d;
    }
  *p = s;
  *v = n;
  return !*overflow;
}

/* A unit suffix: "", "B", "K", "KB", "KiB", ... (case-insensitive).
 * Returns the shift (0, 10, 20, ...) or -1. */
static int
unit_shift (const char *u)
{
  static const char letters[] = "KMGTP";
  if (*u == '\0' || g_ascii_strcasecmp (u, "b") == 0)
    return 0;
  const char *l = strchr (letters, g_ascii_toupper (*u));
  if (!l || *u == '\0')
    return -1;
  const char *rest = u + 1;
  if (*rest == '\0' || g_ascii_strcasecmp (rest, "b") == 0
      || g_ascii_strcasecmp (rest, "ib") == 0)
    return 10 * (int) (l - letters + 1);
  return -1;
}

gboolean
kiln_size_parse (const char *s, guint64 *bytes, const char **why)
{
  const char *p = s;
  guint64 n;
  gboolean overflow;
  const char *dummy;
  if (!why)
    why = &dummy;
  *why = NULL;
  if (!s || !*s)
    {
      *why = "the value is empty";
      return FALSE;
    }
  if (*s == '-')
    {
      *why = "a size cannot be negative";
      return FALSE;
    }
  if (!take_number (&p, &n, &overflow))
    {
      if (overflow)
        *why = "the number is too large";
      return FALSE;
    }
  if (*p == '.' || *p == ',')
    {
      *why = "use a whole number with a smaller unit, e.g. 1536M for 1.5G";
      return FALSE;
    }
  if (*p == ' ' || *p == '\t')
    {
      const char *u = p;
      while (*u == ' ' || *u == '\t')
        u++;
      if (*u && unit_shift (u) >= 0)
        *why = "write the unit without a space, e.g. 8G";
      return FALSE;
    }
  int shift = unit_shift (p);
  if (shift < 0)
    {
      *why = "units are K, M, G, T or P (binary), optionally with B or iB";
      return FALSE;
    }
  if (shift > 0 && n > (G_MAXUINT64 >> shift))
    {
      *why = "the size is too large";
      return FALSE;
    }
  *bytes = n << shift;
  return TRUE;
}

gboolean
kiln_duration_parse (const char *s, gint64 *seconds, const char **why)
{
  static const char units[] = "dhms";
  static const gint64 scale[] = { 86400, 3600, 60, 1 };
  const char *p = s;
  gint64 total = 0;
  int last = -1;
  const char *dummy;
  if (!why)
    why = &dummy;
  *why = NULL;
  if (!s || !*s)
    {
      *why = "the value is empty";
      return FALSE;
    }
  if (*s == '-')
    {
      *why = "a duration cannot be negative";
      return FALSE;
    }
  while (*p)
    {
      guint64 n;
      gboolean overflow;
      if (!take_number (&p, &n, &overflow))
        {
          if (overflow)
            *why = "the number is too large";
          else if (last >= 0)
            *why = "each part is a number followed by d, h, m or s";
          return FALSE;
        }
      if (*p == '\0')
        {
          *why = last < 0 ? "add a unit: s, m, h or d (e.g. 45s or 45m)"
                          : "the last number has no unit";
          return FALSE;
        }
      if (*p == ' ')
        {
          *why = "write the duration without spaces, e.g. 1h30m";
          return FALSE;
        }
      const char *u = strchr (units, *p);
      if (!u)
        {
          if (strchr ("DHMS", *p))
            *why = "units are lowercase: d, h, m, s";
          else
            *why = "units are d, h, m and s";
          return FALSE;
        }
      int idx = (int) (u - units);
      if (idx <= last)
        {
          *why = "give each unit once, largest first, e.g. 1h30m";
          return FALSE;
        }
      last = idx;
      if (n > (guint64) (G_MAXINT64 / scale[idx])
          || total > G_MAXINT64 - (gint64) n * scale[idx])
        {
          *why = "the duration is too long";
          return FALSE;
        }
      total += (gint64) n * scale[idx];
      p++;
    }
  *seconds = total;
  return TRUE;
}

static const char *const size_units[] = { "B", "KiB", "MiB", "GiB", "TiB",
                                          "PiB", "EiB" };

char *
kiln_size_format (guint64 bytes)
{
  int u = 0;
  guint64 v = bytes;
  while (u < 6 && v >= 1024 && (v % 1024) == 0)
    {
      v /= 1024;
      u++;
    }
  if (v < 1024 || u == 6)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " %s", v, size_units[u]);
  /* Not an exact multiple: one decimal in the largest unit that fits. */
  double d = (double) bytes;
  u = 0;
  while (u < 6 && d >= 1024.0)
    {
      d /= 1024.0;
      u++;
    }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (buf, sizeof buf, "%.1f", d);
  return g_strdup_printf ("%s %s", buf, size_units[u]);
}

char *
kiln_size_format_short (guint64 bytes)
{
  static const char letters[] = "KMGTP";
  int u = 0;
  guint64 v = bytes;
  if (bytes == 0)
    return g_strdup ("0");
  while (u < 5 && (v % 1024) == 0)
    {
      v /= 1024;
      u++;
    }
  if (u == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, v);
  return g_strdup_printf ("%" G_GUINT64_FORMAT "%c", v, letters[u - 1]);
}

char *
kiln_duration_format (gint64 seconds)
{
  static const char units[] = "dhms";
  static const gint64 scale[] = { 86400, 3600, 60, 1 };
  if (seconds <= 0)
    return g_strdup ("0s");
  GString *s = g_string_new (NULL);
  for (int i = 0; i < 4; i++)
    {
      gint64 n = seconds / scale[i];
      seconds %= scale[i];
      if (n)
        g_string_append_printf (s, "%" G_GINT64_FORMAT "%c", n, units[i]);
    }
  return g_string_free (s, FALSE);
}

/* A value outside [lo, hi] (hi NULL: no upper bound), both already
 * formatted in the value's own units. */
static void
range_error (KilnDiags *diags, const KilnNode *n, const char *what,
             const char *lo, const char *hi, const char *found)
{
  if (!hi)
    kiln_schema_error (diags, n, "expected %s of at least %s, found %s", what,
                       lo, found);
  else
    kiln_schema_error (diags, n, "expected %s between %s and %s, found %s",
                       what, lo, hi, found);
}

gboolean
kiln_schema_size (KilnDiags *diags, const KilnNode *n, const char *what,
                  guint64 min, guint64 max, guint64 *out)
{
  guint64 v;
  const char *why = NULL;
  if (!kiln_schema_expect_scalar (diags, n, what))
    return FALSE;
  g_autofree char *q = kiln_quote_for_message (n->scalar);
  if (!kiln_size_parse (n->scalar, &v, &why))
    {
      kiln_schema_error (diags, n, "expected a size like 8G or 512M for %s, "
                         "found %s%s%s", what, q, why ? "; " : "",
                         why ? why : "");
      return FALSE;
    }
  if (v < min || (max && v > max))
    {
      g_autofree char *lo = kiln_size_format_short (min);
      g_autofree char *hi = max ? kiln_size_format_short (max) : NULL;
      range_error (diags, n, what, lo, hi, q);
      return FALSE;
    }
  if (out)
    *out = v;
  return TRUE;
}

gboolean
kiln_schema_duration (KilnDiags *diags, const KilnNode *n, const char *what,
                      gint64 min, gint64 max, gint64 *out)
{
  gint64 v;
  const char *why = NULL;
  if (!kiln_schema_expect_scalar (diags, n, what))
    return FALSE;
  g_autofree char *q = kiln_quote_for_message (n->scalar);
  if (!kiln_duration_parse (n->scalar, &v, &why))
    {
      kiln_schema_error (diags, n, "expected a duration like 90s, 60m or "
                         "1h30m for %s, found %s%s%s", what, q,
                         why ? "; " : "", why ? why : "");
      return FALSE;
    }
  if (v < min || (max && v > max))
    {
      g_autofree char *lo = kiln_duration_format (min);
      g_autofree char *hi = max ? kiln_duration_format (max) : NULL;
      range_error (diags, n, what, lo, hi, q);
      return FALSE;
    }
  if (out)
    *out = v;
  return TRUE;
}
