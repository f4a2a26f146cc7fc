/* s3-private.h - shared between backends/s3*.c: one signed exchange with
 * S3 (s3-request.c) and the reading of its XML answers (s3-xml.c), which
 * the operations of s3.c put together.
 *
 * Not a contract for the rest of kiln: src/ uses backends/s3.h only.
 */
#pragma once

#include <curl/curl.h>
#include <stdio.h>

#include <glib.h>

#include "s3.h"

/* ---- one exchange (s3-request.c) ---------------------------------------- */

/* What one request got back.  The caller sets sink, source and body_cap
 * (0: room for an error's text) before kiln_s3_perform and reads status and
 * body after it; g_auto (KilnS3Exchange) releases the rest. */
typedef struct {
  CURL *curl;
  long status;
  gboolean status_known;
  FILE *sink;             /* a 2xx body goes here when set ... */
  GString *body;          /* ... else here, and every other body */
  gsize body_cap;
  gboolean body_over;     /* a 2xx body went over body_cap */
  int sink_errno;
  FILE *source;           /* the PUT body */
  int source_errno;
  char *bucket_region;    /* x-amz-bucket-region, for a redirect */
} KilnS3Exchange;

void kiln_s3_exchange_clear (KilnS3Exchange *x);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KilnS3Exchange, kiln_s3_exchange_clear)

typedef struct {
  const char *method;           /* "GET" or "PUT" */
  const char *bucket;
  const char *key;              /* NULL: the bucket */
  const char *query;            /* canonical, NULL: none */
  const char *expected_owner;
  const char *payload_sha256;   /* hex */
  goffset upload_size;          /* PUT: the body's size (x->source) */
} KilnS3Request;

/* Sends r, signed with c's keys; TRUE when S3 answered (x->status, whatever
 * it is), FALSE with an error when it did not, or a local file failed.
 * what: "s3://b/k", for the messages. */
gboolean kiln_s3_perform (const KilnS3Config *c, const KilnS3Request *r,
                          KilnS3Exchange *x, const char *what,
                          GError **error);

/* TRUE for a 2xx status. */
gboolean kiln_s3_status_ok (long status);

/* s appended to out in S3's encoding: unreserved characters as they are,
 * '/' too when keep_slash (a key in a path), every other byte as %XX (upper
 * case), as the signature's canonical path and query want it. */
void kiln_s3_append_encoded (GString *out, const char *s,
                             gboolean keep_slash);

/* ---- S3's answers (s3-xml.c) -------------------------------------------- */

/* "s3://b/k: GET failed: 403 AccessDenied: Access Denied" from an answer
 * with an error status (x->status, the <Error> document or other text in
 * x->body, x->bucket_region); 404 NoSuchKey and the like are
 * KILN_ERROR_FAILED like every status S3 gives. */
void kiln_s3_set_status_error (const KilnS3Exchange *x, const char *what,
                               const char *method, GError **error);

/* One ListObjectsV2 page (a ListBucketResult, keys url-encoded or not): its
 * keys appended to keys; *next: the continuation token when there is more,
 * else NULL.  KILN_ERROR_FAILED naming what when it is not such a page. */
gboolean kiln_s3_parse_list_page (const GString *body, const char *what,
                                  GPtrArray *keys, char **next,
                                  GError **error);
