/* cond.c - AWSTOE conditions: `if` on a step and the Assert action */
#include "cond.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "hash.h"
#include "util.h"

#define COND_MAX_DEPTH 16

static int eval_expr (const json *expr, int depth, char **err);

static int
invalid (char **err, const char *fmt, const char *arg)
{
  *err = xasprintf (fmt, arg);
  return -1;
}

/* Text of an operand (scalars only; they arrive as strings). */
static bool
operand_text (const json *v, char **out)
{
  if (!v)
    return false;
  switch (v->type)
    {
    case JSON_STRING:
      *out = xstrdup (v->string);
      return true;
    case JSON_NUMBER:
    case JSON_BOOL:
      *out = json_serialize (v);
      return true;
    case JSON_NULL:
      *out = xstrdup ("");
      return true;
    default:
      return false;
    }
}

bool
cond_parse_number (const char *s, double *out)
{
  /* ^[-+]?([0-9]+[.])?[0-9]+$ */
  const char *p = s;
  if (*p == '-' || *p == '+')
    p++;
  const char *digits = p;
  while (isdigit ((unsigned char) *p))
    p++;
  if (p == digits)
    return false;
  if (*p == '.')
    {
      p++;
      const char *frac = p;
      while (isdigit ((unsigned char) *p))
        p++;
      if (p == frac)
        return false;
    }
  if (*p)
    return false;
  *out = strtod (s, NULL);
  return true;
}

static int
casecmp_ascii (const char *a, const char *b)
{
  for (;; a++, b++)
    {
      int ca = tolower ((unsigned char) *a), cb = tolower ((unsigned char) *b);
      if (ca != cb || !ca)
        return ca - cb;
    }
}

bool
cond_binary_exists (const char *name)
{
  if (!*name)
    return false;
  if (strchr (name, '/'))
    return path_is_file (name) && access (name, X_OK) == 0;
  const char *path = getenv ("PATH");
  if (!path || !*path)
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  char *copy = xstrdup (path);
  bool found = false;
  for (char *save = NULL, *dir = strtok_r (copy, ":", &save); dir && !found; dir = strtok_r (NULL, ":", &save))
    {
      char *candidate = path_join (*dir ? dir : ".", name);
      found = path_is_file (candidate) && access (candidate, X_OK) == 0;
      free (candidate);
    }
  free (copy);
  return found;
}

typedef enum
{
  OP_AND, OP_OR, OP_NOT,
  OP_STR_EMPTY, OP_STR_WHITESPACE, OP_STR_EQ, OP_STR_LT, OP_STR_LE, OP_STR_GT, OP_STR_GE, OP_PATTERN,
  OP_NUM_EQ, OP_NUM_LT, OP_NUM_LE, OP_NUM_GT, OP_NUM_GE,
  OP_BINARY, OP_FILE, OP_FOLDER,
  OP_MD5, OP_SHA1, OP_SHA256, OP_SHA512,
} op_kind;

static const struct
{
  const char *name;
  op_kind kind;
} operators[] = {
  { "and", OP_AND }, { "or", OP_OR }, { "not", OP_NOT },
  { "stringIsEmpty", OP_STR_EMPTY }, { "stringIsWhitespace", OP_STR_WHITESPACE },
  { "stringEquals", OP_STR_EQ }, { "stringLessThan", OP_STR_LT }, { "stringLessThanEquals", OP_STR_LE },
  { "stringGreaterThan", OP_STR_GT }, { "stringGreaterThanEquals", OP_STR_GE },
  { "patternMatches", OP_PATTERN },
  { "numberEquals", OP_NUM_EQ }, { "numberLessThan", OP_NUM_LT }, { "numberLessThanEquals", OP_NUM_LE },
  { "numberGreaterThan", OP_NUM_GT }, { "numberGreaterThanEquals", OP_NUM_GE },
  { "binaryExists", OP_BINARY }, { "fileExists", OP_FILE }, { "folderExists", OP_FOLDER },
  { "fileMD5Equals", OP_MD5 }, { "fileSHA1Equals", OP_SHA1 },
  { "fileSHA256Equals", OP_SHA256 }, { "fileSHA512Equals", OP_SHA512 },
};

static int
eval_list (const json *list, bool is_and, int depth, const char *name, char **err)
{
  if (!list || list->type != JSON_ARRAY || list->count == 0)
    return invalid (err, "%s: expected a list of conditions", name);
  for (size_t i = 0; i < list->count; i++)
    {
      int r = eval_expr (list->items[i], depth + 1, err);
      if (r < 0)
        return r;
      if (is_and && !r)
        return 0;
      if (!is_and && r)
        return 1;
    }
  return is_and ? 1 : 0;
}

static int
eval_string_op (op_kind kind, const json *arg, const json *value_json, const char *name, char **err)
{
  char *baseline = NULL, *value = NULL;
  int r = -1;
  if (!operand_text (arg, &baseline))
    {
      invalid (err, "%s: expected a string", name);
      goto out;
    }
  if (kind == OP_STR_EMPTY || kind == OP_STR_WHITESPACE)
    {
      /* One operand: `value` when given, else the operator's own. */
      const char *s = baseline;
      if (value_json && operand_text (value_json, &value))
        s = value;
      r = kind == OP_STR_EMPTY ? *s == '\0' : str_is_blank (s);
      goto out;
    }
  if (!operand_text (value_json, &value))
    {
      invalid (err, "%s: expected a `value` to compare", name);
      goto out;
    }
  if (kind == OP_PATTERN)
    {
      regex_t re;
      int rc = regcomp (&re, baseline, REG_EXTENDED | REG_NOSUB);
      if (rc != 0)
        {
          char msg[256];
          regerror (rc, &re, msg, sizeof msg);
          *err = xasprintf ("patternMatches: invalid regular expression '%s': %s", baseline, msg);
          goto out;
        }
      r = regexec (&re, value, 0, NULL, 0) == 0;
      regfree (&re);
      goto out;
    }
  int c = casecmp_ascii (value, baseline);
  switch (kind)
    {
    case OP_STR_EQ: r = c == 0; break;
    case OP_STR_LT: r = c < 0; break;
    case OP_STR_LE: r = c <= 0; break;
    case OP_STR_GT: r = c > 0; break;
    default: r = c >= 0; break;
    }
out:
  free (baseline);
  free (value);
  return r;
}

static int
eval_number_op (op_kind kind, const json *arg, const json *value_json, const char *name, char **err)
{
  char *a = NULL, *b = NULL;
  if (!operand_text (arg, &a) || !operand_text (value_json, &b))
    {
      free (a);
      free (b);
      return invalid (err, "%s: expected a number and a `value`", name);
    }
  double baseline, value;
  bool ok = cond_parse_number (a, &baseline) && cond_parse_number (b, &value);
  free (a);
  free (b);
  if (!ok)
    return 0;
  switch (kind)
    {
    case OP_NUM_EQ: return value == baseline;
    case OP_NUM_LT: return value < baseline;
    case OP_NUM_LE: return value <= baseline;
    case OP_NUM_GT: return value > baseline;
    default: return value >= baseline;
    }
}

static int
eval_file_op (op_kind kind, const json *arg, const json *path_json, const char *name, char **err)
{
  char *a = NULL;
  if (!operand_text (arg, &a))
    return invalid (err, "%s: expected a string", name);
  int r;
  if (kind == OP_BINARY)
    r = cond_binary_exists (a);
  else if (kind == OP_FILE)
    r = path_is_file (a);
  else if (kind == OP_FOLDER)
    r = path_is_dir (a);
  else
    {
      char *path = NULL;
      if (!operand_text (path_json, &path) || !*path)
        {
          free (a);
          free (path);
          return invalid (err, "%s: expected a `path`", name);
        }
      hash_alg alg = kind == OP_MD5 ? HASH_MD5 : kind == OP_SHA1 ? HASH_SHA1
                     : kind == OP_SHA256 ? HASH_SHA256 : HASH_SHA512;
      char *digest = path_is_file (path) ? hash_file_hex (path, alg, NULL) : NULL;
      char *want = str_trim_dup (a);
      r = digest && casecmp_ascii (digest, want) == 0;
      free (want);
      free (digest);
      free (path);
    }
  free (a);
  return r;
}

static int
eval_expr (const json *expr, int depth, char **err)
{
  if (depth > COND_MAX_DEPTH)
    return invalid (err, "%s", "condition nested too deeply");
  if (expr && expr->type == JSON_ARRAY && expr->count == 1)
    expr = expr->items[0];
  if (!expr || expr->type != JSON_OBJECT)
    return invalid (err, "%s", "expected a condition object with one operator");
  const char *op_name = NULL;
  op_kind kind = OP_AND;
  for (size_t i = 0; i < expr->count; i++)
    {
      const char *key = expr->keys[i];
      if (!strcmp (key, "value") || !strcmp (key, "path"))
        continue;
      bool known = false;
      for (size_t j = 0; j < ARRAY_LEN (operators); j++)
        if (!strcmp (key, operators[j].name))
          {
            known = true;
            if (op_name)
              {
                *err = xasprintf ("expected exactly one operator, found %s and %s", op_name, key);
                return -1;
              }
            op_name = key;
            kind = operators[j].kind;
          }
      if (!known)
        return invalid (err, "unknown condition operator '%s'", key);
    }
  if (!op_name)
    return invalid (err, "%s", "expected an operator (stringEquals, fileExists, and, ...)");
  const json *arg = json_get (expr, op_name);
  const json *value = json_get (expr, "value");
  switch (kind)
    {
    case OP_AND:
    case OP_OR:
      return eval_list (arg, kind == OP_AND, depth, op_name, err);
    case OP_NOT:
      {
        int r = eval_expr (arg, depth + 1, err);
        return r < 0 ? r : !r;
      }
    case OP_STR_EMPTY: case OP_STR_WHITESPACE: case OP_STR_EQ: case OP_STR_LT: case OP_STR_LE:
    case OP_STR_GT: case OP_STR_GE: case OP_PATTERN:
      return eval_string_op (kind, arg, value, op_name, err);
    case OP_NUM_EQ: case OP_NUM_LT: case OP_NUM_LE: case OP_NUM_GT: case OP_NUM_GE:
      return eval_number_op (kind, arg, value, op_name, err);
    default:
      return eval_file_op (kind, arg, json_get (expr, "path"), op_name, err);
    }
}

int
cond_eval (const json *expr, char **err)
{
  return eval_expr (expr, 0, err);
}

static bool
parse_action (const json *v, if_action *out, const char *which, char **err)
{
  if (!v || v->type == JSON_NULL)
    return true;
  const char *s = v->type == JSON_STRING ? v->string : "";
  if (!str_casecmp (s, "Execute"))
    *out = IF_EXECUTE;
  else if (!str_casecmp (s, "Skip"))
    *out = IF_SKIP;
  else if (!str_casecmp (s, "Abort"))
    *out = IF_ABORT;
  else
    {
      *err = xasprintf ("if: %s must be Execute, Skip or Abort", which);
      return false;
    }
  return true;
}

bool
cond_eval_if (const json *cond, if_action *out, bool *truth, char **err)
{
  if (cond && cond->type == JSON_ARRAY && cond->count == 1)
    cond = cond->items[0];
  if (!cond || cond->type != JSON_OBJECT)
    {
      *err = xstrdup ("if: expected a condition object");
      return false;
    }
  if_action then_action = IF_EXECUTE, else_action = IF_SKIP;
  if (!parse_action (json_get (cond, "then"), &then_action, "then", err)
      || !parse_action (json_get (cond, "else"), &else_action, "else", err))
    return false;
  /* The expression is the object without then/else. */
  json *expr = json_clone (cond);
  json_free (json_take (expr, "then"));
  json_free (json_take (expr, "else"));
  char *e = NULL;
  int r = cond_eval (expr, &e);
  json_free (expr);
  if (r < 0)
    {
      *err = xasprintf ("if: %s", e);
      free (e);
      return false;
    }
  *truth = r;
  *out = r ? then_action : else_action;
  return true;
}

const char *
if_action_name (if_action a)
{
  static const char *const names[] = { "Execute", "Skip", "Abort" };
  return names[a];
}
