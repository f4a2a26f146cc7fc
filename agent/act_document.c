/* act_document.c - ExecuteDocument: run a nested document
 *
 * The host resolved the child document and put it inline:
 * inputs: {document: {name, phases: [...]}, phases: "build,validate"}.
 * Nesting is limited to 3 levels below the plan's documents.
 */
#include <stdlib.h>

#include "actions.h"
#include "common/kiln-protocol.h"
#include "plan.h"
#include "runner.h"
#include "util.h"

void
action_execute_document (act_ctx *ctx, const json *inputs, act_result *res)
{
  const json *doc = json_get (inputs, KILN_EXECUTE_DOCUMENT_KEY_DOCUMENT);
  if (!doc || doc->type != JSON_OBJECT)
    {
      act_fail (res, "ExecuteDocument: expected the document inline (an object); kiln resolves it on the host");
      return;
    }
  if (ctx->depth + 1 > STATE_MAX_DEPTH)
    {
      act_fail (res, "ExecuteDocument: documents nest at most %d levels deep", STATE_MAX_DEPTH);
      return;
    }
  char *err = NULL;
  if (!plan_check_document (doc, "ExecuteDocument", &err))
    {
      act_fail (res, "%s", err);
      free (err);
      return;
    }
  json *summary = NULL;
  char *failure = NULL;
  const json *phases = json_get (inputs, KILN_EXECUTE_DOCUMENT_KEY_PHASES);
  run_status r = runner_run_child (ctx->a, ctx->depth + 1, doc, phases, &summary, &failure);
  switch (r)
    {
    case RUN_REBOOT:
      res->status = ACT_NESTED_REBOOT;
      break;
    case RUN_INTERRUPTED:
      res->status = ACT_INTERRUPTED;
      break;
    default:
      res->outputs = summary;
      summary = NULL;
      if (failure)
        act_fail (res, "ExecuteDocument %s: %s", json_get_str (doc, "name"), failure);
      break;
    }
  json_free (summary);
  free (failure);
}
