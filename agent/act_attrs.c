/* act_attrs.c - SetFileOwner, SetFolderOwner, SetFilePermissions,
 * SetFolderPermissions */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions.h"
#include "fsutil.h"
#include "util.h"

typedef struct
{
  uid_t uid;
  gid_t gid;
  mode_t mode;
  bool owner;      /* chown (else chmod) */
} attr_change;

static bool
apply_change (const char *path, const struct stat *st, void *user, char **err)
{
  const attr_change *c = user;
  int r;
  if (c->owner)
    r = lchown (path, c->uid, c->gid);
  else if (S_ISLNK (st->st_mode))
    return true; /* link permissions mean nothing on Linux */
  else
    r = chmod (path, c->mode);
  if (r < 0)
    {
      *err = xasprintf ("cannot change %s: %s", path, strerror (errno));
      return false;
    }
  return true;
}

static void
set_attrs (const json *inputs, bool owner, bool folder, act_result *res)
{
  const char *name = owner ? (folder ? "SetFolderOwner" : "SetFileOwner")
                           : (folder ? "SetFolderPermissions" : "SetFilePermissions");
  for (size_t i = 0; i < inputs_count (inputs); i++)
    {
      const json *entry = inputs_entry (inputs, i);
      attr_change c = { .uid = (uid_t) -1, .gid = (gid_t) -1, .owner = owner };
      char *path = input_required (entry, "path", name, res);
      char *user = NULL, *group = NULL, *err = NULL;
      bool recursive = false, ok = path != NULL;
      if (ok && folder)
        ok = input_bool (entry, "recursive", true, &recursive, res);
      if (ok && owner)
        {
          user = input_required (entry, "owner", name, res);
          group = input_text (entry, "group");
          gid_t primary = (gid_t) -1;
          ok = user && resolve_user (user, &c.uid, &primary, res);
          /* Without a group, the user's own group (AWSTOE). */
          if (ok && group && *group)
            ok = resolve_group (group, &c.gid, res);
          else if (ok)
            c.gid = primary;
        }
      else if (ok)
        {
          char *perm = input_required (entry, "permissions", name, res);
          ok = perm != NULL;
          if (ok && !parse_mode (perm, &c.mode))
            {
              act_fail (res, "%s: permissions must be octal such as 0755, found '%s'", name, perm);
              ok = false;
            }
          free (perm);
        }
      struct stat st;
      if (ok && stat (path, &st) < 0)
        {
          act_fail (res, "%s: %s: %s", name, path, strerror (errno));
          ok = false;
        }
      else if (ok && folder && !S_ISDIR (st.st_mode))
        {
          act_fail (res, "%s: %s is not a folder", name, path);
          ok = false;
        }
      else if (ok && !folder && S_ISDIR (st.st_mode))
        {
          act_fail (res, "%s: %s is a folder", name, path);
          ok = false;
        }
      if (ok)
        {
          /* The path itself follows a symbolic link (AWSTOE changes the
           * link's target); entries inside a folder do not. */
          int r = owner ? chown (path, c.uid, c.gid) : chmod (path, c.mode);
          if (r < 0)
            {
              act_fail (res, "%s: cannot change %s: %s", name, path, strerror (errno));
              ok = false;
            }
        }
      if (ok && recursive && !walk_tree (path, true, apply_change, &c, &err))
        {
          act_fail (res, "%s: %s", name, err);
          ok = false;
        }
      free (err);
      free (path);
      free (user);
      free (group);
      if (!ok)
        return;
    }
}

void action_set_file_owner (act_ctx *c, const json *in, act_result *r) { (void) c; set_attrs (in, true, false, r); }
void action_set_folder_owner (act_ctx *c, const json *in, act_result *r) { (void) c; set_attrs (in, true, true, r); }
void action_set_file_permissions (act_ctx *c, const json *in, act_result *r) { (void) c; set_attrs (in, false, false, r); }
void action_set_folder_permissions (act_ctx *c, const json *in, act_result *r) { (void) c; set_attrs (in, false, true, r); }
