/* http-head.c - one HEAD request over GIO (kiln doctor) */
#include "config.h"
#include "http-head.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "common/kiln.h"

void
kiln_http_answer_clear (KilnHttpAnswer *a)
{
  g_clear_pointer (&a->via, g_free);
}

/* $http_proxy (or $HTTP_PROXY) as host and port, when set and usable. */
static gboolean
http_proxy (char **host, int *port)
{
  const char *env = g_getenv ("http_proxy");
  if (!env || !*env)
    env = g_getenv ("HTTP_PROXY");
  if (!env || !*env)
    return FALSE;
  g_autoptr (GUri) u = g_uri_parse (env, G_URI_FLAGS_NONE, NULL);
  if (!u || !g_uri_get_host (u))
    return FALSE;
  *host = g_strdup (g_uri_get_host (u));
  *port = g_uri_get_port (u) > 0 ? g_uri_get_port (u) : 80;
  return TRUE;
}

static gboolean
status_line (const char *line, guint *status)
{
  /* "HTTP/1.1 200 OK" */
  if (!line || !g_str_has_prefix (line, "HTTP/"))
    return FALSE;
  const char *sp = strchr (line, ' ');
  if (!sp)
    return FALSE;
  char *end = NULL;
  unsigned long code = strtoul (sp + 1, &end, 10);
  if (end == sp + 1 || code < 100 || code > 599)
    return FALSE;
  *status = (guint) code;
  return TRUE;
}

gboolean
kiln_http_head (const char *url, guint timeout_seconds, KilnHttpAnswer *out,
                GError **error)
{
  memset (out, 0, sizeof *out);
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GUri) u = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme = u ? g_uri_get_scheme (u) : NULL;
  gboolean https = g_strcmp0 (scheme, "https") == 0;
  if (!u || !g_uri_get_host (u) || (!https && g_strcmp0 (scheme, "http")))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "not an http:// or https:// URL: %s", url);
      return FALSE;
    }
  const char *host = g_uri_get_host (u);
  int port = g_uri_get_port (u) > 0 ? g_uri_get_port (u) : https ? 443 : 80;
  const char *path = *g_uri_get_path (u) ? g_uri_get_path (u) : "/";

  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_socket_client_set_timeout (client, timeout_seconds);
  g_socket_client_set_enable_proxy (client, FALSE);
  g_autofree char *proxy_host = NULL;
  int proxy_port = 0;
  gboolean proxied = !https && http_proxy (&proxy_host, &proxy_port);
  if (https)
    {
      if (g_tls_backend_supports_tls (g_tls_backend_get_default ()))
        g_socket_client_set_tls (client, TRUE);
      else
        out->tls_skipped = TRUE;
    }
  g_autoptr (GSocketConnection) conn = g_socket_client_connect_to_host (
      client, proxied ? proxy_host : host,
      (guint16) (proxied ? proxy_port : port), NULL, error);
  if (!conn)
    return FALSE;
  if (proxied)
    out->via = g_strdup_printf ("%s:%d", proxy_host, proxy_port);
  if (out->tls_skipped)
    {
      out->seconds = (g_get_monotonic_time () - start) / 1e6;
      return TRUE;
    }

  g_autofree char *target = proxied ? g_strdup (url) : g_strdup (path);
  g_autofree char *request = g_strdup_printf (
      "HEAD %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: kiln-doctor/%s\r\n"
      "Connection: close\r\n\r\n", target, host, PACKAGE_VERSION);
  GOutputStream *os = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  if (!g_output_stream_write_all (os, request, strlen (request), NULL, NULL,
                                  error))
    return FALSE;
  GInputStream *is = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (is);
  g_autofree char *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL,
                                                              error);
  out->seconds = (g_get_monotonic_time () - start) / 1e6;
  if (!line)
    {
      if (error && !*error)
        g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                     "%s closed the connection without an answer", host);
      return FALSE;
    }
  g_strchomp (line);
  if (!status_line (line, &out->status))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "%s did not answer HTTP: %.80s", host, line);
      return FALSE;
    }
  return TRUE;
}
