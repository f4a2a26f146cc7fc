/* gen-schemas.c - JSON Schemas from the validators' own tables
 *
 *   gen-schemas IN.schema.json.in OUT.schema.json
 *
 * IN is a JSON Schema (draft-07) with a few kiln annotations that name the
 * tables kiln validate checks documents against (documents/tables.h,
 * actions.h, condition.h):
 *
 *   "x-kiln-keys": NAME or [NAME | "+key", ...]
 *       the object's "properties" must be exactly the table's keys (a
 *       mismatch stops the build, naming the difference), and
 *       "additionalProperties": false is added unless the object says
 *       otherwise (a component's top level: unknown keys are a warning);
 *   "x-kiln-enum": NAME          "enum" is the table's values;
 *   "x-kiln-each": {"table": NAME, "schema": S}
 *       adds a property with schema S for every value of the table;
 *   "x-kiln-actions": true       adds, for every action kiln runs, the
 *       shape of that action's `inputs` (from the action table).
 *
 * The annotations are removed from OUT.  So the schemas say what the
 * validators accept, key for key, and cannot drift from them.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "common/kiln-json.h"
#include "common/kiln-protocol.h"
#include "documents/actions.h"
#include "documents/condition.h"
#include "documents/recipe.h"
#include "documents/tables.h"

static const KilnDocTable *const all_tables[] = {
  kiln_recipe_tables, kiln_pipeline_tables, kiln_component_tables,
  kiln_loop_tables, kiln_condition_tables, kiln_template_tables,
  kiln_lifecycle_tables, kiln_notify_tables,
};

static GQuark
gen_error_quark (void)
{
  return g_quark_from_static_string ("gen-schemas");
}

/* Every operator of a condition, comparisons and and/or/not (the agent
 * evaluates the same list). */
static const char *const *
condition_operators (void)
{
  static const char *names[KILN_OPERATOR_COUNT + 1];
  for (guint op = 0; op < KILN_OPERATOR_COUNT; op++)
    names[op] = kiln_protocol_operator_name (op);
  return names;
}

/* A table by name; the action names and the operators come from their own
 * functions. */
static const char *const *
table (const char *name, GError **error)
{
  if (strcmp (name, "action.names") == 0)
    return kiln_action_names (TRUE);
  if (strcmp (name, "condition.comparisons") == 0)
    return kiln_condition_comparison_operators ();
  if (strcmp (name, "condition.operators") == 0)
    return condition_operators ();
  for (gsize i = 0; i < G_N_ELEMENTS (all_tables); i++)
    for (const KilnDocTable *t = all_tables[i]; t->name; t++)
      if (strcmp (t->name, name) == 0)
        return t->values;
  g_set_error (error, gen_error_quark (), 1, "no validator table named '%s'",
               name);
  return NULL;
}

static JsonNode *
string_array (const char *const *values)
{
  JsonArray *a = json_array_new ();
  for (guint i = 0; values[i]; i++)
    json_array_add_string_element (a, values[i]);
  JsonNode *n = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (n, a);
  return n;
}

static JsonObject *
object_member (JsonObject *o, const char *name)
{
  if (!json_object_has_member (o, name))
    json_object_set_object_member (o, name, json_object_new ());
  return json_object_get_object_member (o, name);
}

/* ---- x-kiln-actions ------------------------------------------------------ */

static JsonObject *
parse_object (const char *json)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  if (!json_parser_load_from_data (p, json, -1, NULL))
    g_error ("gen-schemas: bad built-in JSON: %s", json);
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

/* "SHA256" -> "[Ss][Hh][Aa]256": kiln compares choices case-insensitively */
static void
append_any_case (GString *s, const char *word)
{
  for (const char *p = word; *p; p++)
    if (g_ascii_isalpha (*p))
      g_string_append_printf (s, "[%c%c]", g_ascii_toupper (*p),
                              g_ascii_tolower (*p));
    else if (strchr ("\\^$.|?*+()[]{}", *p))
      g_string_append_printf (s, "\\%c", *p);
    else
      g_string_append_c (s, *p);
}

/* The schema of one input field by its type; references point into the
 * component schema's "definitions". */
static JsonObject *
input_schema (const KilnActionInput *in)
{
  switch (in->type)
    {
    case KILN_INPUT_INTEGER:
      return parse_object ("{\"$ref\": \"#/definitions/count\"}");
    case KILN_INPUT_BOOLEAN:
      return parse_object ("{\"$ref\": \"#/definitions/boolean\"}");
    case KILN_INPUT_STRING_LIST:
      return parse_object ("{\"type\": \"array\", \"items\": "
                           "{\"$ref\": \"#/definitions/scalar\"}}");
    case KILN_INPUT_PERMISSIONS:
      return parse_object ("{\"$ref\": \"#/definitions/permissions\"}");
    case KILN_INPUT_HTTP_URL:
      return parse_object ("{\"type\": \"string\", \"pattern\": "
                           "\"^([Hh][Tt][Tt][Pp][Ss]?://|.*\\\\{\\\\{)\"}");
    case KILN_INPUT_S3_URI:
      return parse_object ("{\"type\": \"string\", \"pattern\": "
                           "\"^([Ss]3://|.*\\\\{\\\\{)\"}");
    case KILN_INPUT_PHASE_LIST:
      return parse_object ("{\"type\": \"string\"}");
    case KILN_INPUT_NAME_VALUE_LIST:
      return parse_object ("{\"$ref\": \"#/definitions/nameValueList\"}");
    case KILN_INPUT_CHOICE:
      {
        g_autoptr (GString) re = g_string_new ("^(");
        for (guint i = 0; in->allowed && in->allowed[i]; i++)
          {
            if (i)
              g_string_append_c (re, '|');
            append_any_case (re, in->allowed[i]);
          }
        g_string_append (re, "|.*\\{\\{.*)$");
        JsonObject *o = json_object_new ();
        json_object_set_string_member (o, "type", "string");
        json_object_set_string_member (o, "pattern", re->str);
        return o;
      }
    case KILN_INPUT_STRING:
    case KILN_INPUT_ENCODING:
    case KILN_INPUT_DOCUMENT:
    default:
      return parse_object ("{\"$ref\": \"#/definitions/scalar\"}");
    }
}

/* One entry of the action's inputs: an object of its fields. */
static JsonObject *
inputs_entry (const KilnAction *a)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "type", "object");
  JsonObject *props = object_member (o, "properties");
  JsonArray *required = json_array_new ();
  for (const KilnActionInput *in = a->inputs; in && in->name; in++)
    {
      json_object_set_object_member (props, in->name, input_schema (in));
      if (in->required)
        json_array_add_string_element (required, in->name);
    }
  if (json_array_get_length (required))
    json_object_set_array_member (o, "required", required);
  else
    json_array_unref (required);
  json_object_set_boolean_member (o, "additionalProperties", FALSE);
  return o;
}

static JsonObject *
inputs_schema (const KilnAction *a)
{
  if (a->shape == KILN_INPUTS_CONDITION)
    return parse_object ("{\"$ref\": \"#/definitions/assertion\"}");
  if (a->shape == KILN_INPUTS_MAP)
    return inputs_entry (a);
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "type", "array");
  json_object_set_int_member (o, "minItems", 1);
  json_object_set_object_member (o, "items", inputs_entry (a));
  return o;
}

/* allOf: [ { if: {action: A}, then: {inputs: ...} }, ... ] */
static void
add_actions (JsonObject *o)
{
  if (!json_object_has_member (o, "allOf"))
    json_object_set_array_member (o, "allOf", json_array_new ());
  JsonArray *all = json_object_get_array_member (o, "allOf");
  const char *const *names = kiln_action_names (TRUE);
  for (guint i = 0; names[i]; i++)
    {
      const KilnAction *a = kiln_action_lookup (names[i]);
      JsonObject *rule = json_object_new ();
      JsonObject *cond = object_member (rule, "if");
      JsonObject *action = object_member (object_member (cond, "properties"),
                                          "action");
      json_object_set_string_member (action, "const", kiln_action_name (a));
      JsonArray *req = json_array_new ();
      json_array_add_string_element (req, "action");
      json_object_set_array_member (cond, "required", req);
      JsonObject *then = object_member (rule, "then");
      json_object_set_object_member (object_member (then, "properties"),
                                     "inputs", inputs_schema (a));
      if (a->inputs_required)
        {
          JsonArray *need = json_array_new ();
          json_array_add_string_element (need, "inputs");
          json_object_set_array_member (then, "required", need);
        }
      json_array_add_object_element (all, rule);
    }
}

/* ---- the walk ------------------------------------------------------------ */

static gboolean walk (JsonNode *node, const char *path, GError **error);

/* The keys x-kiln-keys names: tables and "+literal" keys. */
static GPtrArray *
expected_keys (JsonNode *spec, GError **error)
{
  GPtrArray *keys = g_ptr_array_new ();
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  if (JSON_NODE_HOLDS_ARRAY (spec))
    {
      JsonArray *a = json_node_get_array (spec);
      for (guint i = 0; i < json_array_get_length (a); i++)
        g_ptr_array_add (names, (gpointer) json_array_get_string_element (a, i));
    }
  else
    g_ptr_array_add (names, (gpointer) json_node_get_string (spec));
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = names->pdata[i];
      if (n && n[0] == '+')
        {
          g_ptr_array_add (keys, (gpointer) (n + 1));
          continue;
        }
      const char *const *t = n ? table (n, error) : NULL;
      if (!t)
        {
          g_ptr_array_unref (keys);
          return NULL;
        }
      for (guint j = 0; t[j]; j++)
        g_ptr_array_add (keys, (gpointer) t[j]);
    }
  return keys;
}

static gboolean
check_keys (JsonObject *o, const char *path, GError **error)
{
  JsonNode *spec = json_object_get_member (o, "x-kiln-keys");
  g_autoptr (GPtrArray) want = expected_keys (spec, error);
  if (!want)
    return FALSE;
  JsonObject *props = object_member (o, "properties");
  g_autoptr (GString) diff = g_string_new (NULL);
  for (guint i = 0; i < want->len; i++)
    if (!json_object_has_member (props, want->pdata[i]))
      g_string_append_printf (diff, " missing '%s'",
                              (const char *) want->pdata[i]);
  g_autoptr (GList) have = json_object_get_members (props);
  for (GList *l = have; l; l = l->next)
    {
      gboolean known = FALSE;
      for (guint i = 0; i < want->len && !known; i++)
        known = strcmp (want->pdata[i], l->data) == 0;
      if (!known)
        g_string_append_printf (diff, " extra '%s'", (const char *) l->data);
    }
  if (diff->len)
    {
      g_set_error (error, gen_error_quark (), 2, "%s: the properties differ "
                   "from what kiln validate accepts:%s", path, diff->str);
      return FALSE;
    }
  if (!json_object_has_member (o, "additionalProperties"))
    json_object_set_boolean_member (o, "additionalProperties", FALSE);
  return TRUE;
}

static gboolean
expand_each (JsonObject *o, JsonNode *spec, const char *path, GError **error)
{
  JsonArray *list = NULL;
  g_autoptr (JsonArray) single = NULL;
  if (JSON_NODE_HOLDS_ARRAY (spec))
    list = json_node_get_array (spec);
  else
    {
      single = json_array_new ();
      json_array_add_element (single, json_node_copy (spec));
      list = single;
    }
  JsonObject *props = object_member (o, "properties");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *each = json_array_get_object_element (list, i);
      const char *name = json_object_get_string_member (each, "table");
      JsonNode *schema = json_object_get_member (each, "schema");
      const char *const *t = table (name, error);
      if (!t || !schema)
        {
          if (t)
            g_set_error (error, gen_error_quark (), 3, "%s: x-kiln-each "
                         "without a schema", path);
          return FALSE;
        }
      for (guint j = 0; t[j]; j++)
        json_object_set_member (props, t[j], json_node_copy (schema));
    }
  return TRUE;
}

static gboolean
walk_object (JsonObject *o, const char *path, GError **error)
{
  JsonNode *each = json_object_get_member (o, "x-kiln-each");
  if (each && !expand_each (o, each, path, error))
    return FALSE;
  if (json_object_has_member (o, "x-kiln-enum"))
    {
      const char *const *t = table (
          json_object_get_string_member (o, "x-kiln-enum"), error);
      if (!t)
        return FALSE;
      json_object_set_member (o, "enum", string_array (t));
    }
  if (json_object_has_member (o, "x-kiln-actions"))
    add_actions (o);
  if (json_object_has_member (o, "x-kiln-keys") && !check_keys (o, path, error))
    return FALSE;
  const char *annotations[] = { "x-kiln-each", "x-kiln-enum", "x-kiln-actions",
                                "x-kiln-keys" };
  for (guint i = 0; i < G_N_ELEMENTS (annotations); i++)
    json_object_remove_member (o, annotations[i]);

  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *l = members; l; l = l->next)
    {
      g_autofree char *sub = g_strdup_printf ("%s/%s", path,
                                              (const char *) l->data);
      if (!walk (json_object_get_member (o, l->data), sub, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
walk (JsonNode *node, const char *path, GError **error)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return walk_object (json_node_get_object (node), path, error);
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          g_autofree char *sub = g_strdup_printf ("%s/%u", path, i);
          if (!walk (json_array_get_element (a, i), sub, error))
            return FALSE;
        }
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: gen-schemas IN.schema.json.in OUT.schema.json\n");
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, argv[1], &error))
    {
      fprintf (stderr, "gen-schemas: %s: %s\n", argv[1], error->message);
      return 1;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (!walk (root, "#", &error))
    {
      fprintf (stderr, "gen-schemas: %s: %s\n", argv[1], error->message);
      return 1;
    }
  g_autofree char *text = kiln_json_to_text (root);
  if (!g_file_set_contents (argv[2], text, -1, &error))
    {
      fprintf (stderr, "gen-schemas: %s\n", error->message);
      return 1;
    }
  return 0;
}
