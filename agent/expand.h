/* expand.h - runtime variables: loop variables and step chaining
 *
 * The host substituted parameters and constants already; what remains is
 *   {{ loop.index }} {{ loop.value }} {{ NAME.index }} {{ NAME.value }}
 *   {{ phase.step.inputs[i].field }} {{ phase.step.inputs.field }}
 *   {{ phase.step.outputs.field }}
 * Spaces inside the braces are ignored.  A reference that cannot be
 * resolved is left as it was written (as AWSTOE does for loop variables
 * outside a loop).
 */
#pragma once

#include <stdbool.h>

#include "json.h"

typedef struct
{
  /* Chaining record of the running document:
   * {"build": {"StepName": {"inputs": ..., "outputs": {...}}}} */
  const json *chain;
  bool in_loop;
  const char *loop_name;   /* NULL for an unnamed loop */
  long long index;
  const char *value;
} expand_ctx;

/* s with every resolvable {{ ... }} replaced (malloc'd). */
char *expand_string (const char *s, const expand_ctx *ctx);
/* A deep copy of v with every string expanded (keys are left alone). */
json *expand_json (const json *v, const expand_ctx *ctx);
/* Resolves one reference (the text inside the braces, trimmed); NULL when
 * it does not resolve. */
char *expand_reference (const char *ref, const expand_ctx *ctx);
