/* loop.c - a step's `loop`, turned into the list of iteration values */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void
add_value (loop_plan *lp, char *v)
{
  lp->values = xgrow (lp->values, lp->count, sizeof *lp->values);
  lp->values[lp->count++] = v;
}

static bool
parse_int (const json *v, long long *out)
{
  if (!v)
    return false;
  if (json_get_int (v, out))
    return true;
  if (v->type != JSON_STRING)
    return false;
  char *t = str_trim_dup (v->string);
  char *end;
  errno = 0;
  long long n = strtoll (t, &end, 10);
  bool ok = *t && *end == '\0' && errno == 0;
  free (t);
  if (ok)
    *out = n;
  return ok;
}

static bool
expand_for (const json *f, loop_plan *lp, char **err)
{
  long long start, end, by = 1;
  if (!f || f->type != JSON_OBJECT || !parse_int (json_get (f, "start"), &start)
      || !parse_int (json_get (f, "end"), &end))
    {
      *err = xstrdup ("loop.for: expected integer start and end");
      return false;
    }
  const json *u = json_get (f, "updateBy");
  if (u && u->type != JSON_NULL && !parse_int (u, &by))
    {
      *err = xstrdup ("loop.for: updateBy must be an integer");
      return false;
    }
  if (by == 0)
    {
      *err = xstrdup ("loop.for: updateBy must not be 0");
      return false;
    }
  if ((by > 0 && start > end) || (by < 0 && start < end))
    {
      *err = xasprintf ("loop.for: counting from %lld by %lld never reaches %lld", start, by, end);
      return false;
    }
  /* the counter stops before it would step past the largest (smallest)
   * long long: a range ending near the limit ends, it does not wrap */
  long long i = start;
  for (;;)
    {
      if (lp->count >= LOOP_MAX_ITERATIONS)
        {
          *err = xasprintf ("loop: more than %d iterations", LOOP_MAX_ITERATIONS);
          return false;
        }
      add_value (lp, xasprintf ("%lld", i));
      if (__builtin_add_overflow (i, by, &i) || (by > 0 ? i > end : i < end))
        break;
    }
  return true;
}

static bool
delimiter_char (const char *d, char *out)
{
  if (!d || !*d)
    {
      *out = ',';
      return true;
    }
  if (!strcmp (d, "\\n"))
    d = "\n";
  else if (!strcmp (d, "\\t"))
    d = "\t";
  if (strlen (d) != 1 || !strchr (".,;:\n\t -_", d[0]))
    return false;
  *out = d[0];
  return true;
}

static bool
expand_foreach (const json *fe, const expand_ctx *chain, loop_plan *lp, char **err)
{
  if (fe && fe->type == JSON_ARRAY)
    {
      for (size_t i = 0; i < fe->count; i++)
        {
          const json *item = fe->items[i];
          if (item->type == JSON_ARRAY || item->type == JSON_OBJECT)
            {
              *err = xasprintf ("loop.forEach[%zu]: expected a string", i);
              return false;
            }
          char *text = item->type == JSON_STRING ? xstrdup (item->string) : json_serialize (item);
          add_value (lp, expand_string (text, chain));
          free (text);
        }
      return true;
    }
  if (fe && fe->type == JSON_OBJECT)
    {
      const char *list = json_get_str (fe, "list");
      char delim;
      if (!list)
        {
          *err = xstrdup ("loop.forEach.list: expected a string");
          return false;
        }
      if (!delimiter_char (json_get_str (fe, "delimiter"), &delim))
        {
          *err = xstrdup ("loop.forEach.delimiter: expected one of . , ; : \\n \\t space - _");
          return false;
        }
      char *expanded = expand_string (list, chain);
      const char *p = expanded;
      for (;;)
        {
          if (lp->count >= LOOP_MAX_ITERATIONS)
            {
              free (expanded);
              *err = xasprintf ("loop: more than %d iterations", LOOP_MAX_ITERATIONS);
              return false;
            }
          const char *d = strchr (p, delim);
          if (!d)
            {
              add_value (lp, xstrdup (p));
              break;
            }
          add_value (lp, xstrndup (p, (size_t) (d - p)));
          p = d + 1;
        }
      free (expanded);
      return true;
    }
  *err = xstrdup ("loop.forEach: expected a list or {list, delimiter}");
  return false;
}

bool
loop_expand (const json *loop, const expand_ctx *chain, loop_plan *out, bool *in_loop, char **err)
{
  memset (out, 0, sizeof *out);
  *in_loop = false;
  if (!loop || loop->type == JSON_NULL)
    {
      add_value (out, xstrdup (""));
      return true;
    }
  *in_loop = true;
  const char *name = json_get_str (loop, "name");
  if (name && *name)
    out->name = xstrdup (name);
  const json *f = json_get (loop, "for");
  const json *fe = json_get (loop, "forEach");
  bool ok;
  if (f && fe)
    {
      *err = xstrdup ("loop: expected either for or forEach, not both");
      ok = false;
    }
  else if (f)
    ok = expand_for (f, out, err);
  else if (fe)
    ok = expand_foreach (fe, chain, out, err);
  else
    {
      *err = xstrdup ("loop: expected for or forEach");
      ok = false;
    }
  if (!ok)
    loop_plan_free (out);
  return ok;
}

void
loop_plan_free (loop_plan *lp)
{
  for (size_t i = 0; i < lp->count; i++)
    free (lp->values[i]);
  free (lp->values);
  free (lp->name);
  memset (lp, 0, sizeof *lp);
}
