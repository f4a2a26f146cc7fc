/* condition.c - `if` conditions and Assert inputs (AWSTOE operators) */
#include "condition.h"

#include <string.h>

#include "schema.h"
#include "common/kiln-re2-posix.h"
#include "base/suggest.h"
#include "vars.h"
#include "documents/tables.h"

/* The operators are common/kiln-protocol.h's (kiln-agent evaluates the
 * same list); here is how kiln checks their operands. */
static const char *const branches[] = {
  KILN_IF_EXECUTE, KILN_IF_SKIP, KILN_IF_ABORT, NULL
};

const char *const *
kiln_condition_comparison_operators (void)
{
  static const char *names[KILN_OPERATOR_COUNT + 1];
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      guint n = 0;
      for (guint op = 0; op < KILN_OPERATOR_COUNT; op++)
        if (kiln_protocol_operator_kind (op) != KILN_OPERAND_LOGICAL)
          names[n++] = kiln_protocol_operator_name (op);
      g_once_init_leave (&once, 1);
    }
  return names;
}

/* The comparison named, or -1 (for a logical operator too). */
static int
find_comparison (const char *name)
{
  int op = kiln_protocol_operator_find (name);
  if (op < 0 || kiln_protocol_operator_kind (op) == KILN_OPERAND_LOGICAL)
    return -1;
  return op;
}

static gboolean
is_operator (const char *key)
{
  return kiln_protocol_operator_find (key) >= 0;
}

/* Constructs PCRE accepts and Go's RE2 refuses. */
static const char *
re2_refuses (const char *p)
{
  gboolean in_class = FALSE;
  for (; *p; p++)
    {
      if (*p == '\\')
        {
          char c = p[1];
          if (!c)
            return NULL;   /* GRegex reports the trailing backslash */
          if (!in_class)
            {
              if (c >= '1' && c <= '9'
                  && !(g_ascii_isdigit (p[2]) && g_ascii_isdigit (p[3])))
                return "a back-reference (\\N)";
              if (c == 'k' || c == 'g')
                return "a back-reference (\\k or \\g)";
              if (strchr ("ZGRXK", c))
                return "an escape RE2 does not have";
            }
          p++;
          continue;
        }
      if (in_class)
        {
          if (*p == ']')
            in_class = FALSE;
          continue;
        }
      if (*p == '[')
        {
          in_class = TRUE;
          /* a ']' right after '[' or '[^' is literal */
          if (p[1] == '^')
            p++;
          if (p[1] == ']')
            p++;
          continue;
        }
      if (*p == '(' && p[1] == '?')
        {
          const char *q = p + 2;
          if (*q == '=' || *q == '!'
              || (*q == '<' && (q[1] == '=' || q[1] == '!')))
            return "look-around ((?=, (?!, (?<=, (?<!)";
          if (*q == '>')
            return "an atomic group ((?>)";
          if (*q == '(' || *q == 'R' || *q == '|' || *q == '&'
              || g_ascii_isdigit (*q) || (*q == 'P' && q[1] == '>'))
            return "recursion or conditionals";
        }
      if ((*p == '*' || *p == '+' || *p == '?' || *p == '}') && p[1] == '+')
        return "a possessive quantifier (*+, ++, ?+)";
    }
  return NULL;
}

const char *
kiln_condition_regex_guest_gap (const char *p)
{
  /* the agent translates RE2 into POSIX ERE (common/kiln-re2-posix.h): the
   * gap is what that translation refuses */
  int flags = 0;
  const char *why = NULL;
  g_autofree char *ere = kiln_re2_to_posix (p, &flags, &why);
  return ere ? NULL : why;
}

gboolean
kiln_condition_regex_ok (const char *pattern, char **problem)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (GRegex) re = g_regex_new (pattern, 0, 0, &err);
  if (!re)
    {
      if (problem)
        *problem = g_strdup (err->message);
      return FALSE;
    }
  const char *why = re2_refuses (pattern);
  if (why)
    {
      if (problem)
        *problem = g_strdup_printf ("it uses %s, which Go's RE2 (AWSTOE) does "
                                    "not support", why);
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_number (const char *s)
{
  /* ^[-+]?([0-9]+[.])?[0-9]+$ */
  if (*s == '-' || *s == '+')
    s++;
  const char *start = s;
  while (g_ascii_isdigit (*s))
    s++;
  if (*s == '.')
    {
      if (s == start)
        return FALSE;
      s++;
      start = s;
      while (g_ascii_isdigit (*s))
        s++;
    }
  return s > start && *s == '\0';
}

const KilnNode *
kiln_condition_root (const KilnNode *cond)
{
  if (kiln_node_is_seq (cond) && kiln_node_seq_size (cond) == 1)
    cond = kiln_node_seq_get (cond, 0);
  return kiln_node_is_map (cond) ? cond : NULL;
}

typedef struct {
  const char *what;
  GHashTable *values;
  KilnDiags *diags;
  gboolean ok;
} Cond;

static void cond_error (Cond *c, const KilnNode *at, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);

static void
cond_error (Cond *c, const KilnNode *at, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  kiln_diags_addv (c->diags, KILN_DIAG_ERROR, at->file, at->line, at->col,
                   fmt, ap);
  va_end (ap);
  c->ok = FALSE;
}

static void check_expr (Cond *c, const KilnNode *map, guint depth,
                        gboolean top_of_if);

static gboolean
operand_scalar (Cond *c, const KilnNode *key, const KilnNode *v)
{
  if (kiln_node_is_scalar (v) && !kiln_node_is_null (v))
    return TRUE;
  cond_error (c, v, "expected a value for '%s' in %s, found %s", key->scalar,
              c->what, kiln_node_describe (v));
  return FALSE;
}

static void
check_comparison (Cond *c, const KilnNode *map, const KilnNode *key,
                  const KilnNode *operand, int which)
{
  KilnOperandKind kind = kiln_protocol_operator_kind (which);
  const char *op = key->scalar;
  const KilnNode *value = kiln_node_map_get (map, KILN_CONDITION_VALUE);
  const KilnNode *value_key = kiln_node_map_get_key (map,
                                                     KILN_CONDITION_VALUE);
  const KilnNode *path = kiln_node_map_get (map, KILN_CONDITION_PATH);
  const KilnNode *path_key = kiln_node_map_get_key (map, KILN_CONDITION_PATH);

  /* the companions each kind takes */
  if (kind == KILN_OPERAND_FILE_HASH)
    {
      if (!path)
        cond_error (c, map, "missing required key 'path' for '%s' in %s (the "
                    "file whose hash is compared)", op, c->what);
      else
        operand_scalar (c, path_key, path);
      if (value)
        cond_error (c, value_key, "'%s' compares "
                    "the file at 'path'; expected no 'value' in %s", op,
                    c->what);
    }
  else if (kind == KILN_OPERAND_ONE)
    {
      if (value)
        cond_error (c, value_key, "'%s' takes a "
                    "single operand (%s: X); expected no 'value' in %s", op,
                    op, c->what);
      if (path)
        cond_error (c, path_key, "expected no "
                    "'path' with '%s' in %s", op, c->what);
    }
  else
    {
      if (!value)
        cond_error (c, map, "missing required key 'value' for '%s' in %s "
                    "(the value compared with '%s')", op, c->what,
                    operand && kiln_node_is_scalar (operand)
                    ? operand->scalar : "the operand");
      else if (!kiln_node_is_scalar (value))
        cond_error (c, value, "expected a single value for 'value' in %s, "
                    "found %s", c->what, kiln_node_describe (value));
      if (path)
        cond_error (c, path_key, "expected no "
                    "'path' with '%s' in %s (only the file hash operators "
                    "take one)", op, c->what);
    }

  if (!operand_scalar (c, key, operand))
    return;
  g_autofree char *text = kiln_vars_resolve_static (operand->scalar,
                                                    c->values);
  if (!text)
    return;   /* known at run time only */
  g_autofree char *q = kiln_quote_for_message (text);
  switch (kind)
    {
    case KILN_OPERAND_NUMBER:
      if (!is_number (text))
        cond_error (c, operand, "expected a number for '%s' in %s, found %s",
                    op, c->what, q);
      if (value && kiln_node_is_scalar (value))
        {
          g_autofree char *vt = kiln_vars_resolve_static (value->scalar,
                                                          c->values);
          if (vt && !is_number (vt))
            {
              g_autofree char *vq = kiln_quote_for_message (vt);
              kiln_diags_add (c->diags, KILN_DIAG_WARNING, value->file,
                              value->line, value->col, "'value' %s of '%s' "
                              "is not a number, so the comparison is always "
                              "false", vq, op);
            }
        }
      break;
    case KILN_OPERAND_PATTERN:
      {
        g_autofree char *problem = NULL;
        const char *gap = NULL;
        if (!kiln_condition_regex_ok (text, &problem))
          cond_error (c, operand, "expected a regular expression for '%s' in "
                      "%s, found %s: %s", op, c->what, q, problem);
        else if ((gap = kiln_condition_regex_guest_gap (text)))
          /* AWSTOE accepts it, so kiln does; but the guest agent's POSIX
           * regcomp would refuse it or read it differently. */
          kiln_diags_add (c->diags, KILN_DIAG_WARNING, operand->file,
                          operand->line, operand->col, "%s for '%s' in %s "
                          "uses %s: RE2 (AWSTOE) has it, but the guest agent "
                          "evaluates patterns as POSIX extended regular "
                          "expressions, which have no form of it: the step "
                          "fails there",
                          q, op, c->what, gap);
      }
      break;
    case KILN_OPERAND_FILE_HASH:
      {
        guint digits = kiln_protocol_operator_hex_digits (which);
        gboolean hex = TRUE;
        for (const char *p = text; *p; p++)
          hex &= g_ascii_isxdigit (*p) != 0;
        if (!hex || strlen (text) != digits)
          cond_error (c, operand, "expected %u hexadecimal digits for '%s' in "
                      "%s, found %s", digits, op, c->what, q);
      }
      break;
    case KILN_OPERAND_ONE:
    case KILN_OPERAND_STRING:
    case KILN_OPERAND_LOGICAL:
      break;
    }
}

static void
check_logical (Cond *c, const KilnNode *key, const KilnNode *v, guint depth)
{
  guint level = depth + 1;
  if (level > KILN_CONDITION_MAX_DEPTH)
    {
      cond_error (c, key, "expected logical operators nested at most %d "
                  "levels deep in %s, found '%s' at level %u",
                  KILN_CONDITION_MAX_DEPTH, c->what, key->scalar, level);
      return;
    }
  if (kiln_protocol_operator_find (key->scalar) == KILN_OPERATOR_NOT)
    {
      if (!kiln_node_is_map (v))
        {
          cond_error (c, v, "expected one condition (a mapping) for 'not' in "
                      "%s, found %s", c->what, kiln_node_describe (v));
          return;
        }
      check_expr (c, v, level, FALSE);
      return;
    }
  if (!kiln_node_is_seq (v) || kiln_node_seq_size (v) == 0)
    {
      cond_error (c, v, "expected a list of conditions for '%s' in %s, found "
                  "%s", key->scalar, c->what, kiln_node_is_seq (v)
                  ? "an empty list" : kiln_node_describe (v));
      return;
    }
  for (guint i = 0; i < kiln_node_seq_size (v); i++)
    {
      const KilnNode *e = kiln_node_seq_get (v, i);
      if (!kiln_node_is_map (e))
        {
          cond_error (c, e, "expected a condition (a mapping) as entry %u of "
                      "'%s' in %s, found %s", i, key->scalar, c->what,
                      kiln_node_describe (e));
          continue;
        }
      check_expr (c, e, level, FALSE);
    }
}

static void
check_expr (Cond *c, const KilnNode *map, guint depth, gboolean top_of_if)
{
  g_autoptr (GPtrArray) allowed = g_ptr_array_new ();
  const KilnNode *op_key = NULL;

  /* the comparisons, and/or/not, then the companions (this order shows
   * in "expected one of" messages) */
  for (guint op = 0; op < KILN_OPERATOR_COUNT; op++)
    g_ptr_array_add (allowed, (gpointer) kiln_protocol_operator_name (op));
  g_ptr_array_add (allowed, (gpointer) KILN_CONDITION_VALUE);
  g_ptr_array_add (allowed, (gpointer) KILN_CONDITION_PATH);
  if (top_of_if)
    {
      g_ptr_array_add (allowed, (gpointer) KILN_IF_THEN);
      g_ptr_array_add (allowed, (gpointer) KILN_IF_ELSE);
    }
  g_ptr_array_add (allowed, NULL);
  if (!kiln_schema_check_keys (c->diags, map, c->what,
                               (const char *const *) allowed->pdata))
    c->ok = FALSE;

  for (guint i = 0; i < kiln_node_map_size (map); i++)
    {
      const KilnNode *k = kiln_node_map_key (map, i);
      if (!is_operator (k->scalar))
        continue;
      if (op_key)
        {
          cond_error (c, k, "expected exactly one operator at each level of "
                      "%s, found '%s' beside '%s' (combine them with 'and' "
                      "or 'or')", c->what, k->scalar, op_key->scalar);
          continue;
        }
      op_key = k;
    }

  if (top_of_if)
    for (guint b = 0; b < 2; b++)
      {
        const char *name = b ? KILN_IF_ELSE : KILN_IF_THEN;
        const KilnNode *v = kiln_node_map_get (map, name);
        g_autofree char *bw = g_strdup_printf ("'%s' in %s", name, c->what);
        if (v && !kiln_schema_enum (c->diags, v, bw, branches, NULL))
          c->ok = FALSE;
      }

  if (!op_key)
    {
      /* unknown keys were reported already; say what is missing */
      gboolean only_unknown = kiln_node_map_size (map) > 0;
      for (guint i = 0; i < kiln_node_map_size (map); i++)
        {
          const char *k = kiln_node_map_key (map, i)->scalar;
          if (g_strv_contains ((const char *const *) allowed->pdata, k))
            only_unknown = FALSE;
        }
      if (!only_unknown)
        cond_error (c, map, "expected one operator (a comparison such as "
                    "stringEquals or fileExists, or and/or/not) in %s, found "
                    "none", c->what);
      else
        c->ok = FALSE;
      return;
    }

  const KilnNode *v = kiln_node_map_get (map, op_key->scalar);
  int which = find_comparison (op_key->scalar);
  if (which >= 0)
    {
      check_comparison (c, map, op_key, v, which);
      return;
    }
  /* logical: value/path make no sense beside it */
  for (guint i = 0; i < 2; i++)
    {
      const char *extra = i ? KILN_CONDITION_PATH : KILN_CONDITION_VALUE;
      const KilnNode *ek = kiln_node_map_get_key (map, extra);
      if (ek)
        cond_error (c, ek, "expected no '%s' beside '%s' in %s (it belongs "
                    "to a comparison inside it)", extra, op_key->scalar,
                    c->what);
    }
  check_logical (c, op_key, v, depth);
}

gboolean
kiln_condition_check (const KilnNode *cond, gboolean is_if, const char *what,
                      GHashTable *values, KilnDiags *diags)
{
  Cond c = { .what = what, .values = values, .diags = diags, .ok = TRUE };

  if (is_if && kiln_node_is_seq (cond))
    {
      if (kiln_node_seq_size (cond) != 1)
        {
          cond_error (&c, cond, "expected one condition for %s, found a list "
                      "of %u", what, kiln_node_seq_size (cond));
          return FALSE;
        }
      cond = kiln_node_seq_get (cond, 0);
    }
  if (!kiln_node_is_map (cond))
    {
      cond_error (&c, cond, "expected a condition (a mapping with one "
                  "operator) for %s, found %s", what,
                  kiln_node_describe (cond));
      return FALSE;
    }
  check_expr (&c, cond, 0, is_if);
  return c.ok;
}

const KilnDocTable kiln_condition_tables[] = {
  { "condition.branch", branches },
  { NULL, NULL }
};
