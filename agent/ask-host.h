/* ask-host.h - the host's answer to a `hello` that asks (docs/layers.md)
 *
 * A plan with "askHost": true belongs to a build that cuts layers.  A later
 * build may boot a layer of that disk, where this agent starts with the
 * old build's plan; the host then answers the agent's hello with the plan
 * of its own build, and no appliance launch has to write it in. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "json.h"

typedef enum
{
  HOST_ANSWER_NONE,       /* not an answer to a hello: ignored */
  HOST_ANSWER_GO,         /* run the plan the agent has */
  HOST_ANSWER_PLAN,       /* *plan replaces it (checked) */
  HOST_ANSWER_BAD_PLAN,   /* a `plan` line whose plan is not one: *err */
} host_answer;

/* Does the plan ask the host at each start in a boot? */
bool plan_asks_host (const json *plan);

/* One line from the host, read as an answer. */
host_answer host_answer_parse (const char *line, json **plan, char **err);

/* Reads host lines until an answer comes or timeout_ms passes (then
 * HOST_ANSWER_NONE). */
host_answer host_answer_wait (int64_t timeout_ms, json **plan, char **err);
