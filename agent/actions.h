/* actions.h - the AWSTOE action modules kiln-agent runs in the guest
 *
 * Each action gets its inputs with every runtime variable already expanded
 * and fills an act_result.  List-shaped inputs (file actions, WebDownload)
 * are processed entry by entry; the first failing entry fails the action.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent.h"
#include "json.h"

typedef enum
{
  ACT_OK,
  ACT_FAILED,
  ACT_REBOOT_SAME,     /* exit 194: reboot, then run the same step again */
  ACT_REBOOT_NEXT,     /* Reboot: reboot, then go on with the next step */
  ACT_NESTED_REBOOT,   /* a step of a nested document asked for a reboot */
  ACT_INTERRUPTED,     /* the agent is being stopped */
} act_status;

typedef struct
{
  agent *a;
  int depth;                 /* 0 for plan documents */
  const char *document;
  const char *phase;
  const char *step;
  int64_t deadline_ms;       /* mono_ms() deadline, 0 for none */
  long long timeout_seconds;
} act_ctx;

typedef struct
{
  act_status status;
  bool has_exit_code;
  int exit_code;
  bool timed_out;            /* stop the loop: the step's time is up */
  char *message;             /* failure message (malloc'd) */
  json *outputs;             /* object or NULL */
} act_result;

typedef void (*action_fn) (act_ctx *ctx, const json *inputs, act_result *res);

/* The function for an action name, NULL for unknown names. */
action_fn action_lookup (const char *name);

/* ---- helpers shared by the actions (inputs.c) ---------------------- */

void act_fail (act_result *res, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void act_set_output (act_result *res, const char *key, const char *value);
void act_result_clear (act_result *res);

/* List-shaped inputs: a list of objects (a single object counts as one). */
size_t inputs_count (const json *inputs);
const json *inputs_entry (const json *inputs, size_t i);
/* A scalar member as text (malloc'd), NULL when missing or null. */
char *input_text (const json *o, const char *key);
/* A required, non-empty scalar member; fails res when missing. */
char *input_required (const json *o, const char *key, const char *action, act_result *res);
/* true/false (strings or booleans, any case); def when missing. */
bool input_bool (const json *o, const char *key, bool def, bool *out, act_result *res);
/* Octal permissions ("0755", "755", 755); *present false when missing. */
bool input_mode (const json *o, const char *key, mode_t *out, bool *present, act_result *res);
/* A list of scalars (a single string counts as one item). */
bool input_list (const json *o, const char *key, char ***items, size_t *n, act_result *res);
void free_list (char **items, size_t n);
/* User / group by name or number.  The user's primary group goes to *gid
 * when gid is not NULL. */
bool resolve_user (const char *name, uid_t *uid, gid_t *gid, act_result *res);
bool resolve_group (const char *name, gid_t *gid, act_result *res);
bool parse_mode (const char *s, mode_t *out);

/* Streams output of a running step to the events. */
void act_output_cb (void *user, const char *stream, const char *data, size_t len);

/* ---- the actions ---------------------------------------------------- */
void action_execute_bash (act_ctx *ctx, const json *inputs, act_result *res);
void action_execute_binary (act_ctx *ctx, const json *inputs, act_result *res);
void action_execute_document (act_ctx *ctx, const json *inputs, act_result *res);
void action_assert (act_ctx *ctx, const json *inputs, act_result *res);
void action_reboot (act_ctx *ctx, const json *inputs, act_result *res);
void action_update_os (act_ctx *ctx, const json *inputs, act_result *res);
/* act_s3.c: the guest's half of the S3 transfers (the host does the rest) */
void action_s3_download (act_ctx *ctx, const json *inputs, act_result *res);
void action_s3_upload (act_ctx *ctx, const json *inputs, act_result *res);
void action_web_download (act_ctx *ctx, const json *inputs, act_result *res);
void action_create_file (act_ctx *ctx, const json *inputs, act_result *res);
void action_append_file (act_ctx *ctx, const json *inputs, act_result *res);
void action_read_file (act_ctx *ctx, const json *inputs, act_result *res);
void action_set_file_encoding (act_ctx *ctx, const json *inputs, act_result *res);
void action_delete_file (act_ctx *ctx, const json *inputs, act_result *res);
void action_create_symlink (act_ctx *ctx, const json *inputs, act_result *res);
void action_list_files (act_ctx *ctx, const json *inputs, act_result *res);
void action_copy_file (act_ctx *ctx, const json *inputs, act_result *res);
void action_move_file (act_ctx *ctx, const json *inputs, act_result *res);
void action_copy_folder (act_ctx *ctx, const json *inputs, act_result *res);
void action_move_folder (act_ctx *ctx, const json *inputs, act_result *res);
void action_create_folder (act_ctx *ctx, const json *inputs, act_result *res);
void action_delete_folder (act_ctx *ctx, const json *inputs, act_result *res);
void action_set_file_owner (act_ctx *ctx, const json *inputs, act_result *res);
void action_set_folder_owner (act_ctx *ctx, const json *inputs, act_result *res);
void action_set_file_permissions (act_ctx *ctx, const json *inputs, act_result *res);
void action_set_folder_permissions (act_ctx *ctx, const json *inputs, act_result *res);
