/* ask-host.c - the host's answer to a `hello` that asks (ask-host.h) */
#include "ask-host.h"

#include <stdlib.h>
#include <string.h>

#include "common/kiln-protocol.h"
#include "events.h"
#include "plan.h"
#include "util.h"

bool
plan_asks_host (const json *plan)
{
  const json *v = plan ? json_get (plan, KILN_PLAN_KEY_ASK_HOST) : NULL;
  return v && v->type == JSON_BOOL && v->boolean;
}

host_answer
host_answer_parse (const char *line, json **plan, char **err)
{
  *plan = NULL;
  char *perr = NULL;
  json *cmd = json_parse (line, strlen (line), &perr);
  free (perr);
  if (!cmd)
    return HOST_ANSWER_NONE;
  const char *name = json_get_str (cmd, KILN_COMMAND_KEY_COMMAND);
  host_answer a = HOST_ANSWER_NONE;
  if (name && !strcmp (name, KILN_COMMAND_GO))
    a = HOST_ANSWER_GO;
  else if (name && !strcmp (name, KILN_COMMAND_PLAN))
    {
      json *p = json_take (cmd, KILN_COMMAND_KEY_PLAN);
      if (p && plan_check (p, "the host's plan", err))
        {
          *plan = p;
          a = HOST_ANSWER_PLAN;
        }
      else
        {
          if (!p)
            *err = xstrdup ("the host's plan line has no \"" KILN_COMMAND_KEY_PLAN "\"");
          json_free (p);
          a = HOST_ANSWER_BAD_PLAN;
        }
    }
  json_free (cmd);
  return a;
}

host_answer
host_answer_wait (int64_t timeout_ms, json **plan, char **err)
{
  int64_t deadline = mono_ms () + timeout_ms;
  for (;;)
    {
      int64_t left = deadline - mono_ms ();
      if (left <= 0)
        return HOST_ANSWER_NONE;
      char *line = events_read_host_line (left);
      if (!line)
        return HOST_ANSWER_NONE;
      host_answer a = host_answer_parse (line, plan, err);
      free (line);
      if (a != HOST_ANSWER_NONE)
        return a;
    }
}
