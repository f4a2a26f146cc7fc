/* naming.c - output name templates */
#include "naming.h"

#include <string.h>

#include "common/kiln.h"
#include "scalarpos.h"
#include "schema.h"
#include "base/suggest.h"

typedef enum {
  V_NAME, V_VERSION, V_BUILD_NUMBER, V_BUILD_DATE, V_IB_BUILD_DATE,
  V_IB_BUILD_VERSION,
} Var;

static const char *const var_names[] = {
  "kiln:name", "kiln:version", "kiln:buildNumber", "kiln:buildDate",
  "imagebuilder:buildDate", "imagebuilder:buildVersion", NULL
};

static gboolean
file_char_ok (char ch)
{
  return g_ascii_isalnum (ch) || (ch && strchr ("._-+@()[]", ch));
}

char *
kiln_naming_format_date (GDateTime *t)
{
  g_autoptr (GDateTime) utc = g_date_time_to_utc (t);
  return g_date_time_format (utc, "%Y-%m-%dT%H-%M-%SZ");
}

static void
set_error (gsize *err_offset, char **err_message, gsize off, char *msg)
{
  if (err_offset)
    *err_offset = off;
  if (err_message)
    *err_message = msg;
  else
    g_free (msg);
}

/* A printable form of the character at s for messages. */
static char *
describe_char (const char *s)
{
  gunichar c = g_utf8_get_char_validated (s, -1);
  if (c == ' ')
    return g_strdup ("' ' (a space)");
  if (c == '\t')
    return g_strdup ("a tab");
  if (c == (gunichar) -1 || c == (gunichar) -2 || g_unichar_iscntrl (c))
    return g_strdup_printf ("the byte 0x%02x", (guchar) *s);
  char buf[8] = { 0 };
  g_unichar_to_utf8 (c, buf);
  return g_strdup_printf ("'%s'", buf);
}

/* Walk the template, appending the expansion to out.  Literal characters
 * are checked here; the whole result by the caller. */
static gboolean
walk (const char *tmpl, const KilnNamingContext *ctx, GString *out,
      gsize *err_offset, char **err_message)
{
  gsize i = 0;
  while (tmpl[i])
    {
      if (tmpl[i] == '{' && tmpl[i + 1] == '{')
        {
          const char *close = strstr (tmpl + i + 2, "}}");
          if (!close)
            {
              set_error (err_offset, err_message, i,
                         g_strdup ("expected '}}' to close '{{', found the "
                                   "end of the name"));
              return FALSE;
            }
          gsize a = i + 2, b = (gsize) (close - tmpl);
          while (a < b && tmpl[a] == ' ')
            a++;
          while (b > a && tmpl[b - 1] == ' ')
            b--;
          g_autofree char *word = g_strndup (tmpl + a, b - a);
          if (!*word)
            {
              set_error (err_offset, err_message, i,
                         g_strdup ("expected a variable inside '{{ }}', "
                                   "found nothing"));
              return FALSE;
            }
          int v = -1;
          for (int k = 0; var_names[k]; k++)
            if (strcmp (word, var_names[k]) == 0)
              v = k;
          if (v < 0)
            {
              g_autofree char *hint = kiln_suggest_suffix (word, var_names);
              if (!*hint && !strchr (word, ':'))
                {
                  g_autofree char *prefixed = g_strconcat ("kiln:", word, NULL);
                  const char *s = kiln_suggest (prefixed, var_names);
                  if (s)
                    {
                      g_free (hint);
                      hint = g_strdup_printf ("; did you mean '%s'?", s);
                    }
                }
              set_error (err_offset, err_message, a,
                         g_strdup_printf ("expected a variable kiln:name, "
                                          "kiln:version, kiln:buildNumber or "
                                          "kiln:buildDate, found '%s'%s",
                                          word, hint));
              return FALSE;
            }
          g_autofree char *date = NULL;
          switch ((Var) v)
            {
            case V_NAME:
              g_string_append (out, ctx->name);
              break;
            case V_VERSION:
              g_string_append (out, ctx->version);
              break;
            case V_BUILD_NUMBER:
              g_string_append_printf (out, "%" G_GINT64_FORMAT,
                                      ctx->build_number);
              break;
            case V_BUILD_DATE:
            case V_IB_BUILD_DATE:
              date = kiln_naming_format_date (ctx->build_date);
              g_string_append (out, date);
              break;
            case V_IB_BUILD_VERSION:
              g_string_append_printf (out, "%s-%" G_GINT64_FORMAT,
                                      ctx->version, ctx->build_number);
              break;
            }
          i = (gsize) (close - tmpl) + 2;
          continue;
        }
      if (!file_char_ok (tmpl[i]))
        {
          g_autofree char *d = describe_char (tmpl + i);
          set_error (err_offset, err_message, i,
                     g_strdup_printf ("expected letters, digits or . _ - + @ "
                                      "( ) [ ] in a file name, found %s%s", d,
                                      tmpl[i] == '}' ? " (a '}}' without '{{')"
                                      : ""));
          return FALSE;
        }
      g_string_append_c (out, tmpl[i]);
      i++;
    }
  return TRUE;
}

gboolean
kiln_file_name_check (const char *s, gsize *bad_offset, const char **why)
{
  gsize dummy_off;
  const char *dummy_why;
  if (!bad_offset)
    bad_offset = &dummy_off;
  if (!why)
    why = &dummy_why;
  *bad_offset = 0;
  if (!s || !*s)
    {
      *why = "the name is empty";
      return FALSE;
    }
  if (s[0] == '.' || s[0] == '-')
    {
      *why = "a name cannot start with '.' or '-'";
      return FALSE;
    }
  if (g_utf8_strlen (s, -1) > KILN_NAME_MAX)
    {
      *why = "a name has at most 127 characters";
      return FALSE;
    }
  for (gsize i = 0; s[i]; i++)
    if (!file_char_ok (s[i]))
      {
        *bad_offset = i;
        *why = "a name has letters, digits and . _ - + @ ( ) [ ] only";
        return FALSE;
      }
  return TRUE;
}

static gboolean
finish_check (const char *result, gboolean check_length, gsize *err_offset,
              char **err_message)
{
  if (!*result)
    {
      set_error (err_offset, err_message, 0,
                 g_strdup ("expected a name, found an empty one"));
      return FALSE;
    }
  if (result[0] == '.' || result[0] == '-')
    {
      set_error (err_offset, err_message, 0,
                 g_strdup_printf ("expected a name that does not start with "
                                  "'%c', found '%s'", result[0], result));
      return FALSE;
    }
  glong len = g_utf8_strlen (result, -1);
  if (check_length && len > KILN_NAME_MAX)
    {
      set_error (err_offset, err_message, 0,
                 g_strdup_printf ("expected a name of at most %d characters, "
                                  "found one that expands to %ld (e.g. '%s')",
                                  KILN_NAME_MAX, len, result));
      return FALSE;
    }
  return TRUE;
}

gboolean
kiln_naming_check (const char *tmpl, const char *name, const char *version,
                   gsize *err_offset, char **err_message)
{
  g_autoptr (GDateTime) date = g_date_time_new_utc (2026, 11, 22, 22, 3, 0);
  KilnNamingContext ctx = {
    .name = name ? name : "n",
    .version = version ? version : "0.0.0",
    .build_number = G_GINT64_CONSTANT (9999999999),
    .build_date = date,
  };
  g_autoptr (GString) out = g_string_new (NULL);
  if (!walk (tmpl, &ctx, out, err_offset, err_message))
    return FALSE;
  return finish_check (out->str, name && version, err_offset, err_message);
}

char *
kiln_naming_expand (const char *tmpl, const KilnNamingContext *ctx,
                    GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *msg = NULL;
  gsize off = 0;
  if (!walk (tmpl, ctx, out, &off, &msg)
      || !finish_check (out->str, TRUE, &off, &msg))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "output name '%s': %s", tmpl, msg);
      return NULL;
    }
  const char *why;
  if (!kiln_file_name_check (out->str, &off, &why))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "output name '%s' expands to '%s': %s", tmpl, out->str,
                   why);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
kiln_schema_naming (KilnDiags *diags, const KilnDoc *doc, const KilnNode *n,
                    const char *what, const char *name, const char *version)
{
  gsize off = 0;
  g_autofree char *msg = NULL;
  if (!kiln_schema_expect_scalar (diags, n, what))
    return FALSE;
  if (!kiln_naming_check (n->scalar, name, version, &off, &msg))
    {
      kiln_scalar_error (diags, doc, n, off, "in %s: %s", what, msg);
      return FALSE;
    }
  return TRUE;
}
