/* act_s3.c - S3Download and S3Upload, the guest's half
 *
 * The guest never talks to S3 and never sees a credential: the host does
 * the transfers (docs/agent-protocol.md, "S3 transfers").  S3Download finds
 * what the host fetched before the boot under KILN_S3_STAGED_DIR/<transfer>
 * and puts it at the destination with AWSTOE's rules; S3Upload reads the
 * source files and sends them to the host as `upload` events, and the host
 * puts them in the store when the stage ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions.h"
#include "common/kiln-protocol.h"
#include "events.h"
#include "fsutil.h"
#include "util.h"

/* ---- S3Download ---------------------------------------------------------- */

static bool
place_file (const char *src, const char *dst, bool overwrite, act_result *res)
{
  if (path_exists (dst) && !overwrite)
    {
      act_fail (res, "S3Download: File already exists and \"overwrite\" property for \"destination\" file "
                     "is set to false. Cannot download. (%s)", dst);
      return false;
    }
  if (path_is_dir (dst))
    {
      act_fail (res, "S3Download: %s is a folder; expected a file path", dst);
      return false;
    }
  char *err = NULL;
  bool ok = copy_file (src, dst, &err);
  if (!ok)
    act_fail (res, "S3Download: %s", err ? err : "copy failed");
  free (err);
  return ok;
}

typedef struct
{
  const char *tree;   /* the staged tree */
  const char *dest;   /* the destination folder */
  bool overwrite;
  act_result *res;
} place_tree_ctx;

static bool
place_tree_entry (const char *path, const struct stat *st, void *user, char **err)
{
  (void) err;
  place_tree_ctx *c = user;
  char *dst = path_join (c->dest, path + strlen (c->tree) + 1);
  bool ok = true;
  if (S_ISDIR (st->st_mode))
    {
      char *merr = NULL;
      ok = mkdir_p (dst, 0755, &merr);
      if (!ok)
        act_fail (c->res, "S3Download: %s", merr ? merr : "mkdir failed");
      free (merr);
    }
  else if (S_ISREG (st->st_mode))
    ok = place_file (path, dst, c->overwrite, c->res);
  free (dst);
  return ok;
}

static bool
download_entry (const json *entry, act_result *res)
{
  char *transfer = input_required (entry, KILN_S3_KEY_TRANSFER, "S3Download", res);
  char *source = transfer ? input_required (entry, "source", "S3Download", res) : NULL;
  char *dst = source ? input_required (entry, "destination", "S3Download", res) : NULL;
  bool overwrite = true, prefix = false;
  bool ok = dst && input_bool (entry, "overwrite", true, &overwrite, res)
            && input_bool (entry, KILN_S3_KEY_PREFIX, false, &prefix, res);
  char *staged = ok ? xasprintf ("%s/%s", KILN_S3_STAGED_DIR, transfer) : NULL;
  if (ok && !prefix)
    {
      char *src = path_join (staged, KILN_S3_STAGED_OBJECT);
      char *base = path_basename (source + 5);
      /* a folder destination keeps the object's name */
      char *target = str_has_suffix (dst, "/") || path_is_dir (dst) ? path_join (dst, base) : xstrdup (dst);
      char *parent = path_dirname (target);
      if (!path_is_file (src))
        ok = (act_fail (res, "S3Download: %s was not staged by the host (%s missing)", source, src), false);
      else if (!path_is_dir (parent))
        ok = (act_fail (res, "S3Download: the folder %s does not exist; AWSTOE needs every folder of the "
                             "destination to exist before the download", parent), false);
      else
        ok = place_file (src, target, overwrite, res);
      free (src);
      free (base);
      free (target);
      free (parent);
    }
  else if (ok)
    {
      char *tree = path_join (staged, KILN_S3_STAGED_TREE);
      if (!path_is_dir (tree))
        ok = (act_fail (res, "S3Download: %s was not staged by the host (%s missing)", source, tree), false);
      else if (!path_is_dir (dst))
        ok = (act_fail (res, "S3Download: the destination folder %s does not exist; AWSTOE needs it to "
                             "exist before the download", dst), false);
      else
        {
          place_tree_ctx c = { tree, dst, overwrite, res };
          char *err = NULL;
          ok = walk_tree (tree, true, place_tree_entry, &c, &err);
          if (!ok && err && !res->message)
            act_fail (res, "S3Download: %s", err);
          free (err);
        }
      free (tree);
    }
  free (staged);
  free (transfer);
  free (source);
  free (dst);
  return ok;
}

void
action_s3_download (act_ctx *ctx, const json *inputs, act_result *res)
{
  (void) ctx;
  for (size_t i = 0; i < inputs_count (inputs); i++)
    if (!download_entry (inputs_entry (inputs, i), res))
      return;
}

/* ---- S3Upload ------------------------------------------------------------ */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *
base64_encode (const unsigned char *in, size_t len)
{
  char *out = xmalloc ((len + 2) / 3 * 4 + 1);
  char *o = out;
  size_t i = 0;
  for (; i + 2 < len; i += 3)
    {
      unsigned v = (unsigned) in[i] << 16 | (unsigned) in[i + 1] << 8 | in[i + 2];
      *o++ = b64[v >> 18];
      *o++ = b64[(v >> 12) & 63];
      *o++ = b64[(v >> 6) & 63];
      *o++ = b64[v & 63];
    }
  if (i < len)
    {
      unsigned v = (unsigned) in[i] << 16 | (i + 1 < len ? (unsigned) in[i + 1] << 8 : 0);
      *o++ = b64[v >> 18];
      *o++ = b64[(v >> 12) & 63];
      *o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
      *o++ = '=';
    }
  *o = '\0';
  return out;
}

typedef struct
{
  const char *transfer;
  bool single;
  size_t files;
  act_ctx *ctx;
  act_result *res;
} upload_ctx;

/* Sends one file as upload events of at most KILN_UPLOAD_CHUNK bytes. */
static bool
send_file (upload_ctx *u, const char *path, const char *name)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      act_fail (u->res, "S3Upload: cannot read %s: %s", path, strerror (errno));
      return false;
    }
  unsigned char *buf = xmalloc (KILN_UPLOAD_CHUNK);
  long long offset = 0;
  bool ok = true;
  for (;;)
    {
      size_t got = 0;
      while (got < KILN_UPLOAD_CHUNK)
        {
          ssize_t n = read (fd, buf + got, KILN_UPLOAD_CHUNK - got);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              act_fail (u->res, "S3Upload: cannot read %s: %s", path, strerror (errno));
              ok = false;
              break;
            }
          if (n == 0)
            break;
          got += (size_t) n;
        }
      if (!ok)
        break;
      bool end = got < KILN_UPLOAD_CHUNK;
      char *data = base64_encode (buf, got);
      json *e = event_new (KILN_EVENT_UPLOAD);
      json_set_str (e, KILN_EVENT_KEY_TRANSFER, u->transfer);
      json_set_str (e, KILN_EVENT_KEY_NAME, name);
      json_set_bool (e, KILN_EVENT_KEY_SINGLE, u->single);
      json_set_int (e, KILN_EVENT_KEY_OFFSET, offset);
      json_set_str (e, KILN_EVENT_KEY_DATA, data);
      json_set_bool (e, KILN_EVENT_KEY_END, end);
      free (data);
      if (!event_send_upload (e, u->ctx->deadline_ms))
        {
          act_fail (u->res, "S3Upload: the host did not take %s in time", path);
          ok = false;
          break;
        }
      offset += (long long) got;
      if (end)
        break;
    }
  free (buf);
  close (fd);
  if (ok)
    u->files++;
  return ok;
}

typedef struct
{
  upload_ctx *u;
  const char *root;     /* names are relative to this folder */
} upload_walk;

static bool
upload_walk_entry (const char *path, const struct stat *st, void *user, char **err)
{
  (void) err;
  upload_walk *w = user;
  if (!S_ISREG (st->st_mode))
    return true;   /* folders are walked into; links and devices are not files to upload */
  return send_file (w->u, path, path + strlen (w->root) + 1);
}

static bool
upload_folder (upload_ctx *u, const char *folder, const char *name_prefix)
{
  /* names below a matched folder keep that folder's name: prefix/sub/... */
  char *root = name_prefix ? path_dirname (folder) : xstrdup (folder);
  upload_walk w = { u, root };
  char *err = NULL;
  bool ok = walk_tree (folder, true, upload_walk_entry, &w, &err);
  if (!ok && err && !u->res->message)
    act_fail (u->res, "S3Upload: %s", err);
  free (err);
  free (root);
  return ok;
}

static bool
upload_entry (act_ctx *ctx, const json *entry, act_result *res)
{
  char *transfer = input_required (entry, KILN_S3_KEY_TRANSFER, "S3Upload", res);
  char *src = transfer ? input_required (entry, "source", "S3Upload", res) : NULL;
  bool recurse = false;
  bool ok = src && input_bool (entry, "recurse", false, &recurse, res);
  upload_ctx u = { transfer, false, 0, ctx, res };
  if (ok && path_has_wildcard (src))
    {
      size_t nf = 0, nd = 0;
      char *err = NULL;
      char **files = path_glob (src, false, &nf, &err);
      char **dirs = files && recurse ? path_glob (src, true, &nd, &err) : NULL;
      if (!files || (recurse && !dirs))
        ok = (act_fail (res, "S3Upload: %s", err ? err : "cannot list the source"), false);
      for (size_t i = 0; ok && i < nf; i++)
        {
          char *base = path_basename (files[i]);
          if (path_is_file (files[i]))
            ok = send_file (&u, files[i], base);
          free (base);
        }
      for (size_t i = 0; ok && i < nd; i++)
        ok = upload_folder (&u, dirs[i], "keep");
      if (ok && u.files == 0)
        ok = (act_fail (res, "S3Upload: no file matches %s", src), false);
      if (files)
        free_list (files, nf);
      if (dirs)
        free_list (dirs, nd);
      free (err);
    }
  else if (ok && path_is_dir (src))
    {
      if (!recurse)
        ok = (act_fail (res, "S3Upload: %s is a folder; uploading a folder needs recurse: true", src), false);
      else
        ok = upload_folder (&u, src, NULL);
    }
  else if (ok && path_is_file (src))
    {
      u.single = true;
      char *base = path_basename (src);
      ok = send_file (&u, src, base);
      free (base);
    }
  else if (ok)
    ok = (act_fail (res, "S3Upload: the source %s does not exist", src), false);
  free (transfer);
  free (src);
  return ok;
}

void
action_s3_upload (act_ctx *ctx, const json *inputs, act_result *res)
{
  for (size_t i = 0; i < inputs_count (inputs); i++)
    if (!upload_entry (ctx, inputs_entry (inputs, i), res))
      return;
}
