/* json.c - a small strict JSON (RFC 8259) tree, parser and serializer */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "util.h"

/* ---- tree ---------------------------------------------------------- */

static json *
json_alloc (json_type t)
{
  json *v = xcalloc (1, sizeof *v);
  v->type = t;
  return v;
}

json *json_new_null (void) { return json_alloc (JSON_NULL); }

json *
json_new_bool (bool b)
{
  json *v = json_alloc (JSON_BOOL);
  v->boolean = b;
  return v;
}

json *
json_new_number (double n)
{
  json *v = json_alloc (JSON_NUMBER);
  v->number = n;
  return v;
}

json *
json_new_string_len (const char *s, size_t len)
{
  json *v = json_alloc (JSON_STRING);
  v->string = xstrndup (s, len);
  return v;
}

json *
json_new_string (const char *s)
{
  return s ? json_new_string_len (s, strlen (s)) : json_new_null ();
}

json *json_new_array (void) { return json_alloc (JSON_ARRAY); }
json *json_new_object (void) { return json_alloc (JSON_OBJECT); }

void
json_free (json *v)
{
  if (!v)
    return;
  for (size_t i = 0; i < v->count; i++)
    {
      json_free (v->items[i]);
      if (v->keys)
        free (v->keys[i]);
    }
  free (v->items);
  free (v->keys);
  free (v->string);
  free (v);
}

json *
json_clone (const json *v)
{
  if (!v)
    return NULL;
  json *c = json_alloc (v->type);
  c->boolean = v->boolean;
  c->number = v->number;
  if (v->string)
    c->string = xstrdup (v->string);
  for (size_t i = 0; i < v->count; i++)
    {
      if (v->type == JSON_OBJECT)
        json_set (c, v->keys[i], json_clone (v->items[i]));
      else
        json_append (c, json_clone (v->items[i]));
    }
  return c;
}

bool
json_equal (const json *a, const json *b)
{
  if (!a || !b)
    return a == b;
  if (a->type != b->type)
    return false;
  switch (a->type)
    {
    case JSON_NULL:
      return true;
    case JSON_BOOL:
      return a->boolean == b->boolean;
    case JSON_NUMBER:
      return a->number == b->number;
    case JSON_STRING:
      return strcmp (a->string, b->string) == 0;
    case JSON_ARRAY:
      if (a->count != b->count)
        return false;
      for (size_t i = 0; i < a->count; i++)
        if (!json_equal (a->items[i], b->items[i]))
          return false;
      return true;
    case JSON_OBJECT:
      if (a->count != b->count)
        return false;
      for (size_t i = 0; i < a->count; i++)
        if (!json_equal (a->items[i], json_get (b, a->keys[i])))
          return false;
      return true;
    }
  return false;
}

static void
json_reserve (json *v)
{
  if (v->count < v->cap)
    return;
  v->cap = v->cap ? v->cap * 2 : 4;
  v->items = xrealloc (v->items, v->cap * sizeof *v->items);
  if (v->type == JSON_OBJECT)
    v->keys = xrealloc (v->keys, v->cap * sizeof *v->keys);
}

void
json_append (json *array, json *item)
{
  json_reserve (array);
  array->items[array->count++] = item;
}

size_t
json_len (const json *v)
{
  return v && (v->type == JSON_ARRAY || v->type == JSON_OBJECT) ? v->count : 0;
}

json *
json_at (const json *v, size_t i)
{
  return i < json_len (v) ? v->items[i] : NULL;
}

static long
json_index_of (const json *object, const char *key)
{
  if (!object || object->type != JSON_OBJECT)
    return -1;
  for (size_t i = 0; i < object->count; i++)
    if (strcmp (object->keys[i], key) == 0)
      return (long) i;
  return -1;
}

void
json_set (json *object, const char *key, json *value)
{
  long i = json_index_of (object, key);
  if (i >= 0)
    {
      json_free (object->items[i]);
      object->items[i] = value;
      return;
    }
  json_reserve (object);
  object->keys[object->count] = xstrdup (key);
  object->items[object->count++] = value;
}

void json_set_str (json *o, const char *k, const char *s) { json_set (o, k, json_new_string (s)); }
void json_set_int (json *o, const char *k, long long n) { json_set (o, k, json_new_number ((double) n)); }
void json_set_bool (json *o, const char *k, bool b) { json_set (o, k, json_new_bool (b)); }

json *
json_get (const json *object, const char *key)
{
  long i = json_index_of (object, key);
  return i >= 0 ? object->items[i] : NULL;
}

const char *
json_get_str (const json *object, const char *key)
{
  json *v = json_get (object, key);
  return v && v->type == JSON_STRING ? v->string : NULL;
}

json *
json_take (json *object, const char *key)
{
  long i = json_index_of (object, key);
  if (i < 0)
    return NULL;
  json *v = object->items[i];
  free (object->keys[i]);
  memmove (object->items + i, object->items + i + 1, (object->count - (size_t) i - 1) * sizeof *object->items);
  memmove (object->keys + i, object->keys + i + 1, (object->count - (size_t) i - 1) * sizeof *object->keys);
  object->count--;
  return v;
}

const char *
json_type_name (json_type t)
{
  static const char *const names[] = { "null", "a boolean", "a number", "a string", "a list", "an object" };
  return names[t];
}

bool
json_get_int (const json *v, long long *out)
{
  if (!v || v->type != JSON_NUMBER || !isfinite (v->number) || floor (v->number) != v->number
      || fabs (v->number) > 9007199254740992.0)
    return false;
  *out = (long long) v->number;
  return true;
}

/* ---- parser -------------------------------------------------------- */

typedef struct
{
  const char *s;
  size_t len;
  size_t pos;
  char *error;
} parser;

static void
describe_found (const parser *p, char *out, size_t outlen)
{
  if (p->pos >= p->len)
    {
      snprintf (out, outlen, "end of input");
      return;
    }
  unsigned char c = (unsigned char) p->s[p->pos];
  if (c >= 0x20 && c < 0x7f)
    snprintf (out, outlen, "'%c'", c);
  else
    snprintf (out, outlen, "byte 0x%02x", c);
}

static void
parse_error (parser *p, const char *expected)
{
  if (p->error)
    return;
  size_t line = 1, col = 1;
  for (size_t i = 0; i < p->pos && i < p->len; i++)
    {
      if (p->s[i] == '\n')
        {
          line++;
          col = 1;
        }
      else if (((unsigned char) p->s[i] & 0xC0) != 0x80)
        col++;
    }
  char found[32];
  describe_found (p, found, sizeof found);
  p->error = xasprintf ("line %zu, column %zu: expected %s, found %s", line, col, expected, found);
}

static void
skip_ws (parser *p)
{
  while (p->pos < p->len)
    {
      char c = p->s[p->pos];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      p->pos++;
    }
}

static bool
consume_literal (parser *p, const char *lit)
{
  size_t n = strlen (lit);
  if (p->len - p->pos >= n && memcmp (p->s + p->pos, lit, n) == 0)
    {
      p->pos += n;
      return true;
    }
  return false;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static bool
parse_hex4 (parser *p, unsigned *out)
{
  if (p->len - p->pos < 4)
    {
      p->pos = p->len;
      parse_error (p, "four hex digits after \\u");
      return false;
    }
  unsigned v = 0;
  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (p->s[p->pos]);
      if (h < 0)
        {
          parse_error (p, "four hex digits after \\u");
          return false;
        }
      v = v * 16 + (unsigned) h;
      p->pos++;
    }
  *out = v;
  return true;
}

/* Parses a string token (p->pos at the opening quote) into out. */
static bool
parse_string_raw (parser *p, strbuf *out)
{
  p->pos++; /* opening quote */
  for (;;)
    {
      if (p->pos >= p->len)
        {
          parse_error (p, "a closing '\"'");
          return false;
        }
      unsigned char c = (unsigned char) p->s[p->pos];
      if (c == '"')
        {
          p->pos++;
          return true;
        }
      if (c < 0x20)
        {
          parse_error (p, "an escaped control character (\\n, \\t, \\u00XX)");
          return false;
        }
      if (c == '\\')
        {
          p->pos++;
          if (p->pos >= p->len)
            {
              parse_error (p, "an escape character");
              return false;
            }
          char e = p->s[p->pos++];
          switch (e)
            {
            case '"': strbuf_addc (out, '"'); break;
            case '\\': strbuf_addc (out, '\\'); break;
            case '/': strbuf_addc (out, '/'); break;
            case 'b': strbuf_addc (out, '\b'); break;
            case 'f': strbuf_addc (out, '\f'); break;
            case 'n': strbuf_addc (out, '\n'); break;
            case 'r': strbuf_addc (out, '\r'); break;
            case 't': strbuf_addc (out, '\t'); break;
            case 'u':
              {
                unsigned cp;
                size_t at = p->pos - 2;
                if (!parse_hex4 (p, &cp))
                  return false;
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                  {
                    p->pos = at;
                    parse_error (p, "a high surrogate before a low surrogate");
                    return false;
                  }
                if (cp >= 0xD800 && cp <= 0xDBFF)
                  {
                    unsigned lo;
                    if (!consume_literal (p, "\\u"))
                      {
                        parse_error (p, "a low surrogate (\\uDC00-\\uDFFF)");
                        return false;
                      }
                    if (!parse_hex4 (p, &lo))
                      return false;
                    if (lo < 0xDC00 || lo > 0xDFFF)
                      {
                        p->pos -= 6;
                        parse_error (p, "a low surrogate (\\uDC00-\\uDFFF)");
                        return false;
                      }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                  }
                if (cp == 0)
                  {
                    p->pos = at;
                    parse_error (p, "a character other than \\u0000");
                    return false;
                  }
                strbuf_add_utf8 (out, cp);
                break;
              }
            default:
              p->pos--;
              parse_error (p, "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
              return false;
            }
          continue;
        }
      /* Raw UTF-8: copy one validated sequence. */
      size_t start = p->pos, n = 1;
      if (c >= 0x80)
        {
          size_t avail = p->len - p->pos;
          size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
          if (want > avail || !utf8_valid (p->s + start, want))
            {
              parse_error (p, "valid UTF-8");
              return false;
            }
          n = want;
        }
      strbuf_add (out, p->s + start, n);
      p->pos += n;
    }
}

static json *
parse_number (parser *p)
{
  size_t start = p->pos;
  if (p->pos < p->len && p->s[p->pos] == '-')
    p->pos++;
  if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
    {
      parse_error (p, "a digit");
      return NULL;
    }
  if (p->s[p->pos] == '0')
    {
      p->pos++;
      if (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
        {
          parse_error (p, "no leading zero");
          return NULL;
        }
    }
  else
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
      p->pos++;
  if (p->pos < p->len && p->s[p->pos] == '.')
    {
      p->pos++;
      if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
        {
          parse_error (p, "a digit after '.'");
          return NULL;
        }
      while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
        p->pos++;
    }
  if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E'))
    {
      p->pos++;
      if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
        p->pos++;
      if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
        {
          parse_error (p, "a digit in the exponent");
          return NULL;
        }
      while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
        p->pos++;
    }
  char *copy = xstrndup (p->s + start, p->pos - start);
  errno = 0;
  double d = strtod (copy, NULL);
  free (copy);
  if (!isfinite (d))
    {
      p->pos = start;
      parse_error (p, "a number within double range");
      return NULL;
    }
  return json_new_number (d);
}

static json *parse_value (parser *p, int depth);

static json *
parse_array (parser *p, int depth)
{
  json *arr = json_new_array ();
  p->pos++; /* [ */
  skip_ws (p);
  if (p->pos < p->len && p->s[p->pos] == ']')
    {
      p->pos++;
      return arr;
    }
  for (;;)
    {
      skip_ws (p);
      json *item = parse_value (p, depth + 1);
      if (!item)
        goto fail;
      json_append (arr, item);
      skip_ws (p);
      if (p->pos < p->len && p->s[p->pos] == ',')
        {
          p->pos++;
          continue;
        }
      if (p->pos < p->len && p->s[p->pos] == ']')
        {
          p->pos++;
          return arr;
        }
      parse_error (p, "',' or ']'");
      goto fail;
    }
fail:
  json_free (arr);
  return NULL;
}

static json *
parse_object (parser *p, int depth)
{
  json *obj = json_new_object ();
  strbuf key = STRBUF_INIT;
  strbuf_init (&key);
  p->pos++; /* { */
  skip_ws (p);
  if (p->pos < p->len && p->s[p->pos] == '}')
    {
      p->pos++;
      strbuf_free (&key);
      return obj;
    }
  for (;;)
    {
      skip_ws (p);
      if (p->pos >= p->len || p->s[p->pos] != '"')
        {
          parse_error (p, "a member name in double quotes");
          goto fail;
        }
      size_t key_pos = p->pos;
      strbuf_reset (&key);
      if (!parse_string_raw (p, &key))
        goto fail;
      if (json_get (obj, key.data))
        {
          p->pos = key_pos;
          parse_error (p, "a member name not used before in this object");
          goto fail;
        }
      skip_ws (p);
      if (p->pos >= p->len || p->s[p->pos] != ':')
        {
          parse_error (p, "':'");
          goto fail;
        }
      p->pos++;
      skip_ws (p);
      json *value = parse_value (p, depth + 1);
      if (!value)
        goto fail;
      json_set (obj, key.data, value);
      skip_ws (p);
      if (p->pos < p->len && p->s[p->pos] == ',')
        {
          p->pos++;
          continue;
        }
      if (p->pos < p->len && p->s[p->pos] == '}')
        {
          p->pos++;
          strbuf_free (&key);
          return obj;
        }
      parse_error (p, "',' or '}'");
      goto fail;
    }
fail:
  strbuf_free (&key);
  json_free (obj);
  return NULL;
}

static json *
parse_value (parser *p, int depth)
{
  if (depth > JSON_MAX_DEPTH)
    {
      parse_error (p, "at most " "200" " levels of nesting");
      return NULL;
    }
  skip_ws (p);
  if (p->pos >= p->len)
    {
      parse_error (p, "a value");
      return NULL;
    }
  char c = p->s[p->pos];
  switch (c)
    {
    case '{':
      return parse_object (p, depth);
    case '[':
      return parse_array (p, depth);
    case '"':
      {
        strbuf sb = STRBUF_INIT;
        strbuf_init (&sb);
        if (!parse_string_raw (p, &sb))
          {
            strbuf_free (&sb);
            return NULL;
          }
        json *v = json_alloc (JSON_STRING);
        v->string = strbuf_steal (&sb);
        return v;
      }
    case 't':
      if (consume_literal (p, "true"))
        return json_new_bool (true);
      break;
    case 'f':
      if (consume_literal (p, "false"))
        return json_new_bool (false);
      break;
    case 'n':
      if (consume_literal (p, "null"))
        return json_new_null ();
      break;
    default:
      if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number (p);
      break;
    }
  parse_error (p, "a value (object, list, string, number, true, false or null)");
  return NULL;
}

json *
json_parse (const char *text, size_t len, char **error)
{
  parser p = { .s = text, .len = len };
  size_t skip = 0;
  if (len >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    skip = 3; /* tolerate a UTF-8 byte order mark */
  p.pos = skip;
  json *v = parse_value (&p, 0);
  if (v)
    {
      skip_ws (&p);
      if (p.pos != p.len)
        {
          parse_error (&p, "end of input");
          json_free (v);
          v = NULL;
        }
    }
  if (!v && error)
    *error = p.error;
  else
    free (p.error);
  return v;
}

json *
json_parse_file (const char *path, char **error)
{
  size_t len;
  char *err = NULL;
  char *text = read_file (path, 16u << 20, &len, &err);
  if (!text)
    {
      if (error)
        *error = err;
      else
        free (err);
      return NULL;
    }
  json *v = json_parse (text, len, &err);
  free (text);
  if (!v)
    {
      if (error)
        *error = xasprintf ("%s: %s", path, err);
      free (err);
    }
  return v;
}

/* ---- serializer ---------------------------------------------------- */

void
json_write_string (strbuf *sb, const char *s, size_t len)
{
  static const char hex[] = "0123456789abcdef";
  strbuf_addc (sb, '"');
  size_t i = 0;
  while (i < len)
    {
      unsigned char c = (unsigned char) s[i];
      if (c < 0x80)
        {
          switch (c)
            {
            case '"': strbuf_add (sb, "\\\"", 2); break;
            case '\\': strbuf_add (sb, "\\\\", 2); break;
            case '\n': strbuf_add (sb, "\\n", 2); break;
            case '\r': strbuf_add (sb, "\\r", 2); break;
            case '\t': strbuf_add (sb, "\\t", 2); break;
            case '\b': strbuf_add (sb, "\\b", 2); break;
            case '\f': strbuf_add (sb, "\\f", 2); break;
            default:
              if (c < 0x20 || c == 0x7f)
                {
                  char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
                  strbuf_add (sb, esc, 6);
                }
              else
                strbuf_addc (sb, (char) c);
            }
          i++;
          continue;
        }
      size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      if (want <= len - i && utf8_valid (s + i, want))
        {
          strbuf_add (sb, s + i, want);
          i += want;
        }
      else
        {
          strbuf_add (sb, "\xEF\xBF\xBD", 3); /* U+FFFD for a bad byte */
          i++;
        }
    }
  strbuf_addc (sb, '"');
}

static void
write_number (strbuf *sb, double d)
{
  if (!isfinite (d))
    strbuf_adds (sb, "null");
  else if (floor (d) == d && fabs (d) < 1e15)
    strbuf_addf (sb, "%.0f", d);
  else
    strbuf_addf (sb, "%.17g", d);
}

void
json_serialize_to (strbuf *sb, const json *v)
{
  if (!v)
    {
      strbuf_adds (sb, "null");
      return;
    }
  switch (v->type)
    {
    case JSON_NULL:
      strbuf_adds (sb, "null");
      break;
    case JSON_BOOL:
      strbuf_adds (sb, v->boolean ? "true" : "false");
      break;
    case JSON_NUMBER:
      write_number (sb, v->number);
      break;
    case JSON_STRING:
      json_write_string (sb, v->string, strlen (v->string));
      break;
    case JSON_ARRAY:
      strbuf_addc (sb, '[');
      for (size_t i = 0; i < v->count; i++)
        {
          if (i)
            strbuf_addc (sb, ',');
          json_serialize_to (sb, v->items[i]);
        }
      strbuf_addc (sb, ']');
      break;
    case JSON_OBJECT:
      strbuf_addc (sb, '{');
      for (size_t i = 0; i < v->count; i++)
        {
          if (i)
            strbuf_addc (sb, ',');
          json_write_string (sb, v->keys[i], strlen (v->keys[i]));
          strbuf_addc (sb, ':');
          json_serialize_to (sb, v->items[i]);
        }
      strbuf_addc (sb, '}');
      break;
    }
}

char *
json_serialize (const json *v)
{
  strbuf sb = STRBUF_INIT;
  strbuf_init (&sb);
  json_serialize_to (&sb, v);
  return strbuf_steal (&sb);
}
