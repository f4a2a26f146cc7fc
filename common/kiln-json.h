/* kiln-json.h - the JSON helpers the core and the backends share
 *
 * Over json-glib.  JSON kiln reads (agent events, tool output, its own
 * records) may be damaged or hostile, so the member getters never assume a
 * type: a member of another type reads as missing.
 */
#pragma once

#include <json-glib/json-glib.h>

/* The member `name` of o when it is a string, else NULL. */
const char *kiln_json_member_string (JsonObject *o, const char *name);
/* The member `name` of o when it is a number (as an integer; a number
 * beyond gint64 saturates), else fallback. */
gint64 kiln_json_member_int (JsonObject *o, const char *name,
                             gint64 fallback);
/* A size or count: the member as an integer when it is a positive number,
 * else 0. */
guint64 kiln_json_member_uint (JsonObject *o, const char *name);
/* The member `name` of o when it is a boolean, else fallback. */
gboolean kiln_json_member_bool (JsonObject *o, const char *name,
                                gboolean fallback);

/* Parses JSON that came from outside kiln (a guest, a tool) after making
 * sure it nests at most max_depth arrays and objects deep: json-glib
 * recurses once per level, and a line of a few hundred thousand '['
 * exhausts the stack.  NULL with error (KILN_ERROR_INPUT) when it is not
 * JSON or nests deeper. */
JsonNode *kiln_json_parse_bounded (const char *text, gssize len,
                                   guint max_depth, GError **error);

/* Adds member `name`: the string value, or null when value is NULL. */
void kiln_json_add_string_or_null (JsonBuilder *b, const char *name,
                                   const char *value);

/* node as text for people and files: pretty-printed with a two-space
 * indent, ending in a newline. */
char *kiln_json_to_text (JsonNode *node);

/* node as JSON text (pretty or on one line), every control character in a
 * string escaped.  Use it instead of json_to_string: json-glib (1.6) writes
 * U+001F raw, which strict readers (the guest agent among them) refuse;
 * found by fuzz-plan. */
char *kiln_json_string (JsonNode *node, gboolean pretty);
