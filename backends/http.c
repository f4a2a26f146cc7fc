/* http.c - one HTTP POST over libcurl (http.h) */
#include "config.h"
#include "http.h"

#include <curl/curl.h>
#include <string.h>

#include "common/kiln.h"
#include "curl-setup.h"

#define MAX_ANSWER 4096

void
kiln_http_result_clear (KilnHttpResult *r)
{
  g_clear_pointer (&r->body, g_free);
  r->status = 0;
}

static gpointer
global_init (gpointer unused)
{
  return GINT_TO_POINTER (curl_global_init (CURL_GLOBAL_DEFAULT) == CURLE_OK);
}

/* Keeps the first MAX_ANSWER bytes of the answer, drops the rest. */
static size_t
keep_answer (char *data, size_t size, size_t n, void *user)
{
  GString *s = user;
  size_t len = size * n;
  if (s->len < MAX_ANSWER)
    g_string_append_len (s, data, MIN (len, MAX_ANSWER - s->len));
  return len;
}

gboolean
kiln_http_post (const char *url, const char *content_type, const char *body,
                gsize len, guint timeout_s, KilnHttpResult *out,
                GError **error)
{
  static GOnce once = G_ONCE_INIT;
  memset (out, 0, sizeof *out);
  if (!GPOINTER_TO_INT (g_once (&once, global_init, NULL)))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "libcurl could not be initialized");
      return FALSE;
    }
  CURL *curl = curl_easy_init ();
  if (!curl)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "libcurl: cannot make a handle");
      return FALSE;
    }
  g_autoptr (GString) answer = g_string_new (NULL);
  g_autofree char *type = g_strdup_printf ("Content-Type: %s", content_type);
  struct curl_slist *headers = curl_slist_append (NULL, type);
  headers = curl_slist_append (headers, "Expect:");
  char errbuf[CURL_ERROR_SIZE] = "";

  kiln_curl_setup (curl, url);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long) timeout_s);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, (long) MIN (timeout_s, 10));
  curl_easy_setopt (curl, CURLOPT_USERAGENT, "kiln/" PACKAGE_VERSION);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_POST, 1L);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, keep_answer);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, answer);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);

  CURLcode rc = curl_easy_perform (curl);
  gboolean ok = rc == CURLE_OK;
  if (ok)
    {
      curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &out->status);
      out->body = g_utf8_make_valid (answer->str, answer->len);
    }
  else
    g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "POST %s: %s", url,
                 *errbuf ? errbuf : curl_easy_strerror (rc));
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return ok;
}
