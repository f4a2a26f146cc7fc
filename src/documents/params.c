/* params.c - binding supplied parameter values to a component */
#include "params.h"

#include <string.h>

#include "schema.h"
#include "base/suggest.h"
#include "vars.h"

static char *
component_label (const KilnComponent *c)
{
  if (c->name)
    return g_strdup_printf ("component '%s'", c->name);
  g_autofree char *base = g_path_get_basename (c->path ? c->path : "?");
  return g_strdup_printf ("component %s", base);
}

static void report (KilnDiags *diags, KilnDiagSeverity sev,
                    const KilnComponent *c, const KilnNode *at,
                    const char *fmt, ...) G_GNUC_PRINTF (5, 6);

static void
report (KilnDiags *diags, KilnDiagSeverity sev, const KilnComponent *c,
        const KilnNode *at, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  if (at)
    kiln_diags_addv (diags, sev, at->file, at->line, at->col, fmt, ap);
  else
    kiln_diags_addv (diags, sev, c->path, 0, 0, fmt, ap);
  va_end (ap);
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

gboolean
kiln_params_check_allowed (const KilnParam *p, const char *value,
                           const KilnNode *at, const char *whose,
                           KilnDiags *diags)
{
  if (!p->allowed_values || g_strv_contains ((const char *const *)
                                             p->allowed_values, value))
    return TRUE;
  g_autofree char *q = kiln_quote_for_message (value);
  g_autofree char *all = g_strjoinv (", ", p->allowed_values);
  g_autofree char *hint = kiln_suggest_suffix (value, (const char *const *)
                                               p->allowed_values);
  /* without a node (a command-line value): the parameter's document */
  const char *file = at ? at->file : p->node ? p->node->file : NULL;
  kiln_diags_add (diags, KILN_DIAG_ERROR, file,
                  at ? at->line : 0, at ? at->col : 0, "expected one of the "
                  "allowedValues of parameter '%s' (%s) for %s, found %s%s",
                  p->name, all, whose, q, hint);
  return FALSE;
}

GHashTable *
kiln_params_bind (const KilnComponent *c, GHashTable *supplied,
                  GHashTable *supplied_nodes, const KilnNode *at,
                  KilnParamsMode mode, KilnDiags *diags)
{
  return kiln_params_bind_at (c, supplied, supplied_nodes, NULL, at, mode,
                              diags);
}

GHashTable *
kiln_params_bind_at (const KilnComponent *c, GHashTable *supplied,
                     GHashTable *supplied_nodes, GHashTable *value_nodes,
                     const KilnNode *at, KilnParamsMode mode,
                     KilnDiags *diags)
{
  g_autoptr (GHashTable) out = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                      g_free, g_free);
  guint errors = kiln_diags_error_count (diags);
  g_autofree char *label = component_label (c);
  KilnDiagSeverity unknown_sev = mode == KILN_PARAMS_LENIENT
                                   ? KILN_DIAG_WARNING : KILN_DIAG_ERROR;

  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  for (guint i = 0; i < c->parameters->len; i++)
    g_ptr_array_add (names, ((KilnParam *) c->parameters->pdata[i])->name);
  g_ptr_array_add (names, NULL);

  /* supplied values, in name order so messages come out stable */
  if (supplied)
    {
      g_autoptr (GPtrArray) keys = g_ptr_array_new ();
      GHashTableIter it;
      gpointer k;
      g_hash_table_iter_init (&it, supplied);
      while (g_hash_table_iter_next (&it, &k, NULL))
        g_ptr_array_add (keys, k);
      g_ptr_array_sort (keys, cmp_str);
      for (guint i = 0; i < keys->len; i++)
        {
          const char *name = keys->pdata[i];
          const char *value = g_hash_table_lookup (supplied, name);
          const KilnNode *where = supplied_nodes
            ? g_hash_table_lookup (supplied_nodes, name) : NULL;
          if (!where)
            where = at;
          /* a value goes into the plan, which is JSON: UTF-8 only (a
           * --param from the command line may be any bytes) */
          if (value && !g_utf8_validate (value, -1, NULL))
            {
              report (diags, KILN_DIAG_ERROR, c, where, "the value of "
                      "parameter '%s' of %s is not valid UTF-8", name,
                      label);
              continue;
            }
          const KilnParam *param = kiln_component_get_param (c, name);
          if (param)
            {
              const KilnNode *vat = value_nodes
                ? g_hash_table_lookup (value_nodes, name) : NULL;
              if (!(mode == KILN_PARAMS_STRICT_UNRESOLVED && value
                    && kiln_vars_has_refs (value)))
                kiln_params_check_allowed (param, value ? value : "",
                                           vat ? vat : where,
                                           mode == KILN_PARAMS_LENIENT
                                             ? "the value of --parameters"
                                             : "the value given", diags);
              g_hash_table_insert (out, g_strdup (name),
                                   g_strdup (value ? value : ""));
              continue;
            }
          gboolean is_constant = FALSE;
          for (guint j = 0; j < c->constants->len; j++)
            is_constant |= strcmp (((KilnConstant *) c->constants->pdata[j])
                                     ->name, name) == 0;
          if (is_constant)
            {
              report (diags, unknown_sev, c, where, "'%s' is a constant of "
                      "%s and cannot be given a value%s", name, label,
                      mode == KILN_PARAMS_LENIENT ? "; ignored" : "");
              continue;
            }
          g_autofree char *hint = names->len <= 200
            ? kiln_suggest_suffix (name, (const char *const *) names->pdata)
            : g_strdup ("");
          if (names->len > 21)
            report (diags, unknown_sev, c, where, "unknown parameter '%s' "
                    "for %s%s%s", name, label, hint,
                    mode == KILN_PARAMS_LENIENT ? "; ignored" : "");
          else if (names->len <= 1)
            report (diags, unknown_sev, c, where, "unknown parameter '%s': %s "
                    "declares no parameters%s", name, label,
                    mode == KILN_PARAMS_LENIENT ? "; ignored" : "");
          else
            {
              g_autofree char *all = g_strjoinv (", ", (char **) names->pdata);
              report (diags, unknown_sev, c, where, "unknown parameter '%s' "
                      "for %s%s (it declares: %s)%s", name, label, hint, all,
                      mode == KILN_PARAMS_LENIENT ? "; ignored" : "");
            }
        }
    }

  /* defaults, and the parameters nobody gave a value */
  for (guint i = 0; i < c->parameters->len; i++)
    {
      const KilnParam *p = c->parameters->pdata[i];
      if (g_hash_table_contains (out, p->name))
        continue;
      if (p->default_value)
        {
          g_hash_table_insert (out, g_strdup (p->name),
                               g_strdup (p->default_value));
          continue;
        }
      report (diags, KILN_DIAG_ERROR, c, at, "missing a value for parameter "
              "'%s' of %s, which has no default (declared at %s:%d)", p->name,
              label, c->path ? c->path : "?", p->node ? p->node->line : 0);
    }

  for (guint i = 0; i < c->constants->len; i++)
    {
      const KilnConstant *k = c->constants->pdata[i];
      g_hash_table_insert (out, g_strdup (k->name), g_strdup (k->value));
    }

  if (kiln_diags_error_count (diags) > errors)
    return NULL;
  return g_steal_pointer (&out);
}
