/* actions.c - the handler of each action (names: common/kiln-protocol.h) */
#include "actions.h"
#include "common/kiln-protocol.h"

/* Indexed by the protocol's action ids.  Every action the host sends
 * (KILN_RUNS_IN_GUEST, and the guest's half of KILN_RUNS_WITH_HOST) has a
 * handler here; test-protocol.c checks it.  Windows-only actions have no
 * handler: validation rejects them. */
static const action_fn handlers[KILN_ACTION_COUNT] = {
  [KILN_ACTION_EXECUTE_BASH] = action_execute_bash,
  [KILN_ACTION_EXECUTE_BINARY] = action_execute_binary,
  [KILN_ACTION_EXECUTE_DOCUMENT] = action_execute_document,
  [KILN_ACTION_ASSERT] = action_assert,
  [KILN_ACTION_REBOOT] = action_reboot,
  [KILN_ACTION_UPDATE_OS] = action_update_os,
  [KILN_ACTION_S3_DOWNLOAD] = action_s3_download,
  [KILN_ACTION_S3_UPLOAD] = action_s3_upload,
  [KILN_ACTION_WEB_DOWNLOAD] = action_web_download,
  [KILN_ACTION_CREATE_FILE] = action_create_file,
  [KILN_ACTION_APPEND_FILE] = action_append_file,
  [KILN_ACTION_READ_FILE] = action_read_file,
  [KILN_ACTION_SET_FILE_ENCODING] = action_set_file_encoding,
  [KILN_ACTION_DELETE_FILE] = action_delete_file,
  [KILN_ACTION_CREATE_SYMLINK] = action_create_symlink,
  [KILN_ACTION_LIST_FILES] = action_list_files,
  [KILN_ACTION_COPY_FILE] = action_copy_file,
  [KILN_ACTION_MOVE_FILE] = action_move_file,
  [KILN_ACTION_COPY_FOLDER] = action_copy_folder,
  [KILN_ACTION_MOVE_FOLDER] = action_move_folder,
  [KILN_ACTION_CREATE_FOLDER] = action_create_folder,
  [KILN_ACTION_DELETE_FOLDER] = action_delete_folder,
  [KILN_ACTION_SET_FILE_OWNER] = action_set_file_owner,
  [KILN_ACTION_SET_FOLDER_OWNER] = action_set_folder_owner,
  [KILN_ACTION_SET_FILE_PERMISSIONS] = action_set_file_permissions,
  [KILN_ACTION_SET_FOLDER_PERMISSIONS] = action_set_folder_permissions,
};

action_fn
action_lookup (const char *name)
{
  int id = kiln_protocol_action_find (name);
  return id < 0 ? NULL : handlers[id];
}
