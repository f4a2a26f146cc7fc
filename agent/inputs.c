/* inputs.c - helpers shared by the actions: inputs, users, results */
#include <ctype.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "events.h"
#include "util.h"

void
act_fail (act_result *res, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  free (res->message);
  res->message = msg;
  res->status = ACT_FAILED;
}

void
act_set_output (act_result *res, const char *key, const char *value)
{
  if (!res->outputs)
    res->outputs = json_new_object ();
  json_set_str (res->outputs, key, value);
}

void
act_result_clear (act_result *res)
{
  free (res->message);
  json_free (res->outputs);
  memset (res, 0, sizeof *res);
}

size_t
inputs_count (const json *inputs)
{
  if (!inputs)
    return 0;
  if (inputs->type == JSON_OBJECT)
    return 1;
  return inputs->type == JSON_ARRAY ? inputs->count : 0;
}

const json *
inputs_entry (const json *inputs, size_t i)
{
  if (inputs && inputs->type == JSON_OBJECT)
    return i == 0 ? inputs : NULL;
  return json_at (inputs, i);
}

char *
input_text (const json *o, const char *key)
{
  const json *v = json_get (o, key);
  if (!v || v->type == JSON_NULL)
    return NULL;
  if (v->type == JSON_STRING)
    return xstrdup (v->string);
  return json_serialize (v);
}

char *
input_required (const json *o, const char *key, const char *action, act_result *res)
{
  char *v = input_text (o, key);
  if (!v || !*v)
    {
      free (v);
      act_fail (res, "%s: the input '%s' is required", action, key);
      return NULL;
    }
  return v;
}

bool
input_bool (const json *o, const char *key, bool def, bool *out, act_result *res)
{
  const json *v = json_get (o, key);
  *out = def;
  if (!v || v->type == JSON_NULL)
    return true;
  if (v->type == JSON_BOOL)
    {
      *out = v->boolean;
      return true;
    }
  if (v->type == JSON_STRING)
    {
      char *t = str_trim_dup (v->string);
      bool ok = true;
      if (!str_casecmp (t, "true"))
        *out = true;
      else if (!str_casecmp (t, "false"))
        *out = false;
      else if (!*t)
        *out = def;
      else
        ok = false;
      free (t);
      if (ok)
        return true;
    }
  act_fail (res, "the input '%s' must be true or false", key);
  return false;
}

bool
parse_mode (const char *s, mode_t *out)
{
  while (isspace ((unsigned char) *s))
    s++;
  if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
    s += 2;
  size_t n = 0;
  unsigned long v = 0;
  for (; s[n]; n++)
    {
      if (s[n] < '0' || s[n] > '7')
        {
          const char *rest = s + n;
          while (isspace ((unsigned char) *rest))
            rest++;
          if (*rest)
            return false;
          break;
        }
      v = v * 8 + (unsigned long) (s[n] - '0');
      if (v > 07777)
        return false;
    }
  if (n == 0)
    return false;
  *out = (mode_t) v;
  return true;
}

bool
input_mode (const json *o, const char *key, mode_t *out, bool *present, act_result *res)
{
  char *t = input_text (o, key);
  *present = t && *t;
  if (!*present)
    {
      free (t);
      return true;
    }
  bool ok = parse_mode (t, out);
  if (!ok)
    act_fail (res, "the input '%s' must be octal permissions such as 0755, found '%s'", key, t);
  free (t);
  return ok;
}

bool
input_list (const json *o, const char *key, char ***items, size_t *n, act_result *res)
{
  *items = NULL;
  *n = 0;
  const json *v = json_get (o, key);
  if (!v || v->type == JSON_NULL)
    return true;
  if (v->type == JSON_STRING)
    {
      *items = xmalloc (sizeof **items);
      (*items)[0] = xstrdup (v->string);
      *n = 1;
      return true;
    }
  if (v->type != JSON_ARRAY)
    {
      act_fail (res, "the input '%s' must be a list", key);
      return false;
    }
  *items = xcalloc (v->count ? v->count : 1, sizeof **items);
  for (size_t i = 0; i < v->count; i++)
    {
      const json *it = v->items[i];
      if (it->type == JSON_ARRAY || it->type == JSON_OBJECT)
        {
          free_list (*items, i);
          *items = NULL;
          act_fail (res, "the input '%s' must be a list of strings", key);
          return false;
        }
      (*items)[i] = it->type == JSON_STRING ? xstrdup (it->string) : json_serialize (it);
      *n = i + 1;
    }
  return true;
}

void
free_list (char **items, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (items[i]);
  free (items);
}

static bool
all_digits (const char *s)
{
  if (!*s)
    return false;
  for (; *s; s++)
    if (!isdigit ((unsigned char) *s))
      return false;
  return true;
}

bool
resolve_user (const char *name, uid_t *uid, gid_t *gid, act_result *res)
{
  struct passwd *pw = getpwnam (name);
  if (!pw && all_digits (name))
    {
      *uid = (uid_t) strtoul (name, NULL, 10);
      pw = getpwuid (*uid);
      if (gid)
        *gid = pw ? pw->pw_gid : (gid_t) -1;
      return true;
    }
  if (!pw)
    {
      act_fail (res, "no user '%s' on this system", name);
      return false;
    }
  *uid = pw->pw_uid;
  if (gid)
    *gid = pw->pw_gid;
  return true;
}

bool
resolve_group (const char *name, gid_t *gid, act_result *res)
{
  struct group *gr = getgrnam (name);
  if (gr)
    {
      *gid = gr->gr_gid;
      return true;
    }
  if (all_digits (name))
    {
      *gid = (gid_t) strtoul (name, NULL, 10);
      return true;
    }
  act_fail (res, "no group '%s' on this system", name);
  return false;
}

void
act_output_cb (void *user, const char *stream, const char *data, size_t len)
{
  (void) user;
  events_output (stream, data, len);
  events_service ();
}
