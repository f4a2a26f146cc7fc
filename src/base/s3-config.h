/* s3-config.h - where S3 is and which keys to use, found as the AWS CLI
 * finds them
 *
 * AWSTOE's S3Download and S3Upload run on the host (the guest never gets
 * credentials).  The host takes its keys, region and endpoint from the same
 * places the AWS CLI and SDKs read, in the same order:
 *
 *   keys      AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
 *             in the environment; else profile AWS_PROFILE (default:
 *             "default") as [NAME] in the shared credentials file
 *             (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials);
 *             else as [profile NAME] ([default] for "default") in the config
 *             file (AWS_CONFIG_FILE, default ~/.aws/config): aws_access_key_id,
 *             aws_secret_access_key, aws_session_token
 *   region    AWS_REGION, AWS_DEFAULT_REGION, the profile's region in the
 *             config file, "us-east-1"
 *   endpoint  AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, s3's endpoint_url in
 *             the profile's [services NAME] section, the profile's
 *             endpoint_url (none of these when AWS_IGNORE_CONFIGURED_
 *             ENDPOINT_URLS or the profile's ignore_configured_endpoint_urls
 *             is true); else https://s3.REGION.amazonaws.com, virtual-hosted.
 *             A configured endpoint (MinIO, Ceph RGW, an emulator) is
 *             addressed path-style.
 *
 * Only static keys: a profile that gets them from SSO, a role or a
 * credential_process is an error that says so.  No message ever holds a key
 * or a line of the files (a line with a typo may hold one).
 */
#pragma once

#include <glib.h>

#include "common/kiln-s3.h"

/* The configuration for the environment envp (g_get_environ () for the
 * caller's; tests pass their own, with HOME or the two file variables
 * pointing at their files).  NULL with a KILN_ERROR_INPUT error when no
 * keys are found (the message says where it looked), a file does not
 * parse (FILE:LINE), or a region or endpoint is not usable (naming the
 * variable or FILE:LINE it came from); KILN_ERROR_HOST when a file exists
 * but cannot be read. */
KilnS3Config *kiln_s3_config_resolve (const char *const *envp, GError **error);

/* Splits "s3://BUCKET/KEY" as AWSTOE writes it (not percent-encoded).  KEY
 * may be empty ("s3://b" and "s3://b/" both give "") and is returned as
 * written, a trailing "/" "*" (AWSTOE: every object under the prefix)
 * included.  KILN_ERROR_INPUT naming the URI when it is not one. */
gboolean kiln_s3_uri_parse (const char *uri, char **bucket, char **key,
                            GError **error);
