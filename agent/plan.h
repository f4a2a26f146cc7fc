/* plan.h - the plan kiln injects (docs/agent-protocol.md, "Plan")
 *
 * The plan stays a JSON tree; this module checks its shape once, so the
 * runner can rely on it, and gives typed views of documents and steps.
 */
#pragma once

#include <stdbool.h>

#include "json.h"

#define ON_FAILURE_ABORT 0
#define ON_FAILURE_CONTINUE 1
#define ON_FAILURE_IGNORE 2

typedef struct
{
  const char *name;
  const char *action;
  long long timeout_seconds;   /* -1: no limit */
  long long max_attempts;      /* >= 1 */
  int on_failure;              /* ON_FAILURE_* */
  const json *loop;            /* NULL when none */
  const json *cond;            /* the `if`, NULL when none */
  const json *inputs;          /* NULL when none */
} step_view;

/* Loads and checks plan.json; errors read "FILE: documents[0]...: expected
 * X, found Y". */
json *plan_load (const char *path, char **err);
/* Checks a plan that is already parsed (where names it in errors). */
bool plan_check (const json *plan, const char *where, char **err);
/* Checks one document ({name, phases: [{name, steps: [...]}]}); used for
 * ExecuteDocument's inline documents too. */
bool plan_check_document (const json *doc, const char *where, char **err);

/* Typed view of a checked step. */
void plan_step_view (const json *step, step_view *out);
const char *plan_on_failure_name (int on_failure);

/* Is the phase selected by the filter (an array of names, or a string of
 * comma-separated names; NULL or empty selects every phase)? */
bool plan_phase_selected (const json *filter, const char *phase);
