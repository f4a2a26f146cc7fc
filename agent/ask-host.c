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

typedef struct
{
  host_answer answer;
  json **plan;
  char **err;
} answer_wait;

static bool
take_answer (const char *line, void *data)
{
  answer_wait *w = data;
  w->answer = host_answer_parse (line, w->plan, w->err);
  return w->answer != HOST_ANSWER_NONE;
}

host_answer
host_answer_wait (int64_t timeout_ms, json **plan, char **err)
{
  answer_wait w = { HOST_ANSWER_NONE, plan, err };
  return events_wait_host_line (timeout_ms, take_answer, &w) ? w.answer : HOST_ANSWER_NONE;
}
