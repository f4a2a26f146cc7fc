/* strbuf.c - a growable, always NUL-terminated byte buffer */
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
strbuf_init (strbuf *sb)
{
  sb->cap = 64;
  sb->len = 0;
  sb->data = xmalloc (sb->cap);
  sb->data[0] = '\0';
}

void
strbuf_free (strbuf *sb)
{
  free (sb->data);
  sb->data = NULL;
  sb->len = sb->cap = 0;
}

void
strbuf_reset (strbuf *sb)
{
  if (!sb->data)
    strbuf_init (sb);
  sb->len = 0;
  sb->data[0] = '\0';
}

void
strbuf_grow (strbuf *sb, size_t extra)
{
  if (!sb->data)
    strbuf_init (sb);
  if (sb->len + extra + 1 <= sb->cap)
    return;
  size_t cap = sb->cap;
  while (cap < sb->len + extra + 1)
    cap *= 2;
  sb->data = xrealloc (sb->data, cap);
  sb->cap = cap;
}

void
strbuf_add (strbuf *sb, const void *data, size_t len)
{
  strbuf_grow (sb, len);
  if (len)
    memcpy (sb->data + sb->len, data, len);
  sb->len += len;
  sb->data[sb->len] = '\0';
}

void
strbuf_adds (strbuf *sb, const char *s)
{
  strbuf_add (sb, s, strlen (s));
}

void
strbuf_addc (strbuf *sb, char c)
{
  strbuf_add (sb, &c, 1);
}

void
strbuf_vaddf (strbuf *sb, const char *fmt, va_list ap)
{
  va_list copy;
  va_copy (copy, ap);
  int n = vsnprintf (NULL, 0, fmt, copy);
  va_end (copy);
  if (n <= 0)
    return;
  strbuf_grow (sb, (size_t) n);
  vsnprintf (sb->data + sb->len, (size_t) n + 1, fmt, ap);
  sb->len += (size_t) n;
}

void
strbuf_addf (strbuf *sb, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  strbuf_vaddf (sb, fmt, ap);
  va_end (ap);
}

char *
strbuf_steal (strbuf *sb)
{
  if (!sb->data)
    strbuf_init (sb);
  char *p = sb->data;
  sb->data = NULL;
  sb->len = sb->cap = 0;
  return p;
}

void
strbuf_chomp (strbuf *sb)
{
  if (!sb->data)
    return;
  while (sb->len && (sb->data[sb->len - 1] == '\n' || sb->data[sb->len - 1] == '\r'))
    sb->len--;
  sb->data[sb->len] = '\0';
}

/* Append code point cp (at most U+10FFFF) encoded as UTF-8. */
void
strbuf_add_utf8 (strbuf *sb, unsigned cp)
{
  char b[4];
  size_t n;
  if (cp < 0x80)
    {
      b[0] = (char) cp;
      n = 1;
    }
  else if (cp < 0x800)
    {
      b[0] = (char) (0xC0 | (cp >> 6));
      b[1] = (char) (0x80 | (cp & 0x3F));
      n = 2;
    }
  else if (cp < 0x10000)
    {
      b[0] = (char) (0xE0 | (cp >> 12));
      b[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
      b[2] = (char) (0x80 | (cp & 0x3F));
      n = 3;
    }
  else
    {
      b[0] = (char) (0xF0 | (cp >> 18));
      b[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
      b[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
      b[3] = (char) (0x80 | (cp & 0x3F));
      n = 4;
    }
  strbuf_add (sb, b, n);
}
