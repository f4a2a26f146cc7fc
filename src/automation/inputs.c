/* inputs.c - what a pipeline's build depends on (inputs.h) */
#include "inputs.h"

#include <json-glib/json-glib.h>

#include "build/plan.h"
#include "common/kiln-json.h"
#include "documents/component.h"

/* The digests below are HMAC-SHA256 keyed with the home's build-key secret
 * (store/build-secret.h), as the build key is: runs.inputs is kept in the
 * catalog, and a plain SHA-256 of a component's parameters (or of a recipe
 * or component text that binds them) would let anyone who reads the
 * catalog try guesses at a weak secret value offline. */
static GHmac *
keyed_sum (GBytes *secret)
{
  gsize len = 0;
  const guchar *bytes = g_bytes_get_data (secret, &len);
  return g_hmac_new (G_CHECKSUM_SHA256, bytes, len);
}

static char *
keyed_digest (GBytes *secret, const char *data, gsize len)
{
  g_autoptr (GHmac) sum = keyed_sum (secret);
  g_hmac_update (sum, (const guchar *) data, len);
  return g_strdup (g_hmac_get_string (sum));
}

/* The bound parameters, sorted by name: the values stay out of the
 * catalog (some are secret), a change still shows. */
static char *
params_digest (GBytes *secret, GHashTable *params)
{
  g_autoptr (GHmac) sum = keyed_sum (secret);
  if (params)
    {
      g_autoptr (GList) keys = g_list_sort (g_hash_table_get_keys (params),
                                            (GCompareFunc) g_strcmp0);
      for (GList *l = keys; l; l = l->next)
        {
          g_autofree char *kv = g_strdup_printf (
              "%s=%s\n", (char *) l->data,
              (char *) g_hash_table_lookup (params, l->data));
          g_hmac_update (sum, (guchar *) kv, -1);
        }
    }
  return g_strdup (g_hmac_get_string (sum));
}

char *
kiln_inputs_json (GBytes *secret, const char *recipe_text, gsize recipe_len,
                  const KilnJob *job, const char *parent_digest)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *recipe_sum = keyed_digest (secret, recipe_text,
                                              recipe_len);

  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "recipe", recipe_sum);
  json_builder_set_member_name (b, "parent");
  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "ref", job->parent_ref);
  kiln_json_add_string_or_null (b, "path", job->parent);
  kiln_json_add_string_or_null (b, "sha256", parent_digest);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "components");
  json_builder_begin_array (b);
  for (guint i = 0; i < job->components->len; i++)
    {
      const KilnPlanComponent *pc = job->components->pdata[i];
      const KilnDoc *doc = pc->component->doc;
      g_autofree char *text_sum = keyed_digest (secret, doc->text,
                                                doc->text_len);
      g_autofree char *params_sum = params_digest (secret, pc->params);
      json_builder_begin_object (b);
      kiln_json_add_string_or_null (b, "ref", pc->ref);
      kiln_json_add_string_or_null (b, "text", text_sum);
      kiln_json_add_string_or_null (b, "parameters", params_sum);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return kiln_json_string (root, FALSE);
}

static JsonObject *
parse_object (JsonParser *parser, const char *text)
{
  if (!text || !json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  return root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root)
                                               : NULL;
}

static const char *
member (JsonObject *o, const char *name)
{
  return o ? kiln_json_member_string (o, name) : NULL;
}

static JsonObject *
object_member (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
array_member (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static void
compare_parent (GPtrArray *out, JsonObject *before, JsonObject *now)
{
  JsonObject *pb = object_member (before, "parent");
  JsonObject *pn = object_member (now, "parent");
  if (g_strcmp0 (member (pb, "ref"), member (pn, "ref")) != 0)
    g_ptr_array_add (out, g_strdup_printf ("parent: now %s (was %s)",
                                           member (pn, "ref"),
                                           member (pb, "ref")));
  else if (g_strcmp0 (member (pb, "path"), member (pn, "path")) != 0)
    g_ptr_array_add (out, g_strdup_printf ("parent %s: now resolves to %s "
                                           "(was %s)", member (pn, "ref"),
                                           member (pn, "path"),
                                           member (pb, "path")));
  else if (g_strcmp0 (member (pb, "sha256"), member (pn, "sha256")) != 0)
    g_ptr_array_add (out, g_strdup_printf ("parent %s: its digest changed",
                                           member (pn, "ref")));
}

static void
compare_components (GPtrArray *out, JsonObject *before, JsonObject *now)
{
  JsonArray *cb = array_member (before, "components");
  JsonArray *cn = array_member (now, "components");
  guint nb = cb ? json_array_get_length (cb) : 0;
  guint nn = cn ? json_array_get_length (cn) : 0;
  for (guint i = 0; i < MAX (nb, nn); i++)
    {
      JsonObject *b = i < nb ? json_array_get_object_element (cb, i) : NULL;
      JsonObject *n = i < nn ? json_array_get_object_element (cn, i) : NULL;
      if (!b)
        g_ptr_array_add (out, g_strdup_printf ("component %u (%s) added",
                                               i + 1, member (n, "ref")));
      else if (!n)
        g_ptr_array_add (out, g_strdup_printf ("component %u (%s) removed",
                                               i + 1, member (b, "ref")));
      else if (g_strcmp0 (member (b, "ref"), member (n, "ref")) != 0)
        g_ptr_array_add (out, g_strdup_printf ("component %u: now %s (was "
                                               "%s)", i + 1,
                                               member (n, "ref"),
                                               member (b, "ref")));
      else
        {
          if (g_strcmp0 (member (b, "text"), member (n, "text")) != 0)
            g_ptr_array_add (out, g_strdup_printf ("component %s: its text "
                                                   "changed",
                                                   member (n, "ref")));
          if (g_strcmp0 (member (b, "parameters"), member (n, "parameters"))
              != 0)
            g_ptr_array_add (out, g_strdup_printf ("component %s: its "
                                                   "parameters changed",
                                                   member (n, "ref")));
        }
    }
}

GPtrArray *
kiln_inputs_changes (const char *before, const char *now)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonParser) pb = json_parser_new ();
  g_autoptr (JsonParser) pn = json_parser_new ();
  JsonObject *ob = parse_object (pb, before);
  JsonObject *on = parse_object (pn, now);
  if (!ob || !on)
    {
      g_ptr_array_add (out, g_strdup ("no earlier build of this pipeline "
                                      "to compare with"));
      return out;
    }
  if (g_strcmp0 (member (ob, "recipe"), member (on, "recipe")) != 0)
    g_ptr_array_add (out, g_strdup ("the recipe's text changed"));
  compare_parent (out, ob, on);
  compare_components (out, ob, on);
  return out;
}
