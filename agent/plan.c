/* plan.c - the plan kiln injects */
#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/kiln-protocol.h"
#include "util.h"

static bool
shape_error (char **err, const char *where, const char *path, const char *expected, const json *found)
{
  *err = xasprintf ("%s: %s: expected %s, found %s", where, path, expected,
                    found ? json_type_name (found->type) : "nothing");
  return false;
}

/* A number, or a string holding an integer (lenient). */
static bool
as_integer (const json *v, long long *out)
{
  if (!v)
    return false;
  if (json_get_int (v, out))
    return true;
  if (v->type == JSON_STRING && *v->string)
    {
      char *end;
      errno = 0;
      long long n = strtoll (v->string, &end, 10);
      if (*end == '\0' && errno == 0)
        {
          *out = n;
          return true;
        }
    }
  return false;
}

/* the messages of plan_check name the ranges */
_Static_assert (KILN_STEP_MAX_TIMEOUT_SECONDS == 604800 && KILN_STEP_MAX_ATTEMPTS == 100,
                "plan_check's messages name the step ranges");

static int
on_failure_from (const char *s)
{
  if (!s || !str_casecmp (s, KILN_ON_FAILURE_ABORT))
    return ON_FAILURE_ABORT;
  if (!str_casecmp (s, KILN_ON_FAILURE_CONTINUE))
    return ON_FAILURE_CONTINUE;
  if (!str_casecmp (s, KILN_ON_FAILURE_IGNORE))
    return ON_FAILURE_IGNORE;
  return -1;
}

const char *
plan_on_failure_name (int on_failure)
{
  static const char *const names[] = { KILN_ON_FAILURE_ABORT, KILN_ON_FAILURE_CONTINUE, KILN_ON_FAILURE_IGNORE };
  return names[on_failure];
}

static bool
check_step (const json *step, const char *where, const char *path, char **err)
{
  if (!step || step->type != JSON_OBJECT)
    return shape_error (err, where, path, "a step object", step);
  char *p = NULL;
  bool ok = false;
  const json *v;
#define AT(member) (free (p), p = xasprintf ("%s.%s", path, member), p)
  if (!json_get_str (step, KILN_STEP_KEY_NAME))
    {
      shape_error (err, where, AT (KILN_STEP_KEY_NAME), "a string", json_get (step, KILN_STEP_KEY_NAME));
      goto out;
    }
  if (!json_get_str (step, KILN_STEP_KEY_ACTION))
    {
      shape_error (err, where, AT (KILN_STEP_KEY_ACTION), "a string", json_get (step, KILN_STEP_KEY_ACTION));
      goto out;
    }
  long long n;
  if ((v = json_get (step, KILN_STEP_KEY_TIMEOUT_SECONDS)) && v->type != JSON_NULL)
    if (!as_integer (v, &n) || (n < 1 && n != -1) || n > KILN_STEP_MAX_TIMEOUT_SECONDS)
      {
        shape_error (err, where, AT (KILN_STEP_KEY_TIMEOUT_SECONDS), "-1 or 1 to 604800 (seconds)", v);
        goto out;
      }
  if ((v = json_get (step, KILN_STEP_KEY_MAX_ATTEMPTS)) && v->type != JSON_NULL)
    if (!as_integer (v, &n) || n < 1 || n > KILN_STEP_MAX_ATTEMPTS)
      {
        shape_error (err, where, AT (KILN_STEP_KEY_MAX_ATTEMPTS), "an integer from 1 to 100", v);
        goto out;
      }
  if ((v = json_get (step, KILN_STEP_KEY_ON_FAILURE)) && v->type != JSON_NULL)
    if (v->type != JSON_STRING || on_failure_from (v->string) < 0)
      {
        shape_error (err, where, AT (KILN_STEP_KEY_ON_FAILURE), "Abort, Continue or Ignore", v);
        goto out;
      }
  if ((v = json_get (step, KILN_STEP_KEY_LOOP)) && v->type != JSON_NULL && v->type != JSON_OBJECT)
    {
      shape_error (err, where, AT (KILN_STEP_KEY_LOOP), "an object or null", v);
      goto out;
    }
  if ((v = json_get (step, KILN_STEP_KEY_IF)) && v->type != JSON_NULL && v->type != JSON_OBJECT
      && v->type != JSON_ARRAY)
    {
      shape_error (err, where, AT (KILN_STEP_KEY_IF), "an object or null", v);
      goto out;
    }
  ok = true;
out:
#undef AT
  free (p);
  return ok;
}

bool
plan_check_document (const json *doc, const char *where, char **err)
{
  if (!doc || doc->type != JSON_OBJECT)
    return shape_error (err, where, "document", "an object", doc);
  if (!json_get_str (doc, KILN_DOCUMENT_KEY_NAME))
    return shape_error (err, where, KILN_DOCUMENT_KEY_NAME, "a string", json_get (doc, KILN_DOCUMENT_KEY_NAME));
  const json *phases = json_get (doc, KILN_DOCUMENT_KEY_PHASES);
  if (!phases || phases->type != JSON_ARRAY)
    return shape_error (err, where, KILN_DOCUMENT_KEY_PHASES, "a list", phases);
  for (size_t i = 0; i < phases->count; i++)
    {
      const json *ph = phases->items[i];
      char path[96];
      snprintf (path, sizeof path, KILN_DOCUMENT_KEY_PHASES "[%zu]", i);
      if (ph->type != JSON_OBJECT)
        return shape_error (err, where, path, "a phase object", ph);
      if (!json_get_str (ph, KILN_PHASE_KEY_NAME))
        {
          snprintf (path, sizeof path, KILN_DOCUMENT_KEY_PHASES "[%zu]." KILN_PHASE_KEY_NAME, i);
          return shape_error (err, where, path, "a string", json_get (ph, KILN_PHASE_KEY_NAME));
        }
      const json *steps = json_get (ph, KILN_PHASE_KEY_STEPS);
      if (!steps || steps->type != JSON_ARRAY)
        {
          snprintf (path, sizeof path, KILN_DOCUMENT_KEY_PHASES "[%zu]." KILN_PHASE_KEY_STEPS, i);
          return shape_error (err, where, path, "a list", steps);
        }
      for (size_t j = 0; j < steps->count; j++)
        {
          snprintf (path, sizeof path, KILN_DOCUMENT_KEY_PHASES "[%zu]." KILN_PHASE_KEY_STEPS "[%zu]", i, j);
          if (!check_step (steps->items[j], where, path, err))
            return false;
        }
    }
  return true;
}

bool
plan_check (const json *plan, const char *where, char **err)
{
  if (!plan || plan->type != JSON_OBJECT)
    return shape_error (err, where, "(top level)", "an object", plan);
  long long version;
  const json *v = json_get (plan, KILN_PLAN_KEY_VERSION);
  if (!as_integer (v, &version) || version != KILN_PLAN_FORMAT)
    {
      char expected[24];
      snprintf (expected, sizeof expected, "%d", KILN_PLAN_FORMAT);
      return shape_error (err, where, KILN_PLAN_KEY_VERSION, expected, v);
    }
  v = json_get (plan, KILN_PLAN_KEY_PHASES);
  if (v && v->type != JSON_NULL && v->type != JSON_ARRAY && v->type != JSON_STRING)
    return shape_error (err, where, KILN_PLAN_KEY_PHASES, "a list of phase names", v);
  v = json_get (plan, KILN_PLAN_KEY_POWEROFF);
  if (v && v->type != JSON_NULL && v->type != JSON_BOOL)
    return shape_error (err, where, KILN_PLAN_KEY_POWEROFF, "true or false", v);
  v = json_get (plan, KILN_PLAN_KEY_WAIT_FOR_CLOUD_INIT);
  if (v && v->type != JSON_NULL && v->type != JSON_BOOL)
    return shape_error (err, where, KILN_PLAN_KEY_WAIT_FOR_CLOUD_INIT, "true or false", v);
  v = json_get (plan, KILN_PLAN_KEY_SECRETS);
  if (v && v->type != JSON_NULL)
    {
      if (v->type != JSON_ARRAY)
        return shape_error (err, where, KILN_PLAN_KEY_SECRETS, "a list of strings", v);
      for (size_t i = 0; i < v->count; i++)
        if (v->items[i]->type != JSON_STRING)
          {
            char path[48];
            snprintf (path, sizeof path, KILN_PLAN_KEY_SECRETS "[%zu]", i);
            return shape_error (err, where, path, "a string", v->items[i]);
          }
    }
  const json *docs = json_get (plan, KILN_PLAN_KEY_DOCUMENTS);
  if (!docs || docs->type != JSON_ARRAY)
    return shape_error (err, where, KILN_PLAN_KEY_DOCUMENTS, "a list", docs);
  for (size_t i = 0; i < docs->count; i++)
    {
      char *w = xasprintf ("%s: " KILN_PLAN_KEY_DOCUMENTS "[%zu]", where, i);
      bool ok = plan_check_document (docs->items[i], w, err);
      free (w);
      if (!ok)
        return false;
    }
  return true;
}

json *
plan_load (const char *path, char **err)
{
  json *plan = json_parse_file (path, err);
  if (!plan)
    return NULL;
  if (!plan_check (plan, path, err))
    {
      json_free (plan);
      return NULL;
    }
  return plan;
}

void
plan_step_view (const json *step, step_view *out)
{
  memset (out, 0, sizeof *out);
  out->name = json_get_str (step, KILN_STEP_KEY_NAME);
  out->action = json_get_str (step, KILN_STEP_KEY_ACTION);
  out->timeout_seconds = KILN_STEP_DEFAULT_TIMEOUT_SECONDS;
  out->max_attempts = 1;
  long long n;
  /* plan_check refused values outside the ranges; clamped again here so a
   * view of an unchecked step cannot carry one either */
  if (as_integer (json_get (step, KILN_STEP_KEY_TIMEOUT_SECONDS), &n))
    out->timeout_seconds = n < 1 ? -1 : n > KILN_STEP_MAX_TIMEOUT_SECONDS ? KILN_STEP_MAX_TIMEOUT_SECONDS : n;
  if (as_integer (json_get (step, KILN_STEP_KEY_MAX_ATTEMPTS), &n))
    out->max_attempts = n < 1 ? 1 : n > KILN_STEP_MAX_ATTEMPTS ? KILN_STEP_MAX_ATTEMPTS : n;
  out->on_failure = on_failure_from (json_get_str (step, KILN_STEP_KEY_ON_FAILURE));
  const json *v;
  if ((v = json_get (step, KILN_STEP_KEY_LOOP)) && v->type != JSON_NULL)
    out->loop = v;
  if ((v = json_get (step, KILN_STEP_KEY_IF)) && v->type != JSON_NULL)
    out->cond = v;
  if ((v = json_get (step, KILN_STEP_KEY_INPUTS)) && v->type != JSON_NULL)
    out->inputs = v;
}

bool
plan_phase_selected (const json *filter, const char *phase)
{
  if (!filter || filter->type == JSON_NULL)
    return true;
  if (filter->type == JSON_ARRAY)
    {
      if (filter->count == 0)
        return true;
      for (size_t i = 0; i < filter->count; i++)
        if (filter->items[i]->type == JSON_STRING && !strcmp (filter->items[i]->string, phase))
          return true;
      return false;
    }
  if (filter->type != JSON_STRING || str_is_blank (filter->string))
    return true;
  /* "build, validate" */
  bool found = false;
  char *copy = xstrdup (filter->string);
  for (char *save = NULL, *tok = strtok_r (copy, ",", &save); tok && !found;
       tok = strtok_r (NULL, ",", &save))
    {
      char *t = str_trim_dup (tok);
      found = !strcmp (t, phase);
      free (t);
    }
  free (copy);
  return found;
}
