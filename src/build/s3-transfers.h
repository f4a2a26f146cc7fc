/* s3-transfers.h - the S3 transfers of one job: what each S3Download and
 * S3Upload entry of its plans moves, and the upload files the agent sent
 *
 * The plan compiler registers each entry (kiln_s3_transfers_add_step) and
 * gives it an id the agent echoes; the host fetches the downloads before
 * the boots (stage-s3.c) and receives the upload events during them
 * (kiln_s3_transfers_receive), then puts the files in the store.  The
 * guest is untrusted: an upload names only a transfer of the plan, and its
 * file names are checked before they become keys; nothing of the guest's
 * becomes a host path.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "common/kiln-s3.h"

typedef struct {
  char *name;          /* relative to the source, '/'-separated (checked) */
  char *host_path;     /* where the host keeps it until the put */
  guint64 size;
  gboolean single;     /* the source named this one file */
  gboolean complete;   /* its last piece arrived */
} KilnS3File;

typedef struct {
  char *id;            /* "1", "2", ...: unique in the job */
  gboolean upload;
  char *uri;           /* as the document wrote it, substituted */
  char *bucket;
  char *key;           /* download: the object, or the prefix before '*';
                        * upload: the destination key ("" or ending in '/'
                        * for a prefix) */
  gboolean prefix;     /* download: a `prefix/` and star */
  char *expected_owner;
  char *where;         /* "step 'S' of component 'C'", for messages */
  GPtrArray *files;    /* upload: KilnS3File* in arrival order */
} KilnS3Transfer;

typedef struct {
  GPtrArray *items;    /* KilnS3Transfer* */
  KilnS3Config *config; /* the store and credentials, once resolved
                        * (stage-s3.c); never in a plan or a log */
  char *upload_dir;    /* the host folder the upload files go to; set
                        * before a boot (stage-s3.c) */
  GHashTable *documents; /* ExecuteDocument's s3:// URI -> its local copy */
  guint64 received;    /* bytes received, all transfers */
  char *error;         /* the first bad upload event: fails the stage */
} KilnS3Transfers;

/* The most upload bytes one job takes from its guest. */
#define KILN_S3_UPLOAD_MAX_BYTES (G_GUINT64_CONSTANT (4) << 30)

KilnS3Transfers *kiln_s3_transfers_new (void);
void kiln_s3_transfers_free (KilnS3Transfers *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnS3Transfers, kiln_s3_transfers_free)

guint kiln_s3_transfers_count (const KilnS3Transfers *t, gboolean upload);

/* Registers every entry of an S3 step's inputs (already substituted: a
 * list of objects) and adds the members the agent needs (transfer id; for
 * a download whether it is a prefix).  FALSE with a KILN_ERROR_INPUT error
 * naming `where` when an S3 URI still holds a runtime reference (loop or
 * chaining: the host must know every object before the boot). */
gboolean kiln_s3_transfers_add_step (KilnS3Transfers *t, gboolean upload,
                                     JsonNode *inputs, const char *where,
                                     GError **error);

/* Takes one `upload` event.  A bad event (no such transfer, a bad name, a
 * piece out of order, over KILN_S3_UPLOAD_MAX_BYTES) sets t->error and is
 * dropped; the stage fails on it after the boot. */
void kiln_s3_transfers_receive (KilnS3Transfers *t, JsonObject *ev);

/* The key of an upload file: the destination key itself for a single file
 * sent to a key that does not end in '/', else the destination prefix
 * (a '/' added when missing) and the file's name. */
char *kiln_s3_upload_key (const KilnS3Transfer *tr, const KilnS3File *f);

/* Is name a safe relative S3 key part and host-free path: non-empty,
 * UTF-8, at most 1024 bytes, no control characters, no leading '/', no
 * empty, "." or ".." segment? */
gboolean kiln_s3_name_is_safe (const char *name);
