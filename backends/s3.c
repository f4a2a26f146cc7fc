/* s3.c - S3 GetObject, PutObject and ListObjectsV2 over libcurl (s3.h)
 *
 * Signing is libcurl's (CURLOPT_AWS_SIGV4); what it needs from us, seen
 * with curl 7.88.1 (Debian 12):
 *  - S3 wants x-amz-content-sha256 on every request and uses its value as
 *    the payload hash of the signature.  libcurl 7.87 and later take the
 *    payload hash from that header when the caller sets it (before, they
 *    hashed CURLOPT_POSTFIELDS, empty for a streamed upload), and sign it
 *    like every header the caller sets.  So: a GET sends the hash of the
 *    empty body, a PUT the file's SHA-256, computed here first.
 *  - The path and the query are signed as they are in the URL (7.88 does
 *    not canonicalize them), so both are built canonical here: each path
 *    segment percent-encoded with upper-case hex, the query's parameters
 *    sorted by name and encoded the same way.  CURLOPT_PATH_AS_IS keeps
 *    curl from folding "." and ".." segments of a key.
 *  - A header the caller removes ("Expect:") is still named in
 *    SignedHeaders, but not sent: S3 would refuse the signature.  So no
 *    header is removed here (curl's own "Expect: 100-continue" on a PUT is
 *    sent unsigned, which S3 accepts).
 */
#include "config.h"
#include "s3.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/kiln.h"

#define EMPTY_SHA256 \
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define CONNECT_TIMEOUT_S 30L
#define STALL_TIME_S 60L
#define MAX_ERROR_BODY (64 * 1024)
/* a page of 1000 keys of 1024 bytes each, percent-encoded, fits */
#define MAX_LIST_BODY (16 * 1024 * 1024)
#define MAX_SINGLE_PUT ((goffset) 5 * 1024 * 1024 * 1024)
#define MAX_PAGE 1000u
/* the libcurl that reads x-amz-content-sha256 (see above) */
#define MIN_CURL 0x075700

/* ---- addresses ------------------------------------------------------------ */

/* S3's encoding: unreserved characters as they are, '/' too in a key,
 * every other byte as %XX (upper case). */
static void
append_encoded (GString *out, const char *s, gboolean keep_slash)
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
      append_encoded (url, bucket, FALSE);
      if (key)
        g_string_append_c (url, '/');
    }
  if (key)
    append_encoded (url, key, TRUE);
  if (query)
    g_string_append_printf (url, "?%s", query);
  return g_string_free (url, FALSE);
}

/* ---- one exchange --------------------------------------------------------- */

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
} Exchange;

static void
exchange_clear (Exchange *x)
{
  if (x->body)
    g_string_free (x->body, TRUE);
  g_free (x->bucket_region);
  memset (x, 0, sizeof *x);
}

static gboolean
success (long status)
{
  return status >= 200 && status < 300;
}

static size_t
on_body (char *data, size_t size, size_t n, void *user)
{
  Exchange *x = user;
  size_t len = size * n;
  if (!x->status_known)
    {
      curl_easy_getinfo (x->curl, CURLINFO_RESPONSE_CODE, &x->status);
      x->status_known = TRUE;
    }
  if (x->sink && success (x->status))
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
      if (!success (x->status))
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
  Exchange *x = user;
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
  Exchange *x = user;
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
  Exchange *x = user;
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

typedef struct {
  const char *method;           /* "GET" or "PUT" */
  const char *bucket;
  const char *key;              /* NULL: the bucket */
  const char *query;            /* canonical, NULL: none */
  const char *expected_owner;
  const char *payload_sha256;   /* hex */
  goffset upload_size;          /* PUT: the body's size (x->source) */
} Request;

/* Sends r; TRUE when S3 answered (x->status, whatever it is), FALSE with
 * an error when it did not, or a local file failed.  what: "s3://b/k". */
static gboolean
perform (const KilnS3Config *c, const Request *r, Exchange *x,
         const char *what, GError **error)
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

  curl_easy_setopt (curl, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
  curl_easy_setopt (curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
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

/* ---- S3's answers ------------------------------------------------------- */

/* text fit for a message: UTF-8, no control characters, not too long */
static char *
shown (const char *s)
{
  g_autofree char *valid = g_utf8_make_valid (s, -1);
  g_strstrip (valid);
  GString *out = g_string_new (NULL);
  for (const char *p = valid; *p && out->len < 300; p = g_utf8_next_char (p))
    {
      gunichar ch = g_utf8_get_char (p);
      if (ch < 0x20 || (ch >= 0x7f && ch < 0xa0))
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, ch);
    }
  return g_string_free (out, FALSE);
}

static xmlDocPtr
parse_xml (const GString *body)
{
  if (body->len == 0 || body->len > G_MAXINT)
    return NULL;
  return xmlReadMemory (body->str, (int) body->len, "s3.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR
                        | XML_PARSE_NOWARNING);
}

static char *
child_text (xmlNodePtr parent, const char *name)
{
  for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE
        && strcmp ((const char *) n->name, name) == 0)
      {
        xmlChar *t = xmlNodeGetContent (n);
        char *s = g_strdup (t ? (const char *) t : "");
        xmlFree (t);
        return s;
      }
  return NULL;
}

/* "s3://b/k: GET failed: 403 AccessDenied: Access Denied" from an answer
 * with an error status; 404 NoSuchKey and the like are KILN_ERROR_FAILED
 * like every status S3 gives. */
static void
set_status_error (const Exchange *x, const char *what, const char *method,
                  GError **error)
{
  xmlDocPtr doc = parse_xml (x->body);
  xmlNodePtr root = doc ? xmlDocGetRootElement (doc) : NULL;
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;
  if (root && strcmp ((const char *) root->name, "Error") == 0)
    {
      code = child_text (root, "Code");
      message = child_text (root, "Message");
    }
  if (doc)
    xmlFreeDoc (doc);
  GString *m = g_string_new (NULL);
  g_string_append_printf (m, "%s: %s failed: %ld", what, method, x->status);
  if (code && *code)
    {
      g_autofree char *c = shown (code);
      g_string_append_printf (m, " %s", c);
    }
  if (message && *message)
    {
      g_autofree char *t = shown (message);
      g_string_append_printf (m, ": %s", t);
    }
  else if (!code && x->body->len > 0)
    {
      /* not S3's XML: a proxy's page, say */
      g_autofree char *t = shown (x->body->str);
      g_string_append_printf (m, ": %s", t);
    }
  if (x->bucket_region)
    {
      g_autofree char *r = shown (x->bucket_region);
      g_string_append_printf (m, " (the bucket is in region %s)", r);
    }
  g_set_error_literal (error, KILN_ERROR, KILN_ERROR_FAILED, m->str);
  g_string_free (m, TRUE);
}

static char *
object_uri (const char *bucket, const char *key)
{
  return g_strdup_printf ("s3://%s/%s", bucket, key ? key : "");
}

static gboolean
check_names (const char *bucket, const char *key, gboolean key_needed,
             GError **error)
{
  if (!bucket || !*bucket)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "no S3 bucket name");
      return FALSE;
    }
  if (key_needed && (!key || !*key))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "s3://%s/: no object "
                   "key", bucket);
      return FALSE;
    }
  return TRUE;
}

/* ---- GetObject -------------------------------------------------------- */

/* The temporary file a download goes to: removed unless it was renamed. */
typedef struct {
  char *path;
  FILE *file;
} TempFile;

static void
temp_file_clear (TempFile *t)
{
  if (t->file)
    fclose (t->file);
  if (t->path)
    g_unlink (t->path);
  g_free (t->path);
  memset (t, 0, sizeof *t);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TempFile, temp_file_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Exchange, exchange_clear)

static gboolean
temp_file_open (TempFile *t, const char *dest, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (dest);
  g_autofree char *base = g_path_get_basename (dest);
  t->path = g_strdup_printf ("%s/.%s.kiln-XXXXXX", dir, base);
  int fd = g_mkstemp_full (t->path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot make a "
                   "temporary file in %s: %s", dir, g_strerror (e));
      g_clear_pointer (&t->path, g_free);
      return FALSE;
    }
  t->file = fdopen (fd, "wb");
  if (!t->file)
    {
      int e = errno;
      close (fd);
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "%s: %s", t->path,
                   g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

/* Flushes, syncs and renames t over dest: after a crash, dest is the old
 * file or the whole new one. */
static gboolean
temp_file_commit (TempFile *t, const char *dest, GError **error)
{
  int e = 0;
  if (fflush (t->file) != 0 || fsync (fileno (t->file)) != 0)
    e = errno;
  if (fclose (t->file) != 0 && !e)
    e = errno;
  t->file = NULL;
  if (!e && rename (t->path, dest) != 0)
    e = errno;
  if (e)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot write %s: %s",
                   dest, g_strerror (e));
      return FALSE;
    }
  g_clear_pointer (&t->path, g_free);
  return TRUE;
}

gboolean
kiln_s3_get_object (const KilnS3Config *c, const char *bucket,
                    const char *key, const char *expected_owner,
                    const char *dest_path, GError **error)
{
  if (!check_names (bucket, key, TRUE, error))
    return FALSE;
  g_autofree char *what = object_uri (bucket, key);
  g_auto (TempFile) tmp = { 0 };
  if (!temp_file_open (&tmp, dest_path, error))
    return FALSE;
  g_auto (Exchange) x = { 0 };
  x.sink = tmp.file;
  Request r = {
    .method = "GET", .bucket = bucket, .key = key,
    .expected_owner = expected_owner, .payload_sha256 = EMPTY_SHA256,
  };
  if (!perform (c, &r, &x, what, error))
    return FALSE;
  if (!success (x.status))
    {
      set_status_error (&x, what, "GET", error);
      return FALSE;
    }
  return temp_file_commit (&tmp, dest_path, error);
}

/* ---- PutObject ---------------------------------------------------------- */

/* The hex SHA-256 of the rest of f, which is then rewound. */
static char *
file_sha256 (FILE *f, const char *path, GError **error)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buf = g_malloc (64 * 1024);
  size_t n;
  while ((n = fread (buf, 1, 64 * 1024, f)) > 0)
    g_checksum_update (sum, buf, (gssize) n);
  if (ferror (f) || fseeko (f, 0, SEEK_SET) != 0)
    {
      int e = errno ? errno : EIO;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot read %s: %s",
                   path, g_strerror (e));
      return NULL;
    }
  return g_strdup (g_checksum_get_string (sum));
}

static void
close_file (FILE *f)
{
  if (f)
    fclose (f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FILE, close_file)

gboolean
kiln_s3_put_object (const KilnS3Config *c, const char *bucket,
                    const char *key, const char *expected_owner,
                    const char *src_path, GError **error)
{
  if (!check_names (bucket, key, TRUE, error))
    return FALSE;
  g_autofree char *what = object_uri (bucket, key);
  g_autoptr (FILE) f = fopen (src_path, "rbe");
  if (!f)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, e == ENOENT ? KILN_ERROR_INPUT
                   : KILN_ERROR_HOST, "cannot open %s: %s", src_path,
                   g_strerror (e));
      return FALSE;
    }
  struct stat st;
  if (fstat (fileno (f), &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: not a regular "
                   "file", src_path);
      return FALSE;
    }
  if ((goffset) st.st_size > MAX_SINGLE_PUT)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s is %" G_GINT64_FORMAT
                   " bytes; one S3 PUT takes at most 5 GiB (multipart upload "
                   "is not supported)", src_path, (gint64) st.st_size);
      return FALSE;
    }
  g_autofree char *sha = file_sha256 (f, src_path, error);
  if (!sha)
    return FALSE;
  g_auto (Exchange) x = { 0 };
  x.source = f;
  Request r = {
    .method = "PUT", .bucket = bucket, .key = key,
    .expected_owner = expected_owner, .payload_sha256 = sha,
    .upload_size = (goffset) st.st_size,
  };
  if (!perform (c, &r, &x, what, error))
    return FALSE;
  if (!success (x.status))
    {
      set_status_error (&x, what, "PUT", error);
      return FALSE;
    }
  return TRUE;
}

/* ---- ListObjectsV2 ------------------------------------------------------ */

/* With encoding-type=url S3 sends keys form-encoded ('+' for a space), so
 * that any key fits in XML 1.0.  NULL when s is not so encoded. */
static char *
form_decode (const char *s)
{
  g_autofree char *plus = g_strdup (s);
  g_strdelimit (plus, "+", ' ');
  return g_uri_unescape_string (plus, NULL);
}

/* One page: its keys appended to keys; *next: the continuation token when
 * there is more. */
static gboolean
parse_page (const GString *body, const char *what, GPtrArray *keys,
            char **next, GError **error)
{
  xmlDocPtr doc = parse_xml (body);
  xmlNodePtr root = doc ? xmlDocGetRootElement (doc) : NULL;
  *next = NULL;
  if (!root || strcmp ((const char *) root->name, "ListBucketResult") != 0)
    {
      if (doc)
        xmlFreeDoc (doc);
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s: LIST: the "
                   "answer is not a ListBucketResult", what);
      return FALSE;
    }
  g_autofree char *encoding = child_text (root, "EncodingType");
  g_autofree char *truncated = child_text (root, "IsTruncated");
  gboolean url = encoding && strcmp (encoding, "url") == 0;
  gboolean ok = TRUE;
  for (xmlNodePtr n = root->children; ok && n; n = n->next)
    {
      if (n->type != XML_ELEMENT_NODE
          || strcmp ((const char *) n->name, "Contents") != 0)
        continue;
      g_autofree char *key = child_text (n, "Key");
      char *k = key && url ? form_decode (key) : g_strdup (key);
      if (!k)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s: LIST: an "
                       "entry without a key, or with a badly encoded one",
                       what);
          ok = FALSE;
        }
      else
        g_ptr_array_add (keys, k);
    }
  if (ok && truncated && strcmp (truncated, "true") == 0)
    {
      *next = child_text (root, "NextContinuationToken");
      if (!*next || !**next)
        {
          g_clear_pointer (next, g_free);
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s: LIST: the "
                       "answer says there is more but gives no continuation "
                       "token", what);
          ok = FALSE;
        }
    }
  xmlFreeDoc (doc);
  return ok;
}

/* the canonical query of one page: parameters sorted by name */
static char *
list_query (const char *token, guint page, const char *prefix)
{
  GString *q = g_string_new (NULL);
  if (token)
    {
      g_string_append (q, "continuation-token=");
      append_encoded (q, token, FALSE);
      g_string_append_c (q, '&');
    }
  g_string_append_printf (q, "encoding-type=url&list-type=2&max-keys=%u",
                          page);
  if (prefix && *prefix)
    {
      g_string_append (q, "&prefix=");
      append_encoded (q, prefix, FALSE);
    }
  return g_string_free (q, FALSE);
}

gboolean
kiln_s3_list_objects_paged (const KilnS3Config *c, const char *bucket,
                            const char *prefix, const char *expected_owner,
                            guint max, guint page_size, GPtrArray **keys,
                            GError **error)
{
  if (!check_names (bucket, NULL, FALSE, error))
    return FALSE;
  g_autofree char *what = object_uri (bucket, prefix);
  page_size = CLAMP (page_size, 1, MAX_PAGE);
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *token = NULL;
  for (;;)
    {
      /* one more than max tells whether there are more than max */
      guint want = MIN ((guint64) page_size, (guint64) max - found->len + 1);
      g_autofree char *query = list_query (token, want, prefix);
      g_auto (Exchange) x = { 0 };
      x.body_cap = MAX_LIST_BODY;
      Request r = {
        .method = "GET", .bucket = bucket, .query = query,
        .expected_owner = expected_owner, .payload_sha256 = EMPTY_SHA256,
      };
      if (!perform (c, &r, &x, what, error))
        return FALSE;
      if (!success (x.status))
        {
          set_status_error (&x, what, "LIST", error);
          return FALSE;
        }
      g_autofree char *next = NULL;
      if (!parse_page (x.body, what, found, &next, error))
        return FALSE;
      if (found->len > max)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: more than "
                       "%u objects", what, max);
          return FALSE;
        }
      if (!next)
        break;
      if (token && strcmp (token, next) == 0)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s: LIST: the "
                       "same continuation token twice", what);
          return FALSE;
        }
      g_free (token);
      token = g_steal_pointer (&next);
    }
  *keys = g_steal_pointer (&found);
  return TRUE;
}

gboolean
kiln_s3_list_objects (const KilnS3Config *c, const char *bucket,
                      const char *prefix, const char *expected_owner,
                      guint max, GPtrArray **keys, GError **error)
{
  return kiln_s3_list_objects_paged (c, bucket, prefix, expected_owner, max,
                                     MAX_PAGE, keys, error);
}
