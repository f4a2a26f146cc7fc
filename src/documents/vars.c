/* vars.c - {{ variable }} references: scan, check, substitute */
#include "vars.h"

#include <string.h>

#include "actions.h"
#include "schema.h"
#include "base/suggest.h"

void
kiln_var_ref_free (KilnVarRef *ref)
{
  if (!ref)
    return;
  g_free (ref->text);
  g_free (ref->expr);
  g_free (ref->scope);
  g_free (ref->step);
  g_free (ref->field);
  g_free (ref);
}

static const char *const phase_names[] = {
  "build", "validate", "test", "container-host-test", NULL
};

static gboolean
is_ident_char (char ch)
{
  return g_ascii_isalnum (ch) || ch == '_' || ch == '-';
}

static gboolean
is_ident (const char *s)
{
  if (!*s)
    return FALSE;
  for (; *s; s++)
    if (!is_ident_char (*s))
      return FALSE;
  return TRUE;
}

/* "inputs[12]" -> 12; FALSE when s is not of that form. */
static gboolean
parse_indexed_inputs (const char *s, gint64 *index)
{
  if (!g_str_has_prefix (s, "inputs["))
    return FALSE;
  const char *p = s + strlen ("inputs[");
  const char *digits = p;
  while (g_ascii_isdigit (*p))
    p++;
  if (p == digits || p - digits > 9 || strcmp (p, "]") != 0)
    return FALSE;
  *index = g_ascii_strtoll (digits, NULL, 10);
  return TRUE;
}

static void
classify_chain (KilnVarRef *ref, char **seg, guint nseg)
{
  static const char shape[] =
    "expected phase.step.outputs.FIELD, phase.step.inputs.FIELD or "
    "phase.step.inputs[i].FIELD";
  ref->kind = KILN_VAR_CHAIN;
  ref->scope = g_strdup (seg[0]);
  ref->step = g_strdup (nseg > 1 ? seg[1] : "");
  ref->index = -1;
  if (nseg != 4 || !*seg[1] || !*seg[3])
    {
      ref->kind = KILN_VAR_INVALID;
      ref->problem = shape;
      return;
    }
  if (strcmp (seg[2], "outputs") == 0)
    ref->output = TRUE;
  else if (strcmp (seg[2], "inputs") == 0)
    ref->output = FALSE;
  else if (!parse_indexed_inputs (seg[2], &ref->index))
    {
      ref->kind = KILN_VAR_INVALID;
      ref->problem = shape;
      return;
    }
  if (!is_ident (seg[3]))
    {
      ref->kind = KILN_VAR_INVALID;
      ref->problem = shape;
      return;
    }
  ref->field = g_strdup (seg[3]);
}

static void
classify (KilnVarRef *ref)
{
  const char *e = ref->expr;

  ref->index = -1;
  if (!*e || !is_ident_char (*e))
    {
      ref->kind = KILN_VAR_FOREIGN;   /* {{}}, {{.Name}}, {{$x}} ... */
      return;
    }

  const char *colon = strchr (e, ':');
  if (colon)
    {
      g_autofree char *prefix = g_strndup (e, colon - e);
      if (strcmp (prefix, "kiln") == 0 || strcmp (prefix, "imagebuilder") == 0)
        {
          ref->kind = KILN_VAR_NAMING;
          ref->scope = g_steal_pointer (&prefix);
          ref->field = g_strdup (colon + 1);
          return;
        }
      if (is_ident (prefix) && !strpbrk (e, " \t\n"))
        {
          ref->kind = KILN_VAR_INVALID;
          ref->scope = g_steal_pointer (&prefix);
          ref->problem = "kiln supports parameters, constants, loop "
                         "variables and chaining in components, not "
                         "prefixed (dynamic) references";
          return;
        }
      ref->kind = KILN_VAR_FOREIGN;
      return;
    }

  g_auto (GStrv) seg = g_strsplit (e, ".", -1);
  guint nseg = g_strv_length (seg);
  gboolean chain_led = nseg >= 2 && g_strv_contains (phase_names, seg[0]);

  /* Step names may hold spaces; anything else with unusual characters is
   * not kiln's syntax (shell, Go templates...) and stays literal. */
  for (guint i = 0; i < nseg; i++)
    {
      if (chain_led && i == 1)
        continue;
      for (const char *p = seg[i]; *p; p++)
        if (!is_ident_char (*p) && *p != '[' && *p != ']')
          {
            ref->kind = KILN_VAR_FOREIGN;
            return;
          }
    }

  if (nseg == 1)
    {
      if (strchr (e, '[') || strchr (e, ']'))
        {
          ref->kind = KILN_VAR_INVALID;
          ref->problem = "an index [i] can only follow 'inputs' in "
                         "phase.step.inputs[i].FIELD";
          return;
        }
      ref->kind = KILN_VAR_NAME;
      return;
    }
  if (nseg == 2 && !chain_led)
    {
      if (strpbrk (e, "[]") || !*seg[0] || !*seg[1])
        {
          ref->kind = KILN_VAR_INVALID;
          ref->problem = "expected loop.index, loop.value or "
                         "LOOPNAME.index / LOOPNAME.value";
          return;
        }
      ref->kind = KILN_VAR_LOOP;
      ref->scope = g_strdup (seg[0]);
      ref->field = g_strdup (seg[1]);
      return;
    }
  classify_chain (ref, seg, nseg);
}

GPtrArray *
kiln_vars_scan (const char *text)
{
  GPtrArray *refs = g_ptr_array_new_with_free_func (
    (GDestroyNotify) kiln_var_ref_free);
  gssize open = -1;

  if (!text)
    return refs;
  /* One pass: a reference is the last "{{" before a "}}".  (A plain loop:
   * strstr per reference would be quadratic under sanitizers, which
   * measure the whole haystack on every call.) */
  for (gsize i = 0; text[i] && text[i + 1]; i++)
    {
      if (text[i] == '{' && text[i + 1] == '{')
        open = (gssize) i;
      else if (text[i] == '}' && text[i + 1] == '}')
        {
          if (open >= 0)
            {
              KilnVarRef *ref = g_new0 (KilnVarRef, 1);
              ref->start = (gsize) open;
              ref->end = i + 2;
              ref->text = g_strndup (text + open, ref->end - ref->start);
              ref->expr = g_strndup (text + open + 2, i - (gsize) open - 2);
              g_strstrip (ref->expr);
              classify (ref);
              g_ptr_array_add (refs, ref);
            }
          open = -1;
          i++;
        }
    }
  return refs;
}

gboolean
kiln_vars_has_refs (const char *text)
{
  if (!text || !strstr (text, "{{"))
    return FALSE;
  g_autoptr (GPtrArray) refs = kiln_vars_scan (text);
  for (guint i = 0; i < refs->len; i++)
    if (((KilnVarRef *) refs->pdata[i])->kind != KILN_VAR_FOREIGN)
      return TRUE;
  return FALSE;
}

char *
kiln_vars_substitute (const char *text, GHashTable *values)
{
  if (!text)
    return NULL;
  if (!values || !strstr (text, "{{"))
    return g_strdup (text);
  g_autoptr (GPtrArray) refs = kiln_vars_scan (text);
  GString *out = g_string_sized_new (strlen (text));
  gsize at = 0;
  for (guint i = 0; i < refs->len; i++)
    {
      const KilnVarRef *ref = refs->pdata[i];
      const char *v;
      if (ref->kind != KILN_VAR_NAME
          || !(v = g_hash_table_lookup (values, ref->expr)))
        continue;
      g_string_append_len (out, text + at, (gssize) (ref->start - at));
      g_string_append (out, v);
      at = ref->end;
    }
  g_string_append (out, text + at);
  return g_string_free (out, FALSE);
}

char *
kiln_vars_resolve_static (const char *text, GHashTable *values)
{
  if (!text)
    return NULL;
  if (!strstr (text, "{{"))
    return g_strdup (text);
  g_autoptr (GPtrArray) refs = kiln_vars_scan (text);
  for (guint i = 0; i < refs->len; i++)
    {
      const KilnVarRef *ref = refs->pdata[i];
      if (ref->kind == KILN_VAR_FOREIGN)
        continue;
      if (ref->kind != KILN_VAR_NAME || !values
          || !g_hash_table_contains (values, ref->expr))
        return NULL;
    }
  return kiln_vars_substitute (text, values);
}

/* ---- the scope a component gives its references ---------------------- */

/* Past this many reports the checks stop: nobody reads them, and each
 * costs a "did you mean" search. */
#define MAX_REPORTS 500
/* "Did you mean" only among this many candidates. */
#define MAX_SUGGEST_CANDIDATES 200

struct KilnVarsScope {
  const KilnComponent *c;
  guint reported;          /* diagnostics the checks added */
  const char *text;
  gsize len;
  GArray *line_starts;     /* gsize: byte offset of each line */
  GHashTable *names;       /* parameter and constant names */
  GPtrArray *name_list;    /* the same, NULL-terminated, for suggestions */
  GPtrArray *phase_steps;  /* per phase: GHashTable step name -> index+1 */
};

KilnVarsScope *
kiln_vars_scope_new (const KilnComponent *c, const char *doc_text,
                     gsize doc_len)
{
  KilnVarsScope *s = g_new0 (KilnVarsScope, 1);
  s->c = c;
  s->text = doc_text;
  s->len = doc_text ? doc_len : 0;
  s->line_starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize zero = 0;
  g_array_append_val (s->line_starts, zero);
  for (gsize i = 0; i < s->len; i++)
    if (doc_text[i] == '\n')
      {
        gsize next = i + 1;
        g_array_append_val (s->line_starts, next);
      }
  s->names = g_hash_table_new (g_str_hash, g_str_equal);
  s->name_list = g_ptr_array_new ();
  for (guint i = 0; c->parameters && i < c->parameters->len; i++)
    {
      KilnParam *p = c->parameters->pdata[i];
      g_hash_table_add (s->names, p->name);
      g_ptr_array_add (s->name_list, p->name);
    }
  for (guint i = 0; c->constants && i < c->constants->len; i++)
    {
      KilnConstant *k = c->constants->pdata[i];
      g_hash_table_add (s->names, k->name);
      g_ptr_array_add (s->name_list, k->name);
    }
  g_ptr_array_add (s->name_list, NULL);
  s->phase_steps = g_ptr_array_new_with_free_func (
    (GDestroyNotify) g_hash_table_unref);
  for (guint i = 0; c->phases && i < c->phases->len; i++)
    {
      KilnPhase *ph = c->phases->pdata[i];
      GHashTable *h = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint j = 0; j < ph->steps->len; j++)
        {
          KilnStep *st = ph->steps->pdata[j];
          if (st->name && !g_hash_table_contains (h, st->name))
            g_hash_table_insert (h, st->name, GUINT_TO_POINTER (j + 1));
        }
      g_ptr_array_add (s->phase_steps, h);
    }
  return s;
}

void
kiln_vars_scope_free (KilnVarsScope *s)
{
  if (!s)
    return;
  g_array_unref (s->line_starts);
  g_hash_table_unref (s->names);
  g_ptr_array_unref (s->name_list);
  g_ptr_array_unref (s->phase_steps);
  g_free (s);
}

/* Byte offset in the document of 1-based line/col (col in characters). */
static gboolean
node_offset (KilnVarsScope *s, const KilnNode *n, gsize *out)
{
  if (!s->text || n->line < 1 || (guint) n->line > s->line_starts->len)
    return FALSE;
  gsize off = g_array_index (s->line_starts, gsize, n->line - 1);
  for (int c = 1; c < n->col && off < s->len && s->text[off] != '\n'; c++)
    off = (gsize) (g_utf8_next_char (s->text + off) - s->text);
  *out = MIN (off, s->len);
  return TRUE;
}

/* Position of byte offset `off`.  `hint` (may be NULL) is a position
 * known before off: counting goes on from there when it is on the same
 * line, so positions along one long line cost one pass in total. */
typedef struct {
  gsize off;
  int line, col;
} Pos;

static Pos
offset_to_position (KilnVarsScope *s, gsize off, const Pos *hint)
{
  /* binary search for the last line start <= off */
  guint lo = 0, hi = s->line_starts->len;
  while (hi - lo > 1)
    {
      guint mid = (lo + hi) / 2;
      if (g_array_index (s->line_starts, gsize, mid) <= off)
        lo = mid;
      else
        hi = mid;
    }
  gsize start = g_array_index (s->line_starts, gsize, lo);
  Pos p = { .off = start, .line = (int) lo + 1, .col = 1 };
  if (hint && hint->line == p.line && hint->off >= start && hint->off <= off)
    p = *hint;
  p.col += (int) g_utf8_strlen (s->text + p.off, (gssize) (off - p.off));
  p.off = off;
  return p;
}

/* The first occurrence of needle in hay[from, limit), or -1. */
static gssize
find_bytes (const char *hay, gsize from, gsize limit, const char *needle,
            gsize nlen)
{
  for (gsize i = from; i + nlen <= limit; i++)
    if (hay[i] == needle[0] && memcmp (hay + i, needle, nlen) == 0)
      return (gssize) i;
  return -1;
}

/* Positions of every ref of scalar n, in order (refs as kiln_vars_scan
 * returned them for n->scalar).  A ref's text is searched in the source
 * after the previous one, so the whole scalar costs one pass. */
static void
locate_refs (KilnVarsScope *s, const KilnNode *n, GPtrArray *refs,
             int *lines, int *cols)
{
  gsize base;
  for (guint i = 0; i < refs->len; i++)
    {
      lines[i] = n->line;
      cols[i] = n->col;
    }
  if (!node_offset (s, n, &base))
    return;
  gsize vlen = strlen (n->scalar);
  gsize newlines = 0;
  for (const char *p = n->scalar; *p; p++)
    newlines += *p == '\n';
  gsize limit = MIN (s->len, base + 2 * vlen + (newlines + 2) * 256);
  gsize cursor = base;
  Pos last = offset_to_position (s, base, NULL);
  for (guint i = 0; i < refs->len; i++)
    {
      const KilnVarRef *ref = refs->pdata[i];
      gsize tlen = ref->end - ref->start;
      gssize at = find_bytes (s->text, cursor, limit, ref->text, tlen);
      /* Not written literally (escapes in a double-quoted string): the
       * rest cannot be matched reliably either, and searching on would
       * make hostile input quadratic. */
      if (at < 0)
        break;
      last = offset_to_position (s, (gsize) at, &last);
      lines[i] = last.line;
      cols[i] = last.col;
      cursor = (gsize) at + tlen;
    }
}

void
kiln_vars_locate (KilnVarsScope *s, const KilnNode *n, gsize offset,
                  int *line, int *col)
{
  g_autoptr (GPtrArray) refs = kiln_vars_scan (n->scalar);
  *line = n->line;
  *col = n->col;
  for (guint i = 0; i < refs->len; i++)
    if (((KilnVarRef *) refs->pdata[i])->start == offset)
      {
        g_autofree int *lines = g_new (int, refs->len);
        g_autofree int *cols = g_new (int, refs->len);
        locate_refs (s, n, refs, lines, cols);
        *line = lines[i];
        *col = cols[i];
        return;
      }
}

/* ---- checks ----------------------------------------------------------- */

typedef struct {
  KilnVarsScope *s;
  guint phase_index;
  guint step_index;
  KilnVarsPlace place;
  KilnDiags *diags;
  const KilnNode *node;   /* the scalar */
  int line, col;          /* of the current ref */
} Check;

static void check_report (Check *k, KilnDiagSeverity sev, const char *fmt,
                          ...) G_GNUC_PRINTF (3, 4);

static void
check_report (Check *k, KilnDiagSeverity sev, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  kiln_diags_addv (k->diags, sev, k->node->file, k->line, k->col, fmt, ap);
  va_end (ap);
  k->s->reported++;
}

/* kiln_suggest_suffix, but "" among very many candidates (the search is
 * quadratic in the word and linear in the candidates). */
static char *
suggest (const char *word, const char *const *cands, guint n)
{
  if (n > MAX_SUGGEST_CANDIDATES)
    return g_strdup ("");
  return kiln_suggest_suffix (word, cands);
}

static const KilnPhase *
cur_phase (Check *k)
{
  return k->s->c->phases->pdata[k->phase_index];
}

static const KilnStep *
cur_step (Check *k)
{
  return cur_phase (k)->steps->pdata[k->step_index];
}

/* The boot a phase runs in under kiln build: 0 build, 1 test; -1 for any
 * other phase, which runs only when `kiln run --phases` names it, in one
 * boot with the other phases named. */
static int
stage_of (const char *phase)
{
  if (strcmp (phase, "build") == 0 || strcmp (phase, "validate") == 0)
    return 0;
  if (strcmp (phase, "test") == 0)
    return 1;
  return -1;
}

static const char *
stage_name (int stage)
{
  return stage == 0 ? "build" : "test";
}

static const char *
loop_name_of (const KilnStep *st)
{
  const KilnNode *n = kiln_node_map_get (st->loop, "name");
  return kiln_node_is_scalar (n) && !kiln_node_is_null (n) && *n->scalar
           ? n->scalar : NULL;
}

static void
check_name (Check *k, const KilnVarRef *ref)
{
  if (g_hash_table_contains (k->s->names, ref->expr))
    return;
  const char *const *cands = (const char *const *) k->s->name_list->pdata;
  g_autofree char *hint = suggest (ref->expr, cands,
                                   k->s->name_list->len - 1);
  if (*hint)
    check_report (k, KILN_DIAG_ERROR, "'%s' refers to '%s', which is not a "
                  "parameter or constant of this component%s", ref->text,
                  ref->expr, hint);
  else if (k->s->name_list->len <= 1)
    check_report (k, KILN_DIAG_ERROR, "'%s' refers to '%s', but this "
                  "component declares no parameters or constants",
                  ref->text, ref->expr);
  else if (k->s->name_list->len - 1 <= 20)
    {
      g_autofree char *all = g_strjoinv (", ", (char **) cands);
      check_report (k, KILN_DIAG_ERROR, "'%s' refers to '%s', which is not a "
                    "parameter or constant of this component (expected one "
                    "of: %s)", ref->text, ref->expr, all);
    }
  else
    check_report (k, KILN_DIAG_ERROR, "'%s' refers to '%s', which is not a "
                  "parameter or constant of this component", ref->text,
                  ref->expr);
}

static void
check_loop (Check *k, const KilnVarRef *ref)
{
  static const char *const fields[] = { "index", "value", NULL };
  const KilnStep *st = cur_step (k);
  const char *own = st->loop ? loop_name_of (st) : NULL;
  gboolean is_loop = strcmp (ref->scope, "loop") == 0
                     || g_strcmp0 (ref->scope, own) == 0;

  if (k->place == KILN_VARS_IN_LOOP_FOR)
    return;   /* loop.c reports loop variables in `for` */

  if (!is_loop)
    {
      /* another step's loop? */
      for (guint p = 0; p < k->s->c->phases->len; p++)
        {
          const KilnPhase *ph = k->s->c->phases->pdata[p];
          for (guint i = 0; i < ph->steps->len; i++)
            {
              const KilnStep *other = ph->steps->pdata[i];
              if (other != st && other->loop
                  && g_strcmp0 (loop_name_of (other), ref->scope) == 0)
                {
                  check_report (k, KILN_DIAG_WARNING, "'%s' refers to loop "
                                "'%s' of step '%s', not to a loop of step "
                                "'%s'; AWSTOE leaves it as literal text",
                                ref->text, ref->scope, other->name,
                                st->name);
                  return;
                }
            }
        }
      const char *cands[] = { "loop", own, NULL };
      g_autofree char *hint = kiln_suggest_suffix (ref->scope, cands);
      g_autofree char *also = own ? g_strdup_printf (" (or %s.index / "
                                                     "%s.value)", own, own)
                                  : g_strdup ("");
      check_report (k, KILN_DIAG_ERROR, "'%s' refers to '%s', which is not a "
                    "loop: expected loop.index or loop.value%s%s", ref->text,
                    ref->scope, also, hint);
      return;
    }
  if (!g_strv_contains (fields, ref->field))
    {
      g_autofree char *hint = kiln_suggest_suffix (ref->field, fields);
      check_report (k, KILN_DIAG_ERROR, "expected %s.index or %s.value, "
                    "found '%s'%s", ref->scope, ref->scope, ref->expr, hint);
      return;
    }
  switch (k->place)
    {
    case KILN_VARS_IN_INPUTS:
      if (!st->loop)
        check_report (k, KILN_DIAG_WARNING, "'%s' is used in step '%s', "
                      "which has no loop; AWSTOE leaves it as literal text",
                      ref->text, st->name);
      break;
    case KILN_VARS_IN_CONDITION:
      check_report (k, KILN_DIAG_WARNING, "'%s' in the 'if' of step '%s': "
                    "the condition is evaluated once, before any loop runs; "
                    "AWSTOE leaves it as literal text", ref->text, st->name);
      break;
    case KILN_VARS_IN_LOOP_LIST:
      check_report (k, KILN_DIAG_ERROR, "'%s' is used in the loop of step "
                    "'%s' itself: expected loop variables only in the "
                    "step's inputs", ref->text, st->name);
      break;
    case KILN_VARS_IN_FIELD:
      check_report (k, KILN_DIAG_ERROR, "expected only parameters and "
                    "constants here, found the loop variable '%s'",
                    ref->text);
      break;
    case KILN_VARS_IN_LOOP_FOR:
      break;
    }
}

static void
check_chain (Check *k, const KilnVarRef *ref)
{
  const KilnComponent *c = k->s->c;
  const KilnPhase *here = cur_phase (k);
  const KilnStep *st = cur_step (k);

  if (k->place == KILN_VARS_IN_LOOP_FOR)
    return;   /* loop.c reports chaining in `for` */
  if (k->place == KILN_VARS_IN_FIELD)
    {
      check_report (k, KILN_DIAG_ERROR, "expected only parameters and "
                    "constants here, found the chaining expression '%s'",
                    ref->text);
      return;
    }
  /* any phase of this component (AWSTOE takes any phase name) */
  guint pi;
  for (pi = 0; pi < c->phases->len; pi++)
    if (strcmp (((KilnPhase *) c->phases->pdata[pi])->name, ref->scope) == 0)
      break;
  if (pi == c->phases->len)
    {
      g_autofree const char **names = g_new0 (const char *,
                                              c->phases->len + 1);
      for (guint i = 0; i < c->phases->len; i++)
        names[i] = ((KilnPhase *) c->phases->pdata[i])->name;
      g_autofree char *hint = kiln_suggest_suffix (ref->scope, names);
      check_report (k, KILN_DIAG_ERROR, "'%s' refers to phase '%s', which "
                    "this component does not have%s", ref->text, ref->scope,
                    hint);
      return;
    }
  /* build/validate and test run in different boots under kiln build; a
   * phase of another name runs in the boot of the phases named with it */
  if (stage_of (ref->scope) >= 0 && stage_of (here->name) >= 0
      && stage_of (ref->scope) != stage_of (here->name))
    {
      check_report (k, KILN_DIAG_ERROR, "'%s' refers to phase '%s' of the %s "
                    "stage; chaining does not cross into the %s stage, where "
                    "step '%s' runs", ref->text, ref->scope,
                    stage_name (stage_of (ref->scope)),
                    stage_name (stage_of (here->name)), st->name);
      return;
    }
  const KilnPhase *ph = c->phases->pdata[pi];
  GHashTable *steps = k->s->phase_steps->pdata[pi];
  guint idx1 = GPOINTER_TO_UINT (g_hash_table_lookup (steps, ref->step));
  if (!idx1)
    {
      g_autofree const char **cands = g_new0 (const char *,
                                              ph->steps->len + 1);
      for (guint i = 0; i < ph->steps->len; i++)
        cands[i] = ((KilnStep *) ph->steps->pdata[i])->name;
      g_autofree char *hint = suggest (ref->step, cands, ph->steps->len);
      check_report (k, KILN_DIAG_ERROR, "'%s' refers to step '%s', which is "
                    "not in phase '%s'%s", ref->text, ref->step, ref->scope,
                    hint);
      return;
    }
  guint target = idx1 - 1;
  gboolean earlier = pi < k->phase_index
                     || (pi == k->phase_index && target < k->step_index);
  if (!earlier)
    {
      check_report (k, KILN_DIAG_ERROR, "'%s' refers to step '%s', which does "
                    "not run before step '%s' in phase '%s'", ref->text,
                    ref->step, st->name, here->name);
      return;
    }
  const KilnStep *t = ph->steps->pdata[target];
  const KilnAction *a = t->action ? kiln_action_lookup (t->action) : NULL;
  if (!a || a->rejected)
    return;   /* the step itself is reported */
  if (ref->output)
    {
      if (kiln_action_has_output (a, ref->field))
        return;
      if (!a->outputs || !a->outputs[0])
        {
          check_report (k, KILN_DIAG_ERROR, "'%s' refers to output '%s' of "
                        "step '%s', but %s produces no outputs", ref->text,
                        ref->field, ref->step, kiln_action_name (a));
          return;
        }
      g_autofree char *hint = kiln_suggest_suffix (ref->field, a->outputs);
      g_autofree char *all = g_strjoinv ("', '", (char **) a->outputs);
      check_report (k, KILN_DIAG_ERROR, "'%s' refers to output '%s' of step "
                    "'%s', but %s produces only '%s'%s", ref->text,
                    ref->field, ref->step, kiln_action_name (a), all, hint);
      return;
    }
  /* inputs */
  if (a->shape == KILN_INPUTS_LIST && ref->index < 0)
    {
      check_report (k, KILN_DIAG_ERROR, "'%s': the inputs of %s are a list; "
                    "expected %s.%s.inputs[i].%s", ref->text,
                    kiln_action_name (a), ref->scope, ref->step, ref->field);
      return;
    }
  if (a->shape != KILN_INPUTS_LIST && ref->index >= 0)
    {
      check_report (k, KILN_DIAG_ERROR, "'%s': the inputs of %s are a "
                    "mapping, not a list; expected %s.%s.inputs.%s",
                    ref->text, kiln_action_name (a), ref->scope, ref->step,
                    ref->field);
      return;
    }
  if (ref->index >= 0 && kiln_node_is_seq (t->inputs)
      && (guint64) ref->index >= kiln_node_seq_size (t->inputs))
    {
      check_report (k, KILN_DIAG_ERROR, "'%s': index %" G_GINT64_FORMAT
                    " is out of range; step '%s' has %u input entr%s "
                    "(0..%u)", ref->text, ref->index, ref->step,
                    kiln_node_seq_size (t->inputs),
                    kiln_node_seq_size (t->inputs) == 1 ? "y" : "ies",
                    kiln_node_seq_size (t->inputs) - 1);
      return;
    }
  if (a->shape == KILN_INPUTS_CONDITION)
    return;
  if (!kiln_action_find_input (a, ref->field))
    {
      g_autoptr (GPtrArray) names = kiln_action_input_names (a);
      g_autofree char *hint = kiln_suggest_suffix (
        ref->field, (const char *const *) names->pdata);
      check_report (k, KILN_DIAG_ERROR, "'%s' refers to input '%s' of step "
                    "'%s', which %s does not have%s", ref->text, ref->field,
                    ref->step, kiln_action_name (a), hint);
    }
}

static void
check_scalar (Check *k)
{
  const char *text = k->node->scalar;
  if (k->s->reported >= MAX_REPORTS || !strstr (text, "{{"))
    return;
  g_autoptr (GPtrArray) refs = kiln_vars_scan (text);
  if (refs->len == 0)
    return;
  g_autofree int *lines = g_new (int, refs->len);
  g_autofree int *cols = g_new (int, refs->len);
  locate_refs (k->s, k->node, refs, lines, cols);
  for (guint i = 0; i < refs->len && k->s->reported < MAX_REPORTS; i++)
    {
      const KilnVarRef *ref = refs->pdata[i];
      k->line = lines[i];
      k->col = cols[i];
      switch (ref->kind)
        {
        case KILN_VAR_NAME:
          check_name (k, ref);
          break;
        case KILN_VAR_LOOP:
          check_loop (k, ref);
          break;
        case KILN_VAR_CHAIN:
          check_chain (k, ref);
          break;
        case KILN_VAR_NAMING:
          check_report (k, KILN_DIAG_ERROR, "'%s' is a naming template for a "
                        "recipe's outputs.name; it has no value inside a "
                        "component", ref->text);
          break;
        case KILN_VAR_INVALID:
          check_report (k, KILN_DIAG_ERROR, "'%s' is not a valid reference: %s",
                        ref->text, ref->problem);
          break;
        case KILN_VAR_FOREIGN:
          break;
        }
    }
}

static void
walk (Check *k, const KilnNode *n)
{
  if (!n)
    return;
  if (n->kind == KILN_NODE_SCALAR)
    {
      k->node = n;
      check_scalar (k);
      return;
    }
  for (guint i = 0; i < n->items->len; i++)
    {
      const KilnNode *child = n->items->pdata[i];
      /* map keys are names, not values */
      if (n->kind == KILN_NODE_MAP && i % 2 == 0)
        continue;
      walk (k, child);
    }
}

void
kiln_vars_check_node (KilnVarsScope *scope, guint phase_index,
                      guint step_index, const KilnNode *node,
                      KilnVarsPlace place, KilnDiags *diags)
{
  Check k = {
    .s = scope, .phase_index = phase_index, .step_index = step_index,
    .place = place, .diags = diags,
  };
  g_return_if_fail (phase_index < scope->c->phases->len);
  g_return_if_fail (step_index
                    < ((KilnPhase *) scope->c->phases->pdata[phase_index])
                        ->steps->len);
  walk (&k, node);
}
