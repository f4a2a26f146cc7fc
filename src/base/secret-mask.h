/* secret-mask.h - replace secret values with *** in what kiln writes
 *
 * The guest agent masks the plan's secret values in everything it reports
 * (agent/mask.h); the host masks the same values again in the build log,
 * on the screen, in --json events and in the failure report, because the
 * guest console carries output the agent never saw (a step that writes to
 * /dev/console, the kernel, other services).  Matching is on bytes,
 * longest value first (so a value that contains another is masked whole).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* A masked copy of text[0..len) (len -1: NUL-terminated); *out_len (may
 * be NULL) gets its length (text may hold NUL bytes).  secrets is a
 * NULL-terminated list (NULL or empty: a plain copy). */
char *kiln_mask_secrets (const char *text, gssize len,
                         const char *const *secrets, gsize *out_len);
/* Masks every string value of the tree in place (member names stay). */
void kiln_mask_secrets_json (JsonNode *node, const char *const *secrets);
/* The values sorted longest first, empty ones dropped, no duplicates; NULL
 * when none is left. */
char **kiln_mask_secrets_prepare (const char *const *values);
