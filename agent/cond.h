/* cond.h - AWSTOE conditions: `if` on a step and the Assert action
 *
 * An expression is an object with exactly one operator:
 *   logical:  and: [..], or: [..] (short-circuit), not: {..}
 *   strings:  stringIsEmpty, stringIsWhitespace, stringEquals,
 *             stringLessThan(Equals), stringGreaterThan(Equals),
 *             patternMatches (POSIX extended regex, unanchored)
 *   numbers:  numberEquals, numberLessThan(Equals), numberGreaterThan(Equals)
 *   files:    binaryExists, fileExists, folderExists,
 *             fileMD5Equals / fileSHA1Equals / fileSHA256Equals /
 *             fileSHA512Equals with `path`
 * Comparisons read "value OP baseline": {stringLessThan: "b", value: "a"}
 * is true.  String comparisons ignore ASCII case and do not trim.  A number
 * operand that is not ^[-+]?([0-9]+[.])?[0-9]+$ makes the comparison false.
 *
 * Differences from AWSTOE worth knowing: patternMatches uses POSIX regcomp
 * (REG_EXTENDED) instead of Go RE2, so RE2-only syntax such as \d, (?i) or
 * non-greedy *? is not available (use [0-9], [[:digit:]]); case folding is
 * ASCII only.
 */
#pragma once

#include <stdbool.h>

#include "json.h"

typedef enum
{
  IF_EXECUTE,
  IF_SKIP,
  IF_ABORT,
} if_action;

/* 1 true, 0 false, -1 invalid expression (*err set). */
int cond_eval (const json *expr, char **err);
/* Evaluates a step's `if` (the expression plus optional then/else, each
 * Execute, Skip or Abort; defaults then: Execute, else: Skip).  Returns
 * false with *err on an invalid expression. *truth gets the value. */
bool cond_eval_if (const json *cond, if_action *out, bool *truth, char **err);
const char *if_action_name (if_action a);

/* Exposed for tests. */
bool cond_parse_number (const char *s, double *out);
bool cond_binary_exists (const char *name);
/* Where binaryExists found name (malloc'd), or NULL. */
char *cond_binary_path (const char *name);
