/* actions.c - the table of action modules */
#include <string.h>

#include "actions.h"
#include "util.h"

static const struct
{
  const char *name;
  action_fn fn;
} table[] = {
  { "ExecuteBash", action_execute_bash },
  { "ExecuteBinary", action_execute_binary },
  { "ExecuteDocument", action_execute_document },
  { "Assert", action_assert },
  { "Reboot", action_reboot },
  { "UpdateOS", action_update_os },
  { "S3Download", action_s3 },
  { "S3Upload", action_s3 },
  { "WebDownload", action_web_download },
  { "CreateFile", action_create_file },
  { "AppendFile", action_append_file },
  { "ReadFile", action_read_file },
  { "SetFileEncoding", action_set_file_encoding },
  { "DeleteFile", action_delete_file },
  { "CreateSymlink", action_create_symlink },
  { "ListFiles", action_list_files },
  { "CopyFile", action_copy_file },
  { "MoveFile", action_move_file },
  { "CopyFolder", action_copy_folder },
  { "MoveFolder", action_move_folder },
  { "CreateFolder", action_create_folder },
  { "DeleteFolder", action_delete_folder },
  { "SetFileOwner", action_set_file_owner },
  { "SetFolderOwner", action_set_folder_owner },
  { "SetFilePermissions", action_set_file_permissions },
  { "SetFolderPermissions", action_set_folder_permissions },
};

action_fn
action_lookup (const char *name)
{
  for (size_t i = 0; i < ARRAY_LEN (table); i++)
    if (!strcmp (table[i].name, name))
      return table[i].fn;
  return NULL;
}
