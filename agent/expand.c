/* expand.c - runtime variables: loop variables and step chaining */
#include "expand.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "util.h"

/* Text form of a value used in a string. */
static char *
value_text (const json *v)
{
  if (!v)
    return NULL;
  switch (v->type)
    {
    case JSON_STRING:
      return xstrdup (v->string);
    case JSON_NULL:
      return xstrdup ("");
    default:
      return json_serialize (v);
    }
}

static char *
loop_reference (const char *ref, const expand_ctx *ctx)
{
  if (!ctx->in_loop)
    return NULL;
  const char *dot = strchr (ref, '.');
  if (!dot)
    return NULL;
  size_t nlen = (size_t) (dot - ref);
  bool is_loop = nlen == 4 && !memcmp (ref, "loop", 4);
  bool is_named = ctx->loop_name && strlen (ctx->loop_name) == nlen && !memcmp (ref, ctx->loop_name, nlen);
  if (!is_loop && !is_named)
    return NULL;
  if (!strcmp (dot + 1, "index"))
    return xasprintf ("%lld", ctx->index);
  if (!strcmp (dot + 1, "value"))
    return xstrdup (ctx->value ? ctx->value : "");
  return NULL;
}

/* phase.step.inputs[i].field | phase.step.inputs.field | phase.step.outputs.field */
static char *
chain_reference (const char *ref, const expand_ctx *ctx)
{
  if (!ctx->chain)
    return NULL;
  const char *dot = strchr (ref, '.');
  if (!dot)
    return NULL;
  char *phase = xstrndup (ref, (size_t) (dot - ref));
  const json *steps = json_get (ctx->chain, phase);
  free (phase);
  if (!steps)
    return NULL;
  const char *rest = dot + 1;
  /* The step name may itself contain dots: take the last ".outputs." or
   * ".inputs" that leaves a field behind it. */
  const char *kind = NULL;
  for (const char *p = rest; (p = strchr (p, '.')); p++)
    if (str_has_prefix (p, ".outputs.") || str_has_prefix (p, ".inputs.") || str_has_prefix (p, ".inputs["))
      kind = p;
  if (!kind || kind == rest)
    return NULL;
  char *step_name = xstrndup (rest, (size_t) (kind - rest));
  const json *record = json_get (steps, step_name);
  free (step_name);
  if (!record)
    return NULL;
  if (str_has_prefix (kind, ".outputs."))
    return value_text (json_get (json_get (record, "outputs"), kind + 9));
  const json *inputs = json_get (record, "inputs");
  const char *p = kind + 7; /* after ".inputs" */
  const json *entry = inputs;
  if (*p == '[')
    {
      char *end;
      long i = strtol (p + 1, &end, 10);
      if (end == p + 1 || *end != ']' || i < 0)
        return NULL;
      entry = inputs && inputs->type == JSON_ARRAY ? json_at (inputs, (size_t) i) : NULL;
      p = end + 1;
    }
  else if (inputs && inputs->type == JSON_ARRAY)
    entry = json_at (inputs, 0);
  if (*p != '.' || !entry)
    return NULL;
  return value_text (json_get (entry, p + 1));
}

char *
expand_reference (const char *ref, const expand_ctx *ctx)
{
  char *v = loop_reference (ref, ctx);
  if (!v)
    v = chain_reference (ref, ctx);
  return v;
}

char *
expand_string (const char *s, const expand_ctx *ctx)
{
  strbuf out = STRBUF_INIT;
  strbuf_init (&out);
  const char *p = s;
  for (;;)
    {
      const char *open = strstr (p, "{{");
      if (!open)
        break;
      const char *close = strstr (open + 2, "}}");
      if (!close)
        break;
      strbuf_add (&out, p, (size_t) (open - p));
      char *inner = xstrndup (open + 2, (size_t) (close - open - 2));
      char *ref = str_trim_dup (inner);
      free (inner);
      char *value = *ref ? expand_reference (ref, ctx) : NULL;
      if (value)
        strbuf_adds (&out, value);
      else
        strbuf_add (&out, open, (size_t) (close + 2 - open));
      free (value);
      free (ref);
      p = close + 2;
    }
  strbuf_adds (&out, p);
  return strbuf_steal (&out);
}

json *
expand_json (const json *v, const expand_ctx *ctx)
{
  if (!v)
    return NULL;
  switch (v->type)
    {
    case JSON_STRING:
      {
        json *s = json_new_null ();
        s->type = JSON_STRING;
        s->string = expand_string (v->string, ctx);
        return s;
      }
    case JSON_ARRAY:
      {
        json *a = json_new_array ();
        for (size_t i = 0; i < v->count; i++)
          json_append (a, expand_json (v->items[i], ctx));
        return a;
      }
    case JSON_OBJECT:
      {
        json *o = json_new_object ();
        for (size_t i = 0; i < v->count; i++)
          json_set (o, v->keys[i], expand_json (v->items[i], ctx));
        return o;
      }
    default:
      return json_clone (v);
    }
}
