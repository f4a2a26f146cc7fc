/* s3-transfers.c - the S3 transfers of one job (s3-transfers.h) */
#include "s3-transfers.h"

#include <errno.h>
#include <stdio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "base/s3-config.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "common/kiln-protocol.h"

/* At most this many files per job from the guest (each is a host file). */
#define UPLOAD_MAX_FILES 100000

static void
file_free (gpointer p)
{
  KilnS3File *f = p;
  g_free (f->name);
  g_free (f->host_path);
  g_free (f);
}

static void
transfer_free (gpointer p)
{
  KilnS3Transfer *tr = p;
  g_free (tr->id);
  g_free (tr->uri);
  g_free (tr->bucket);
  g_free (tr->key);
  g_free (tr->expected_owner);
  g_free (tr->where);
  g_clear_pointer (&tr->files, g_ptr_array_unref);
  g_free (tr);
}

KilnS3Transfers *
kiln_s3_transfers_new (void)
{
  KilnS3Transfers *t = g_new0 (KilnS3Transfers, 1);
  t->items = g_ptr_array_new_with_free_func (transfer_free);
  t->documents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        g_free);
  return t;
}

void
kiln_s3_transfers_free (KilnS3Transfers *t)
{
  if (!t)
    return;
  g_ptr_array_unref (t->items);
  kiln_s3_config_free (t->config);
  g_hash_table_unref (t->documents);
  g_free (t->upload_dir);
  g_free (t->error);
  g_free (t);
}

guint
kiln_s3_transfers_count (const KilnS3Transfers *t, gboolean upload)
{
  guint n = 0;
  for (guint i = 0; t && i < t->items->len; i++)
    if (((KilnS3Transfer *) t->items->pdata[i])->upload == upload)
      n++;
  return n;
}

static const char *
member_text (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n && JSON_NODE_HOLDS_VALUE (n)
                 && json_node_get_value_type (n) == G_TYPE_STRING
             ? json_node_get_string (n) : NULL;
}

gboolean
kiln_s3_transfers_add_step (KilnS3Transfers *t, gboolean upload,
                            JsonNode *inputs, const char *where,
                            GError **error)
{
  /* validation made it a list of objects; a single object is one entry */
  g_autoptr (GPtrArray) entries = g_ptr_array_new ();
  if (JSON_NODE_HOLDS_ARRAY (inputs))
    {
      JsonArray *a = json_node_get_array (inputs);
      for (guint i = 0; i < json_array_get_length (a); i++)
        if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (a, i)))
          g_ptr_array_add (entries, json_array_get_object_element (a, i));
    }
  else if (JSON_NODE_HOLDS_OBJECT (inputs))
    g_ptr_array_add (entries, json_node_get_object (inputs));

  const char *uri_member = upload ? "destination" : "source";
  for (guint i = 0; i < entries->len; i++)
    {
      JsonObject *e = entries->pdata[i];
      const char *uri = member_text (e, uri_member);
      if (!uri || strstr (uri, "{{"))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "%s: the %s of an %s entry must be known before the "
                       "boot (kiln moves S3 data on the host), found %s",
                       where, uri_member, upload ? "S3Upload" : "S3Download",
                       uri ? uri : "none");
          return FALSE;
        }
      g_autofree char *bucket = NULL;
      g_autofree char *key = NULL;
      if (!kiln_s3_uri_parse (uri, &bucket, &key, error))
        {
          g_prefix_error (error, "%s: ", where);
          return FALSE;
        }
      KilnS3Transfer *tr = g_new0 (KilnS3Transfer, 1);
      tr->id = g_strdup_printf ("%u", t->items->len + 1);
      tr->upload = upload;
      tr->uri = g_strdup (uri);
      tr->bucket = g_steal_pointer (&bucket);
      tr->where = g_strdup (where);
      const char *owner = member_text (e, "expectedBucketOwner");
      tr->expected_owner = owner && *owner ? g_strdup (owner) : NULL;
      if (!upload && g_str_has_suffix (key, "*"))
        {
          tr->prefix = TRUE;
          key[strlen (key) - 1] = '\0';
        }
      tr->key = g_steal_pointer (&key);
      if (upload)
        tr->files = g_ptr_array_new_with_free_func (file_free);
      g_ptr_array_add (t->items, tr);

      json_object_set_string_member (e, KILN_S3_KEY_TRANSFER, tr->id);
      if (!upload)
        json_object_set_string_member (e, KILN_S3_KEY_PREFIX,
                                       tr->prefix ? "true" : "false");
    }
  return TRUE;
}

gboolean
kiln_s3_name_is_safe (const char *name)
{
  if (!name || !*name || strlen (name) > 1024 || name[0] == '/'
      || !g_utf8_validate (name, -1, NULL))
    return FALSE;
  for (const char *p = name; *p; p++)
    if ((unsigned char) *p < 0x20 || *p == 0x7f)
      return FALSE;
  g_auto (GStrv) parts = g_strsplit (name, "/", -1);
  for (guint i = 0; parts[i]; i++)
    if (!*parts[i] || !strcmp (parts[i], ".") || !strcmp (parts[i], ".."))
      return FALSE;
  return TRUE;
}

char *
kiln_s3_upload_key (const KilnS3Transfer *tr, const KilnS3File *f)
{
  if (f->single && *tr->key && !g_str_has_suffix (tr->key, "/"))
    return g_strdup (tr->key);
  if (!*tr->key)
    return g_strdup (f->name);
  return g_strconcat (tr->key, g_str_has_suffix (tr->key, "/") ? "" : "/",
                      f->name, NULL);
}

static void G_GNUC_PRINTF (2, 3)
refuse (KilnS3Transfers *t, const char *fmt, ...)
{
  if (t->error)
    return;   /* the first one says what went wrong */
  va_list ap;
  va_start (ap, fmt);
  t->error = g_strdup_vprintf (fmt, ap);
  va_end (ap);
}

static KilnS3Transfer *
find_upload (KilnS3Transfers *t, const char *id)
{
  for (guint i = 0; id && i < t->items->len; i++)
    {
      KilnS3Transfer *tr = t->items->pdata[i];
      if (tr->upload && !strcmp (tr->id, id))
        return tr;
    }
  return NULL;
}

static KilnS3File *
find_file (KilnS3Transfer *tr, const char *name)
{
  for (guint i = 0; i < tr->files->len; i++)
    {
      KilnS3File *f = tr->files->pdata[i];
      if (!strcmp (f->name, name))
        return f;
    }
  return NULL;
}

/* Writes data at the end of f's host file (offset 0 starts it again: a
 * retried step or a loop sends a file anew).  The file is kiln's own, in
 * the workspace: no name of the guest's is in its path. */
static gboolean
append_piece (KilnS3File *f, gint64 offset, const guchar *data, gsize len,
              GError **error)
{
  FILE *out = g_fopen (f->host_path, offset == 0 ? "wbe" : "abe");
  gboolean ok = out && fwrite (data, 1, len, out) == len;
  if (out && fclose (out) != 0)
    ok = FALSE;
  if (!ok)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot write %s: %s",
                   f->host_path, g_strerror (errno));
      return FALSE;
    }
  f->size = (guint64) offset + len;
  return TRUE;
}

void
kiln_s3_transfers_receive (KilnS3Transfers *t, JsonObject *ev)
{
  const char *id = kiln_json_member_string (ev, KILN_EVENT_KEY_TRANSFER);
  const char *name = kiln_json_member_string (ev, KILN_EVENT_KEY_NAME);
  const char *data = kiln_json_member_string (ev, KILN_EVENT_KEY_DATA);
  gint64 offset = kiln_json_member_int (ev, KILN_EVENT_KEY_OFFSET, -1);
  KilnS3Transfer *tr = find_upload (t, id);
  if (!tr || !t->upload_dir)
    {
      refuse (t, "the guest sent an upload for transfer %s, which is not an "
              "S3Upload entry of this plan", id ? id : "(none)");
      return;
    }
  if (!kiln_s3_name_is_safe (name) || !data || offset < 0)
    {
      refuse (t, "%s: the guest sent an upload piece with a bad name, data "
              "or offset", tr->where);
      return;
    }
  KilnS3File *f = find_file (tr, name);
  if (!f)
    {
      if (offset != 0)
        {
          refuse (t, "%s: the upload of %s starts at offset %" G_GINT64_FORMAT,
                  tr->where, name, offset);
          return;
        }
      guint n_files = 0;
      for (guint i = 0; i < t->items->len; i++)
        {
          KilnS3Transfer *o = t->items->pdata[i];
          n_files += o->files ? o->files->len : 0;
        }
      if (n_files >= UPLOAD_MAX_FILES)
        {
          refuse (t, "%s: more than %d files to upload", tr->where,
                  UPLOAD_MAX_FILES);
          return;
        }
      f = g_new0 (KilnS3File, 1);
      f->name = g_strdup (name);
      /* the host's name for it says nothing of the guest's */
      g_autofree char *base = g_strdup_printf ("%s-%u", tr->id,
                                               tr->files->len);
      f->host_path = g_build_filename (t->upload_dir, base, NULL);
      g_ptr_array_add (tr->files, f);
    }
  else if (offset != 0 && (guint64) offset != f->size)
    {
      refuse (t, "%s: a piece of %s arrived out of order", tr->where, name);
      return;
    }
  if (offset == 0)
    {
      t->received -= MIN (t->received, f->size);
      f->size = 0;
      f->complete = FALSE;
    }
  gsize len = 0;
  g_autofree guchar *bytes = g_base64_decode (data, &len);
  if (t->received + len > KILN_S3_UPLOAD_MAX_BYTES)
    {
      refuse (t, "%s: the guest's uploads exceed %" G_GUINT64_FORMAT " GiB",
              tr->where, KILN_S3_UPLOAD_MAX_BYTES >> 30);
      return;
    }
  g_autoptr (GError) error = NULL;
  if (!append_piece (f, offset, bytes, len, &error))
    {
      refuse (t, "%s: %s", tr->where, error->message);
      return;
    }
  t->received += len;
  f->single = kiln_json_member_bool (ev, KILN_EVENT_KEY_SINGLE, FALSE);
  f->complete = kiln_json_member_bool (ev, KILN_EVENT_KEY_END, FALSE);
}
