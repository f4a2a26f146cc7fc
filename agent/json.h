/* json.h - a small strict JSON (RFC 8259) tree, parser and serializer
 *
 * Written for kiln-agent (no GLib in the guest).  The parser is strict:
 * UTF-8 is validated, control characters in strings, trailing commas,
 * comments, leading zeros, duplicate object keys and \u0000 are refused,
 * nesting is limited.  Objects keep member order.  Strings are C strings.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

typedef enum
{
  JSON_NULL,
  JSON_BOOL,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT,
} json_type;

typedef struct json json;
struct json
{
  json_type type;
  bool boolean;
  double number;
  char *string;      /* JSON_STRING */
  size_t count;      /* JSON_ARRAY / JSON_OBJECT */
  size_t cap;
  json **items;
  char **keys;       /* JSON_OBJECT: keys[i] names items[i] */
};

#define JSON_MAX_DEPTH 200

/* Parses text[0..len).  On error returns NULL and sets *error (free it) to
 * "line L, column C: expected X, found Y". */
json *json_parse (const char *text, size_t len, char **error);
/* Reads and parses a file; errors name the file. */
json *json_parse_file (const char *path, char **error);

/* Compact serialization (no spaces), UTF-8.  Invalid UTF-8 in strings is
 * replaced with U+FFFD so the output is always valid JSON. */
char *json_serialize (const json *v);
void json_serialize_to (strbuf *sb, const json *v);
/* Appends s[0..len) as a quoted, escaped JSON string. */
void json_write_string (strbuf *sb, const char *s, size_t len);

json *json_new_null (void);
json *json_new_bool (bool b);
json *json_new_number (double n);
json *json_new_string (const char *s);          /* NULL gives null */
json *json_new_string_len (const char *s, size_t len);
json *json_new_array (void);
json *json_new_object (void);
void json_free (json *v);
json *json_clone (const json *v);
bool json_equal (const json *a, const json *b);

/* Arrays (these take ownership of item). */
void json_append (json *array, json *item);
size_t json_len (const json *v);                /* 0 unless array/object */
json *json_at (const json *v, size_t i);        /* NULL when out of range */

/* Objects (json_set takes ownership of value and replaces an old one). */
void json_set (json *object, const char *key, json *value);
void json_set_str (json *object, const char *key, const char *s);
void json_set_int (json *object, const char *key, long long n);
void json_set_bool (json *object, const char *key, bool b);
json *json_get (const json *object, const char *key);
/* The member's string, NULL when missing or not a string. */
const char *json_get_str (const json *object, const char *key);
/* Removes the member and hands it to the caller (NULL when missing). */
json *json_take (json *object, const char *key);

const char *json_type_name (json_type t);
/* Integral number in [min, max]? */
bool json_get_int (const json *v, long long *out);
