/* plan.c - compile components into the agent's plan (JSON)
 *
 * The host substitutes parameters and constants; runtime references (loop
 * variables, chaining) stay for the agent.  Every scalar reaches the agent as
 * a string, exactly as the document wrote it.
 */
#include "plan.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "common/kiln.h"
#include "common/kiln-json.h"
#include "common/kiln-protocol.h"
#include "documents/params.h"
#include "documents/vars.h"
#include "outputs/manifest.h"

/* Deep copy of node with parameter/constant references substituted in every
 * string (keys included: AWSTOE does not allow variables in keys, but a
 * substituted key would be harmless). */
static JsonNode *
substitute (JsonNode *node, GHashTable *values)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_autofree char *s
              = kiln_vars_substitute (json_node_get_string (node), values);
          JsonNode *out = json_node_new (JSON_NODE_VALUE);
          json_node_set_string (out, s);
          return out;
        }
      return json_node_copy (node);
    case JSON_NODE_ARRAY:
      {
        JsonArray *in = json_node_get_array (node);
        JsonArray *a = json_array_sized_new (json_array_get_length (in));
        for (guint i = 0; i < json_array_get_length (in); i++)
          json_array_add_element (
              a, substitute (json_array_get_element (in, i), values));
        JsonNode *out = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (out, a);
        return out;
      }
    case JSON_NODE_OBJECT:
      {
        JsonObject *in = json_node_get_object (node);
        JsonObject *o = json_object_new ();
        g_autoptr (GList) members = json_object_get_members (in);
        for (GList *l = members; l; l = l->next)
          json_object_set_member (
              o, l->data,
              substitute (json_object_get_member (in, l->data), values));
        JsonNode *out = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (out, o);
        return out;
      }
    case JSON_NODE_NULL:
    default:
      return json_node_new (JSON_NODE_NULL);
    }
}

static void
add_yaml_member (JsonBuilder *b, const char *name, const KilnNode *n,
                 GHashTable *values)
{
  json_builder_set_member_name (b, name);
  if (!n)
    {
      json_builder_add_null_value (b);
      return;
    }
  g_autoptr (JsonNode) raw = kiln_node_to_json (n);
  json_builder_add_value (b, substitute (raw, values));
}

/* phases NULL: every phase */
static gboolean
phase_selected (const char *name, const char *const *phases)
{
  return !phases || g_strv_contains (phases, name);
}

/* What one compilation gathers besides the JSON. */
typedef struct {
  guint n_steps;
  KilnS3Transfers *s3;        /* may be NULL: S3 steps are refused */
  const KilnPlanOptions *opts;
} Compile;

/* AWSTOE: documents nest at most 3 levels below the top one.  Local
 * children were checked at validation; S3 ones are first seen here. */
#define MAX_DOCUMENT_DEPTH 3

static gboolean add_document (JsonBuilder *b, const KilnComponent *c,
                              GHashTable *values, const char *doc_name,
                              const char *const *phases, guint depth,
                              gint64 layer, Compile *cc, GError **error);

/* ExecuteDocument: the host loads the child (validation already proved it
 * loads), binds its parameters and puts it inline for the agent. */
static gboolean
add_execute_document_inputs (JsonBuilder *b, const KilnStep *s,
                             GHashTable *values, guint depth, Compile *cc,
                             GError **error)
{
  const KilnNode *dn = kiln_node_map_get (s->inputs,
                                          KILN_EXECUTE_DOCUMENT_KEY_DOCUMENT);
  g_autofree char *ref = dn ? kiln_vars_substitute (dn->scalar, values) : NULL;
  g_autofree char *rel_dir = g_path_get_dirname (s->node->file);
  g_autofree char *dir = g_canonicalize_filename (rel_dir, NULL);
  g_autofree char *path = NULL;
  if (ref && g_ascii_strncasecmp (ref, "s3://", 5) == 0)
    {
      const KilnPlanOptions *o = cc->opts;
      if (depth + 1 > MAX_DOCUMENT_DEPTH)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "%s:%d:%d: step '%s': expected ExecuteDocument nested "
                       "at most %d levels deep, found %s at level %u",
                       s->node->file, s->node->line, s->node->col, s->name,
                       MAX_DOCUMENT_DEPTH, ref, depth + 1);
          return FALSE;
        }
      const KilnNode *owner = kiln_node_map_get (s->inputs,
                                                 "document-s3-bucket-owner");
      g_autofree char *owner_text = kiln_node_is_scalar (owner)
          ? kiln_vars_substitute (owner->scalar, values) : NULL;
      if (!o->fetch_document)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "%s:%d:%d: step '%s': this command cannot fetch the "
                       "S3 document %s", s->node->file, s->node->line,
                       s->node->col, s->name, ref);
          return FALSE;
        }
      if (!o->fetch_document (o->fetch_data, ref,
                              owner_text && *owner_text ? owner_text : NULL,
                              &path, error))
        {
          g_prefix_error (error, "%s:%d:%d: step '%s': ", s->node->file,
                          s->node->line, s->node->col, s->name);
          return FALSE;
        }
    }
  else if (ref)
    path = g_canonicalize_filename (ref, dir);
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnComponent) child = path ? kiln_component_load (path, diags)
                                         : NULL;
  if (!child)
    {
      /* an S3 document is first validated here: say what is wrong, and
       * where in it (its local copy's name means nothing to the user) */
      const KilnDiag *d = NULL;
      for (guint i = 0; !d && i < kiln_diags_count (diags); i++)
        if (kiln_diags_get (diags, i)->severity == KILN_DIAG_ERROR)
          d = kiln_diags_get (diags, i);
      g_autofree char *why = d ? g_strdup_printf (" (line %d, column %d: %s)",
                                                  d->line, d->col, d->message)
                               : g_strdup ("");
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "%s:%d:%d: step '%s': ExecuteDocument cannot load %s%s",
                   s->node->file, s->node->line, s->node->col, s->name,
                   ref ? ref : "the document", why);
      return FALSE;
    }
  /* parameters: [{name, value}], values may use the parent's parameters */
  g_autoptr (GHashTable) supplied
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  const KilnNode *list = kiln_node_map_get (s->inputs, "parameters");
  for (guint i = 0; i < kiln_node_seq_size (list); i++)
    {
      const KilnNode *e = kiln_node_seq_get (list, i);
      const KilnNode *n = kiln_node_map_get (e, "name");
      const KilnNode *v = kiln_node_map_get (e, "value");
      if (kiln_node_is_scalar (n) && kiln_node_is_scalar (v))
        g_hash_table_insert (supplied, n->scalar,
                             kiln_vars_substitute (v->scalar, values));
    }
  g_autoptr (GHashTable) bound = kiln_params_bind (
      child, supplied, NULL, s->node, KILN_PARAMS_STRICT, diags);
  if (!bound)
    {
      const KilnDiag *d = kiln_diags_count (diags) ? kiln_diags_get (diags, 0)
                                                   : NULL;
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "%s:%d:%d: step '%s': ExecuteDocument parameters: %s",
                   s->node->file, s->node->line, s->node->col, s->name,
                   d ? d->message : "cannot be bound");
      return FALSE;
    }

  json_builder_set_member_name (b, KILN_STEP_KEY_INPUTS);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, KILN_EXECUTE_DOCUMENT_KEY_DOCUMENT);
  if (!add_document (b, child, bound, child->name ? child->name : ref, NULL,
                     depth + 1, 0, cc, error))
    return FALSE;
  const KilnNode *ph = kiln_node_map_get (s->inputs,
                                          KILN_EXECUTE_DOCUMENT_KEY_PHASES);
  if (kiln_node_is_scalar (ph))
    {
      g_autofree char *phases = kiln_vars_substitute (ph->scalar, values);
      json_builder_set_member_name (b, KILN_EXECUTE_DOCUMENT_KEY_PHASES);
      json_builder_add_string_value (b, phases);
    }
  json_builder_end_object (b);
  return TRUE;
}

static gboolean
add_step (JsonBuilder *b, const KilnStep *s, GHashTable *values,
          const char *doc_name, guint depth, Compile *cc, GError **error)
{
  /* validation has refused unknown and Windows-only actions already */
  int action = kiln_protocol_action_find (s->action);
  /* S3: the host registers each entry's transfer and tells the agent its
   * id (s3-transfers.h) */
  g_autoptr (JsonNode) s3_inputs = NULL;
  if (action >= 0
      && kiln_protocol_action_where (action) == KILN_RUNS_WITH_HOST)
    {
      g_autofree char *where = g_strdup_printf (
          "%s:%d:%d: step '%s' of component '%s'", s->node->file,
          s->node->line, s->node->col, s->name, doc_name);
      if (!cc->s3)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s uses %s, "
                       "which this command cannot run", where, s->action);
          return FALSE;
        }
      g_autoptr (JsonNode) raw = kiln_node_to_json (s->inputs);
      s3_inputs = substitute (raw, values);
      if (!kiln_s3_transfers_add_step (cc->s3,
                                       action == KILN_ACTION_S3_UPLOAD,
                                       s3_inputs, where, error))
        return FALSE;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, KILN_STEP_KEY_NAME);
  json_builder_add_string_value (b, s->name);
  json_builder_set_member_name (b, KILN_STEP_KEY_ACTION);
  json_builder_add_string_value (b, s->action);
  json_builder_set_member_name (b, KILN_STEP_KEY_TIMEOUT_SECONDS);
  json_builder_add_int_value (b, s->timeout_seconds);
  json_builder_set_member_name (b, KILN_STEP_KEY_ON_FAILURE);
  json_builder_add_string_value (b, s->on_failure ? s->on_failure
                                                  : KILN_ON_FAILURE_ABORT);
  json_builder_set_member_name (b, KILN_STEP_KEY_MAX_ATTEMPTS);
  json_builder_add_int_value (b, s->max_attempts > 0 ? s->max_attempts : 1);
  add_yaml_member (b, KILN_STEP_KEY_LOOP, s->loop, values);
  add_yaml_member (b, KILN_STEP_KEY_IF, s->if_expr, values);
  if (action == KILN_ACTION_EXECUTE_DOCUMENT)
    {
      if (!add_execute_document_inputs (b, s, values, depth, cc, error))
        return FALSE;
    }
  else if (s3_inputs)
    {
      json_builder_set_member_name (b, KILN_STEP_KEY_INPUTS);
      json_builder_add_value (b, g_steal_pointer (&s3_inputs));
    }
  else
    add_yaml_member (b, KILN_STEP_KEY_INPUTS, s->inputs, values);
  json_builder_end_object (b);
  cc->n_steps++;
  return TRUE;
}

/* One documents[] entry: {name, file, phases: [{name, steps}]}.  phases
 * NULL = every phase (a child document; the agent filters). */
static gboolean
add_document (JsonBuilder *b, const KilnComponent *c, GHashTable *values,
              const char *doc_name, const char *const *phases, guint depth,
              gint64 layer, Compile *cc, GError **error)
{
  json_builder_begin_object (b);
  if (layer > 0)
    {
      json_builder_set_member_name (b, KILN_DOCUMENT_KEY_LAYER);
      json_builder_add_int_value (b, layer);
    }
  json_builder_set_member_name (b, KILN_DOCUMENT_KEY_NAME);
  json_builder_add_string_value (b, doc_name);
  json_builder_set_member_name (b, KILN_DOCUMENT_KEY_FILE);
  json_builder_add_string_value (b, c->path);
  json_builder_set_member_name (b, KILN_DOCUMENT_KEY_PHASES);
  json_builder_begin_array (b);
  for (guint p = 0; p < c->phases->len; p++)
    {
      const KilnPhase *ph = c->phases->pdata[p];
      if (!phase_selected (ph->name, phases))
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, KILN_PHASE_KEY_NAME);
      json_builder_add_string_value (b, ph->name);
      json_builder_set_member_name (b, KILN_PHASE_KEY_STEPS);
      json_builder_begin_array (b);
      for (guint s = 0; s < ph->steps->len; s++)
        if (!add_step (b, ph->steps->pdata[s], values, doc_name, depth,
                       cc, error))
          return FALSE;
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return TRUE;
}

/* Does a step need what cloud-init does at boot?  With kiln's seed
 * (backends/seed.h) cloud-init's init and config stages run before the agent
 * starts (the unit is ordered after cloud-config.service); its final stage
 * runs after multi-user.target and does nothing a step relies on (no
 * user-data scripts, no packages) - unless the step works with cloud-init
 * itself: runs it, reads its status or instance data, or changes its
 * configuration (configure-cloud-init).  Those steps are recognised by what
 * they name; the agent then waits for `cloud-init status --wait` first. */
static gboolean
documents_use_cloud_init (const char *documents_json)
{
  static const char *const marks[] = { "cloud-init", "cloud_init",
                                       "/etc/cloud", "/var/lib/cloud",
                                       "/run/cloud-init" };
  g_autofree char *lower = g_ascii_strdown (documents_json, -1);
  for (guint i = 0; i < G_N_ELEMENTS (marks); i++)
    if (strstr (lower, marks[i]))
      return TRUE;
  return FALSE;
}

gboolean
kiln_plan_waits_for_cloud_init (const char *plan_json)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  if (!json_parser_load_from_data (p, plan_json, -1, NULL))
    return FALSE;
  JsonNode *root = json_parser_get_root (p);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  JsonNode *v = json_object_get_member (json_node_get_object (root),
                                        KILN_PLAN_KEY_WAIT_FOR_CLOUD_INIT);
  return v && JSON_NODE_HOLDS_VALUE (v)
         && json_node_get_value_type (v) == G_TYPE_BOOLEAN
         && json_node_get_boolean (v);
}

gboolean
kiln_plan_has_steps (GPtrArray *components, const char *const *phases)
{
  for (guint i = 0; i < components->len; i++)
    {
      const KilnPlanComponent *pc = components->pdata[i];
      for (guint p = 0; p < pc->component->phases->len; p++)
        {
          const KilnPhase *ph = pc->component->phases->pdata[p];
          if (phase_selected (ph->name, phases) && ph->steps->len > 0)
            return TRUE;
        }
    }
  return FALSE;
}

char **
kiln_plan_secret_values (GPtrArray *components)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; components && i < components->len; i++)
    {
      const KilnPlanComponent *pc = components->pdata[i];
      for (guint p = 0; pc->params && p < pc->component->parameters->len; p++)
        {
          const KilnParam *param = pc->component->parameters->pdata[p];
          const char *value = g_hash_table_lookup (pc->params, param->name);
          gboolean secret
              = (pc->secret && g_hash_table_contains (pc->secret, param->name))
                || kiln_param_name_looks_secret (param->name);
          if (secret && value && *value
              && !g_ptr_array_find_with_equal_func (out, value, g_str_equal,
                                                    NULL))
            g_ptr_array_add (out, g_strdup (value));
        }
    }
  g_ptr_array_add (out, NULL);
  g_ptr_array_set_free_func (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

char *
kiln_plan_compile (GPtrArray *components, const KilnPlanOptions *opts,
                   guint *n_steps, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  Compile cc = { 0, opts->s3, opts };

  json_builder_begin_object (b);
  json_builder_set_member_name (b, KILN_PLAN_KEY_VERSION);
  json_builder_add_int_value (b, KILN_PLAN_FORMAT);
  json_builder_set_member_name (b, KILN_PLAN_KEY_RUN_ID);
  json_builder_add_string_value (b, opts->run_id);
  json_builder_set_member_name (b, KILN_PLAN_KEY_STAGE);
  json_builder_add_string_value (b, opts->stage);
  json_builder_set_member_name (b, KILN_PLAN_KEY_PHASES);
  json_builder_begin_array (b);
  for (guint i = 0; opts->phases && opts->phases[i]; i++)
    json_builder_add_string_value (b, opts->phases[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, KILN_PLAN_KEY_POWEROFF);
  json_builder_add_boolean_value (b, opts->poweroff);
  /* a build that cuts layers: a later build booting one of them hands the
   * agent there its own plan (docs/layers.md) */
  if (opts->layers)
    {
      json_builder_set_member_name (b, KILN_PLAN_KEY_ASK_HOST);
      json_builder_add_boolean_value (b, TRUE);
    }
  /* the agent masks these in all it reports (agent/mask.h) */
  g_auto (GStrv) secrets = kiln_plan_secret_values (components);
  json_builder_set_member_name (b, KILN_PLAN_KEY_SECRETS);
  json_builder_begin_array (b);
  for (guint i = 0; secrets[i]; i++)
    json_builder_add_string_value (b, secrets[i]);
  json_builder_end_array (b);

  json_builder_set_member_name (b, KILN_PLAN_KEY_DOCUMENTS);
  json_builder_begin_array (b);
  for (guint i = opts->first_component; i < components->len; i++)
    {
      const KilnPlanComponent *pc = components->pdata[i];
      const char *doc_name = pc->component->name ? pc->component->name
                                                 : pc->ref;
      if (!add_document (b, pc->component, pc->params, doc_name, opts->phases,
                         0, opts->layers ? opts->layers[i] : 0, &cc, error))
        return NULL;
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  if (n_steps)
    *n_steps = cc.n_steps;
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  JsonObject *plan = json_node_get_object (root);
  g_autofree char *documents = kiln_json_string (
      json_object_get_member (plan, KILN_PLAN_KEY_DOCUMENTS), FALSE);
  json_object_set_boolean_member (plan, KILN_PLAN_KEY_WAIT_FOR_CLOUD_INIT,
                                  documents_use_cloud_init (documents));
  return kiln_json_string (root, TRUE);
}

void
kiln_plan_component_free (gpointer p)
{
  KilnPlanComponent *pc = p;
  kiln_component_free (pc->component);
  if (pc->params)
    g_hash_table_unref (pc->params);
  if (pc->secret)
    g_hash_table_unref (pc->secret);
  g_free (pc->ref);
  g_free (pc);
}
