/* actions.h - the AWSTOE action modules kiln knows
 *
 * The names, and where each action runs, are common/kiln-protocol.h's
 * (kiln-agent uses the same list).  One table entry per action: the shape of its `inputs` (a list of entries
 * for file and transfer actions, a mapping for the others, a condition for
 * Assert), every input field with its type, whether it is required, its
 * allowed values and default, the outputs chaining can use.  Actions kiln cannot run (Windows-only modules) carry the reason,
 * so validation rejects them by name instead of skipping them.
 */
#pragma once

#include <glib.h>

#include "base/diag.h"
#include "common/kiln-protocol.h"
#include "yamldoc.h"

typedef enum {
  KILN_INPUTS_MAP,
  KILN_INPUTS_LIST,
  KILN_INPUTS_CONDITION,     /* Assert: the inputs are one condition */
} KilnInputsShape;

typedef enum {
  KILN_INPUT_STRING,
  KILN_INPUT_INTEGER,        /* >= 0 */
  KILN_INPUT_BOOLEAN,
  KILN_INPUT_STRING_LIST,
  KILN_INPUT_PERMISSIONS,    /* octal string: '0755', also unquoted 0700 */
  KILN_INPUT_ENCODING,       /* utf8, utf-16, UTF32-BE ... */
  KILN_INPUT_CHOICE,         /* one of `allowed` (case-insensitive) */
  KILN_INPUT_HTTP_URL,       /* http:// or https:// */
  KILN_INPUT_S3_URI,         /* s3://bucket/key */
  KILN_INPUT_PHASE_LIST,     /* "build,validate" */
  KILN_INPUT_NAME_VALUE_LIST,/* [{name: x, value: y}] */
  KILN_INPUT_DOCUMENT,       /* ExecuteDocument: a local path */
} KilnInputType;

typedef struct {
  const char *name;
  KilnInputType type;
  gboolean required;
  const char *default_value;     /* NULL when none */
  const char *const *allowed;    /* CHOICE only */
  /* Real documents use it although the AWS docs do not list it. */
  gboolean undocumented;
} KilnActionInput;

typedef struct {
  KilnActionId id;                 /* name and where it runs:
                                    * common/kiln-protocol.h */
  KilnInputsShape shape;
  gboolean inputs_required;
  const KilnActionInput *inputs;   /* terminated by an entry with name NULL */
  const char *const *outputs;      /* NULL-terminated; empty when none */
  const char *rejected;            /* why kiln cannot run it; NULL if it can */
} KilnAction;

/* Every action, supported or not; NULL for a name AWSTOE does not have. */
const KilnAction *kiln_action_lookup (const char *name);
/* NULL-terminated names (static); supported_only leaves out rejected ones. */
const char *const *kiln_action_names (gboolean supported_only);
const char *kiln_action_name (const KilnAction *a);
KilnActionWhere kiln_action_where (const KilnAction *a);

const KilnActionInput *kiln_action_find_input (const KilnAction *a,
                                               const char *name);
/* NULL-terminated input names (the array is the caller's, the strings are
 * static). */
GPtrArray *kiln_action_input_names (const KilnAction *a);
gboolean kiln_action_has_output (const KilnAction *a, const char *name);

/* Check a step's `inputs` (NULL when absent) against the action.  `step`
 * is the step mapping (for "missing inputs" positions), `what` names the
 * step for messages ("step 'Install'").  values (name -> value, may be
 * NULL) resolves parameter and constant references so their defaults are
 * checked too; values that still depend on run time are not type-checked.
 * Returns TRUE when no error was added. */
gboolean kiln_action_check_inputs (const KilnAction *a, const KilnNode *inputs,
                                   const KilnNode *step, const char *what,
                                   GHashTable *values, KilnDiags *diags);

/* "0755", "755", "0700" -> mode.  FALSE for anything else. */
gboolean kiln_permissions_parse (const char *s, guint *mode);
/* utf8, utf-8, utf16, utf-16, utf32, utf-32, each optionally -LE / -BE,
 * case-insensitive. */
gboolean kiln_encoding_is_valid (const char *s);
