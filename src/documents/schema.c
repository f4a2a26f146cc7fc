/* schema.c - small helpers every document validator uses */
#include "schema.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/suggest.h"

void
kiln_schema_error (KilnDiags *diags, const KilnNode *at, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  kiln_diags_addv (diags, KILN_DIAG_ERROR, at ? at->file : NULL,
                   at ? at->line : 0, at ? at->col : 0, fmt, ap);
  va_end (ap);
}

void
kiln_schema_warning (KilnDiags *diags, const KilnNode *at, const char *fmt,
                     ...)
{
  va_list ap;
  va_start (ap, fmt);
  kiln_diags_addv (diags, KILN_DIAG_WARNING, at ? at->file : NULL,
                   at ? at->line : 0, at ? at->col : 0, fmt, ap);
  va_end (ap);
}

char *
kiln_quote_for_message (const char *s)
{
  if (!s)
    return g_strdup ("nothing");
  if (g_utf8_strlen (s, -1) > 60)
    {
      g_autofree char *head = g_utf8_substring (s, 0, 57);
      g_autofree char *esc = g_strescape (head, "\xc2\xb7");
      return g_strdup_printf ("'%s...'", esc);
    }
  g_autofree char *esc = g_strescape (s, NULL);
  /* g_strescape escapes non-ASCII; keep UTF-8 readable instead */
  if (strchr (s, '\n') || strchr (s, '\t') || strchr (s, '\\'))
    return g_strdup_printf ("'%s'", esc);
  return g_strdup_printf ("'%s'", s);
}

static gboolean
expect_kind (KilnDiags *diags, const KilnNode *n, const char *what,
             KilnNodeKind kind, const char *kind_name)
{
  if (n && n->kind == kind && !(kind == KILN_NODE_SCALAR && kiln_node_is_null (n)))
    return TRUE;
  if (n)
    kiln_schema_error (diags, n, "expected %s for %s, found %s", kind_name,
                       what, kiln_node_describe (n));
  return FALSE;
}

gboolean
kiln_schema_expect_map (KilnDiags *diags, const KilnNode *n, const char *what)
{
  return expect_kind (diags, n, what, KILN_NODE_MAP, "a mapping");
}

gboolean
kiln_schema_expect_seq (KilnDiags *diags, const KilnNode *n, const char *what)
{
  return expect_kind (diags, n, what, KILN_NODE_SEQ, "a list");
}

gboolean
kiln_schema_expect_scalar (KilnDiags *diags, const KilnNode *n,
                           const char *what)
{
  return expect_kind (diags, n, what, KILN_NODE_SCALAR, "a value");
}

gboolean
kiln_schema_check_keys (KilnDiags *diags, const KilnNode *map,
                        const char *what, const char *const *allowed)
{
  gboolean ok = TRUE;
  guint n = kiln_node_map_size (map);
  for (guint i = 0; i < n; i++)
    {
      const KilnNode *k = kiln_node_map_key (map, i);
      if (g_strv_contains (allowed, k->scalar))
        continue;
      g_autofree char *hint = kiln_suggest_suffix (k->scalar, allowed);
      g_autofree char *known = g_strjoinv (", ", (char **) allowed);
      if (*hint)
        kiln_schema_error (diags, k, "unknown key '%s' in %s%s", k->scalar,
                           what, hint);
      else
        kiln_schema_error (diags, k, "unknown key '%s' in %s; expected one "
                           "of: %s", k->scalar, what, known);
      ok = FALSE;
    }
  return ok;
}

gboolean
kiln_schema_has_known_key (KilnDiags *diags, const KilnNode *map,
                           const char *what, const char *const *allowed)
{
  guint n = kiln_node_map_size (map);
  for (guint i = 0; i < n; i++)
    if (g_strv_contains (allowed, kiln_node_map_key (map, i)->scalar))
      return TRUE;
  if (n == 0)
    return TRUE;   /* {}: the missing keys say it best */
  kiln_schema_error (diags, map, "expected %s, found a mapping with none of "
                     "its keys (%u key%s): this file is not one", what, n,
                     n == 1 ? "" : "s");
  return FALSE;
}

const KilnNode *
kiln_schema_require (KilnDiags *diags, const KilnNode *map, const char *key,
                     const char *what)
{
  const KilnNode *v = kiln_node_map_get (map, key);
  if (v && !kiln_node_is_null (v))
    return v;
  if (v)
    kiln_schema_error (diags, v, "expected a value for required key '%s' in "
                       "%s, found nothing", key, what);
  else
    kiln_schema_error (diags, map, "missing required key '%s' in %s", key,
                       what);
  return NULL;
}

gboolean
kiln_parse_int (const char *s, gint64 *out)
{
  char *end = NULL;
  if (!s || !*s || g_ascii_isspace (*s))
    return FALSE;
  errno = 0;
  gint64 v = g_ascii_strtoll (s, &end, 10);
  if (errno || !end || *end)
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
kiln_parse_bool (const char *s, gboolean *out)
{
  if (!s)
    return FALSE;
  if (g_ascii_strcasecmp (s, "true") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (s, "false") == 0)
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

gboolean
kiln_schema_int (KilnDiags *diags, const KilnNode *n, const char *what,
                 gint64 min, gint64 max, gint64 *out)
{
  gint64 v;
  if (!kiln_schema_expect_scalar (diags, n, what))
    return FALSE;
  g_autofree char *q = kiln_quote_for_message (n->scalar);
  if (kiln_node_is_string_tagged (n))
    {
      kiln_schema_error (diags, n, "expected an integer for %s, found the "
                         "string %s (tagged !!str)", what, q);
      return FALSE;
    }
  if (!kiln_parse_int (n->scalar, &v))
    {
      kiln_schema_error (diags, n, "expected an integer for %s, found %s",
                         what, q);
      return FALSE;
    }
  if (v < min || v > max)
    {
      kiln_schema_error (diags, n, "expected %s between %" G_GINT64_FORMAT
                         " and %" G_GINT64_FORMAT ", found %s", what, min, max,
                         q);
      return FALSE;
    }
  if (out)
    *out = v;
  return TRUE;
}

gboolean
kiln_schema_bool (KilnDiags *diags, const KilnNode *n, const char *what,
                  gboolean *out)
{
  gboolean v;
  if (!kiln_schema_expect_scalar (diags, n, what))
    return FALSE;
  if (kiln_node_is_string_tagged (n) || !kiln_parse_bool (n->scalar, &v))
    {
      g_autofree char *q = kiln_quote_for_message (n->scalar);
      kiln_schema_error (diags, n, "expected true or false for %s, found %s%s",
                         what, kiln_node_is_string_tagged (n) ? "the string "
                         : "", q);
      return FALSE;
    }
  if (out)
    *out = v;
  return TRUE;
}

gboolean
kiln_schema_enum (KilnDiags *diags, const KilnNode *n, const char *what,
                  const char *const *allowed, guint *out)
{
  if (!kiln_schema_expect_scalar (diags, n, what))
    return FALSE;
  for (guint i = 0; allowed[i]; i++)
    if (strcmp (n->scalar, allowed[i]) == 0)
      {
        if (out)
          *out = i;
        return TRUE;
      }
  g_autofree char *q = kiln_quote_for_message (n->scalar);
  g_autofree char *hint = kiln_suggest_suffix (n->scalar, allowed);
  g_autofree char *list = g_strjoinv (", ", (char **) allowed);
  kiln_schema_error (diags, n, "expected one of %s for %s, found %s%s", list,
                     what, q, hint);
  return FALSE;
}
