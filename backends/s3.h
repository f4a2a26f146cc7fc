/* s3.h - S3 GetObject, PutObject and ListObjectsV2 over libcurl
 *
 * What AWSTOE's S3Download and S3Upload need, run on the host: requests
 * signed with AWS Signature Version 4 (libcurl's CURLOPT_AWS_SIGV4, 7.87 or
 * later) with the keys of a KilnS3Config (src/base/s3-config.c resolves
 * one).  The backend moves bytes and says what S3 answered; what to fetch,
 * where to put it and what a failure means for a build are the caller's.
 *
 * Keys are sent as S3 wants them encoded (each path segment, '/' kept);
 * a configured endpoint is addressed path-style, AWS virtual-hosted
 * (path-style for a bucket name that is no DNS label, as the SDKs do).
 * No redirect is followed.  A connection gets 30 s to open; a transfer
 * that moves nothing for 60 s is given up; there is no limit on the whole.
 *
 * Errors: KILN_ERROR_HOST when no answer came (refused, name not found,
 * TLS, stalled) or a local file could not be read or written;
 * KILN_ERROR_FAILED when S3 answered with an error, as
 * "s3://B/K: GET failed: 404 NoSuchKey: The specified key does not exist.";
 * KILN_ERROR_INPUT for what S3 cannot take (an empty key, a file over
 * 5 GiB for one PUT).  No message holds a key, a signature or a header of
 * the request.
 */
#pragma once

#include <glib.h>

#include "common/kiln-s3.h"

/* expected_owner (all three): NULL, or the 12-digit account that must own
 * the bucket (x-amz-expected-bucket-owner: S3 answers 403 otherwise). */

/* GetObject s3://bucket/key into dest_path (its folder must exist).  The
 * object goes to a temporary file beside dest_path (mode 0600), synced and
 * renamed over dest_path once complete; on failure it is removed and
 * dest_path is untouched. */
gboolean kiln_s3_get_object (const KilnS3Config *c, const char *bucket,
                             const char *key, const char *expected_owner,
                             const char *dest_path, GError **error);

/* PutObject src_path (a regular file, at most 5 GiB) as s3://bucket/key,
 * streamed, with its SHA-256 signed (x-amz-content-sha256), so S3 rejects a
 * body that differs from the file that was read. */
gboolean kiln_s3_put_object (const KilnS3Config *c, const char *bucket,
                             const char *key, const char *expected_owner,
                             const char *src_path, GError **error);

/* ListObjectsV2: the keys under prefix ("" or NULL: the whole bucket) into
 * *keys (char *, S3's order), following continuation tokens.  More than
 * max keys is a KILN_ERROR_INPUT error ("s3://B/PREFIX: more than MAX
 * objects"). */
gboolean kiln_s3_list_objects (const KilnS3Config *c, const char *bucket,
                               const char *prefix, const char *expected_owner,
                               guint max, GPtrArray **keys, GError **error);

/* The same, asking for pages of at most page_size keys (1-1000; S3's and
 * kiln_s3_list_objects' page is 1000): for the tests of paging. */
gboolean kiln_s3_list_objects_paged (const KilnS3Config *c,
                                     const char *bucket, const char *prefix,
                                     const char *expected_owner, guint max,
                                     guint page_size, GPtrArray **keys,
                                     GError **error);
