/* escape.c - control characters shown as \xNN and \uNNNN in text output */
#include "escape.h"

#include <string.h>

/* C1 controls (U+0080-U+009F) and the bidirectional embeddings, overrides
 * and isolates, which reorder what a reader sees. */
static gboolean
escaped_codepoint (gunichar c)
{
  return (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e)
         || (c >= 0x2066 && c <= 0x2069);
}

static gboolean
escaped_byte (guchar b)
{
  return (b < 0x20 && b != '\n' && b != '\t') || b == 0x7f;
}

/* Copies text into out (NULL: only looks) with every control escaped;
 * returns whether anything was escaped. */
static gboolean
walk (const char *text, gsize len, GString *out)
{
  gboolean changed = FALSE;
  gsize i = 0;
  while (i < len)
    {
      guchar b = (guchar) text[i];
      if (b < 0x80)
        {
          if (escaped_byte (b))
            {
              changed = TRUE;
              if (out)
                g_string_append_printf (out, "\\x%02x", b);
            }
          else if (out)
            g_string_append_c (out, (char) b);
          i++;
          continue;
        }
      gunichar c = g_utf8_get_char_validated (text + i, (gssize) (len - i));
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          changed = TRUE;
          if (out)
            g_string_append_printf (out, "\\x%02x", b);
          i++;
          continue;
        }
      gsize n = (gsize) (g_utf8_next_char (text + i) - (text + i));
      if (escaped_codepoint (c))
        {
          changed = TRUE;
          if (out)
            g_string_append_printf (out, "\\u%04x", (unsigned) c);
        }
      else if (out)
        g_string_append_len (out, text + i, (gssize) n);
      i += n;
    }
  return changed;
}

char *
kiln_escape_text (const char *text, gssize len)
{
  if (!text)
    return NULL;
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  GString *out = g_string_sized_new (n + 1);
  walk (text, n, out);
  return g_string_free (out, FALSE);
}

gboolean
kiln_text_needs_escape (const char *text, gssize len)
{
  if (!text)
    return FALSE;
  return walk (text, len < 0 ? strlen (text) : (gsize) len, NULL);
}

void
kiln_print_text (FILE *out, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *raw = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_autofree char *safe = kiln_escape_text (raw, -1);
  fputs (safe, out);
}
