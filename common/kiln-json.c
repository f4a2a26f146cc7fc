/* kiln-json.c - the JSON helpers the core and the backends share */
#include "kiln-json.h"

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
  if (t == G_TYPE_INT64 || t == G_TYPE_DOUBLE)
    return json_node_get_int (n);
  return fallback;
}

guint64
kiln_json_member_uint (JsonObject *o, const char *name)
{
  gint64 v = kiln_json_member_int (o, name, 0);
  return v > 0 ? (guint64) v : 0;
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
kiln_json_to_text (JsonNode *node)
{
  /* json-glib's pretty form indents by two spaces */
  g_autofree char *text = json_to_string (node, TRUE);
  return g_strconcat (text, "\n", NULL);
}
