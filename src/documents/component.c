/* component.c - AWSTOE component documents: model and full validation
 *
 * Validation runs in two passes: the first checks the structure (keys,
 * types, each action's inputs, loops, conditions) and builds the model;
 * the second checks every {{ reference }} against the whole model, since a
 * reference may name any step.  Every problem is collected.
 */
#include "component.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "actions.h"
#include "common/kiln-protocol.h"
#include "condition.h"
#include "loop.h"
#include "params.h"
#include "schema.h"
#include "base/suggest.h"
#include "vars.h"
#include "documents/tables.h"

/* AWSTOE nests ExecuteDocument at most this deep. */
#define MAX_DOCUMENT_DEPTH 3
/* Past this many diagnostics in one document, stop looking at more steps:
 * nobody reads them and hostile input must stay cheap. */
#define MAX_DIAGS 500

static const char *const top_keys[] = {
  "name", "description", "schemaVersion", "parameters", "constants",
  "phases", NULL
};
static const char *const param_keys[] = {
  "type", "default", "description", "allowedValues", NULL
};
static const char *const constant_keys[] = { "type", "value", NULL };
static const char *const phase_keys[] = { "name", "steps", NULL };
/* The phases Image Builder runs: a document needs at least one of them; any
 * other (unique) name is allowed and runs only when asked for by name. */
static const char *const phase_names[] = {
  "build", "validate", "test", NULL
};
static const char *const step_keys[] = {
  "name", "action", "inputs", "timeoutSeconds", "onFailure", "maxAttempts",
  "loop", "if", NULL
};
static const char *const on_failure_values[] = {
  KILN_ON_FAILURE_ABORT, KILN_ON_FAILURE_CONTINUE, KILN_ON_FAILURE_IGNORE, NULL
};

typedef struct {
  KilnDiags *diags;
  guint diags_at_start;
  KilnComponent *c;
  GHashTable *values;      /* parameter defaults and constants */
  guint depth;             /* ExecuteDocument nesting of this document */
  GHashTable *visiting;    /* real paths of the documents being validated */
} Ctx;

static KilnComponent *component_from_doc (KilnDoc *doc, KilnDiags *diags,
                                          guint depth, GHashTable *visiting);

static gboolean
too_many (Ctx *x)
{
  return kiln_diags_count (x->diags) - x->diags_at_start > MAX_DIAGS;
}

static void
param_free (KilnParam *p)
{
  g_free (p->name);
  g_free (p->type);
  g_free (p->default_value);
  g_free (p->description);
  g_strfreev (p->allowed_values);
  g_free (p);
}

static void
constant_free (KilnConstant *k)
{
  g_free (k->name);
  g_free (k->type);
  g_free (k->value);
  g_free (k);
}

static void
step_free (KilnStep *s)
{
  g_free (s->name);
  g_free (s->action);
  g_free (s->on_failure);
  g_free (s);
}

static void
phase_free (KilnPhase *p)
{
  g_free (p->name);
  g_ptr_array_unref (p->steps);
  g_free (p);
}

void
kiln_component_free (KilnComponent *c)
{
  if (!c)
    return;
  g_free (c->path);
  g_free (c->name);
  g_free (c->description);
  g_free (c->schema_version);
  if (c->parameters)
    g_ptr_array_unref (c->parameters);
  if (c->constants)
    g_ptr_array_unref (c->constants);
  if (c->phases)
    g_ptr_array_unref (c->phases);
  kiln_doc_free (c->doc);
  g_free (c);
}

const KilnPhase *
kiln_component_get_phase (const KilnComponent *c, const char *name)
{
  for (guint i = 0; c && i < c->phases->len; i++)
    {
      const KilnPhase *p = c->phases->pdata[i];
      if (g_strcmp0 (p->name, name) == 0)
        return p;
    }
  return NULL;
}

const KilnParam *
kiln_component_get_param (const KilnComponent *c, const char *name)
{
  for (guint i = 0; c && i < c->parameters->len; i++)
    {
      const KilnParam *p = c->parameters->pdata[i];
      if (g_strcmp0 (p->name, name) == 0)
        return p;
    }
  return NULL;
}

gboolean
kiln_component_doc_looks_like (const KilnDoc *doc)
{
  return doc && kiln_node_map_get (doc->root, "phases")
         && kiln_node_map_get (doc->root, "schemaVersion");
}

/* A scalar's text or NULL; reports "expected a string" when not a scalar. */
static char *
optional_string (Ctx *x, const KilnNode *map, const char *key,
                 const char *what)
{
  const KilnNode *v = kiln_node_map_get (map, key);
  if (!v || kiln_node_is_null (v))
    return NULL;
  if (!kiln_node_is_scalar (v))
    {
      kiln_schema_error (x->diags, v, "expected a string for '%s' in %s, "
                         "found %s", key, what, kiln_node_describe (v));
      return NULL;
    }
  return g_strdup (v->scalar);
}

/* ---- top level, parameters, constants --------------------------------- */

/* AWSTOE ignores top-level keys it does not know (tooling adds `version:`
 * and the like): a warning.  A key close to a known one is a typo that
 * would lose that part of the document (`phase:` for `phases:`): an error. */
static void
check_top_keys (KilnDiags *diags, const KilnNode *root)
{
  for (guint i = 0; i < kiln_node_map_size (root); i++)
    {
      const KilnNode *k = kiln_node_map_key (root, i);
      if (g_strv_contains (top_keys, k->scalar))
        continue;
      g_autofree char *hint = kiln_suggest_suffix (k->scalar, top_keys);
      if (*hint)
        kiln_schema_error (diags, k, "unknown key '%s' in the component%s",
                           k->scalar, hint);
      else
        kiln_schema_warning (diags, k, "unknown top-level key '%s' in the "
                             "component: ignored, as AWSTOE ignores it",
                             k->scalar);
    }
}

static void
check_schema_version (Ctx *x, const KilnNode *root)
{
  const KilnNode *v = kiln_schema_require (x->diags, root, "schemaVersion",
                                           "the component");
  if (!v)
    return;
  if (kiln_node_is_scalar (v)
      && (strcmp (v->scalar, "1.0") == 0 || strcmp (v->scalar, "1") == 0))
    {
      x->c->schema_version = g_strdup ("1.0");
      return;
    }
  g_autofree char *q = kiln_node_is_scalar (v)
                         ? kiln_quote_for_message (v->scalar)
                         : g_strdup (kiln_node_describe (v));
  kiln_schema_error (x->diags, v, "expected schemaVersion 1.0, found %s", q);
}

static gboolean
valid_param_name (const char *s)
{
  gsize n = strlen (s);
  if (n < 3 || n > 128)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '_' && *s != '-')
      return FALSE;
  return TRUE;
}

/* One `- Name: {...}` entry of parameters or constants.  Returns the name
 * key node and the body mapping, or FALSE after reporting. */
static gboolean
named_entry (Ctx *x, const KilnNode *entry, const char *section,
             GHashTable *seen, const KilnNode **name_out,
             const KilnNode **body_out)
{
  g_autofree char *ew = g_strdup_printf ("an entry of '%s'", section);
  if (!kiln_node_is_map (entry))
    {
      kiln_schema_error (x->diags, entry, "expected a one-key mapping "
                         "(- Name: {type: string, ...}) as %s, found %s", ew,
                         kiln_node_describe (entry));
      return FALSE;
    }
  if (kiln_node_map_size (entry) != 1)
    {
      const KilnNode *second = kiln_node_map_key (entry, 1);
      kiln_schema_error (x->diags, second ? second : entry, "expected one key "
                         "(the name) in %s, found %u keys; is the "
                         "indentation of '%s' right?", ew,
                         kiln_node_map_size (entry),
                         second ? second->scalar : "?");
      return FALSE;
    }
  const KilnNode *name = kiln_node_map_key (entry, 0);
  const KilnNode *body = kiln_node_map_value (entry, 0);
  /* a bad or repeated name is reported; the body is still checked */
  if (!valid_param_name (name->scalar))
    {
      g_autofree char *q = kiln_quote_for_message (name->scalar);
      kiln_schema_error (x->diags, name, "expected a name of 3 to 128 "
                         "letters, digits, '_' or '-' in '%s', found %s",
                         section, q);
    }
  const KilnNode *prev = g_hash_table_lookup (seen, name->scalar);
  if (prev)
    kiln_schema_error (x->diags, name, "duplicate name '%s': parameters "
                       "and constants share one namespace (first defined "
                       "at line %d)", name->scalar, prev->line);
  else
    g_hash_table_insert (seen, name->scalar, (gpointer) name);
  g_autofree char *bw = g_strdup_printf ("%s '%s'", strcmp (section,
                                         "parameters") == 0 ? "parameter"
                                         : "constant", name->scalar);
  if (!kiln_schema_expect_map (x->diags, body, bw))
    return FALSE;
  *name_out = name;
  *body_out = body;
  return TRUE;
}

static void
check_type_string (Ctx *x, const KilnNode *body, const char *what)
{
  const KilnNode *t = kiln_schema_require (x->diags, body, "type", what);
  if (!t)
    return;
  if (kiln_node_is_scalar (t) && strcmp (t->scalar, "string") == 0)
    return;
  g_autofree char *q = kiln_node_is_scalar (t)
                         ? kiln_quote_for_message (t->scalar)
                         : g_strdup (kiln_node_describe (t));
  kiln_schema_error (x->diags, t, "expected type 'string' for %s (the only "
                     "type components have), found %s", what, q);
}

/* allowedValues: a list of strings; the default must be one of them (the
 * values bound later are checked by kiln_params_bind). */
static void
parse_allowed_values (Ctx *x, KilnParam *p, const KilnNode *body,
                      const char *what)
{
  const KilnNode *list = kiln_node_map_get (body, "allowedValues");
  if (!list)
    return;
  g_autofree char *fw = g_strdup_printf ("'allowedValues' of %s", what);
  if (!kiln_schema_expect_seq (x->diags, list, fw))
    return;
  if (kiln_node_seq_size (list) == 0)
    {
      kiln_schema_error (x->diags, list, "expected at least one value in %s, "
                         "found an empty list", fw);
      return;
    }
  g_autoptr (GStrvBuilder) values = g_strv_builder_new ();
  gboolean ok = TRUE;
  for (guint i = 0; i < kiln_node_seq_size (list); i++)
    {
      const KilnNode *v = kiln_node_seq_get (list, i);
      if (!kiln_node_is_scalar (v) || kiln_node_is_null (v))
        {
          kiln_schema_error (x->diags, v, "expected a string in %s, found %s",
                             fw, kiln_node_describe (v));
          ok = FALSE;
          continue;
        }
      g_strv_builder_add (values, v->scalar);
    }
  if (!ok)
    return;
  p->allowed_values = g_strv_builder_end (values);
  if (p->default_value)
    kiln_params_check_allowed (p, p->default_value,
                               kiln_node_map_get (body, "default"),
                               "its default", x->diags);
}

static void
parse_parameters (Ctx *x, const KilnNode *root, GHashTable *seen)
{
  const KilnNode *list = kiln_node_map_get (root, "parameters");
  if (!list || kiln_node_is_null (list))
    return;
  if (!kiln_schema_expect_seq (x->diags, list, "'parameters'"))
    return;
  for (guint i = 0; i < kiln_node_seq_size (list); i++)
    {
      const KilnNode *name, *body;
      if (!named_entry (x, kiln_node_seq_get (list, i), "parameters", seen,
                        &name, &body))
        continue;
      g_autofree char *what = g_strdup_printf ("parameter '%s'",
                                               name->scalar);
      kiln_schema_check_keys (x->diags, body, what, param_keys);
      check_type_string (x, body, what);
      KilnParam *p = g_new0 (KilnParam, 1);
      p->name = g_strdup (name->scalar);
      p->type = g_strdup ("string");
      p->node = kiln_node_seq_get (list, i);
      const KilnNode *def = kiln_node_map_get (body, "default");
      if (def && !kiln_node_is_scalar (def))
        kiln_schema_error (x->diags, def, "expected a string for 'default' "
                           "of %s, found %s", what, kiln_node_describe (def));
      else if (def)
        p->default_value = g_strdup (def->scalar);
      p->description = optional_string (x, body, "description", what);
      parse_allowed_values (x, p, body, what);
      g_ptr_array_add (x->c->parameters, p);
    }
}

static void
parse_constants (Ctx *x, const KilnNode *root, GHashTable *seen)
{
  const KilnNode *list = kiln_node_map_get (root, "constants");
  if (!list || kiln_node_is_null (list))
    return;
  if (!kiln_schema_expect_seq (x->diags, list, "'constants'"))
    return;
  for (guint i = 0; i < kiln_node_seq_size (list); i++)
    {
      const KilnNode *name, *body;
      if (!named_entry (x, kiln_node_seq_get (list, i), "constants", seen,
                        &name, &body))
        continue;
      g_autofree char *what = g_strdup_printf ("constant '%s'", name->scalar);
      kiln_schema_check_keys (x->diags, body, what, constant_keys);
      check_type_string (x, body, what);
      const KilnNode *v = kiln_schema_require (x->diags, body, "value", what);
      if (v && !kiln_node_is_scalar (v))
        {
          kiln_schema_error (x->diags, v, "expected a string for 'value' of "
                             "%s, found %s", what, kiln_node_describe (v));
          v = NULL;
        }
      KilnConstant *k = g_new0 (KilnConstant, 1);
      k->name = g_strdup (name->scalar);
      k->type = g_strdup ("string");
      k->value = g_strdup (v ? v->scalar : "");
      k->node = kiln_node_seq_get (list, i);
      g_ptr_array_add (x->c->constants, k);
    }
}

/* ---- names ------------------------------------------------------------ */

#define MAX_NAME_CHARS 128

/* A step or phase name (kind: "step", "phase").  AWSTOE documents only that
 * names are unique (steps within a phase, phases within a document); kiln
 * adds what keeps a name usable everywhere it ends up: in references
 * ({{ phase.step.outputs }}), file names of logs and outputs, and terminal
 * lines.  So: not empty, at most 128 characters, no '/', no '{{' or '}}', no
 * control characters.  Reports at the name; FALSE when it is unusable. */
static gboolean
check_name (Ctx *x, const KilnNode *name, const char *kind)
{
  const char *s = name->scalar;
  g_autofree char *q = kiln_quote_for_message (s);
  const char *why = NULL;
  if (!*s)
    {
      kiln_schema_error (x->diags, name, "expected a %s name, found an "
                         "empty string", kind);
      return FALSE;
    }
  if (g_utf8_strlen (s, -1) > MAX_NAME_CHARS)
    why = "of at most 128 characters";
  else if (strchr (s, '/'))
    why = "without '/'";
  else if (strstr (s, "{{") || strstr (s, "}}"))
    why = "without '{{' or '}}' (a name is not a reference)";
  else
    for (const char *p = s; *p; p = g_utf8_next_char (p))
      {
        gunichar c = g_utf8_get_char (p);
        if (g_unichar_iscntrl (c))
          {
            why = "without control characters";
            break;
          }
      }
  if (!why)
    return TRUE;
  kiln_schema_error (x->diags, name, "expected a %s name %s, found %s", kind,
                     why, q);
  return FALSE;
}

/* ---- steps ------------------------------------------------------------ */

/* An integer step field that may be written as {{ Param }}. */
static gboolean
step_int (Ctx *x, const KilnNode *v, const char *key, const char *what,
          gint64 *out)
{
  g_autofree char *fw = g_strdup_printf ("'%s' in %s", key, what);
  if (!kiln_schema_expect_scalar (x->diags, v, fw))
    return FALSE;
  g_autofree char *text = kiln_vars_resolve_static (v->scalar, x->values);
  if (!text)
    return FALSE;   /* the reference pass reports what is wrong */
  g_autofree char *q = kiln_quote_for_message (text);
  if (kiln_node_is_string_tagged (v))
    {
      kiln_schema_error (x->diags, v, "expected an integer for %s, found the "
                         "string %s (tagged !!str)", fw, q);
      return FALSE;
    }
  if (!kiln_parse_int (text, out))
    {
      kiln_schema_error (x->diags, v, "expected an integer for %s, found %s",
                         fw, q);
      return FALSE;
    }
  return TRUE;
}

static void
check_step_fields (Ctx *x, KilnStep *st, const KilnNode *map,
                   const KilnAction *a, const char *what)
{
  const KilnNode *v;
  gint64 n;

  v = kiln_node_map_get (map, "timeoutSeconds");
  if (v && a && a->id == KILN_ACTION_REBOOT)
    kiln_schema_error (x->diags, kiln_node_map_get_key (map, "timeoutSeconds"),
                       "'timeoutSeconds' is not supported for the Reboot "
                       "action (%s)", what);
  else if (v && step_int (x, v, "timeoutSeconds", what, &n))
    {
      g_autofree char *q = kiln_quote_for_message (v->scalar);
      if (n == 0 || n < -1 || n > KILN_STEP_MAX_TIMEOUT_SECONDS)
        kiln_schema_error (x->diags, v, "expected -1 (no limit) or 1 to %d "
                           "seconds for 'timeoutSeconds' in %s, found %s",
                           KILN_STEP_MAX_TIMEOUT_SECONDS, what, q);
      else if (a && a->id == KILN_ACTION_EXECUTE_DOCUMENT && n != -1)
        kiln_schema_warning (x->diags, v, "'timeoutSeconds' is fixed at -1 "
                             "for ExecuteDocument; %s is ignored", q);
      else
        st->timeout_seconds = n;
    }

  v = kiln_node_map_get (map, "maxAttempts");
  if (v && step_int (x, v, "maxAttempts", what, &n))
    {
      g_autofree char *q = kiln_quote_for_message (v->scalar);
      if (n < 1 || n > KILN_STEP_MAX_ATTEMPTS)
        kiln_schema_error (x->diags, v, "expected 1 to %d for "
                           "'maxAttempts' in %s, found %s",
                           KILN_STEP_MAX_ATTEMPTS, what, q);
      else if (a && a->id == KILN_ACTION_EXECUTE_DOCUMENT && n != 1)
        kiln_schema_warning (x->diags, v, "'maxAttempts' is fixed at 1 for "
                             "ExecuteDocument; %s is ignored", q);
      else
        st->max_attempts = n;
    }

  v = kiln_node_map_get (map, "onFailure");
  if (v)
    {
      g_autofree char *fw = g_strdup_printf ("'onFailure' in %s", what);
      g_autofree char *text = kiln_node_is_scalar (v)
        ? kiln_vars_resolve_static (v->scalar, x->values) : NULL;
      if (!kiln_node_is_scalar (v) || kiln_node_is_null (v))
        kiln_schema_expect_scalar (x->diags, v, fw);
      else if (text)
        {
          if (!g_strv_contains (on_failure_values, text))
            {
              g_autofree char *q = kiln_quote_for_message (text);
              g_autofree char *hint = kiln_suggest_suffix (text,
                                                           on_failure_values);
              kiln_schema_error (x->diags, v, "expected one of Abort, "
                                 "Continue, Ignore for %s, found %s%s", fw, q,
                                 hint);
            }
          else
            {
              g_free (st->on_failure);
              st->on_failure = g_strdup (text);
            }
        }
    }
}

static const KilnAction *
check_action (Ctx *x, const KilnNode *map, const char *what)
{
  const KilnNode *v = kiln_schema_require (x->diags, map, "action", what);
  if (!v)
    return NULL;
  if (!kiln_node_is_scalar (v))
    {
      kiln_schema_error (x->diags, v, "expected an action name for 'action' "
                         "in %s, found %s", what, kiln_node_describe (v));
      return NULL;
    }
  const KilnAction *a = kiln_action_lookup (v->scalar);
  g_autofree char *q = kiln_quote_for_message (v->scalar);
  if (!a)
    {
      const char *const *names = kiln_action_names (TRUE);
      g_autofree char *hint = kiln_suggest_suffix (v->scalar, names);
      if (*hint)
        kiln_schema_error (x->diags, v, "unknown action %s in %s%s", q, what,
                           hint);
      else
        {
          g_autofree char *all = g_strjoinv (", ", (char **) names);
          kiln_schema_error (x->diags, v, "unknown action %s in %s; expected "
                             "one of: %s", q, what, all);
        }
      return NULL;
    }
  if (a->rejected)
    {
      kiln_schema_error (x->diags, v, "action '%s' in %s cannot run in kiln: "
                         "%s", kiln_action_name (a), what, a->rejected);
      return NULL;
    }
  return a;
}

static KilnStep *
parse_step (Ctx *x, KilnPhase *phase, const KilnNode *map, guint index,
            GHashTable *names)
{
  KilnStep *st = g_new0 (KilnStep, 1);
  /* the agent's defaults too */
  st->timeout_seconds = KILN_STEP_DEFAULT_TIMEOUT_SECONDS;
  st->max_attempts = 1;
  st->on_failure = g_strdup (KILN_ON_FAILURE_ABORT);
  st->node = map;

  g_autofree char *anon = g_strdup_printf ("step %u of phase '%s'", index + 1,
                                           phase->name);
  if (!kiln_schema_expect_map (x->diags, map, anon))
    return st;

  const KilnNode *name = kiln_schema_require (x->diags, map, "name", anon);
  if (name && !kiln_node_is_scalar (name))
    kiln_schema_error (x->diags, name, "expected a string for 'name' in %s, "
                       "found %s", anon, kiln_node_describe (name));
  else if (name && check_name (x, name, "step"))
    {
      st->name = g_strdup (name->scalar);
      const KilnNode *prev = g_hash_table_lookup (names, name->scalar);
      if (prev)
        kiln_schema_error (x->diags, name, "duplicate step name '%s' in "
                           "phase '%s' (first used at line %d)", name->scalar,
                           phase->name, prev->line);
      else
        g_hash_table_insert (names, name->scalar, (gpointer) name);
    }
  g_autofree char *what = st->name ? g_strdup_printf ("step '%s'", st->name)
                                   : g_strdup (anon);

  kiln_schema_check_keys (x->diags, map, what, step_keys);
  const KilnAction *a = check_action (x, map, what);
  if (a)
    st->action = g_strdup (kiln_action_name (a));
  else
    {
      /* keep the written name so references to the step still resolve */
      const KilnNode *an = kiln_node_map_get (map, "action");
      if (kiln_node_is_scalar (an))
        st->action = g_strdup (an->scalar);
    }
  check_step_fields (x, st, map, a, what);

  st->inputs = kiln_node_map_get (map, "inputs");
  if (a)
    kiln_action_check_inputs (a, st->inputs, map, what, x->values, x->diags);

  st->loop = kiln_node_map_get (map, "loop");
  if (st->loop)
    kiln_loop_check (st->loop, what, x->values, x->diags);

  st->if_expr = kiln_node_map_get (map, "if");
  if (st->if_expr)
    {
      g_autofree char *iw = g_strdup_printf ("the 'if' of %s", what);
      kiln_condition_check (st->if_expr, TRUE, iw, x->values, x->diags);
    }
  return st;
}

static void
check_loop_names (Ctx *x, const KilnPhase *phase)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < phase->steps->len; i++)
    {
      const KilnStep *st = phase->steps->pdata[i];
      const KilnNode *n = kiln_node_map_get (st->loop, "name");
      if (!kiln_node_is_scalar (n) || kiln_node_is_null (n) || !*n->scalar)
        continue;
      const KilnNode *prev = g_hash_table_lookup (seen, n->scalar);
      if (prev)
        kiln_schema_error (x->diags, n, "duplicate loop name '%s' in phase "
                           "'%s' (first used at line %d); loop names must be "
                           "unique within a phase", n->scalar, phase->name,
                           prev->line);
      else
        g_hash_table_insert (seen, n->scalar, (gpointer) n);
    }
}

/* AWSTOE takes any phase name (unique in the document); Image Builder runs
 * build and validate in its build stage, test in its test stage, and other
 * phases only when a caller names them.  Returns FALSE when the name is
 * unusable. */
static gboolean
check_phase_name (Ctx *x, const KilnNode *name)
{
  return check_name (x, name, "phase");
}

/* At least one of build, validate, test (AWSTOE's rule).  Without one, a
 * name close to one of them is the typo to point at; with one, such a name
 * is a phase that kiln build would quietly not run: a warning. */
static void
check_standard_phase (Ctx *x, const KilnNode *list)
{
  gboolean have_standard = FALSE;
  for (guint i = 0; i < x->c->phases->len; i++)
    have_standard |= g_strv_contains (phase_names, ((KilnPhase *)
                                      x->c->phases->pdata[i])->name);
  gboolean reported = FALSE;
  for (guint i = 0; i < x->c->phases->len; i++)
    {
      const KilnPhase *ph = x->c->phases->pdata[i];
      if (g_strv_contains (phase_names, ph->name))
        continue;
      const KilnNode *name = kiln_node_map_get (ph->node, "name");
      g_autofree char *hint = kiln_suggest_suffix (ph->name, phase_names);
      if (!*hint)
        continue;
      if (have_standard)
        kiln_schema_warning (x->diags, name, "phase '%s' runs only when "
                             "named (kiln run --phases %s); kiln build runs "
                             "build, validate and test%s", ph->name, ph->name,
                             hint);
      else
        kiln_schema_error (x->diags, name, "expected at least one phase "
                           "named build, validate or test, found '%s'%s",
                           ph->name, hint);
      reported = TRUE;
    }
  if (!have_standard && !reported && x->c->phases->len > 0)
    {
      g_autoptr (GString) names = g_string_new (NULL);
      for (guint i = 0; i < x->c->phases->len; i++)
        g_string_append_printf (names, "%s'%s'", i ? ", " : "",
                                ((KilnPhase *) x->c->phases->pdata[i])->name);
      kiln_schema_error (x->diags, list, "expected at least one phase named "
                         "build, validate or test (AWSTOE's rule), found only "
                         "%s", names->str);
    }
}

static void
parse_phases (Ctx *x, const KilnNode *root)
{
  const KilnNode *list = kiln_schema_require (x->diags, root, "phases",
                                              "the component");
  if (!list || !kiln_schema_expect_seq (x->diags, list, "'phases'"))
    return;
  if (kiln_node_seq_size (list) == 0)
    {
      kiln_schema_error (x->diags, list, "expected at least one phase (build, "
                         "validate or test) in 'phases', found an empty list");
      return;
    }
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < kiln_node_seq_size (list) && !too_many (x); i++)
    {
      const KilnNode *pm = kiln_node_seq_get (list, i);
      g_autofree char *pw = g_strdup_printf ("phase %u", i + 1);
      if (!kiln_schema_expect_map (x->diags, pm, pw))
        continue;
      const KilnNode *name = kiln_schema_require (x->diags, pm, "name", pw);
      if (!name)
        continue;
      if (!kiln_node_is_scalar (name))
        {
          kiln_schema_error (x->diags, name, "expected a phase name for "
                             "'name' in %s, found %s", pw,
                             kiln_node_describe (name));
          continue;
        }
      g_free (pw);
      pw = g_strdup_printf ("phase '%s'", name->scalar);
      kiln_schema_check_keys (x->diags, pm, pw, phase_keys);
      if (!check_phase_name (x, name))
        continue;
      const KilnNode *prev = g_hash_table_lookup (seen, name->scalar);
      if (prev)
        {
          kiln_schema_error (x->diags, name, "duplicate phase '%s' (first "
                             "defined at line %d)", name->scalar, prev->line);
          continue;
        }
      g_hash_table_insert (seen, name->scalar, (gpointer) name);

      KilnPhase *phase = g_new0 (KilnPhase, 1);
      phase->name = g_strdup (name->scalar);
      phase->steps = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                     step_free);
      phase->node = pm;
      g_ptr_array_add (x->c->phases, phase);

      const KilnNode *steps = kiln_schema_require (x->diags, pm, "steps", pw);
      if (!steps || !kiln_schema_expect_seq (x->diags, steps, "'steps'"))
        continue;
      if (kiln_node_seq_size (steps) == 0)
        {
          kiln_schema_error (x->diags, steps, "expected at least one step in "
                             "%s, found an empty list", pw);
          continue;
        }
      g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash,
                                                       g_str_equal);
      for (guint j = 0; j < kiln_node_seq_size (steps) && !too_many (x); j++)
        g_ptr_array_add (phase->steps,
                         parse_step (x, phase, kiln_node_seq_get (steps, j), j,
                                     names));
      check_loop_names (x, phase);
    }
  check_standard_phase (x, list);
}

/* ---- references ------------------------------------------------------- */

static void
check_references (Ctx *x)
{
  const KilnDoc *doc = x->c->doc;
  g_autoptr (KilnVarsScope) scope = kiln_vars_scope_new (x->c, doc->text,
                                                         doc->text_len);
  static const char *const fields[] = {
    "timeoutSeconds", "maxAttempts", "onFailure", NULL
  };
  for (guint p = 0; p < x->c->phases->len; p++)
    {
      const KilnPhase *ph = x->c->phases->pdata[p];
      for (guint s = 0; s < ph->steps->len && !too_many (x); s++)
        {
          const KilnStep *st = ph->steps->pdata[s];
          if (!st->name)
            continue;   /* malformed step: reported already */
          kiln_vars_check_node (scope, p, s, st->inputs, KILN_VARS_IN_INPUTS,
                                x->diags);
          kiln_vars_check_node (scope, p, s, st->if_expr,
                                KILN_VARS_IN_CONDITION, x->diags);
          if (kiln_node_is_map (st->loop))
            {
              kiln_vars_check_node (scope, p, s,
                                    kiln_node_map_get (st->loop, "forEach"),
                                    KILN_VARS_IN_LOOP_LIST, x->diags);
              kiln_vars_check_node (scope, p, s,
                                    kiln_node_map_get (st->loop, "for"),
                                    KILN_VARS_IN_LOOP_FOR, x->diags);
            }
          for (guint f = 0; fields[f]; f++)
            kiln_vars_check_node (scope, p, s,
                                  kiln_node_map_get (st->node, fields[f]),
                                  KILN_VARS_IN_FIELD, x->diags);
        }
    }
}

/* ---- ExecuteDocument -------------------------------------------------- */

static void
check_child_parameters (Ctx *x, const KilnComponent *child,
                        const KilnNode *inputs, const char *what)
{
  const KilnNode *list = kiln_node_map_get (inputs, "parameters");
  g_autoptr (GHashTable) supplied = g_hash_table_new (g_str_hash,
                                                      g_str_equal);
  g_autoptr (GHashTable) nodes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) value_nodes = g_hash_table_new (g_str_hash,
                                                         g_str_equal);
  for (guint i = 0; i < kiln_node_seq_size (list); i++)
    {
      const KilnNode *e = kiln_node_seq_get (list, i);
      const KilnNode *n = kiln_node_map_get (e, "name");
      const KilnNode *v = kiln_node_map_get (e, "value");
      if (!kiln_node_is_scalar (n) || !kiln_node_is_scalar (v))
        continue;   /* reported by the inputs check */
      g_hash_table_insert (supplied, n->scalar, v->scalar);
      g_hash_table_insert (nodes, n->scalar, (gpointer) n);
      g_hash_table_insert (value_nodes, n->scalar, (gpointer) v);
    }
  const KilnNode *at = list ? list : inputs;
  /* a value naming this document's parameters is checked once the plan
   * knows it */
  GHashTable *bound = kiln_params_bind_at (child, supplied, nodes,
                                           value_nodes, at,
                                           KILN_PARAMS_STRICT_UNRESOLVED,
                                           x->diags);
  if (bound)
    g_hash_table_unref (bound);
  (void) what;
}

static void
check_child_phases (Ctx *x, const KilnComponent *child, const KilnNode *ph)
{
  if (!kiln_node_is_scalar (ph))
    return;
  g_auto (GStrv) parts = g_strsplit (ph->scalar, ",", -1);
  for (guint i = 0; parts[i]; i++)
    {
      g_strstrip (parts[i]);
      if (!*parts[i] || kiln_component_get_phase (child, parts[i]))
        continue;
      g_autoptr (GPtrArray) names = g_ptr_array_new ();
      for (guint p = 0; p < child->phases->len; p++)
        g_ptr_array_add (names, ((KilnPhase *) child->phases->pdata[p])->name);
      g_ptr_array_add (names, NULL);
      g_autofree char *hint = kiln_suggest_suffix (
          parts[i], (const char *const *) names->pdata);
      kiln_schema_error (x->diags, ph, "phase '%s' listed in 'phases' is "
                         "not in the document '%s'%s", parts[i], child->path,
                         hint);
    }
}

static void
check_execute_document (Ctx *x, const KilnStep *st)
{
  const KilnNode *inputs = st->inputs;
  const KilnNode *dn = kiln_node_map_get (inputs, "document");
  if (!kiln_node_is_scalar (dn) || kiln_vars_has_refs (dn->scalar)
      || !*dn->scalar || g_str_has_prefix (dn->scalar, "arn:")
      || g_ascii_strncasecmp (dn->scalar, "s3://", 5) == 0)
    return;   /* reported, or known at run time only */

  /* Child paths are relative to this document; a document that is not a
   * file on disk (a string, fuzzing) has nowhere to look. */
  struct stat sb;
  const char *file = x->c->doc->file;
  if (!file || stat (file, &sb) != 0 || !S_ISREG (sb.st_mode))
    return;
  g_autofree char *rel_dir = g_path_get_dirname (file);
  g_autofree char *dir = g_canonicalize_filename (rel_dir, NULL);
  g_autofree char *path = g_canonicalize_filename (dn->scalar, dir);
  g_autofree char *q = kiln_quote_for_message (dn->scalar);
  if (stat (path, &sb) != 0 || !S_ISREG (sb.st_mode))
    {
      kiln_schema_error (x->diags, dn, "ExecuteDocument: document %s not "
                         "found (looked for %s); kiln runs child documents "
                         "from local files", q, path);
      return;
    }
  if (x->depth + 1 > MAX_DOCUMENT_DEPTH)
    {
      kiln_schema_error (x->diags, dn, "expected ExecuteDocument nested at "
                         "most %d levels deep, found %s at level %u",
                         MAX_DOCUMENT_DEPTH, q, x->depth + 1);
      return;
    }
  g_autofree char *real = realpath (path, NULL);
  if (real && g_hash_table_contains (x->visiting, real))
    {
      kiln_schema_error (x->diags, dn, "ExecuteDocument cycle: %s is already "
                         "being run by a document that leads here", q);
      return;
    }
  guint before = kiln_diags_error_count (x->diags);
  KilnDoc *child_doc = kiln_doc_load_file (path, x->diags);
  if (!child_doc)
    {
      kiln_schema_error (x->diags, dn, "ExecuteDocument: the document %s "
                         "cannot be loaded (see above)", q);
      return;
    }
  g_autoptr (KilnComponent) child = component_from_doc (child_doc, x->diags,
                                                        x->depth + 1,
                                                        x->visiting);
  if (!child)
    {
      if (kiln_diags_error_count (x->diags) > before)
        kiln_schema_error (x->diags, dn, "ExecuteDocument: the document %s is "
                           "not a valid component (see its errors)", q);
      return;
    }
  check_child_phases (x, child, kiln_node_map_get (inputs, "phases"));
  check_child_parameters (x, child, inputs, st->name);
}

static void
check_children (Ctx *x)
{
  for (guint p = 0; p < x->c->phases->len; p++)
    {
      const KilnPhase *ph = x->c->phases->pdata[p];
      for (guint s = 0; s < ph->steps->len && !too_many (x); s++)
        {
          const KilnStep *st = ph->steps->pdata[s];
          if (g_strcmp0 (st->action, "ExecuteDocument") == 0)
            check_execute_document (x, st);
        }
    }
}

/* ---- entry points ----------------------------------------------------- */

static KilnComponent *
component_from_doc (KilnDoc *doc, KilnDiags *diags, guint depth,
                    GHashTable *visiting)
{
  Ctx x = { .diags = diags, .depth = depth };
  guint errors_before = kiln_diags_error_count (diags);
  g_autofree char *real = NULL;
  g_autoptr (GHashTable) own_visiting = NULL;

  x.diags_at_start = kiln_diags_count (diags);
  x.c = g_new0 (KilnComponent, 1);
  x.c->doc = doc;
  x.c->path = g_strdup (doc->file);
  x.c->parameters = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                    param_free);
  x.c->constants = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                   constant_free);
  x.c->phases = g_ptr_array_new_with_free_func ((GDestroyNotify) phase_free);

  if (!visiting)
    visiting = own_visiting = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                     g_free, NULL);
  x.visiting = visiting;
  real = doc->file ? realpath (doc->file, NULL) : NULL;
  if (real)
    g_hash_table_add (visiting, g_strdup (real));

  const KilnNode *root = doc->root;
  if (!root)
    kiln_diags_add (diags, KILN_DIAG_ERROR, doc->file, 1, 1,
                    "expected a component (a mapping with schemaVersion and "
                    "phases), found an empty document");
  else if (!kiln_node_is_map (root))
    kiln_schema_error (diags, root, "expected a component (a mapping with "
                       "schemaVersion and phases), found %s",
                       kiln_node_describe (root));
  else if (kiln_schema_has_known_key (diags, root, "a component (a mapping "
                                      "with schemaVersion and phases)",
                                      top_keys))
    {
      check_top_keys (diags, root);
      x.c->name = optional_string (&x, root, "name", "the component");
      x.c->description = optional_string (&x, root, "description",
                                          "the component");
      check_schema_version (&x, root);

      g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash,
                                                      g_str_equal);
      parse_parameters (&x, root, seen);
      parse_constants (&x, root, seen);
      x.values = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < x.c->parameters->len; i++)
        {
          KilnParam *p = x.c->parameters->pdata[i];
          if (p->default_value)
            g_hash_table_insert (x.values, p->name, p->default_value);
        }
      for (guint i = 0; i < x.c->constants->len; i++)
        {
          KilnConstant *k = x.c->constants->pdata[i];
          g_hash_table_insert (x.values, k->name, k->value);
        }

      parse_phases (&x, root);
      check_references (&x);
      check_children (&x);
      if (too_many (&x))
        kiln_diags_add (diags, KILN_DIAG_ERROR, doc->file, 0, 0,
                        "too many problems; stopped looking after %d",
                        MAX_DIAGS);
      g_hash_table_unref (x.values);
    }

  if (real)
    g_hash_table_remove (visiting, real);
  if (kiln_diags_error_count (diags) > errors_before)
    {
      kiln_component_free (x.c);
      return NULL;
    }
  return x.c;
}

KilnComponent *
kiln_component_from_doc (KilnDoc *doc, KilnDiags *diags)
{
  g_return_val_if_fail (doc != NULL, NULL);
  return component_from_doc (doc, diags, 0, NULL);
}

KilnComponent *
kiln_component_load (const char *path, KilnDiags *diags)
{
  struct stat sb;
  if (stat (path, &sb) == 0 && !S_ISREG (sb.st_mode))
    {
      kiln_diags_add (diags, KILN_DIAG_ERROR, path, 0, 0, "expected a "
                      "component file, found %s",
                      S_ISDIR (sb.st_mode) ? "a directory" : "a special file");
      return NULL;
    }
  KilnDoc *doc = kiln_doc_load_file (path, diags);
  if (!doc)
    return NULL;
  return component_from_doc (doc, diags, 0, NULL);
}

const KilnDocTable kiln_component_tables[] = {
  { "component", top_keys },
  { "component.parameter", param_keys },
  { "component.constant", constant_keys },
  { "component.phase", phase_keys },
  { "component.phase.name", phase_names },
  { "component.step", step_keys },
  { "component.step.onFailure", on_failure_values },
  { NULL, NULL }
};
