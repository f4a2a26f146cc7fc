/* s3-request.c - one signed request to S3 over libcurl, and the address
 * it goes to (s3-private.h); the operations that send them are s3.c's
 *
 * Signing is libcurl's (CURLOPT_AWS_SIGV4); what it needs from us, seen
 * with curl 7.88.1 (Debian 12):
 *  - S3 wants x-amz-content-sha256 on every request and uses its value as
 *    the payload hash of the signature.  libcurl 7.87 and later take the
 *    payload hash from that header when the caller sets it (before, they
 *    hashed CURLOPT_POSTFIELDS, empty for a streamed upload), and sign it
 *    like every header the caller sets.  So: a GET sends the hash of the
 *    empty body, a PUT the file's SHA-256, computed first (s3.c).
 *  - The path and the query are signed as they are in the URL (7.88 does
 *    not canonicalize them), so both are built canonical: each path
 *    segment percent-encoded with upper-case hex (here), the query's
 *    parameters sorted by name and encoded the same way (s3.c's list
 *    query, with kiln_s3_append_encoded).  CURLOPT_PATH_AS_IS keeps
 *    curl from folding "." and ".." segments of a key.
 *  - A header the caller removes ("Expect:") is still named in
 *    SignedHeaders, but not sent: S3 would refuse the signature.  So no
 *    header is removed here (curl's own "Expect: 100-continue" on a PUT is
 *    sent unsigned, which S3 accepts).
 */
#include "config.h"
#include "s3-private.h"

#include <errno.h>
#include <string.h>

#include "common/kiln.h"
#include "curl-setup.h"

#define CONNECT_TIMEOUT_S 30L
#define STALL_TIME_S 60L
#define MAX_ERROR_BODY (64 * 1024)
/* the libcurl that reads x-amz-content-sha256 (see above) */
#define MIN_CURL 0x075700

/* ---- addresses ------------------------------------------------------------ */

void
kiln_s3_append_encoded (GString *out, const char *s, gboolean keep_slash)
{
  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == '.'
          || *p == '~' || (keep_slash && *p == '/'))
        g_string_append_c (out, (char) *p);
      else
        g_string_append_printf (out, "%%%02X", *p);
    }
}

/* A bucket can be a host name label: lower-case letters, digits, dashes
 * (a dot breaks the TLS certificate's wildcard, so not that either). */
static gboolean
dns_label (const char *b)
{
  gsize n = strlen (b);
  if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
    return FALSE;
  for (const char *p = b; *p; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

/* The URL of bucket (key NULL) or of an object; query is canonical. */
static char *
request_url (const KilnS3Config *c, const char *bucket, const char *key,
             const char *query)
{
  const char *sep = strstr (c->endpoint, "://");
  g_return_val_if_fail (sep, NULL);
  GString *url = g_string_new (NULL);
  if (!c->path_style && dns_label (bucket))
    {
      g_string_append_len (url, c->endpoint, sep + 3 - c->endpoint);
      g_string_append_printf (url, "%s.%s/", bucket, sep + 3);
    }
  else
    {
      g_string_append_printf (url, "%s/", c->endpoint);
      kiln_s3_append_encoded (url, bucket, FALSE);
      if (key)
        g_string_append_c (url, '/');
    }
  if (key)
    kiln_s3_append_encoded (url, key, TRUE);
  if (query)
    g_string_append_printf (url, "?%s", query);
  return g_string_free (url, FALSE);
}

/* ---- one exchange --------------------------------------------------------- */

void
kiln_s3_exchange_clear (KilnS3Exchange *x)
{
  if (x->body)
    g_string_free (x->body, TRUE);
  g_free (x->bucket_region);
  memset (x, 0, sizeof *x);
}

gboolean
kiln_s3_status_ok (long status)
{
  return status >= 200 && status < 300;
}

static size_t
on_body (char *data, size_t size, size_t n, void *user)
{
  KilnS3Exchange *x = user;
  size_t len = size * n;
  if (!x->status_known)
    {
      curl_easy_getinfo (x->curl, CURLINFO_RESPONSE_CODE, &x->status);
      x->status_known = TRUE;
    }
  if (x->sink && kiln_s3_status_ok (x->status))
    {
      if (fwrite (data, 1, len, x->sink) != len)
        {
          x->sink_errno = errno ? errno : EIO;
          return 0;
        }
      return len;
    }
  if (x->body->len + len > x->body_cap)
    {
      /* an error's text is only shown: its start will do */
      if (!kiln_s3_status_ok (x->status))
        {
          g_string_append_len (x->body, data,
                               (gssize) (x->body_cap - MIN (x->body_cap,
                                                            x->body->len)));
          return len;
        }
      x->body_over = TRUE;
      return 0;
    }
  g_string_append_len (x->body, data, (gssize) len);
  return len;
}

static size_t
on_header (char *data, size_t size, size_t n, void *user)
{
  KilnS3Exchange *x = user;
  size_t len = size * n;
  static const char name[] = "x-amz-bucket-region:";
  if (len > sizeof name - 1
      && g_ascii_strncasecmp (data, name, sizeof name - 1) == 0)
    {
      g_free (x->bucket_region);
      x->bucket_region = g_strstrip (g_strndup (data + sizeof name - 1,
                                                len - (sizeof name - 1)));
    }
  return len;
}

static size_t
on_read (char *buf, size_t size, size_t n, void *user)
{
  KilnS3Exchange *x = user;
  size_t got = fread (buf, 1, size * n, x->source);
  if (got == 0 && ferror (x->source))
    {
      x->source_errno = errno ? errno : EIO;
      return CURL_READFUNC_ABORT;
    }
  return got;
}

/* curl rewinds the body when it has to send it again */
static int
on_seek (void *user, curl_off_t offset, int origin)
{
  KilnS3Exchange *x = user;
  return fseeko (x->source, (off_t) offset, origin) == 0
         ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_FAIL;
}

static gpointer
global_init (gpointer unused)
{
  return GINT_TO_POINTER (curl_global_init (CURL_GLOBAL_DEFAULT) == CURLE_OK);
}

/* A header value kiln did not make (a session token, an account id) must
 * not add lines to the request. */
static gboolean
header_value_ok (const char *v)
{
  for (const guchar *p = (const guchar *) v; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

/* ---- the request ---------------------------------------------------------- */

gboolean
kiln_s3_perform (const KilnS3Config *c, const KilnS3Request *r,
                 KilnS3Exchange *x, const char *what, GError **error)
{
  static GOnce once = G_ONCE_INIT;
  if (!GPOINTER_TO_INT (g_once (&once, global_init, NULL)))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "libcurl could not be initialized");
      return FALSE;
    }
#if LIBCURL_VERSION_NUM < MIN_CURL
  g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "%s: kiln was built "
               "with libcurl %s; S3 requests need libcurl 7.87 or later",
               what, LIBCURL_VERSION);
  return FALSE;
#endif
  const curl_version_info_data *v = curl_version_info (CURLVERSION_NOW);
  if (v->version_num < MIN_CURL)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "%s: libcurl %s "
                   "cannot sign S3 requests (it needs 7.87 or later)", what,
                   v->version);
      return FALSE;
    }
  if (c->session_token && !header_value_ok (c->session_token))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "the AWS session "
                   "token from %s has a control character in it",
                   c->credentials_from);
      return FALSE;
    }
  if (r->expected_owner && !header_value_ok (r->expected_owner))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: the expected "
                   "bucket owner has a control character in it", what);
      return FALSE;
    }
  x->curl = curl_easy_init ();
  if (!x->curl)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "libcurl: cannot make a handle");
      return FALSE;
    }
  CURL *curl = x->curl;
  g_autofree char *url = request_url (c, r->bucket, r->key, r->query);
  g_autofree char *sigv4 = g_strdup_printf ("aws:amz:%s:s3", c->region);
  g_autofree char *sha = g_strdup_printf ("x-amz-content-sha256: %s",
                                          r->payload_sha256);
  struct curl_slist *headers = curl_slist_append (NULL, sha);
  if (c->session_token)
    {
      g_autofree char *h = g_strdup_printf ("x-amz-security-token: %s",
                                            c->session_token);
      headers = curl_slist_append (headers, h);
      memset (h, 0, strlen (h));
    }
  if (r->expected_owner)
    {
      g_autofree char *h = g_strdup_printf ("x-amz-expected-bucket-owner: %s",
                                            r->expected_owner);
      headers = curl_slist_append (headers, h);
    }
  char errbuf[CURL_ERROR_SIZE] = "";
  if (!x->body)
    x->body = g_string_new (NULL);
  if (!x->body_cap)
    x->body_cap = MAX_ERROR_BODY;

  kiln_curl_setup (curl, url);
  curl_easy_setopt (curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
  /* a large object takes as long as it takes; a dead one does not */
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_TIME, STALL_TIME_S);
  curl_easy_setopt (curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (curl, CURLOPT_USERAGENT, "kiln/" PACKAGE_VERSION);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
#if LIBCURL_VERSION_NUM >= 0x074b00
  curl_easy_setopt (curl, CURLOPT_AWS_SIGV4, sigv4);
#endif
  /* the two halves apart: no "id:secret" string to wipe, and a ':' in
   * either cannot move the split */
  curl_easy_setopt (curl, CURLOPT_USERNAME, c->access_key_id);
  curl_easy_setopt (curl, CURLOPT_PASSWORD, c->secret_access_key);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, x);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (curl, CURLOPT_HEADERDATA, x);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
  if (strcmp (r->method, "PUT") == 0)
    {
      curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt (curl, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt (curl, CURLOPT_READDATA, x);
      curl_easy_setopt (curl, CURLOPT_SEEKFUNCTION, on_seek);
      curl_easy_setopt (curl, CURLOPT_SEEKDATA, x);
      curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE,
                        (curl_off_t) r->upload_size);
    }
  else
    curl_easy_setopt (curl, CURLOPT_HTTPGET, 1L);

  CURLcode rc = curl_easy_perform (curl);
  if (!x->status_known)
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &x->status);
  gboolean ok = FALSE;
  if (x->sink_errno)
    g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "%s: %s: cannot write "
                 "what came: %s", what, r->method, g_strerror (x->sink_errno));
  else if (x->source_errno)
    g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "%s: %s: cannot read "
                 "the file to send: %s", what, r->method,
                 g_strerror (x->source_errno));
  else if (x->body_over)
    g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s: %s: the answer "
                 "is over %zu bytes, more than S3 sends", what, r->method,
                 x->body_cap);
  else if (rc != CURLE_OK)
    g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "%s: %s: no answer "
                 "from %s: %s", what, r->method, c->endpoint,
                 *errbuf ? errbuf : curl_easy_strerror (rc));
  else
    ok = TRUE;
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  x->curl = NULL;
  return ok;
}
