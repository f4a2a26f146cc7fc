/* kiln-json.c - the JSON helpers the core and the backends share */
#include "kiln-json.h"

#include <string.h>

#include "kiln.h"

const char *
kiln_json_member_string (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  if (!n || !JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

gint64
kiln_json_member_int (JsonObject *o, const char *name, gint64 fallback)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  if (!n || !JSON_NODE_HOLDS_VALUE (n))
    return fallback;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    return json_node_get_int (n);
  if (t != G_TYPE_DOUBLE)
    return fallback;
  /* json-glib's own conversion of 1e300 is undefined behaviour */
  double d = json_node_get_double (n);
  if (d >= 9223372036854775807.0)
    return G_MAXINT64;
  if (d <= -9223372036854775808.0)
    return G_MININT64;
  return (gint64) d;
}

guint64
kiln_json_member_uint (JsonObject *o, const char *name)
{
  gint64 v = kiln_json_member_int (o, name, 0);
  return v > 0 ? (guint64) v : 0;
}

gboolean
kiln_json_member_bool (JsonObject *o, const char *name, gboolean fallback)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  if (!n || !JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (n);
}

/* The deepest nesting of arrays and objects in text, counting only
 * brackets outside strings; stops counting past limit. */
static guint
nesting_depth (const char *text, gsize len, guint limit)
{
  guint depth = 0, deepest = 0;
  gboolean in_string = FALSE;
  for (gsize i = 0; i < len && deepest <= limit; i++)
    {
      char c = text[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          depth++;   /* not inside MAX (): it evaluates twice */
          deepest = MAX (deepest, depth);
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return deepest;
}

JsonNode *
kiln_json_parse_bounded (const char *text, gssize len, guint max_depth,
                         GError **error)
{
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  if (nesting_depth (text, n, max_depth) > max_depth)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "JSON nested more than %u levels deep", max_depth);
      return NULL;
    }
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (parser, text, n, &local))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s", local->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (!root)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "empty JSON text");
      return NULL;
    }
  return json_node_ref (root);
}

void
kiln_json_add_string_or_null (JsonBuilder *b, const char *name,
                              const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

char *
kiln_json_string (JsonNode *node, gboolean pretty)
{
  g_autofree char *text = json_to_string (node, pretty);
  if (strchr (text, 0x1f) == NULL)
    return g_steal_pointer (&text);
  /* a raw 0x1f can only be inside a string: the generator's own layout is
   * spaces and newlines */
  GString *out = g_string_sized_new (strlen (text) + 16);
  for (const char *p = text; *p; p++)
    {
      if (*p == 0x1f)
        g_string_append (out, "\\u001f");
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

char *
kiln_json_to_text (JsonNode *node)
{
  /* json-glib's pretty form indents by two spaces */
  g_autofree char *text = kiln_json_string (node, TRUE);
  return g_strconcat (text, "\n", NULL);
}
