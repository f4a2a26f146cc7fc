/* kiln-s3.h - where S3 is and who kiln is there: the plain type both
 * sides share
 *
 * The core resolves it (src/base/s3-config.c: the environment and the
 * AWS shared files, as the AWS CLI does); the S3 backend (backends/s3.c)
 * signs its requests with it.  Only the host ever holds one: the guest
 * gets the objects, never the keys.  Plain data, nothing beyond GLib.
 */
#pragma once

#include <glib.h>

typedef struct {
  char *endpoint;          /* scheme://host[:port], no trailing slash */
  gboolean path_style;     /* TRUE: endpoint/bucket/key; FALSE:
                            * virtual-hosted, bucket.host/key */
  char *region;            /* never NULL after resolve */
  char *access_key_id;
  char *secret_access_key;
  char *session_token;     /* NULL when none */
  char *credentials_from;  /* where the keys came from, for messages: "the
                            * environment", "profile 'x' in
                            * /root/.aws/credentials", ...; never the keys */
} KilnS3Config;

/* Frees c and everything in it; the secret is overwritten first. */
void kiln_s3_config_free (KilnS3Config *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnS3Config, kiln_s3_config_free)
