/* fuzz-agent-accepts.c - kiln-agent's own reading of a plan, for the host's
 * fuzz targets (built from the agent's sources with clang). */
#include "fuzz-agent-accepts.h"

#include "agent/json.h"
#include "agent/plan.h"

bool
fuzz_agent_accepts_plan (const char *text, size_t len, char **why)
{
  json *plan = json_parse (text, len, why);
  if (!plan)
    return false;
  bool ok = plan_check (plan, "plan.json", why);
  json_free (plan);
  return ok;
}
