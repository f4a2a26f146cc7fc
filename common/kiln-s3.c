/* kiln-s3.c - the S3 configuration's destructor (kiln-s3.h) */
#include "kiln-s3.h"

#include <string.h>

/* The keys should not linger in freed memory (a core file, a later
 * allocation read by mistake); the compiler may not drop this memset,
 * because the volatile pointer hides what it writes to. */
static void
free_secret (char *s)
{
  if (!s)
    return;
  void *(*volatile wipe) (void *, int, size_t) = memset;
  wipe (s, 0, strlen (s));
  g_free (s);
}

void
kiln_s3_config_free (KilnS3Config *c)
{
  if (!c)
    return;
  g_free (c->endpoint);
  g_free (c->region);
  g_free (c->access_key_id);
  free_secret (c->secret_access_key);
  free_secret (c->session_token);
  g_free (c->credentials_from);
  g_free (c);
}
