/* stage-s3.c - the host's half of S3Download and S3Upload
 *
 * Before the boots the host fetches every S3Download entry's objects into
 * the workspace (s3/<transfer>/object, or s3/<transfer>/tree/<name>), and
 * the inject stage copies that folder into the guest for the agent
 * (docs/agent-protocol.md, "S3 transfers").  After a boot, the files the
 * agent sent for S3Upload entries go to the store.  The credentials stay
 * on the host: nothing of them reaches the plan, the guest or the log.
 */
#include "stages.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "backends/s3.h"
#include "base/s3-config.h"
#include "common/kiln.h"
#include "common/kiln-protocol.h"

/* AWSTOE downloads at most this many objects for one `prefix/` and star. */
#define PREFIX_MAX_OBJECTS 1000

static gboolean
ensure_config (KilnJobContext *ctx, KilnS3Transfers *t, GError **error)
{
  if (t->config)
    return TRUE;
  g_auto (GStrv) env = g_get_environ ();
  t->config = kiln_s3_config_resolve ((const char *const *) env, error);
  if (!t->config)
    {
      g_prefix_error (error, "the components have S3 steps: ");
      return FALSE;
    }
  kiln_reporter_info (ctx->r, "S3: endpoint %s, region %s, credentials from "
                      "%s", t->config->endpoint, t->config->region,
                      t->config->credentials_from);
  return TRUE;
}

/* The backend writes 0600; the agent's copy keeps the mode of what it
 * copies, and a file AWSTOE downloads gets 0666 less the umask. */
static gboolean
readable (const char *path, GError **error)
{
  if (g_chmod (path, 0644) != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot chmod %s: %s",
                   path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* One object of a prefix, to tree/<its key after the prefix's folder>. */
static gboolean
fetch_tree_object (const KilnS3Config *cfg, const KilnS3Transfer *tr,
                   const char *tree, const char *key, GError **error)
{
  const char *slash = strrchr (tr->key, '/');
  const char *rel = key + (slash ? (gsize) (slash - tr->key) + 1 : 0);
  gboolean folder = g_str_has_suffix (rel, "/");
  g_autofree char *name = folder ? g_strndup (rel, strlen (rel) - 1)
                                 : g_strdup (rel);
  if (!*name && folder)
    return TRUE;   /* the prefix's own folder marker */
  if (!kiln_s3_name_is_safe (name))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "%s: the object key %s cannot become a file name (an "
                   "empty, '.' or '..' part)", tr->where, key);
      return FALSE;
    }
  g_autofree char *path = g_build_filename (tree, name, NULL);
  g_autofree char *dir = folder ? g_strdup (path) : g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   dir, g_strerror (errno));
      return FALSE;
    }
  if (folder)
    return TRUE;
  return kiln_s3_get_object (cfg, tr->bucket, key, tr->expected_owner, path,
                             error)
         && readable (path, error);
}

static gboolean
fetch_one (KilnJobContext *ctx, const KilnS3Config *cfg,
           const KilnS3Transfer *tr, const char *root, GError **error)
{
  g_autofree char *dir = g_build_filename (root, tr->id, NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   dir, g_strerror (errno));
      return FALSE;
    }
  if (!tr->prefix)
    {
      g_autofree char *path = g_build_filename (dir, KILN_S3_STAGED_OBJECT,
                                                NULL);
      if (!kiln_s3_get_object (cfg, tr->bucket, tr->key, tr->expected_owner,
                               path, error)
          || !readable (path, error))
        return FALSE;
      kiln_reporter_info (ctx->r, "S3: fetched %s (%s)", tr->uri,
                          tr->where);
      return TRUE;
    }
  g_autoptr (GPtrArray) keys = NULL;
  if (!kiln_s3_list_objects (cfg, tr->bucket, tr->key, tr->expected_owner,
                             PREFIX_MAX_OBJECTS, &keys, error))
    return FALSE;
  g_autofree char *tree = g_build_filename (dir, KILN_S3_STAGED_TREE, NULL);
  if (g_mkdir_with_parents (tree, 0755) != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   tree, g_strerror (errno));
      return FALSE;
    }
  for (guint i = 0; i < keys->len; i++)
    if (!fetch_tree_object (cfg, tr, tree, keys->pdata[i], error))
      return FALSE;
  kiln_reporter_info (ctx->r, "S3: fetched %u object%s of %s (%s)",
                      keys->len, keys->len == 1 ? "" : "s", tr->uri,
                      tr->where);
  return TRUE;
}

gboolean
kiln_stage_s3_fetch (KilnJobContext *ctx, KilnResolved *res, GError **error)
{
  if (kiln_s3_transfers_count (res->s3, FALSE) == 0
      && kiln_s3_transfers_count (res->s3, TRUE) == 0)
    return TRUE;
  if (!ensure_config (ctx, res->s3, error))
    return FALSE;
  g_autofree char *uploads = kiln_workspace_path (ctx->ws, "s3-upload");
  if (g_mkdir_with_parents (uploads, 0700) != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   uploads, g_strerror (errno));
      return FALSE;
    }
  g_free (res->s3->upload_dir);
  res->s3->upload_dir = g_steal_pointer (&uploads);
  if (kiln_s3_transfers_count (res->s3, FALSE) == 0)
    return TRUE;
  /* named "s3": the inject stage copies it into the agent's state folder
   * as KILN_S3_STAGED_DIR */
  g_autofree char *root = kiln_workspace_path (ctx->ws, "s3");
  if (g_mkdir_with_parents (root, 0755) != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   root, g_strerror (errno));
      return FALSE;
    }
  for (guint i = 0; i < res->s3->items->len; i++)
    {
      const KilnS3Transfer *tr = res->s3->items->pdata[i];
      if (!tr->upload && !fetch_one (ctx, res->s3->config, tr, root, error))
        return FALSE;
      if (!kiln_stage_check_cancelled (ctx, error))
        return FALSE;
    }
  res->s3_staged = g_steal_pointer (&root);
  return TRUE;
}

gboolean
kiln_stage_s3_fetch_document (gpointer data, const char *uri,
                              const char *expected_owner, char **path,
                              GError **error)
{
  KilnS3DocumentFetch *f = data;
  const char *have = g_hash_table_lookup (f->s3->documents, uri);
  if (have)
    {
      *path = g_strdup (have);
      return TRUE;
    }
  if (!ensure_config (f->ctx, f->s3, error))
    return FALSE;
  g_autofree char *bucket = NULL;
  g_autofree char *key = NULL;
  if (!kiln_s3_uri_parse (uri, &bucket, &key, error))
    return FALSE;
  g_autofree char *dir = kiln_workspace_path (f->ctx->ws, "s3-documents");
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   dir, g_strerror (errno));
      return FALSE;
    }
  /* the name keeps the key's extension: a child is YAML or JSON */
  g_autofree char *base = g_path_get_basename (key);
  g_autofree char *name = g_strdup_printf (
      "%u-%s", g_hash_table_size (f->s3->documents) + 1,
      kiln_s3_name_is_safe (base) ? base : "document.yaml");
  g_autofree char *local = g_build_filename (dir, name, NULL);
  if (!kiln_s3_get_object (f->s3->config, bucket, key, expected_owner, local,
                           error))
    return FALSE;
  kiln_reporter_info (f->ctx->r, "S3: fetched the document %s", uri);
  g_hash_table_insert (f->s3->documents, g_strdup (uri), g_strdup (local));
  *path = g_steal_pointer (&local);
  return TRUE;
}

gboolean
kiln_stage_s3_put (KilnJobContext *ctx, KilnS3Transfers *t, GError **error)
{
  if (!t || kiln_s3_transfers_count (t, TRUE) == 0)
    return TRUE;
  gboolean ok = TRUE;
  guint n = 0;
  for (guint i = 0; ok && i < t->items->len; i++)
    {
      KilnS3Transfer *tr = t->items->pdata[i];
      for (guint j = 0; ok && tr->upload && j < tr->files->len; j++)
        {
          KilnS3File *f = tr->files->pdata[j];
          if (!f->complete)
            {
              kiln_reporter_warn (ctx->r, "S3: %s: %s did not arrive whole "
                                  "from the guest; not uploaded", tr->where,
                                  f->name);
              continue;
            }
          g_autofree char *key = kiln_s3_upload_key (tr, f);
          ok = kiln_s3_put_object (t->config, tr->bucket, key,
                                   tr->expected_owner, f->host_path, error);
          if (ok)
            {
              kiln_reporter_log (ctx->r, "S3: uploaded %s (%" G_GUINT64_FORMAT
                                 " bytes) to s3://%s/%s", f->name, f->size,
                                 tr->bucket, key);
              n++;
            }
          else
            g_prefix_error (error, "%s: ", tr->where);
          g_unlink (f->host_path);
        }
      /* sent once: a later boot's uploads start afresh */
      if (tr->upload)
        g_ptr_array_set_size (tr->files, 0);
    }
  t->received = 0;
  if (n)
    kiln_reporter_info (ctx->r, "S3: uploaded %u file%s", n,
                        n == 1 ? "" : "s");
  if (ok && t->error)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "S3Upload: %s",
                   t->error);
      g_clear_pointer (&t->error, g_free);
      return FALSE;
    }
  return ok;
}
