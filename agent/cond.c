/* cond.c - AWSTOE conditions: `if` on a step and the Assert action */
#include "cond.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/kiln-protocol.h"
#include "common/kiln-re2-posix.h"
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

char *
cond_binary_path (const char *name)
{
  if (!*name)
    return NULL;
  if (strchr (name, '/'))
    return path_is_file (name) && access (name, X_OK) == 0 ? xstrdup (name) : NULL;
  const char *path = getenv ("PATH");
  if (!path || !*path)
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  char *copy = xstrdup (path);
  char *found = NULL;
  for (char *save = NULL, *dir = strtok_r (copy, ":", &save); dir && !found; dir = strtok_r (NULL, ":", &save))
    {
      char *candidate = path_join (*dir ? dir : ".", name);
      if (path_is_file (candidate) && access (candidate, X_OK) == 0)
        found = candidate;
      else
        free (candidate);
    }
  free (copy);
  return found;
}

bool
cond_binary_exists (const char *name)
{
  char *p = cond_binary_path (name);
  free (p);
  return p != NULL;
}

/* The operators are common/kiln-protocol.h's (the host validates the same
 * list); each is evaluated by the function for its operand kind. */

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
eval_string_op (KilnOperator op, const json *arg, const json *value_json, const char *name, char **err)
{
  char *baseline = NULL, *value = NULL;
  int r = -1;
  if (!operand_text (arg, &baseline))
    {
      invalid (err, "%s: expected a string", name);
      goto out;
    }
  if (op == KILN_OPERATOR_STRING_IS_EMPTY || op == KILN_OPERATOR_STRING_IS_WHITESPACE)
    {
      /* One operand: `value` when given, else the operator's own. */
      const char *s = baseline;
      if (value_json && operand_text (value_json, &value))
        s = value;
      r = op == KILN_OPERATOR_STRING_IS_EMPTY ? *s == '\0' : str_is_blank (s);
      goto out;
    }
  if (!operand_text (value_json, &value))
    {
      invalid (err, "%s: expected a `value` to compare", name);
      goto out;
    }
  if (op == KILN_OPERATOR_PATTERN_MATCHES)
    {
      /* the document's pattern is RE2 (AWSTOE); libc has POSIX ERE */
      int flags = 0;
      const char *why = NULL;
      char *ere = kiln_re2_to_posix (baseline, &flags, &why);
      if (!ere)
        {
          *err = xasprintf ("patternMatches: '%s' uses %s, which has no POSIX form in the guest", baseline,
                            why ? why : "too much memory");
          goto out;
        }
      regex_t re;
      int rc = regcomp (&re, ere, REG_EXTENDED | REG_NOSUB | ((flags & KILN_RE_ICASE) ? REG_ICASE : 0)
                                      | ((flags & KILN_RE_NEWLINE) ? REG_NEWLINE : 0));
      free (ere);
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
  switch (op)
    {
    case KILN_OPERATOR_STRING_EQUALS: r = c == 0; break;
    case KILN_OPERATOR_STRING_LESS_THAN: r = c < 0; break;
    case KILN_OPERATOR_STRING_LESS_THAN_EQUALS: r = c <= 0; break;
    case KILN_OPERATOR_STRING_GREATER_THAN: r = c > 0; break;
    default: r = c >= 0; break;
    }
out:
  free (baseline);
  free (value);
  return r;
}

static int
eval_number_op (KilnOperator op, const json *arg, const json *value_json, const char *name, char **err)
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
  switch (op)
    {
    case KILN_OPERATOR_NUMBER_EQUALS: return value == baseline;
    case KILN_OPERATOR_NUMBER_LESS_THAN: return value < baseline;
    case KILN_OPERATOR_NUMBER_LESS_THAN_EQUALS: return value <= baseline;
    case KILN_OPERATOR_NUMBER_GREATER_THAN: return value > baseline;
    default: return value >= baseline;
    }
}

static int
eval_file_op (KilnOperator op, const json *arg, const json *path_json, const char *name, char **err)
{
  char *a = NULL;
  if (!operand_text (arg, &a))
    return invalid (err, "%s: expected a string", name);
  int r;
  if (op == KILN_OPERATOR_BINARY_EXISTS)
    r = cond_binary_exists (a);
  else if (op == KILN_OPERATOR_FILE_EXISTS)
    r = path_is_file (a);
  else if (op == KILN_OPERATOR_FOLDER_EXISTS)
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
      hash_alg alg = op == KILN_OPERATOR_FILE_MD5_EQUALS ? HASH_MD5
                     : op == KILN_OPERATOR_FILE_SHA1_EQUALS ? HASH_SHA1
                     : op == KILN_OPERATOR_FILE_SHA256_EQUALS ? HASH_SHA256 : HASH_SHA512;
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
  KilnOperator op = KILN_OPERATOR_AND;
  for (size_t i = 0; i < expr->count; i++)
    {
      const char *key = expr->keys[i];
      if (!strcmp (key, KILN_CONDITION_VALUE) || !strcmp (key, KILN_CONDITION_PATH))
        continue;
      int found = kiln_protocol_operator_find (key);
      if (found < 0)
        return invalid (err, "unknown condition operator '%s'", key);
      if (op_name)
        {
          *err = xasprintf ("expected exactly one operator, found %s and %s", op_name, key);
          return -1;
        }
      op_name = key;
      op = (KilnOperator) found;
    }
  if (!op_name)
    return invalid (err, "%s", "expected an operator (stringEquals, fileExists, and, ...)");
  const json *arg = json_get (expr, op_name);
  const json *value = json_get (expr, KILN_CONDITION_VALUE);
  switch (kiln_protocol_operator_kind (op))
    {
    case KILN_OPERAND_LOGICAL:
      if (op == KILN_OPERATOR_NOT)
        {
          int r = eval_expr (arg, depth + 1, err);
          return r < 0 ? r : !r;
        }
      return eval_list (arg, op == KILN_OPERATOR_AND, depth, op_name, err);
    case KILN_OPERAND_STRING:
    case KILN_OPERAND_PATTERN:
      return eval_string_op (op, arg, value, op_name, err);
    case KILN_OPERAND_NUMBER:
      return eval_number_op (op, arg, value, op_name, err);
    case KILN_OPERAND_ONE:
      if (op == KILN_OPERATOR_STRING_IS_EMPTY || op == KILN_OPERATOR_STRING_IS_WHITESPACE)
        return eval_string_op (op, arg, value, op_name, err);
      return eval_file_op (op, arg, NULL, op_name, err);
    case KILN_OPERAND_FILE_HASH:
      return eval_file_op (op, arg, json_get (expr, KILN_CONDITION_PATH), op_name, err);
    }
  return invalid (err, "unknown condition operator '%s'", op_name);
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
  if (!str_casecmp (s, KILN_IF_EXECUTE))
    *out = IF_EXECUTE;
  else if (!str_casecmp (s, KILN_IF_SKIP))
    *out = IF_SKIP;
  else if (!str_casecmp (s, KILN_IF_ABORT))
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
  if (!parse_action (json_get (cond, KILN_IF_THEN), &then_action, KILN_IF_THEN, err)
      || !parse_action (json_get (cond, KILN_IF_ELSE), &else_action, KILN_IF_ELSE, err))
    return false;
  /* The expression is the object without then/else. */
  json *expr = json_clone (cond);
  json_free (json_take (expr, KILN_IF_THEN));
  json_free (json_take (expr, KILN_IF_ELSE));
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
  static const char *const names[] = { KILN_IF_EXECUTE, KILN_IF_SKIP, KILN_IF_ABORT };
  return names[a];
}
