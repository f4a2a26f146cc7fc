/* fuzz-agent-accepts.h - does kiln-agent accept this plan?  (For host-side
 * fuzz targets: the agent's headers and json-glib's do not mix in one
 * file.) */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Parses text with agent/json.c and checks it with agent/plan.c as the
 * agent checks plan.json.  false with *why (free it) when refused. */
bool fuzz_agent_accepts_plan (const char *text, size_t len, char **why);
