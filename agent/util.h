/* util.h - memory, strings, time and UTF-8 helpers for kiln-agent
 *
 * The agent is plain C + musl (no GLib in the guest), so these few helpers
 * stand in for what the host code gets from GLib.  Allocation failures abort:
 * the agent cannot do anything useful without memory.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof (a) / sizeof ((a)[0]))

void *xmalloc (size_t n);
void *xcalloc (size_t n, size_t size);
void *xrealloc (void *p, size_t n);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2), nonnull (1)));
char *xvasprintf (const char *fmt, va_list ap) __attribute__ ((format (printf, 1, 0), nonnull (1)));

/* Makes room for item number n (0-based) in a growing array of elements
 * of size `size`, doubling the capacity as needed. */
void *xgrow (void *array, size_t n, size_t size);

/* Replace *slot with a copy of value (NULL allowed), freeing the old one. */
void str_set (char **slot, const char *value);

bool str_has_prefix (const char *s, const char *prefix);
bool str_has_suffix (const char *s, const char *suffix);
/* ASCII-only case folding comparison (like strcasecmp, but defined for NULL
 * as the smallest string). */
int str_casecmp (const char *a, const char *b);
/* Copy of s without leading and trailing ASCII whitespace. */
char *str_trim_dup (const char *s);
/* True when s is empty or only ASCII whitespace. */
bool str_is_blank (const char *s);

/* Milliseconds on the monotonic clock (for deadlines). */
int64_t mono_ms (void);
/* Milliseconds since the epoch (for durations across reboots). */
int64_t wall_ms (void);
/* RFC 3339 UTC time with milliseconds, e.g. 2024-05-01T12:00:00.123Z. */
void format_rfc3339 (int64_t epoch_ms, char out[32]);
/* now_ms + seconds * 1000, saturating at INT64_MAX: a deadline that can
 * never overflow, whatever a plan says (seconds < 0 counts as 0). */
int64_t deadline_after (int64_t now_ms, long long seconds);
/* Sleep for ms milliseconds, resuming after signals. */
void sleep_ms (int64_t ms);

/* Length of the longest prefix of buf[0..len) that does not end inside a
 * UTF-8 sequence (it may still contain invalid bytes). */
size_t utf8_complete_prefix (const char *buf, size_t len);
/* True when buf[0..len) is valid UTF-8 without NUL bytes. */
bool utf8_valid (const char *buf, size_t len);
/* Largest n <= max such that buf[0..n) does not cut a UTF-8 sequence. */
size_t utf8_truncate (const char *buf, size_t len, size_t max);
