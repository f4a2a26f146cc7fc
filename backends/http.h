/* http.h - one HTTP POST over libcurl (webhook notifications)
 *
 * The backend sends what it is given and says what came back; whether the
 * answer is a success, and what to do about a failure, is the caller's to
 * decide (src/automation/notify-send.c).  Only http:// and https:// URLs, no
 * redirects followed, the whole exchange bounded by a timeout.
 */
#pragma once

#include <glib.h>

typedef struct {
  long status;          /* the HTTP status; 0 when there was no answer */
  char *body;           /* the start of the answer (at most 4 KiB), UTF-8
                         * made safe; may be "" */
} KilnHttpResult;

void kiln_http_result_clear (KilnHttpResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KilnHttpResult, kiln_http_result_clear)

/* POST body (len bytes) to url with the given Content-Type.  FALSE with a
 * KILN_ERROR_HOST error when no answer came (refused, unreachable, name
 * not found, TLS, timeout after timeout_s seconds); TRUE with out->status
 * otherwise, whatever the status. */
gboolean kiln_http_post (const char *url, const char *content_type,
                         const char *body, gsize len, guint timeout_s,
                         KilnHttpResult *out, GError **error);
