/* act_copy.c - CopyFile, MoveFile, CopyFolder, MoveFolder, CreateFolder,
 * DeleteFolder
 *
 * Destination rules (AWSTOE): a destination ending in '/' is a folder and
 * keeps the source's name; parent folders are created; a wildcard (* ? [)
 * in the source's last component selects several sources and then needs a
 * folder destination.  overwrite (default true) false refuses an existing
 * destination.  CopyFile into an existing folder copies into it (cp);
 * CopyFolder merges into an existing folder (cp -r); MoveFolder replaces it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions.h"
#include "fsutil.h"
#include "util.h"

bool apply_owner (const char *path, const char *owner, const char *group, bool follow, act_result *res);

typedef enum { COPY_FILE, MOVE_FILE, COPY_FOLDER, MOVE_FOLDER } transfer_kind;

static const char *const kind_names[] = { "CopyFile", "MoveFile", "CopyFolder", "MoveFolder" };

static bool
same_file (const char *a, const char *b)
{
  struct stat sa, sb;
  return stat (a, &sa) == 0 && stat (b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Is child equal to or below parent (textually, after making both absolute)? */
static bool
path_within (const char *child, const char *parent)
{
  char *c = realpath (child, NULL);
  char *p = realpath (parent, NULL);
  bool within = false;
  if (p)
    {
      if (!c)
        {
          /* child does not exist yet: resolve its folder */
          char *dir = path_dirname (child);
          char *rd = realpath (dir, NULL);
          char *base = path_basename (child);
          if (rd)
            c = path_join (rd, base);
          free (dir);
          free (rd);
          free (base);
        }
      size_t lp = strlen (p);
      within = c && !strncmp (c, p, lp) && (c[lp] == '\0' || c[lp] == '/' || lp == 1);
    }
  free (c);
  free (p);
  return within;
}

static bool
transfer_one (transfer_kind kind, const char *src, const char *destination, bool overwrite, act_result *res)
{
  const char *name = kind_names[kind];
  bool folder = kind == COPY_FOLDER || kind == MOVE_FOLDER;
  struct stat st;
  if (stat (src, &st) < 0)
    {
      act_fail (res, "%s: the source %s does not exist", name, src);
      return false;
    }
  if (folder != S_ISDIR (st.st_mode))
    {
      act_fail (res, "%s: the source %s is not a %s", name, src, folder ? "folder" : "file");
      return false;
    }
  char *err = NULL, *dst;
  char *base = path_basename (src);
  if (str_has_suffix (destination, "/"))
    {
      if (!mkdir_p (destination, 0755, &err))
        {
          act_fail (res, "%s: %s", name, err);
          free (err);
          free (base);
          return false;
        }
      dst = path_join (destination, base);
    }
  else if (!folder && path_is_dir (destination))
    dst = path_join (destination, base);
  else
    dst = xstrdup (destination);
  free (base);

  bool ok = false;
  struct stat dst_st;
  bool exists = lstat (dst, &dst_st) == 0;
  if (exists && same_file (src, dst))
    {
      act_fail (res, "%s: %s and %s are the same", name, src, dst);
      goto out;
    }
  if (exists && !overwrite)
    {
      act_fail (res, "%s: %s exists and overwrite is false", name, dst);
      goto out;
    }
  if (exists && !folder && S_ISDIR (dst_st.st_mode))
    {
      act_fail (res, "%s: %s is a folder", name, dst);
      goto out;
    }
  if (exists && folder && !S_ISDIR (dst_st.st_mode))
    {
      act_fail (res, "%s: %s exists and is not a folder", name, dst);
      goto out;
    }
  if (folder && path_within (dst, src))
    {
      act_fail (res, "%s: cannot put %s inside itself (%s)", name, src, dst);
      goto out;
    }
  if (!mkdir_parent (dst, &err))
    {
      act_fail (res, "%s: %s", name, err);
      goto out;
    }
  switch (kind)
    {
    case COPY_FILE:
      ok = copy_file (src, dst, &err);
      break;
    case COPY_FOLDER:
      ok = copy_tree (src, dst, &err);
      break;
    case MOVE_FILE:
    case MOVE_FOLDER:
      if (exists && kind == MOVE_FOLDER && !remove_tree (dst, &err))
        break;
      if (rename (src, dst) == 0)
        {
          ok = true;
          break;
        }
      if (errno != EXDEV)
        {
          err = xasprintf ("cannot move %s to %s: %s", src, dst, strerror (errno));
          break;
        }
      /* Another file system: copy, then remove the source. */
      ok = (kind == MOVE_FILE ? copy_file (src, dst, &err) : copy_tree (src, dst, &err))
           && remove_tree (src, &err);
      break;
    }
  if (!ok)
    act_fail (res, "%s: %s", name, err ? err : "failed");
out:
  free (err);
  free (dst);
  return ok;
}

static void
transfer (transfer_kind kind, const json *inputs, act_result *res)
{
  const char *name = kind_names[kind];
  bool folder = kind == COPY_FOLDER || kind == MOVE_FOLDER;
  for (size_t i = 0; i < inputs_count (inputs); i++)
    {
      const json *entry = inputs_entry (inputs, i);
      char *src = input_required (entry, "source", name, res);
      char *dst = src ? input_required (entry, "destination", name, res) : NULL;
      bool overwrite, ok = src && dst && input_bool (entry, "overwrite", true, &overwrite, res);
      if (ok && path_has_wildcard (src))
        {
          if (!str_has_suffix (dst, "/"))
            {
              act_fail (res, "%s: a source with a wildcard needs a destination folder ending in /", name);
              ok = false;
            }
          size_t n = 0;
          char *err = NULL;
          char **matches = ok ? path_glob (src, folder, &n, &err) : NULL;
          if (ok && !matches)
            {
              act_fail (res, "%s: %s", name, err);
              ok = false;
            }
          else if (ok && n == 0)
            {
              act_fail (res, "%s: nothing matches %s", name, src);
              ok = false;
            }
          for (size_t j = 0; ok && j < n; j++)
            ok = transfer_one (kind, matches[j], dst, overwrite, res);
          if (matches)
            free_list (matches, n);
          free (err);
        }
      else if (ok)
        ok = transfer_one (kind, src, dst, overwrite, res);
      free (src);
      free (dst);
      if (!ok)
        return;
    }
}

void action_copy_file (act_ctx *c, const json *in, act_result *r) { (void) c; transfer (COPY_FILE, in, r); }
void action_move_file (act_ctx *c, const json *in, act_result *r) { (void) c; transfer (MOVE_FILE, in, r); }
void action_copy_folder (act_ctx *c, const json *in, act_result *r) { (void) c; transfer (COPY_FOLDER, in, r); }
void action_move_folder (act_ctx *c, const json *in, act_result *r) { (void) c; transfer (MOVE_FOLDER, in, r); }

void
action_create_folder (act_ctx *ctx, const json *inputs, act_result *res)
{
  (void) ctx;
  for (size_t i = 0; i < inputs_count (inputs); i++)
    {
      const json *entry = inputs_entry (inputs, i);
      char *path = input_required (entry, "path", "CreateFolder", res);
      char *owner = input_text (entry, "owner");
      char *group = input_text (entry, "group");
      bool overwrite, has_mode;
      mode_t mode = 0;
      char *err = NULL;
      bool ok = path && input_bool (entry, "overwrite", true, &overwrite, res)
                && input_mode (entry, "permissions", &mode, &has_mode, res);
      struct stat st;
      if (ok && stat (path, &st) == 0)
        {
          if (!S_ISDIR (st.st_mode))
            {
              act_fail (res, "CreateFolder: %s exists and is not a folder", path);
              ok = false;
            }
          else if (!overwrite)
            {
              act_fail (res, "CreateFolder: %s exists and overwrite is false", path);
              ok = false;
            }
        }
      if (ok && !mkdir_p (path, 0777, &err))
        {
          act_fail (res, "CreateFolder: %s", err);
          ok = false;
        }
      if (ok && has_mode && chmod (path, mode) < 0)
        {
          act_fail (res, "cannot set the permissions of %s: %s", path, strerror (errno));
          ok = false;
        }
      if (ok)
        ok = apply_owner (path, owner, group, true, res);
      free (err);
      free (path);
      free (owner);
      free (group);
      if (!ok)
        return;
    }
}

void
action_delete_folder (act_ctx *ctx, const json *inputs, act_result *res)
{
  (void) ctx;
  for (size_t i = 0; i < inputs_count (inputs); i++)
    {
      const json *entry = inputs_entry (inputs, i);
      char *path = input_required (entry, "path", "DeleteFolder", res);
      bool force, ok = path && input_bool (entry, "force", false, &force, res);
      struct stat st;
      char *err = NULL;
      if (ok && lstat (path, &st) < 0)
        {
          act_fail (res, "DeleteFolder: cannot delete %s: %s", path, strerror (errno));
          ok = false;
        }
      else if (ok && !S_ISDIR (st.st_mode))
        {
          act_fail (res, "DeleteFolder: %s is not a folder", path);
          ok = false;
        }
      else if (ok && force && !remove_tree (path, &err))
        {
          act_fail (res, "DeleteFolder: %s", err);
          ok = false;
        }
      else if (ok && !force && rmdir (path) < 0)
        {
          if (errno == ENOTEMPTY || errno == EEXIST)
            act_fail (res, "DeleteFolder: %s is not empty (force: true deletes it with its content)", path);
          else
            act_fail (res, "DeleteFolder: cannot delete %s: %s", path, strerror (errno));
          ok = false;
        }
      free (err);
      free (path);
      if (!ok)
        return;
    }
}
