/* util.c - memory, strings, time and UTF-8 helpers for kiln-agent */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
out_of_memory (void)
{
  static const char msg[] = "kiln-agent: out of memory\n";
  fwrite (msg, 1, sizeof msg - 1, stderr);
  abort ();
}

void *
xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (!p)
    out_of_memory ();
  return p;
}

void *
xcalloc (size_t n, size_t size)
{
  void *p = calloc (n ? n : 1, size ? size : 1);
  if (!p)
    out_of_memory ();
  return p;
}

void *
xrealloc (void *p, size_t n)
{
  p = realloc (p, n ? n : 1);
  if (!p)
    out_of_memory ();
  return p;
}

void *
xgrow (void *array, size_t n, size_t size)
{
  /* Capacity is the next power of two >= n + 1: grow when n is one. */
  if (n == 0)
    return xrealloc (array, size);
  if ((n & (n - 1)) == 0)
    return xrealloc (array, 2 * n * size);
  return array;
}

char *
xstrdup (const char *s)
{
  return xstrndup (s, strlen (s));
}

char *
xstrndup (const char *s, size_t n)
{
  char *p = xmalloc (n + 1);
  memcpy (p, s, n);
  p[n] = '\0';
  return p;
}

char *
xvasprintf (const char *fmt, va_list ap)
{
  va_list copy;
  va_copy (copy, ap);
  int n = vsnprintf (NULL, 0, fmt, copy);
  va_end (copy);
  if (n < 0)
    out_of_memory ();
  char *p = xmalloc ((size_t) n + 1);
  vsnprintf (p, (size_t) n + 1, fmt, ap);
  return p;
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *p = xvasprintf (fmt, ap);
  va_end (ap);
  return p;
}

void
str_set (char **slot, const char *value)
{
  char *copy = value ? xstrdup (value) : NULL;
  free (*slot);
  *slot = copy;
}

bool
str_has_prefix (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

bool
str_has_suffix (const char *s, const char *suffix)
{
  size_t ls = strlen (s), lx = strlen (suffix);
  return ls >= lx && memcmp (s + ls - lx, suffix, lx) == 0;
}

int
str_casecmp (const char *a, const char *b)
{
  if (!a || !b)
    return (a != NULL) - (b != NULL);
  for (;; a++, b++)
    {
      int ca = tolower ((unsigned char) *a), cb = tolower ((unsigned char) *b);
      if (ca != cb || !ca)
        return ca - cb;
    }
}

char *
str_trim_dup (const char *s)
{
  while (*s && isspace ((unsigned char) *s))
    s++;
  size_t n = strlen (s);
  while (n && isspace ((unsigned char) s[n - 1]))
    n--;
  return xstrndup (s, n);
}

bool
str_is_blank (const char *s)
{
  for (; *s; s++)
    if (!isspace ((unsigned char) *s))
      return false;
  return true;
}

int64_t
mono_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
deadline_after (int64_t now_ms, long long seconds)
{
  if (seconds <= 0)
    return now_ms;
  if (seconds > INT64_MAX / 1000)
    return INT64_MAX;
  int64_t ms = (int64_t) seconds * 1000;
  return now_ms > INT64_MAX - ms ? INT64_MAX : now_ms + ms;
}

int64_t
wall_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
format_rfc3339 (int64_t epoch_ms, char out[32])
{
  time_t secs = (time_t) (epoch_ms / 1000);
  struct tm tm;
  gmtime_r (&secs, &tm);
  size_t n = strftime (out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (out + n, 32 - n, ".%03dZ", (int) (epoch_ms % 1000));
}

void
sleep_ms (int64_t ms)
{
  if (ms <= 0)
    return;
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* Number of bytes of the UTF-8 sequence that starts with byte c, 0 when c
 * cannot start one. */
static int
utf8_seq_len (unsigned char c)
{
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return 2;
  if (c >= 0xE0 && c <= 0xEF)
    return 3;
  if (c >= 0xF0 && c <= 0xF4)
    return 4;
  return 0;
}

/* Length of the valid sequence at s (of at most avail bytes), 0 if invalid
 * or incomplete. */
static int
utf8_valid_seq (const unsigned char *s, size_t avail)
{
  int n = utf8_seq_len (s[0]);
  if (n == 0 || (size_t) n > avail)
    return 0;
  for (int i = 1; i < n; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  if (n == 3)
    {
      if (s[0] == 0xE0 && s[1] < 0xA0)
        return 0;             /* overlong */
      if (s[0] == 0xED && s[1] >= 0xA0)
        return 0;             /* UTF-16 surrogate */
    }
  if (n == 4)
    {
      if (s[0] == 0xF0 && s[1] < 0x90)
        return 0;             /* overlong */
      if (s[0] == 0xF4 && s[1] >= 0x90)
        return 0;             /* above U+10FFFF */
    }
  return n;
}

size_t
utf8_complete_prefix (const char *buf, size_t len)
{
  /* Look at most 3 bytes back for the start of an unfinished sequence. */
  size_t back = len < 4 ? len : 3;
  for (size_t i = 1; i <= back; i++)
    {
      unsigned char c = (unsigned char) buf[len - i];
      if ((c & 0xC0) == 0x80)
        continue;             /* continuation byte: keep looking */
      int n = utf8_seq_len (c);
      if (n > (int) i)
        return len - i;       /* sequence starts here and is unfinished */
      return len;
    }
  return len;
}

bool
utf8_valid (const char *buf, size_t len)
{
  const unsigned char *s = (const unsigned char *) buf;
  size_t i = 0;
  while (i < len)
    {
      if (s[i] == 0)
        return false;
      int n = utf8_valid_seq (s + i, len - i);
      if (n == 0)
        return false;
      i += (size_t) n;
    }
  return true;
}

size_t
utf8_truncate (const char *buf, size_t len, size_t max)
{
  if (len <= max)
    return len;
  size_t n = max;
  while (n > 0 && ((unsigned char) buf[n] & 0xC0) == 0x80)
    n--;
  return n;
}
