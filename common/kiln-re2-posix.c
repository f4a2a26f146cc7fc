/* kiln-re2-posix.c - RE2 patterns as POSIX extended ones (kiln-re2-posix.h)
 *
 * The two dialects differ where newlines are concerned, and the output is
 * written so that they do not:
 *   - RE2's `.` never matches a newline unless (?s); an ERE's `.` does
 *     unless REG_NEWLINE.  So without (?s) `.` becomes [^NL].
 *   - RE2's (?m) makes ^ and $ match at line breaks: that is REG_NEWLINE,
 *     which also keeps `.` and [^...] off newlines; a negated class (which
 *     in RE2 does match a newline) then becomes ([^...]|NL), and under
 *     (?ms) `.` becomes (.|NL).
 * Everything else is a spelling: escapes become brackets or literal
 * characters, special characters that must be literal are escaped with a
 * backslash (which POSIX defines only before . [ \ ( ) * + ? { | ^ $).
 */
#include "kiln-re2-posix.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  char *data;
  size_t len, cap;
  bool oom;
} buf;

static void
put_n (buf *b, const char *s, size_t n)
{
  if (b->oom)
    return;
  if (b->len + n + 1 > b->cap)
    {
      size_t cap = (b->cap ? b->cap * 2 : 64) + n;
      char *d = realloc (b->data, cap);
      if (!d)
        {
          b->oom = true;
          return;
        }
      b->data = d;
      b->cap = cap;
    }
  memcpy (b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void put (buf *b, const char *s) { put_n (b, s, strlen (s)); }
static void put_c (buf *b, char c) { put_n (b, &c, 1); }

/* A literal character outside brackets. */
static void
put_literal (buf *b, char c)
{
  if (strchr (".[\\()*+?{|^$", c))
    put_c (b, '\\');
  put_c (b, c);
}

typedef struct
{
  bool newline;   /* (?m): REG_NEWLINE */
  bool dotall;    /* (?s) */
} mode;

/* \d \w \s as bracket contents (RE2's definitions: ASCII only). */
static const char *
class_body (char e)
{
  switch (e)
    {
    case 'd': case 'D': return "0-9";
    case 'w': case 'W': return "0-9A-Za-z_";
    case 's': case 'S': return "\t\n\f\r ";
    default: return NULL;
    }
}

/* The character of a one-character escape (\t ...), or 0. */
static char
control_escape (char e)
{
  switch (e)
    {
    case 't': return '\t';
    case 'n': return '\n';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'v': return '\v';
    case 'a': return '\a';
    default: return 0;
    }
}

/* \x41, \x{41}, \101: the ASCII character at *p (after the backslash),
 * advancing *p past it; -1 when it is not one, -2 when beyond ASCII. */
static int
numeric_escape (const char **p)
{
  const char *s = *p;
  long v = -1;
  if (*s == 'x')
    {
      char *end;
      if (s[1] == '{')
        {
          v = strtol (s + 2, &end, 16);
          if (end == s + 2 || *end != '}')
            return -1;
          *p = end + 1;
        }
      else
        {
          if (!isxdigit ((unsigned char) s[1]) || !isxdigit ((unsigned char) s[2]))
            return -1;
          char hex[3] = { s[1], s[2], 0 };
          v = strtol (hex, NULL, 16);
          *p = s + 3;
        }
    }
  else if (*s >= '0' && *s <= '7')
    {
      int n = 0;
      v = 0;
      while (n < 3 && s[n] >= '0' && s[n] <= '7')
        v = v * 8 + (s[n++] - '0');
      *p = s + n;
    }
  if (v < 0)
    return -1;
  return v == 0 || v > 0x7f ? -2 : (int) v;
}

/* One bracket expression at *pp ('['), written as an ERE bracket. */
static const char *
bracket (buf *b, const char **pp, mode m)
{
  const char *p = *pp + 1;
  bool neg = false, rbracket = false, dash = false, caret = false;
  buf items = { 0 };
  const char *why = NULL;
  if (*p == '^')
    {
      neg = true;
      p++;
    }
  if (*p == ']')
    {
      rbracket = true;
      p++;
    }
  while (!why && *p && *p != ']')
    {
      if (p[0] == '[' && p[1] == ':')
        {
          const char *end = strstr (p + 2, ":]");
          if (!end)
            why = "an unclosed [: class";
          else if (p[2] == '^')
            why = "a negated POSIX class ([[:^alpha:]])";
          else
            {
              put_n (&items, p, (size_t) (end + 2 - p));
              p = end + 2;
            }
          continue;
        }
      if (*p != '\\')
        {
          put_c (&items, *p++);
          continue;
        }
      char e = p[1];
      const char *cls = class_body (e);
      int num;
      if (!e)
        why = "a trailing backslash";
      else if (cls && isupper ((unsigned char) e))
        why = "a negated class escape (\\D, \\W, \\S) inside brackets";
      else if (cls)
        {
          put (&items, cls);
          p += 2;
        }
      else if (e == 'p' || e == 'P')
        why = "a Unicode class (\\p, \\P)";
      else
        {
          char c = control_escape (e);
          if (c)
            p += 2;
          else if ((p++, num = numeric_escape (&p)) >= 0)
            c = (char) num;
          else if (num == -2)
            why = "a character escape beyond ASCII";
          else if (ispunct ((unsigned char) e))
            {
              c = e;
              p++;
            }
          else
            why = "an escape RE2 has and POSIX lacks";
          if (why)
            break;
          if (c == ']')
            rbracket = true;
          else if (c == '-')
            dash = true;
          else if (c == '^')
            caret = true;
          else
            put_c (&items, c);
        }
    }
  if (!why && *p != ']')
    why = "an unclosed bracket";
  if (!why && !neg && !rbracket && !dash && !items.len && caret)
    put (b, "\\^");
  else if (!why)
    {
      /* under REG_NEWLINE a negated bracket never matches a newline; RE2's
       * does */
      bool wrap = neg && m.newline;
      put (b, wrap ? "([^" : neg ? "[^" : "[");
      if (rbracket)
        put_c (b, ']');
      if (items.len)
        put (b, items.data);
      if (caret)
        put_c (b, '^');
      if (dash)
        put_c (b, '-');
      put (b, wrap ? "]|\n)" : "]");
      *pp = p + 1;
    }
  if (items.oom)
    b->oom = true;
  free (items.data);
  return why;
}

/* {n}, {n,}, {n,m} at p: its length, else 0 (RE2 then reads '{' as a
 * literal). */
static size_t
repetition (const char *p)
{
  const char *q = p + 1;
  if (!isdigit ((unsigned char) *q))
    return 0;
  while (isdigit ((unsigned char) *q))
    q++;
  if (*q == ',')
    {
      q++;
      while (isdigit ((unsigned char) *q))
        q++;
    }
  return *q == '}' ? (size_t) (q + 1 - p) : 0;
}

/* Leading flag groups: (?i) (?m) (?s) and their combinations. */
static const char *
leading_flags (const char **pp, int *flags, mode *m)
{
  const char *p = *pp;
  while (p[0] == '(' && p[1] == '?' && strchr ("imsU-", p[2]))
    {
      const char *q = p + 2;
      for (; *q && *q != ')'; q++)
        switch (*q)
          {
          case 'i': *flags |= KILN_RE_ICASE; break;
          case 'm': m->newline = true; break;
          case 's': m->dotall = true; break;
          case 'U': return "the U flag (ungreedy)";
          case '-': return "a flag turned off ((?-i))";
          case ':': return "flags on a group ((?i:...))";
          default: return "an unknown flag";
          }
      if (*q != ')')
        return "an unclosed flag group";
      p = q + 1;
    }
  if (m->newline)
    *flags |= KILN_RE_NEWLINE;
  *pp = p;
  return NULL;
}

char *
kiln_re2_to_posix (const char *re2, int *flags, const char **why)
{
  buf b = { 0 };
  mode m = { false, false };
  const char *p = re2;
  *flags = 0;
  *why = leading_flags (&p, flags, &m);
  put (&b, "");
  while (!*why && *p)
    {
      char c = *p;
      if (c == '[')
        {
          *why = bracket (&b, &p, m);
          continue;
        }
      if (c == '.')
        {
          put (&b, m.dotall ? (m.newline ? "(.|\n)" : ".") : (m.newline ? "." : "[^\n]"));
          p++;
          continue;
        }
      if (c == '(' && p[1] == '?')
        {
          const char *q = p + 2;
          if (*q == ':')
            p = q + 1;
          else if ((*q == 'P' && q[1] == '<') || (*q == '<' && q[1] != '=' && q[1] != '!'))
            {
              const char *end = strchr (q, '>');
              if (!end)
                {
                  *why = "an unclosed group name";
                  break;
                }
              p = end + 1;
            }
          else
            {
              *why = "flags inside the pattern ((?i) not at its start, or (?i:...))";
              break;
            }
          put_c (&b, '(');
          continue;
        }
      if (c == '{')
        {
          size_t n = repetition (p);
          if (n)
            {
              put_n (&b, p, n);
              p += n;
              if (*p == '?')   /* lazy: the same strings match */
                p++;
            }
          else
            {
              put (&b, "\\{");
              p++;
            }
          continue;
        }
      if ((c == '*' || c == '+' || c == '?') && p[1] == '?')
        {
          put_c (&b, c);
          p += 2;
          continue;
        }
      if (c != '\\')
        {
          put_c (&b, c);
          p++;
          continue;
        }
      /* an escape */
      char e = p[1];
      const char *cls = class_body (e);
      char ctl = control_escape (e);
      int num;
      if (!e)
        *why = "a trailing backslash";
      else if (cls)
        {
          bool neg = isupper ((unsigned char) e);
          put (&b, neg && m.newline ? "([^" : neg ? "[^" : "[");
          put (&b, cls);
          put (&b, neg && m.newline ? "]|\n)" : "]");
          p += 2;
        }
      else if (ctl)
        {
          put_c (&b, ctl);
          p += 2;
        }
      else if (e == 'A' || e == 'z')
        {
          if (m.newline)
            *why = "\\A or \\z with (?m)";
          put_c (&b, e == 'A' ? '^' : '$');
          p += 2;
        }
      else if (e == 'Q')
        {
          p += 2;
          const char *end = strstr (p, "\\E");
          size_t n = end ? (size_t) (end - p) : strlen (p);
          for (size_t i = 0; i < n; i++)
            put_literal (&b, p[i]);
          p += n + (end ? 2 : 0);
        }
      else if (e == 'b' || e == 'B')
        *why = "a word boundary (\\b, \\B)";
      else if (e == 'p' || e == 'P')
        *why = "a Unicode class (\\p, \\P)";
      else if ((p++, num = numeric_escape (&p)) >= 0)
        put_literal (&b, (char) num);
      else if (num == -2)
        *why = "a character escape beyond ASCII";
      else if (ispunct ((unsigned char) e))
        {
          put_literal (&b, e);
          p++;
        }
      else
        *why = "an escape RE2 has and POSIX lacks";
    }
  if (*why || b.oom)
    {
      free (b.data);
      if (b.oom)
        *why = NULL;
      return NULL;
    }
  return b.data;
}
