/* http-head.h - is a URL reachable?  One HEAD request over GIO (kiln doctor)
 *
 * http:// directly, or through $http_proxy the way apt would go; https://
 * with TLS when GIO has a TLS backend (glib-networking), else only the TCP
 * connection is tried.
 */
#pragma once

#include <glib.h>

typedef struct {
  guint status;            /* the HTTP status code; 0 when not asked */
  gboolean tls_skipped;    /* https without a TLS backend: TCP only */
  char *via;               /* the proxy used, or NULL */
  double seconds;
} KilnHttpAnswer;

void kiln_http_answer_clear (KilnHttpAnswer *a);

/* FALSE with error when the URL is malformed or nothing answered in
 * timeout_seconds. */
gboolean kiln_http_head (const char *url, guint timeout_seconds,
                         KilnHttpAnswer *out, GError **error);
