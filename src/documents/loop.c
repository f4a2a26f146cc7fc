/* loop.c - step loops: validation and expansion */
#include "loop.h"

#include <string.h>

#include "common/kiln.h"
#include "common/kiln-protocol.h"
#include "schema.h"
#include "base/suggest.h"
#include "vars.h"
#include "documents/tables.h"

static const char *const loop_keys[] = { "name", "for", "forEach", NULL };
static const char *const for_keys[] = { "start", "end", "updateBy", NULL };
static const char *const list_keys[] = { "list", "delimiter", NULL };

/* The delimiter characters AWSTOE allows.  "\\n" and "\\t" are the two
 * character escapes someone may write in a single-quoted string. */
static gboolean
delimiter_char (const char *s, char *out)
{
  if (strcmp (s, "\\n") == 0)
    s = "\n";
  else if (strcmp (s, "\\t") == 0)
    s = "\t";
  if (strlen (s) != 1 || !strchr (".,;:\n\t -_", s[0]))
    return FALSE;
  *out = s[0];
  return TRUE;
}

const char *
kiln_loop_name (const KilnNode *loop)
{
  const KilnNode *n = kiln_node_map_get (loop, "name");
  /* AWSTOE's default name is "": no name */
  return kiln_node_is_scalar (n) && !kiln_node_is_null (n) && *n->scalar
           ? n->scalar : NULL;
}

typedef struct {
  const char *what;
  GHashTable *values;
  KilnDiags *diags;
  gboolean ok;
} Loop;

static void loop_error (Loop *l, const KilnNode *at, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);

static void
loop_error (Loop *l, const KilnNode *at, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  kiln_diags_addv (l->diags, KILN_DIAG_ERROR, at->file, at->line, at->col,
                   fmt, ap);
  va_end (ap);
  l->ok = FALSE;
}

/* A `for` bound: only parameters and constants may appear in it.  Returns
 * TRUE with *known set when the integer is known now. */
static gboolean
for_bound (Loop *l, const KilnNode *map, const char *key, gint64 *out,
           gboolean *known)
{
  *known = FALSE;
  const KilnNode *v = kiln_node_map_get (map, key);
  g_autofree char *kw = g_strdup_printf ("'for' in the loop of %s", l->what);
  if (!v)
    {
      loop_error (l, map, "missing required key '%s' in %s", key, kw);
      return FALSE;
    }
  if (!kiln_node_is_scalar (v) || kiln_node_is_null (v))
    {
      loop_error (l, v, "expected an integer for '%s' in %s, found %s", key,
                  kw, kiln_node_describe (v));
      return FALSE;
    }
  g_autoptr (GPtrArray) refs = kiln_vars_scan (v->scalar);
  for (guint i = 0; i < refs->len; i++)
    {
      const KilnVarRef *ref = refs->pdata[i];
      if (ref->kind == KILN_VAR_CHAIN)
        {
          loop_error (l, v, "chaining is not allowed in '%s' of %s: expected "
                      "an integer, a parameter or a constant, found '%s'",
                      key, kw, ref->text);
          return FALSE;
        }
      if (ref->kind == KILN_VAR_LOOP)
        {
          loop_error (l, v, "expected an integer, a parameter or a constant "
                      "for '%s' in %s, found the loop variable '%s'", key, kw,
                      ref->text);
          return FALSE;
        }
    }
  g_autofree char *text = kiln_vars_resolve_static (v->scalar, l->values);
  if (!text)
    return TRUE;   /* a parameter without default: checked when bound */
  g_autofree char *q = kiln_quote_for_message (text);
  if (kiln_node_is_string_tagged (v))
    {
      loop_error (l, v, "expected an integer for '%s' in %s, found the "
                  "string %s (tagged !!str)", key, kw, q);
      return FALSE;
    }
  if (!kiln_parse_int (text, out))
    {
      loop_error (l, v, "expected an integer for '%s' in %s, found %s", key,
                  kw, q);
      return FALSE;
    }
  /* 32-bit bounds: the agent's counter (a 64-bit integer) can never
   * overflow when it steps past 'end' */
  if (*out < KILN_LOOP_BOUND_MIN || *out > KILN_LOOP_BOUND_MAX)
    {
      loop_error (l, v, "expected an integer from %lld to %lld for '%s' in "
                  "%s, found %s", KILN_LOOP_BOUND_MIN, KILN_LOOP_BOUND_MAX,
                  key, kw, q);
      return FALSE;
    }
  *known = TRUE;
  return TRUE;
}

/* Number of iterations of start..end by step (step != 0, direction
 * consistent), saturating at G_MAXUINT64. */
static guint64
for_count (gint64 start, gint64 end, gint64 step)
{
  guint64 span = start <= end ? (guint64) end - (guint64) start
                              : (guint64) start - (guint64) end;
  guint64 by = step > 0 ? (guint64) step : (guint64) 0 - (guint64) step;
  return span / by + 1;
}

static void
check_for (Loop *l, const KilnNode *f)
{
  g_autofree char *kw = g_strdup_printf ("'for' in the loop of %s", l->what);
  if (!kiln_node_is_map (f))
    {
      loop_error (l, f, "expected a mapping {start, end, updateBy} for %s, "
                  "found %s", kw, kiln_node_describe (f));
      return;
    }
  if (!kiln_schema_check_keys (l->diags, f, kw, for_keys))
    l->ok = FALSE;
  gint64 start = 0, end = 0, by = 0;
  gboolean ks, ke, kb;
  gboolean ok = for_bound (l, f, "start", &start, &ks);
  ok &= for_bound (l, f, "end", &end, &ke);
  ok &= for_bound (l, f, "updateBy", &by, &kb);
  if (!ok)
    return;
  const KilnNode *byn = kiln_node_map_get (f, "updateBy");
  if (kb && by == 0)
    {
      loop_error (l, byn, "expected a non-zero 'updateBy' in %s, found 0 "
                  "(the loop would never end)", kw);
      return;
    }
  if (!ks || !ke || !kb)
    return;
  if ((start < end && by < 0) || (start > end && by > 0))
    {
      loop_error (l, byn, "infinite loop in %s: 'updateBy' %" G_GINT64_FORMAT
                  " moves away from 'end' %" G_GINT64_FORMAT " (start %"
                  G_GINT64_FORMAT "); expected a %s step", kw, by, end, start,
                  start < end ? "positive" : "negative");
      return;
    }
  if (for_count (start, end, by) > KILN_LOOP_MAX_ITERATIONS)
    loop_error (l, f, "expected at most %d iterations in %s, found %"
                G_GUINT64_FORMAT, KILN_LOOP_MAX_ITERATIONS, kw,
                for_count (start, end, by));
}

static void
check_for_each (Loop *l, const KilnNode *fe)
{
  g_autofree char *kw = g_strdup_printf ("'forEach' in the loop of %s",
                                         l->what);
  if (kiln_node_is_seq (fe))
    {
      if (kiln_node_seq_size (fe) == 0)
        loop_error (l, fe, "expected at least one item in %s, found an empty "
                    "list", kw);
      if (kiln_node_seq_size (fe) > KILN_LOOP_MAX_ITERATIONS)
        loop_error (l, fe, "expected at most %d items in %s, found %u",
                    KILN_LOOP_MAX_ITERATIONS, kw, kiln_node_seq_size (fe));
      for (guint i = 0; i < kiln_node_seq_size (fe); i++)
        {
          const KilnNode *e = kiln_node_seq_get (fe, i);
          if (!kiln_node_is_scalar (e))
            loop_error (l, e, "expected a string as item %u of %s, found %s "
                        "(loop values are strings)", i, kw,
                        kiln_node_describe (e));
        }
      return;
    }
  if (!kiln_node_is_map (fe))
    {
      loop_error (l, fe, "expected a list or a mapping {list, delimiter} for "
                  "%s, found %s", kw, kiln_node_describe (fe));
      return;
    }
  if (!kiln_schema_check_keys (l->diags, fe, kw, list_keys))
    l->ok = FALSE;
  const KilnNode *list = kiln_schema_require (l->diags, fe, "list", kw);
  if (!list)
    l->ok = FALSE;
  else if (!kiln_node_is_scalar (list))
    loop_error (l, list, "expected a string to split for 'list' in %s, found "
                "%s", kw, kiln_node_describe (list));
  const KilnNode *d = kiln_node_map_get (fe, "delimiter");
  char ch;
  if (d && (!kiln_node_is_scalar (d) || kiln_node_is_null (d)
            || !delimiter_char (d->scalar, &ch)))
    {
      g_autofree char *q = kiln_node_is_scalar (d)
                             ? kiln_quote_for_message (d->scalar)
                             : g_strdup (kiln_node_describe (d));
      loop_error (l, d, "expected one delimiter character of . , ; : \\n \\t "
                  "space - _ for 'delimiter' in %s, found %s", kw, q);
    }
}

gboolean
kiln_loop_check (const KilnNode *loop, const char *what, GHashTable *values,
                 KilnDiags *diags)
{
  Loop l = { .what = what, .values = values, .diags = diags, .ok = TRUE };
  g_autofree char *lw = g_strdup_printf ("the loop of %s", what);

  if (!kiln_node_is_map (loop))
    {
      loop_error (&l, loop, "expected a mapping with 'for' or 'forEach' for "
                  "%s, found %s", lw, kiln_node_describe (loop));
      return FALSE;
    }
  if (!kiln_schema_check_keys (diags, loop, lw, loop_keys))
    l.ok = FALSE;

  const KilnNode *name = kiln_node_map_get (loop, "name");
  if (name && !(kiln_node_is_scalar (name) && !*name->scalar))
    {
      gboolean good = kiln_node_is_scalar (name) && !kiln_node_is_null (name);
      for (const char *p = good ? name->scalar : ""; *p; p++)
        good &= g_ascii_isalnum (*p) || *p == '_' || *p == '-';
      if (!good)
        {
          g_autofree char *q = kiln_node_is_scalar (name)
                                 ? kiln_quote_for_message (name->scalar)
                                 : g_strdup (kiln_node_describe (name));
          loop_error (&l, name, "expected a loop name of letters, digits, '_' "
                      "and '-' for 'name' in %s, found %s", lw, q);
        }
    }

  const KilnNode *f = kiln_node_map_get (loop, "for");
  const KilnNode *fe = kiln_node_map_get (loop, "forEach");
  if (f && fe)
    loop_error (&l, kiln_node_map_get_key (loop, "forEach"), "expected either "
                "'for' or 'forEach' in %s, found both", lw);
  else if (!f && !fe)
    loop_error (&l, loop, "missing 'for' or 'forEach' in %s", lw);
  if (f)
    check_for (&l, f);
  if (fe)
    check_for_each (&l, fe);
  return l.ok;
}

/* ---- expansion ---------------------------------------------------------- */

static gboolean
static_int (const KilnNode *map, const char *key, GHashTable *values,
            gint64 *out)
{
  const KilnNode *v = kiln_node_map_get (map, key);
  if (!kiln_node_is_scalar (v))
    return FALSE;
  g_autofree char *text = kiln_vars_resolve_static (v->scalar, values);
  return text && kiln_parse_int (text, out);
}

gboolean
kiln_loop_is_static (const KilnNode *loop, GHashTable *values)
{
  const KilnNode *f = kiln_node_map_get (loop, "for");
  const KilnNode *fe = kiln_node_map_get (loop, "forEach");
  gint64 x;
  if (f)
    return static_int (f, "start", values, &x)
           && static_int (f, "end", values, &x)
           && static_int (f, "updateBy", values, &x);
  if (kiln_node_is_seq (fe))
    return TRUE;
  const KilnNode *list = kiln_node_map_get (fe, "list");
  if (!kiln_node_is_scalar (list))
    return FALSE;
  g_autofree char *text = kiln_vars_resolve_static (list->scalar, values);
  return text != NULL;
}

GPtrArray *
kiln_loop_expand (const KilnNode *loop, GHashTable *values, GError **error)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  if (!kiln_loop_check (loop, "the step", values, diags)
      || kiln_diags_error_count (diags) > 0)
    {
      const KilnDiag *d = kiln_diags_get (diags, 0);
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s", d->message);
      return NULL;
    }
  if (!kiln_loop_is_static (loop, values))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "the loop's values "
                   "depend on run time (chaining) or on a parameter without "
                   "a value");
      return NULL;
    }

  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const KilnNode *f = kiln_node_map_get (loop, "for");
  const KilnNode *fe = kiln_node_map_get (loop, "forEach");
  if (f)
    {
      gint64 start = 0, end = 0, by = 1;
      static_int (f, "start", values, &start);
      static_int (f, "end", values, &end);
      static_int (f, "updateBy", values, &by);
      guint64 n = for_count (start, end, by);
      gint64 v = start;
      for (guint64 i = 0; i < n; i++)
        {
          g_ptr_array_add (out, g_strdup_printf ("%" G_GINT64_FORMAT, v));
          if (i + 1 < n)
            v += by;   /* never steps past end: no overflow */
        }
      return out;
    }
  if (kiln_node_is_seq (fe))
    {
      for (guint i = 0; i < kiln_node_seq_size (fe); i++)
        g_ptr_array_add (out, kiln_vars_substitute (
                                kiln_node_seq_get (fe, i)->scalar, values));
      return out;
    }
  const KilnNode *list = kiln_node_map_get (fe, "list");
  const KilnNode *d = kiln_node_map_get (fe, "delimiter");
  char delim[2] = { ',', 0 };
  if (d)
    delimiter_char (d->scalar, &delim[0]);
  g_autofree char *text = kiln_vars_resolve_static (list->scalar, values);
  g_auto (GStrv) parts = g_strsplit (text, delim, -1);
  if (g_strv_length (parts) > KILN_LOOP_MAX_ITERATIONS)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "expected at most %d "
                   "loop values, found %u", KILN_LOOP_MAX_ITERATIONS,
                   g_strv_length (parts));
      g_ptr_array_unref (out);
      return NULL;
    }
  for (guint i = 0; parts[i]; i++)
    g_ptr_array_add (out, g_strdup (parts[i]));
  return out;
}

const KilnDocTable kiln_loop_tables[] = {
  { "loop", loop_keys },
  { "loop.for", for_keys },
  { "loop.forEach", list_keys },
  { NULL, NULL }
};
