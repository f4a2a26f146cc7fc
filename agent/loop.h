/* loop.h - a step's `loop`, turned into the list of iteration values
 *
 *   for: {start, end, updateBy}     inclusive range, updateBy != 0;
 *                                   a range that never ends is refused
 *   forEach: [a, b, ...]            explicit list (chaining allowed)
 *   forEach: {list, delimiter}      split a string; delimiter is one of
 *                                   . , ; : \n \t space - _ (default ,)
 *   name: optional, for {{ NAME.index }} / {{ NAME.value }}
 * The list is fixed when the loop starts.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "expand.h"
#include "json.h"

#define LOOP_MAX_ITERATIONS 100000

typedef struct
{
  char *name;        /* NULL for an unnamed loop */
  size_t count;
  char **values;
} loop_plan;

/* A step without a loop gives one iteration and in_loop false. */
bool loop_expand (const json *loop, const expand_ctx *chain, loop_plan *out, bool *in_loop, char **err);
void loop_plan_free (loop_plan *lp);
