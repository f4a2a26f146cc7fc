/* condition.c - `if` conditions and Assert inputs (AWSTOE operators) */
#include "condition.h"

#include <string.h>

#include "schema.h"
#include "base/suggest.h"
#include "vars.h"

typedef enum {
  OP_UNARY,      /* operand only: stringIsEmpty: '...' */
  OP_COMPARE,    /* operand + value */
  OP_NUMBER,     /* numeric operand + value */
  OP_PATTERN,    /* regex operand + value */
  OP_FILE_HASH,  /* hash operand + path */
} OpKind;

static const struct {
  const char *name;
  OpKind kind;
  guint hash_len;
} comparisons[] = {
  { "stringIsEmpty", OP_UNARY, 0 },
  { "stringIsWhitespace", OP_UNARY, 0 },
  { "stringEquals", OP_COMPARE, 0 },
  { "stringLessThan", OP_COMPARE, 0 },
  { "stringLessThanEquals", OP_COMPARE, 0 },
  { "stringGreaterThan", OP_COMPARE, 0 },
  { "stringGreaterThanEquals", OP_COMPARE, 0 },
  { "patternMatches", OP_PATTERN, 0 },
  { "numberEquals", OP_NUMBER, 0 },
  { "numberLessThan", OP_NUMBER, 0 },
  { "numberLessThanEquals", OP_NUMBER, 0 },
  { "numberGreaterThan", OP_NUMBER, 0 },
  { "numberGreaterThanEquals", OP_NUMBER, 0 },
  { "binaryExists", OP_UNARY, 0 },
  { "fileExists", OP_UNARY, 0 },
  { "folderExists", OP_UNARY, 0 },
  { "fileMD5Equals", OP_FILE_HASH, 32 },
  { "fileSHA1Equals", OP_FILE_HASH, 40 },
  { "fileSHA256Equals", OP_FILE_HASH, 64 },
  { "fileSHA512Equals", OP_FILE_HASH, 128 },
};

static const char *const logical[] = { "and", "or", "not", NULL };
static const char *const branches[] = { "Execute", "Skip", "Abort", NULL };

const char *const *
kiln_condition_comparison_operators (void)
{
  static const char *names[G_N_ELEMENTS (comparisons) + 1];
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      for (gsize i = 0; i < G_N_ELEMENTS (comparisons); i++)
        names[i] = comparisons[i].name;
      g_once_init_leave (&once, 1);
    }
  return names;
}

static int
find_comparison (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (comparisons); i++)
    if (strcmp (comparisons[i].name, name) == 0)
      return (int) i;
  return -1;
}

static gboolean
is_operator (const char *key)
{
  return g_strv_contains (logical, key) || find_comparison (key) >= 0;
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
  OpKind kind = comparisons[which].kind;
  const char *op = key->scalar;
  const KilnNode *value = kiln_node_map_get (map, "value");
  const KilnNode *path = kiln_node_map_get (map, "path");

  /* the companions each kind takes */
  if (kind == OP_FILE_HASH)
    {
      if (!path)
        cond_error (c, map, "missing required key 'path' for '%s' in %s (the "
                    "file whose hash is compared)", op, c->what);
      else
        operand_scalar (c, kiln_node_map_get_key (map, "path"), path);
      if (value)
        cond_error (c, kiln_node_map_get_key (map, "value"), "'%s' compares "
                    "the file at 'path'; expected no 'value' in %s", op,
                    c->what);
    }
  else if (kind == OP_UNARY)
    {
      if (value)
        cond_error (c, kiln_node_map_get_key (map, "value"), "'%s' takes a "
                    "single operand (%s: X); expected no 'value' in %s", op,
                    op, c->what);
      if (path)
        cond_error (c, kiln_node_map_get_key (map, "path"), "expected no "
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
        cond_error (c, kiln_node_map_get_key (map, "path"), "expected no "
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
    case OP_NUMBER:
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
    case OP_PATTERN:
      {
        g_autofree char *problem = NULL;
        if (!kiln_condition_regex_ok (text, &problem))
          cond_error (c, operand, "expected a regular expression for '%s' in "
                      "%s, found %s: %s", op, c->what, q, problem);
      }
      break;
    case OP_FILE_HASH:
      {
        gboolean hex = TRUE;
        for (const char *p = text; *p; p++)
          hex &= g_ascii_isxdigit (*p) != 0;
        if (!hex || strlen (text) != comparisons[which].hash_len)
          cond_error (c, operand, "expected %u hexadecimal digits for '%s' in "
                      "%s, found %s", comparisons[which].hash_len, op,
                      c->what, q);
      }
      break;
    case OP_UNARY:
    case OP_COMPARE:
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
  if (strcmp (key->scalar, "not") == 0)
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

  for (guint i = 0; i < G_N_ELEMENTS (comparisons); i++)
    g_ptr_array_add (allowed, (gpointer) comparisons[i].name);
  for (guint i = 0; logical[i]; i++)
    g_ptr_array_add (allowed, (gpointer) logical[i]);
  g_ptr_array_add (allowed, (gpointer) "value");
  g_ptr_array_add (allowed, (gpointer) "path");
  if (top_of_if)
    {
      g_ptr_array_add (allowed, (gpointer) "then");
      g_ptr_array_add (allowed, (gpointer) "else");
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
        const char *name = b ? "else" : "then";
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
      const char *extra = i ? "path" : "value";
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
