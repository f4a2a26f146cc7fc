/* strbuf.h - a growable, always NUL-terminated byte buffer */
#pragma once

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf
{
  char *data;   /* never NULL after strbuf_init; NUL-terminated */
  size_t len;
  size_t cap;
} strbuf;

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_init (strbuf *sb);
void strbuf_free (strbuf *sb);
void strbuf_reset (strbuf *sb);
void strbuf_add (strbuf *sb, const void *data, size_t len);
void strbuf_adds (strbuf *sb, const char *s);
void strbuf_addc (strbuf *sb, char c);
void strbuf_add_utf8 (strbuf *sb, unsigned cp);
void strbuf_addf (strbuf *sb, const char *fmt, ...) __attribute__ ((format (printf, 2, 3), nonnull (2)));
void strbuf_vaddf (strbuf *sb, const char *fmt, va_list ap) __attribute__ ((format (printf, 2, 0), nonnull (2)));
/* Hand the buffer over to the caller (free() it); sb is left empty. */
char *strbuf_steal (strbuf *sb);
/* Make sure at least `extra` more bytes fit without reallocating. */
void strbuf_grow (strbuf *sb, size_t extra);
/* Drop trailing '\n' and '\r' characters. */
void strbuf_chomp (strbuf *sb);
