/* act_files.c - file actions: CreateFile, AppendFile, ReadFile,
 * SetFileEncoding, DeleteFile, CreateSymlink, ListFiles */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions.h"
#include "common/kiln-protocol.h"
#include "encoding.h"
#include "events.h"
#include "fsutil.h"
#include "strbuf.h"
#include "util.h"

static bool
get_encoding (const json *entry, text_encoding *enc, act_result *res)
{
  char *name = input_text (entry, "encoding");
  *enc = ENC_UTF8;
  bool ok = !name || !*name || encoding_from_name (name, enc);
  if (!ok)
    act_fail (res, "unknown encoding '%s' (expected utf8, utf16, utf32 with optional -LE/-BE)", name);
  free (name);
  return ok;
}

/* Applies owner/group (names or numbers) to path; either may be NULL. */
bool apply_owner (const char *path, const char *owner, const char *group, bool follow, act_result *res);

bool
apply_owner (const char *path, const char *owner, const char *group, bool follow, act_result *res)
{
  uid_t uid = (uid_t) -1;
  gid_t gid = (gid_t) -1;
  if (owner && *owner && !resolve_user (owner, &uid, NULL, res))
    return false;
  if (group && *group && !resolve_group (group, &gid, res))
    return false;
  if (uid == (uid_t) -1 && gid == (gid_t) -1)
    return true;
  int r = follow ? chown (path, uid, gid) : lchown (path, uid, gid);
  if (r < 0)
    {
      act_fail (res, "cannot change the owner of %s: %s", path, strerror (errno));
      return false;
    }
  return true;
}

static bool
write_content (const char *path, int flags, const char *content, text_encoding enc, act_result *res)
{
  strbuf bytes = STRBUF_INIT;
  strbuf_init (&bytes);
  char *err = NULL;
  if (!encoding_encode (enc, content, strlen (content), &bytes, &err))
    {
      act_fail (res, "%s: %s", path, err);
      free (err);
      strbuf_free (&bytes);
      return false;
    }
  int fd = open (path, flags | O_WRONLY | O_CLOEXEC, 0666);
  bool ok = fd >= 0 && write_all (fd, bytes.data, bytes.len);
  int e = errno;
  if (fd >= 0 && close (fd) < 0 && ok)
    {
      ok = false;
      e = errno;
    }
  if (!ok)
    act_fail (res, "cannot write %s: %s", path, strerror (e));
  strbuf_free (&bytes);
  return ok;
}

static bool
create_file_entry (const json *entry, act_result *res)
{
  char *path = input_required (entry, "path", "CreateFile", res);
  if (!path)
    return false;
  char *content = input_text (entry, "content");
  char *owner = input_text (entry, "owner");
  char *group = input_text (entry, "group");
  bool overwrite, has_mode, ok = false;
  mode_t mode = 0;
  text_encoding enc;
  struct stat st;
  char *err = NULL;
  if (!input_bool (entry, "overwrite", true, &overwrite, res) || !input_mode (entry, "permissions", &mode, &has_mode, res)
      || !get_encoding (entry, &enc, res))
    goto out;
  if (stat (path, &st) == 0)
    {
      if (S_ISDIR (st.st_mode))
        {
          act_fail (res, "CreateFile: %s is a folder", path);
          goto out;
        }
      if (!overwrite)
        {
          act_fail (res, "CreateFile: %s exists and overwrite is false", path);
          goto out;
        }
    }
  if (!mkdir_parent (path, &err))
    {
      act_fail (res, "CreateFile: %s", err);
      goto out;
    }
  if (!write_content (path, O_CREAT | O_TRUNC, content ? content : "", enc, res))
    goto out;
  if (has_mode && chmod (path, mode) < 0)
    {
      act_fail (res, "cannot set the permissions of %s: %s", path, strerror (errno));
      goto out;
    }
  ok = apply_owner (path, owner, group, true, res);
out:
  free (err);
  free (path);
  free (content);
  free (owner);
  free (group);
  return ok;
}

void
action_create_file (act_ctx *ctx, const json *inputs, act_result *res)
{
  (void) ctx;
  for (size_t i = 0; i < inputs_count (inputs); i++)
    if (!create_file_entry (inputs_entry (inputs, i), res))
      return;
}

void
action_append_file (act_ctx *ctx, const json *inputs, act_result *res)
{
  (void) ctx;
  for (size_t i = 0; i < inputs_count (inputs); i++)
    {
      const json *entry = inputs_entry (inputs, i);
      char *path = input_required (entry, "path", "AppendFile", res);
      if (!path)
        return;
      char *content = input_text (entry, "content");
      text_encoding enc;
      bool ok = get_encoding (entry, &enc, res);
      if (ok && !path_is_file (path))
        {
          act_fail (res, "AppendFile: %s does not exist or is not a file", path);
          ok = false;
        }
      if (ok)
        ok = write_content (path, O_APPEND, content ? content : "", enc, res);
      free (path);
      free (content);
      if (!ok)
        return;
    }
}

/* Reads a text file as UTF-8 (decoding enc); NULL + res failure. */
static char *
read_text (const char *path, text_encoding enc, act_result *res)
{
  char *err = NULL;
  size_t len;
  char *raw = read_file (path, AGENT_OUTPUT_MAX, &len, &err);
  if (!raw)
    {
      act_fail (res, "ReadFile: %s", err);
      free (err);
      return NULL;
    }
  strbuf text = STRBUF_INIT;
  strbuf_init (&text);
  bool ok = encoding_decode (enc, raw, len, &text, &err);
  free (raw);
  if (!ok)
    {
      act_fail (res, "ReadFile: %s: %s", path, err);
      free (err);
      strbuf_free (&text);
      return NULL;
    }
  /* NUL bytes cannot be carried in the output; text files have none. */
  for (size_t i = 0; i < text.len; i++)
    if (text.data[i] == '\0')
      text.data[i] = '?';
  return strbuf_steal (&text);
}

void
action_read_file (act_ctx *ctx, const json *inputs, act_result *res)
{
  (void) ctx;
  strbuf all = STRBUF_INIT;
  strbuf_init (&all);
  for (size_t i = 0; i < inputs_count (inputs); i++)
    {
      const json *entry = inputs_entry (inputs, i);
      char *path = input_required (entry, "path", "ReadFile", res);
      if (!path)
        break;
      text_encoding enc;
      bool print;
      char *text = NULL;
      if (get_encoding (entry, &enc, res) && input_bool (entry, "printFileContent", false, &print, res))
        text = read_text (path, enc, res);
      free (path);
      if (!text)
        break;
      if (print)
        {
          events_output (KILN_STREAM_STDOUT, text, strlen (text));
          events_output (KILN_STREAM_STDOUT, "\n", 1);
        }
      if (i)
        strbuf_addc (&all, '\n');
      strbuf_adds (&all, text);
      free (text);
    }
  if (res->status == ACT_OK)
    act_set_output (res, KILN_OUTPUT_CONTENT, all.data);
  strbuf_free (&all);
}

void
action_set_file_encoding (act_ctx *ctx, const json *inputs, act_result *res)
{
  (void) ctx;
  for (size_t i = 0; i < inputs_count (inputs); i++)
    {
      const json *entry = inputs_entry (inputs, i);
      char *path = input_required (entry, "path", "SetFileEncoding", res);
      if (!path)
        return;
      text_encoding target;
      char *err = NULL, *raw = NULL;
      size_t len = 0, bom = 0;
      bool ok = get_encoding (entry, &target, res);
      if (ok && !(raw = read_file (path, 256u << 20, &len, &err)))
        {
          act_fail (res, "SetFileEncoding: %s", err);
          ok = false;
        }
      strbuf text = STRBUF_INIT, out = STRBUF_INIT;
      strbuf_init (&text);
      strbuf_init (&out);
      if (ok)
        {
          /* The current encoding: a byte order mark says, else UTF-8. */
          text_encoding current = encoding_detect_bom (raw, len, &bom);
          ok = encoding_decode (current, raw, len, &text, &err)
               && encoding_encode (target, text.data, text.len, &out, &err);
          if (!ok)
            act_fail (res, "SetFileEncoding: %s: %s", path, err);
        }
      if (ok)
        {
          /* Rewritten in place: mode and owner stay as they were. */
          int fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);
          ok = fd >= 0 && write_all (fd, out.data, out.len);
          if (fd >= 0)
            close (fd);
          if (!ok)
            act_fail (res, "cannot write %s: %s", path, strerror (errno));
        }
      strbuf_free (&text);
      strbuf_free (&out);
      free (raw);
      free (err);
      free (path);
      if (!ok)
        return;
    }
}

static bool
delete_one_file (const char *path, act_result *res)
{
  struct stat st;
  if (lstat (path, &st) < 0)
    {
      act_fail (res, "DeleteFile: cannot delete %s: %s", path, strerror (errno));
      return false;
    }
  if (S_ISDIR (st.st_mode))
    {
      act_fail (res, "DeleteFile: %s is a folder (use DeleteFolder)", path);
      return false;
    }
  if (unlink (path) < 0)
    {
      act_fail (res, "DeleteFile: cannot delete %s: %s", path, strerror (errno));
      return false;
    }
  return true;
}

void
action_delete_file (act_ctx *ctx, const json *inputs, act_result *res)
{
  (void) ctx;
  for (size_t i = 0; i < inputs_count (inputs); i++)
    {
      char *path = input_required (inputs_entry (inputs, i), "path", "DeleteFile", res);
      if (!path)
        return;
      bool ok = true;
      if (path_has_wildcard (path))
        {
          size_t n;
          char *err = NULL;
          char **matches = path_glob (path, false, &n, &err);
          if (!matches)
            {
              act_fail (res, "DeleteFile: %s", err);
              free (err);
              ok = false;
            }
          for (size_t j = 0; ok && j < n; j++)
            ok = delete_one_file (matches[j], res);
          if (matches)
            free_list (matches, n);
        }
      else
        ok = delete_one_file (path, res);
      free (path);
      if (!ok)
        return;
    }
}

static char *
absolute_path (const char *path)
{
  if (path[0] == '/')
    return xstrdup (path);
  char cwd[4096];
  if (!getcwd (cwd, sizeof cwd))
    return xstrdup (path);
  return path_join (cwd, path);
}

void
action_create_symlink (act_ctx *ctx, const json *inputs, act_result *res)
{
  (void) ctx;
  for (size_t i = 0; i < inputs_count (inputs); i++)
    {
      const json *entry = inputs_entry (inputs, i);
      char *rel = input_required (entry, "path", "CreateSymlink", res);
      char *target = rel ? input_required (entry, "target", "CreateSymlink", res) : NULL;
      bool force, ok = rel && target && input_bool (entry, "force", false, &force, res);
      char *path = rel ? absolute_path (rel) : NULL;
      if (ok)
        {
          /* The target must exist, seen from the link's folder or from here. */
          char *dir = path_dirname (path);
          char *from_link = target[0] == '/' ? xstrdup (target) : path_join (dir, target);
          struct stat st;
          if (stat (from_link, &st) < 0 && stat (target, &st) < 0)
            {
              act_fail (res, "CreateSymlink: the target %s does not exist", target);
              ok = false;
            }
          free (from_link);
          free (dir);
        }
      struct stat lst;
      if (ok && lstat (path, &lst) == 0)
        {
          if (!S_ISLNK (lst.st_mode))
            {
              act_fail (res, "CreateSymlink: %s exists and is not a symbolic link", path);
              ok = false;
            }
          else if (!force)
            {
              act_fail (res, "CreateSymlink: the link %s exists (force: true replaces it)", path);
              ok = false;
            }
          else if (unlink (path) < 0)
            {
              act_fail (res, "CreateSymlink: cannot replace %s: %s", path, strerror (errno));
              ok = false;
            }
        }
      char *err = NULL;
      if (ok && !mkdir_parent (path, &err))
        {
          act_fail (res, "CreateSymlink: %s", err);
          ok = false;
        }
      if (ok && symlink (target, path) < 0)
        {
          act_fail (res, "CreateSymlink: cannot create %s: %s", path, strerror (errno));
          ok = false;
        }
      free (err);
      free (rel);
      free (path);
      free (target);
      if (!ok)
        return;
    }
}

typedef struct
{
  const char *pattern;
  bool recursive;
  char **files;
  size_t n;
} list_ctx;

static bool
list_visit (const char *path, const struct stat *st, void *user, char **err)
{
  (void) err;
  list_ctx *lc = user;
  if (S_ISDIR (st->st_mode))
    return true;
  char *name = path_basename (path);
  bool match = !lc->pattern || !*lc->pattern || fnmatch (lc->pattern, name, 0) == 0;
  free (name);
  if (match)
    {
      lc->files = xgrow (lc->files, lc->n, sizeof *lc->files);
      lc->files[lc->n++] = xstrdup (path);
    }
  return true;
}

static int
compare_paths (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

void
action_list_files (act_ctx *ctx, const json *inputs, act_result *res)
{
  (void) ctx;
  strbuf all = STRBUF_INIT;
  strbuf_init (&all);
  for (size_t i = 0; i < inputs_count (inputs); i++)
    {
      const json *entry = inputs_entry (inputs, i);
      char *path = input_required (entry, "path", "ListFiles", res);
      if (!path)
        break;
      char *pattern = input_text (entry, "fileNamePattern");
      list_ctx lc = { .pattern = pattern };
      char *err = NULL;
      bool ok = input_bool (entry, "recursive", false, &lc.recursive, res);
      if (ok && !path_is_dir (path))
        {
          act_fail (res, "ListFiles: the folder %s does not exist", path);
          ok = false;
        }
      if (ok && !walk_tree (path, lc.recursive, list_visit, &lc, &err))
        {
          act_fail (res, "ListFiles: %s", err);
          ok = false;
        }
      if (ok && lc.n)
        {
          qsort (lc.files, lc.n, sizeof *lc.files, compare_paths);
          for (size_t j = 0; j < lc.n; j++)
            {
              if (all.len)
                strbuf_addc (&all, ',');
              strbuf_adds (&all, lc.files[j]);
            }
        }
      free_list (lc.files, lc.n);
      free (err);
      free (pattern);
      free (path);
      if (!ok)
        break;
    }
  if (res->status == ACT_OK)
    act_set_output (res, KILN_OUTPUT_FILES, all.data);
  strbuf_free (&all);
}
