/* scalarpos.c - where a character inside a scalar is in the source text */
#include "scalarpos.h"

#include <string.h>

/* Byte index in text of (line, col), both 1-based, col in characters. */
static gboolean
find_start (const char *text, gsize len, int line, int col, gsize *at)
{
  gsize i = 0;
  for (int l = 1; l < line; l++)
    {
      const char *nl = memchr (text + i, '\n', len - i);
      if (!nl)
        return FALSE;
      i = (gsize) (nl - text) + 1;
    }
  for (int c = 1; c < col; c++)
    {
      if (i >= len || text[i] == '\n')
        return FALSE;
      i = (gsize) (g_utf8_next_char (text + i) - text);
    }
  *at = i;
  return i <= len;
}

/* Length in source bytes of the escape sequence at src (src[0] == '\\'). */
static gsize
escape_length (const char *src, gsize avail)
{
  if (avail < 2)
    return 0;
  switch (src[1])
    {
    case 'x':
      return 4;
    case 'u':
      return 6;
    case 'U':
      return 10;
    case '\n':
    case '\r':
      return 0;   /* escaped line break: not followed */
    default:
      return (gsize) (g_utf8_next_char (src + 1) - src);
    }
}

/* Walk source and value together up to value byte `offset`; FALSE when the
 * source cannot be followed on one line. */
static gboolean
follow (const char *text, gsize len, gsize start, const KilnNode *n,
        gsize offset, gsize *src_at)
{
  const char *value = n->scalar;
  gsize s = start, v = 0;
  char quote = 0;
  if (n->quoted)
    {
      if (s >= len || (text[s] != '\'' && text[s] != '"'))
        return FALSE;   /* block scalar */
      quote = text[s++];
    }
  while (v < offset)
    {
      if (s >= len || text[s] == '\n' || text[s] == '\r')
        return FALSE;
      gsize vlen = (gsize) (g_utf8_next_char (value + v) - (value + v));
      if (quote == '\'' && text[s] == '\'' && s + 1 < len
          && text[s + 1] == '\'' && value[v] == '\'')
        s += 2;
      else if (quote == '"' && text[s] == '\\')
        {
          gsize e = escape_length (text + s, len - s);
          if (e == 0 || s + e > len)
            return FALSE;
          s += e;
        }
      else
        {
          if (s + vlen > len || memcmp (text + s, value + v, vlen) != 0)
            return FALSE;
          s += vlen;
        }
      v += vlen;
    }
  *src_at = s;
  return TRUE;
}

void
kiln_scalar_position (const KilnDoc *doc, const KilnNode *n, gsize offset,
                      int *line, int *col)
{
  gsize start, at;
  gsize vlen = strlen (n->scalar);
  if (offset > vlen)
    offset = vlen;
  *line = n->line;
  if (doc && doc->text)
    {
      if (find_start (doc->text, doc->text_len, n->line, n->col, &start)
          && follow (doc->text, doc->text_len, start, n, offset, &at))
        *col = n->col + (int) g_utf8_strlen (doc->text + start,
                                             (gssize) (at - start));
      else
        *col = n->col;   /* a block or folded scalar: point at its start */
      return;
    }
  *col = n->col + (n->quoted ? 1 : 0)
         + (int) g_utf8_strlen (n->scalar, (gssize) offset);
}

void
kiln_scalar_error (KilnDiags *diags, const KilnDoc *doc, const KilnNode *n,
                   gsize offset, const char *fmt, ...)
{
  int line, col;
  va_list ap;
  kiln_scalar_position (doc, n, offset, &line, &col);
  va_start (ap, fmt);
  kiln_diags_addv (diags, KILN_DIAG_ERROR, n->file, line, col, fmt, ap);
  va_end (ap);
}
