/* kiln-protocol.h - every name kiln and kiln-agent both use
 *
 * docs/agent-protocol.md is the contract between the host (src/build/plan.c
 * writes plans, src/build/boot.c and src/base/reporter.c read events) and
 * kiln-agent (agent/ runs plans and writes events).  This header is its
 * vocabulary: the actions and where each runs, the condition operators, the
 * plan's members, the events and their members, the outputs steps chain.
 * Both sides take these names from here, so a rename is one edit; what each
 * side does with a name (the host's input checks, the agent's handlers)
 * stays on its side, in tables indexed by the ids below.
 *
 * Plain C99 and libc only: kiln-agent is a static musl binary without GLib.
 */
#pragma once

#include <string.h>

/* ---- actions ------------------------------------------------------------ */

typedef enum {
  KILN_RUNS_IN_GUEST,   /* kiln-agent runs it in the booted guest */
  KILN_RUNS_WITH_HOST,  /* S3: the host talks to the store, the agent
                         * moves the data inside the guest (below) */
  KILN_RUNS_NOWHERE,    /* Windows-only: validation rejects it by name */
} KilnActionWhere;

/* X (ID, "AWSTOE name", where), in the order kiln lists them. */
#define KILN_PROTOCOL_ACTIONS(X) \
  X (EXECUTE_BASH,           "ExecuteBash",          KILN_RUNS_IN_GUEST) \
  X (EXECUTE_BINARY,         "ExecuteBinary",        KILN_RUNS_IN_GUEST) \
  X (EXECUTE_DOCUMENT,       "ExecuteDocument",      KILN_RUNS_IN_GUEST) \
  X (ASSERT,                 "Assert",               KILN_RUNS_IN_GUEST) \
  X (REBOOT,                 "Reboot",               KILN_RUNS_IN_GUEST) \
  X (UPDATE_OS,              "UpdateOS",             KILN_RUNS_IN_GUEST) \
  X (S3_DOWNLOAD,            "S3Download",           KILN_RUNS_WITH_HOST) \
  X (S3_UPLOAD,              "S3Upload",             KILN_RUNS_WITH_HOST) \
  X (WEB_DOWNLOAD,           "WebDownload",          KILN_RUNS_IN_GUEST) \
  X (APPEND_FILE,            "AppendFile",           KILN_RUNS_IN_GUEST) \
  X (COPY_FILE,              "CopyFile",             KILN_RUNS_IN_GUEST) \
  X (COPY_FOLDER,            "CopyFolder",           KILN_RUNS_IN_GUEST) \
  X (MOVE_FILE,              "MoveFile",             KILN_RUNS_IN_GUEST) \
  X (MOVE_FOLDER,            "MoveFolder",           KILN_RUNS_IN_GUEST) \
  X (CREATE_FILE,            "CreateFile",           KILN_RUNS_IN_GUEST) \
  X (CREATE_FOLDER,          "CreateFolder",         KILN_RUNS_IN_GUEST) \
  X (CREATE_SYMLINK,         "CreateSymlink",        KILN_RUNS_IN_GUEST) \
  X (DELETE_FILE,            "DeleteFile",           KILN_RUNS_IN_GUEST) \
  X (DELETE_FOLDER,          "DeleteFolder",         KILN_RUNS_IN_GUEST) \
  X (LIST_FILES,             "ListFiles",            KILN_RUNS_IN_GUEST) \
  X (READ_FILE,              "ReadFile",             KILN_RUNS_IN_GUEST) \
  X (SET_FILE_ENCODING,      "SetFileEncoding",      KILN_RUNS_IN_GUEST) \
  X (SET_FILE_OWNER,         "SetFileOwner",         KILN_RUNS_IN_GUEST) \
  X (SET_FOLDER_OWNER,       "SetFolderOwner",       KILN_RUNS_IN_GUEST) \
  X (SET_FILE_PERMISSIONS,   "SetFilePermissions",   KILN_RUNS_IN_GUEST) \
  X (SET_FOLDER_PERMISSIONS, "SetFolderPermissions", KILN_RUNS_IN_GUEST) \
  X (EXECUTE_POWERSHELL,     "ExecutePowerShell",    KILN_RUNS_NOWHERE)  \
  X (INSTALL_MSI,            "InstallMSI",           KILN_RUNS_NOWHERE)  \
  X (UNINSTALL_MSI,          "UninstallMSI",         KILN_RUNS_NOWHERE)  \
  X (SET_REGISTRY,           "SetRegistry",          KILN_RUNS_NOWHERE)

typedef enum {
#define KILN_X_ACTION_ID(id, name, where) KILN_ACTION_##id,
  KILN_PROTOCOL_ACTIONS (KILN_X_ACTION_ID)
#undef KILN_X_ACTION_ID
  KILN_ACTION_COUNT
} KilnActionId;

static inline const char *
kiln_protocol_action_name (KilnActionId id)
{
  static const char *const names[] = {
#define KILN_X_ACTION_NAME(id, name, where) name,
    KILN_PROTOCOL_ACTIONS (KILN_X_ACTION_NAME)
#undef KILN_X_ACTION_NAME
  };
  return (unsigned) id < KILN_ACTION_COUNT ? names[id] : NULL;
}

static inline KilnActionWhere
kiln_protocol_action_where (KilnActionId id)
{
  static const KilnActionWhere where[] = {
#define KILN_X_ACTION_WHERE(id, name, where) where,
    KILN_PROTOCOL_ACTIONS (KILN_X_ACTION_WHERE)
#undef KILN_X_ACTION_WHERE
  };
  return (unsigned) id < KILN_ACTION_COUNT ? where[id] : KILN_RUNS_NOWHERE;
}

/* The id of an action name (exact case), -1 for a name AWSTOE lacks. */
static inline int
kiln_protocol_action_find (const char *name)
{
  for (int id = 0; name && id < KILN_ACTION_COUNT; id++)
    if (strcmp (kiln_protocol_action_name ((KilnActionId) id), name) == 0)
      return id;
  return -1;
}

/* Outputs that later steps chain ({{ phase.step.outputs.NAME }}). */
#define KILN_OUTPUT_STDOUT                     "stdout"      /* ExecuteBash, ExecuteBinary */
#define KILN_OUTPUT_DESTINATION                "destination" /* WebDownload */
#define KILN_OUTPUT_FILES                      "files"       /* ListFiles */
#define KILN_OUTPUT_CONTENT                    "content"     /* ReadFile */
/* ExecuteDocument: AWSTOE's summary of the child document */
#define KILN_OUTPUT_EXECUTED_STEP_COUNT        "executedStepCount"
#define KILN_OUTPUT_EXECUTION_ID               "executionId"
#define KILN_OUTPUT_FAILED_STEP_COUNT          "failedStepCount"
#define KILN_OUTPUT_FAILURE_MESSAGE            "failureMessage"
#define KILN_OUTPUT_IGNORED_FAILED_STEP_COUNT  "ignoredFailedStepCount"
#define KILN_OUTPUT_LOG_URL                    "logUrl"
#define KILN_OUTPUT_STATUS                     "status"

/* ---- conditions (`if` of a step, inputs of Assert) ----------------------- */

typedef enum {
  KILN_OPERAND_ONE,       /* its own operand only: fileExists: /p */
  KILN_OPERAND_STRING,    /* operand compared with `value` as strings */
  KILN_OPERAND_NUMBER,    /* operand compared with `value` as numbers */
  KILN_OPERAND_PATTERN,   /* a regular expression matched against `value` */
  KILN_OPERAND_FILE_HASH, /* a hex digest compared with the hash of `path` */
  KILN_OPERAND_LOGICAL,   /* and/or: a list of conditions; not: one */
} KilnOperandKind;

/* X (ID, "name", kind, hex digits of a FILE_HASH digest, else 0); the
 * comparisons first, then the logical operators. */
#define KILN_PROTOCOL_OPERATORS(X) \
  X (STRING_IS_EMPTY,             "stringIsEmpty",           KILN_OPERAND_ONE,       0) \
  X (STRING_IS_WHITESPACE,        "stringIsWhitespace",      KILN_OPERAND_ONE,       0) \
  X (STRING_EQUALS,               "stringEquals",            KILN_OPERAND_STRING,    0) \
  X (STRING_LESS_THAN,            "stringLessThan",          KILN_OPERAND_STRING,    0) \
  X (STRING_LESS_THAN_EQUALS,     "stringLessThanEquals",    KILN_OPERAND_STRING,    0) \
  X (STRING_GREATER_THAN,         "stringGreaterThan",       KILN_OPERAND_STRING,    0) \
  X (STRING_GREATER_THAN_EQUALS,  "stringGreaterThanEquals", KILN_OPERAND_STRING,    0) \
  X (PATTERN_MATCHES,             "patternMatches",          KILN_OPERAND_PATTERN,   0) \
  X (NUMBER_EQUALS,               "numberEquals",            KILN_OPERAND_NUMBER,    0) \
  X (NUMBER_LESS_THAN,            "numberLessThan",          KILN_OPERAND_NUMBER,    0) \
  X (NUMBER_LESS_THAN_EQUALS,     "numberLessThanEquals",    KILN_OPERAND_NUMBER,    0) \
  X (NUMBER_GREATER_THAN,         "numberGreaterThan",       KILN_OPERAND_NUMBER,    0) \
  X (NUMBER_GREATER_THAN_EQUALS,  "numberGreaterThanEquals", KILN_OPERAND_NUMBER,    0) \
  X (BINARY_EXISTS,               "binaryExists",            KILN_OPERAND_ONE,       0) \
  X (FILE_EXISTS,                 "fileExists",              KILN_OPERAND_ONE,       0) \
  X (FOLDER_EXISTS,               "folderExists",            KILN_OPERAND_ONE,       0) \
  X (FILE_MD5_EQUALS,             "fileMD5Equals",           KILN_OPERAND_FILE_HASH, 32) \
  X (FILE_SHA1_EQUALS,            "fileSHA1Equals",          KILN_OPERAND_FILE_HASH, 40) \
  X (FILE_SHA256_EQUALS,          "fileSHA256Equals",        KILN_OPERAND_FILE_HASH, 64) \
  X (FILE_SHA512_EQUALS,          "fileSHA512Equals",        KILN_OPERAND_FILE_HASH, 128) \
  X (AND,                         "and",                     KILN_OPERAND_LOGICAL,   0) \
  X (OR,                          "or",                      KILN_OPERAND_LOGICAL,   0) \
  X (NOT,                         "not",                     KILN_OPERAND_LOGICAL,   0)

typedef enum {
#define KILN_X_OPERATOR_ID(id, name, kind, digits) KILN_OPERATOR_##id,
  KILN_PROTOCOL_OPERATORS (KILN_X_OPERATOR_ID)
#undef KILN_X_OPERATOR_ID
  KILN_OPERATOR_COUNT
} KilnOperator;

static inline const char *
kiln_protocol_operator_name (KilnOperator op)
{
  static const char *const names[] = {
#define KILN_X_OPERATOR_NAME(id, name, kind, digits) name,
    KILN_PROTOCOL_OPERATORS (KILN_X_OPERATOR_NAME)
#undef KILN_X_OPERATOR_NAME
  };
  return (unsigned) op < KILN_OPERATOR_COUNT ? names[op] : NULL;
}

static inline KilnOperandKind
kiln_protocol_operator_kind (KilnOperator op)
{
  static const KilnOperandKind kinds[] = {
#define KILN_X_OPERATOR_KIND(id, name, kind, digits) kind,
    KILN_PROTOCOL_OPERATORS (KILN_X_OPERATOR_KIND)
#undef KILN_X_OPERATOR_KIND
  };
  return (unsigned) op < KILN_OPERATOR_COUNT ? kinds[op] : KILN_OPERAND_ONE;
}

/* How many hex digits a FILE_HASH operator's digest has (0 for others). */
static inline unsigned
kiln_protocol_operator_hex_digits (KilnOperator op)
{
  static const unsigned char digits[] = {
#define KILN_X_OPERATOR_DIGITS(id, name, kind, n) n,
    KILN_PROTOCOL_OPERATORS (KILN_X_OPERATOR_DIGITS)
#undef KILN_X_OPERATOR_DIGITS
  };
  return (unsigned) op < KILN_OPERATOR_COUNT ? digits[op] : 0;
}

/* The id of an operator name (exact case), -1 when it is none. */
static inline int
kiln_protocol_operator_find (const char *name)
{
  for (int op = 0; name && op < KILN_OPERATOR_COUNT; op++)
    if (strcmp (kiln_protocol_operator_name ((KilnOperator) op), name) == 0)
      return op;
  return -1;
}

/* Members beside the operator, and what an `if` adds. */
#define KILN_CONDITION_VALUE   "value"
#define KILN_CONDITION_PATH    "path"
#define KILN_IF_THEN           "then"
#define KILN_IF_ELSE           "else"
#define KILN_IF_EXECUTE        "Execute"   /* values of then / else */
#define KILN_IF_SKIP           "Skip"
#define KILN_IF_ABORT          "Abort"

/* ---- the plan (plan.json) ------------------------------------------------ */

#define KILN_PLAN_FORMAT               1   /* the value of "version" */

#define KILN_PLAN_KEY_VERSION          "version"
#define KILN_PLAN_KEY_RUN_ID           "runId"
#define KILN_PLAN_KEY_STAGE            "stage"
#define KILN_PLAN_KEY_PHASES           "phases"      /* the phases to run */
#define KILN_PLAN_KEY_POWEROFF         "poweroff"
#define KILN_PLAN_KEY_DOCUMENTS        "documents"
/* true: the agent waits for cloud-init's final stage before the first step */
#define KILN_PLAN_KEY_WAIT_FOR_CLOUD_INIT "waitForCloudInit"
/* the values of the secret parameters (a list of strings, may be absent):
 * the agent replaces each with KILN_SECRET_MASK in all it reports */
#define KILN_PLAN_KEY_SECRETS          "secrets"
/* true (a build that cuts layers; may be absent): at each start in a boot
 * the agent says so in `hello` and waits for the host's `go` or `plan`
 * line, so that a later build starting from a layer of this disk hands the
 * agent there its own plan over the port (docs/layers.md) */
#define KILN_PLAN_KEY_ASK_HOST         "askHost"
#define KILN_SECRET_MASK               "***"
/* a documents[] entry (and ExecuteDocument's inline document) */
#define KILN_DOCUMENT_KEY_NAME         "name"
#define KILN_DOCUMENT_KEY_FILE         "file"
#define KILN_DOCUMENT_KEY_PHASES       "phases"
/* a top-level document only, may be absent: when its phases end and the run
 * has not failed, the agent (in a boot, with the port) syncs and freezes the
 * guest's filesystems, sends a `layer` event with this number and waits for
 * the host's `thaw` line before the next document (docs/layers.md) */
#define KILN_DOCUMENT_KEY_LAYER        "layer"
/* a phase of a document */
#define KILN_PHASE_KEY_NAME            "name"
#define KILN_PHASE_KEY_STEPS           "steps"
/* a step */
#define KILN_STEP_KEY_NAME             "name"
#define KILN_STEP_KEY_ACTION           "action"
#define KILN_STEP_KEY_TIMEOUT_SECONDS  "timeoutSeconds"
#define KILN_STEP_KEY_ON_FAILURE       "onFailure"
#define KILN_STEP_KEY_MAX_ATTEMPTS     "maxAttempts"
#define KILN_STEP_KEY_LOOP             "loop"
#define KILN_STEP_KEY_IF               "if"
#define KILN_STEP_KEY_INPUTS           "inputs"
/* the inputs of an ExecuteDocument step in a plan */
#define KILN_EXECUTE_DOCUMENT_KEY_DOCUMENT "document"
#define KILN_EXECUTE_DOCUMENT_KEY_PHASES   "phases"

/* Each entry of an S3Download or S3Upload step in a plan carries the id
 * the host gave its transfer (a string, like every input).  S3Download:
 * the host fetched the objects before the boot into
 * KILN_S3_STAGED_DIR/<transfer>/: the object as "object", a prefix's
 * objects under "tree/" by their keys after the prefix; the entry also
 * says which ("prefix": "true"|"false").  S3Upload: the agent sends the
 * files as `upload` events and the host puts them in the store after the
 * stage. */
#define KILN_S3_KEY_TRANSFER           "transfer"
#define KILN_S3_KEY_PREFIX             "prefix"
#define KILN_S3_STAGED_DIR             "/var/lib/kiln-agent/s3"
#define KILN_S3_STAGED_OBJECT          "object"
#define KILN_S3_STAGED_TREE            "tree"

#define KILN_STEP_DEFAULT_TIMEOUT_SECONDS 7200   /* -1: no limit */
/* The ranges `kiln validate` enforces on a document's numbers
 * (docs/reliability.md lists them); the agent refuses a plan outside them
 * and its arithmetic on them cannot overflow. */
#define KILN_STEP_MAX_TIMEOUT_SECONDS  (7 * 86400)   /* and -1 */
#define KILN_STEP_MAX_ATTEMPTS         100
#define KILN_REBOOT_MAX_DELAY_SECONDS  3600
/* loop.for start, end and updateBy: 32-bit integers */
#define KILN_LOOP_BOUND_MIN            (-2147483647LL - 1)
#define KILN_LOOP_BOUND_MAX            2147483647LL
#define KILN_ON_FAILURE_ABORT          "Abort"   /* the default */
#define KILN_ON_FAILURE_CONTINUE       "Continue"
#define KILN_ON_FAILURE_IGNORE         "Ignore"

/* ---- events (agent -> host, one JSON object a line) ---------------------- */

#define KILN_EVENT_HELLO               "hello"
#define KILN_EVENT_PHASE_START         "phase-start"
#define KILN_EVENT_STEP_START          "step-start"
#define KILN_EVENT_OUTPUT              "output"
#define KILN_EVENT_STEP_END            "step-end"
#define KILN_EVENT_REBOOT              "reboot"
#define KILN_EVENT_PHASE_END           "phase-end"
#define KILN_EVENT_DONE                "done"
#define KILN_EVENT_LOG                 "log"
#define KILN_EVENT_UPLOAD              "upload"    /* a piece of an S3Upload file */
#define KILN_EVENT_LAYER               "layer"     /* frozen: cut a layer now */

/* every event */
#define KILN_EVENT_KEY_EVENT           "event"     /* the event's name */
#define KILN_EVENT_KEY_TIME            "time"
/* hello */
#define KILN_EVENT_KEY_AGENT           "agent"
#define KILN_EVENT_KEY_BOOT            "boot"
#define KILN_EVENT_KEY_RESUMED         "resumed"
/* added: the plan's runId, and true when the agent waits for the host's
 * answer (the plan's askHost) */
#define KILN_EVENT_KEY_RUN             "run"
#define KILN_EVENT_KEY_ASKS            "asks"
/* where: phase-*, step-*, output, reboot */
#define KILN_EVENT_KEY_DOCUMENT        "document"
#define KILN_EVENT_KEY_PHASE           "phase"
#define KILN_EVENT_KEY_STEP            "step"
#define KILN_EVENT_KEY_DEPTH           "depth"     /* steps of a child document */
/* step-start */
#define KILN_EVENT_KEY_ACTION          "action"
#define KILN_EVENT_KEY_ATTEMPT         "attempt"
#define KILN_EVENT_KEY_TIMEOUT_SECONDS "timeoutSeconds"
/* output */
#define KILN_EVENT_KEY_STREAM          "stream"    /* KILN_STREAM_* */
#define KILN_EVENT_KEY_DATA            "data"
#define KILN_EVENT_KEY_TRUNCATED       "truncated"
/* step-end, phase-end, done */
#define KILN_EVENT_KEY_STATUS          "status"    /* KILN_STATUS_* */
#define KILN_EVENT_KEY_EXIT_CODE       "exitCode"
#define KILN_EVENT_KEY_DURATION_MS     "durationMs"
#define KILN_EVENT_KEY_ATTEMPTS        "attempts"
#define KILN_EVENT_KEY_FAILURE_MESSAGE "failureMessage"
#define KILN_EVENT_KEY_OUTPUTS         "outputs"
#define KILN_EVENT_KEY_OUTPUTS_TRUNCATED "outputsTruncated"
#define KILN_EVENT_KEY_FAILED_DOCUMENT "failedDocument"
#define KILN_EVENT_KEY_FAILED_PHASE    "failedPhase"
#define KILN_EVENT_KEY_FAILED_STEP     "failedStep"
/* reboot */
#define KILN_EVENT_KEY_REASON          "reason"    /* KILN_REBOOT_* */
/* log */
#define KILN_EVENT_KEY_LEVEL           "level"     /* KILN_LEVEL_* */
#define KILN_EVENT_KEY_MESSAGE         "message"
/* upload: `transfer` (the plan entry's id), `file` (0, 1, ... within the
 * transfer), `name` (its path relative to the source, '/'-separated),
 * `single` (the source named one file), `offset`, `data` (base64, at most
 * KILN_UPLOAD_CHUNK bytes before encoding), `end` (the file's last piece) */
#define KILN_EVENT_KEY_TRANSFER        "transfer"
#define KILN_EVENT_KEY_FILE            "file"
#define KILN_EVENT_KEY_NAME            "name"
#define KILN_EVENT_KEY_SINGLE          "single"
#define KILN_EVENT_KEY_OFFSET          "offset"
#define KILN_EVENT_KEY_END             "end"
#define KILN_UPLOAD_CHUNK              (192 * 1024)
/* layer: `document`, `layer` (the plan document's KILN_DOCUMENT_KEY_LAYER),
 * `frozen` (the mount points frozen, a list), `notFrozen` (mount points
 * whose freeze failed: "PATH: reason") */
#define KILN_EVENT_KEY_LAYER           "layer"
#define KILN_EVENT_KEY_FROZEN          "frozen"
#define KILN_EVENT_KEY_NOT_FROZEN      "notFrozen"

/* ---- commands (host -> agent, one JSON object a line) ---------------------
 * The lines the host sends, on the embedded driver only (docs/layers.md):
 * - `thaw`, the answer to a `layer` event, after which the agent thaws and
 *   goes on; `cut` says whether the host kept a layer;
 * - `go` or `plan`, the answer to a `hello` that asks: `go` runs the plan
 *   the agent has; `plan` carries the plan (an object) that replaces it,
 *   with its own runId: a build that starts from a layer. */
#define KILN_COMMAND_KEY_COMMAND       "command"
#define KILN_COMMAND_THAW              "thaw"
#define KILN_COMMAND_KEY_LAYER         "layer"
#define KILN_COMMAND_KEY_CUT           "cut"
#define KILN_COMMAND_GO                "go"
#define KILN_COMMAND_PLAN              "plan"
#define KILN_COMMAND_KEY_PLAN          "plan"
/* the longest host line the agent reads (a `plan` line carries a whole
 * plan, inline scripts and all); longer ones are dropped */
#define KILN_HOST_LINE_MAX             (16 * 1024 * 1024)
/* how long an asking agent waits for `go` or `plan` before it runs the
 * plan it has (and says so in a `log` warning) */
#define KILN_HELLO_ANSWER_MAX_SECONDS  60
/* How long the agent keeps filesystems frozen waiting for `thaw` before it
 * thaws by itself (and says so in a `log` warning) */
#define KILN_LAYER_FREEZE_MAX_SECONDS  120

#define KILN_STATUS_SUCCESS            "success"
#define KILN_STATUS_FAILED             "failed"
#define KILN_STATUS_IGNORED            "ignored"   /* step-end: IgnoredFailure */
#define KILN_STATUS_SKIPPED            "skipped"   /* step-end: its `if` said Skip */
#define KILN_STATUS_SUCCESS_WITH_IGNORED "successWithIgnoredFailure" /* phase-end */

#define KILN_STREAM_STDOUT             "stdout"
#define KILN_STREAM_STDERR             "stderr"

#define KILN_REBOOT_EXIT_194           "exit194"   /* the same step runs again */
#define KILN_REBOOT_ACTION             "Reboot"    /* the next step runs */

#define KILN_LEVEL_INFO                "info"
#define KILN_LEVEL_WARNING             "warning"
#define KILN_LEVEL_ERROR               "error"
