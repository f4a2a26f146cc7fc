/* mask.c - replace secret values with *** in everything the agent reports */
#include "mask.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static struct
{
  char **values;   /* longest first */
  size_t *lens;
  size_t count;
} secrets;

static void
clear_secrets (void)
{
  for (size_t i = 0; i < secrets.count; i++)
    free (secrets.values[i]);
  free (secrets.values);
  free (secrets.lens);
  secrets.values = NULL;
  secrets.lens = NULL;
  secrets.count = 0;
}

static int
longer_first (const void *a, const void *b)
{
  size_t la = strlen (*(char *const *) a), lb = strlen (*(char *const *) b);
  return la < lb ? 1 : la > lb ? -1 : 0;
}

void
mask_set_secrets (const json *list)
{
  clear_secrets ();
  if (!list || list->type != JSON_ARRAY || list->count == 0)
    return;
  secrets.values = xcalloc (list->count, sizeof *secrets.values);
  secrets.lens = xcalloc (list->count, sizeof *secrets.lens);
  for (size_t i = 0; i < list->count; i++)
    {
      const json *v = list->items[i];
      if (v->type == JSON_STRING && v->string[0])
        secrets.values[secrets.count++] = xstrdup (v->string);
    }
  qsort (secrets.values, secrets.count, sizeof *secrets.values, longer_first);
  for (size_t i = 0; i < secrets.count; i++)
    secrets.lens[i] = strlen (secrets.values[i]);
}

bool
mask_active (void)
{
  return secrets.count > 0;
}

/* Masks data[0..len) into out.  When `final` is false it stops at the
 * first position where what is left is a proper prefix of a secret that is
 * at least as long as any secret matching there (so the longest secret
 * wins across chunks) and returns that position; otherwise it returns len. */
static size_t
scan (const char *data, size_t len, bool final, strbuf *out)
{
  size_t i = 0, plain = 0;   /* data[plain..i) is still to copy */
  while (i < len)
    {
      size_t left = len - i, match = 0;
      bool hold = false;
      for (size_t k = 0; k < secrets.count; k++)
        {
          size_t sl = secrets.lens[k];
          if (secrets.values[k][0] != data[i])
            continue;
          if (sl <= left)
            {
              if (!memcmp (data + i, secrets.values[k], sl))
                {
                  match = sl;
                  break;   /* the longest that matches */
                }
            }
          else if (!final && !memcmp (data + i, secrets.values[k], left))
            {
              hold = true;  /* a longer secret may still match here */
              break;
            }
        }
      if (hold)
        {
          strbuf_add (out, data + plain, i - plain);
          return i;
        }
      if (match)
        {
          strbuf_add (out, data + plain, i - plain);
          strbuf_adds (out, MASK_REPLACEMENT);
          i += match;
          plain = i;
        }
      else
        i++;
    }
  strbuf_add (out, data + plain, len - plain);
  return len;
}

void
mask_text (const char *data, size_t len, strbuf *out)
{
  if (!secrets.count)
    {
      strbuf_add (out, data, len);
      return;
    }
  scan (data, len, true, out);
}

char *
mask_string (const char *s)
{
  strbuf sb = STRBUF_INIT;
  strbuf_init (&sb);
  mask_text (s, strlen (s), &sb);
  return strbuf_steal (&sb);
}

void
mask_json (json *v)
{
  if (!v || !secrets.count)
    return;
  if (v->type == JSON_STRING)
    {
      char *masked = mask_string (v->string);
      free (v->string);
      v->string = masked;
    }
  else if (v->type == JSON_ARRAY || v->type == JSON_OBJECT)
    for (size_t i = 0; i < v->count; i++)
      mask_json (v->items[i]);
}

void
mask_stream_feed (mask_stream *ms, const char *data, size_t len, strbuf *out)
{
  if (!secrets.count && !ms->held.len)
    {
      strbuf_add (out, data, len);
      return;
    }
  if (!ms->held.data)
    strbuf_init (&ms->held);
  strbuf_add (&ms->held, data, len);
  size_t done = scan (ms->held.data, ms->held.len, false, out);
  /* keep the undecided tail (shorter than the longest secret) */
  size_t rest = ms->held.len - done;
  memmove (ms->held.data, ms->held.data + done, rest);
  ms->held.len = rest;
  ms->held.data[rest] = '\0';
}

void
mask_stream_finish (mask_stream *ms, strbuf *out)
{
  if (!ms->held.len)
    return;
  mask_text (ms->held.data, ms->held.len, out);
  strbuf_reset (&ms->held);
}

void
mask_stream_free (mask_stream *ms)
{
  strbuf_free (&ms->held);
}
