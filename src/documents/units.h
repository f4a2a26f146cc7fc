/* units.h - sizes (8G, 512M) and durations (60m, 1h30m) in documents
 *
 * Sizes: a whole number of bytes, optionally followed (no space) by a
 * binary unit K, M, G, T or P, each optionally followed by "iB" or "B"
 * and case-insensitive: 8G = 8g = 8GB = 8GiB = 8 * 2^30 bytes.  Every
 * unit is binary (1024-based), as disk tools use them; "GB" is accepted as
 * a synonym because that is what people write for disks.  A space between
 * number and unit ("8 GB") and fractions ("1.5G") are refused: values stay
 * unambiguous and copy-pasteable.
 *
 * Durations: one or more <number><unit> parts, units d, h, m, s, largest
 * first, each at most once: 90s, 60m, 2h, 1h30m, 1d12h.  A bare number is
 * refused ("45" could mean seconds or minutes); the message says to add a
 * unit.
 */
#pragma once

#include <glib.h>

#include "base/diag.h"
#include "yamldoc.h"

#define KILN_KiB (G_GUINT64_CONSTANT (1) << 10)
#define KILN_MiB (G_GUINT64_CONSTANT (1) << 20)
#define KILN_GiB (G_GUINT64_CONSTANT (1) << 30)
#define KILN_TiB (G_GUINT64_CONSTANT (1) << 40)

/* Pure parsers.  On failure return FALSE and set *why (static text, may be
 * NULL) to a short reason to add to a message, e.g. "write it without a
 * space: 8G". */
gboolean kiln_size_parse (const char *s, guint64 *bytes, const char **why);
gboolean kiln_duration_parse (const char *s, gint64 *seconds,
                              const char **why);

/* Human forms: "8 GiB", "1.5 GiB" (one decimal when not exact), "512 B". */
char *kiln_size_format (guint64 bytes);
/* Document forms that parse back to the same value: "8G", "1536M", "100". */
char *kiln_size_format_short (guint64 bytes);
/* "1h30m", "90s" -> "1m30s", 0 -> "0s". */
char *kiln_duration_format (gint64 seconds);

/* Document checks: report at the scalar's position, e.g.
 * "expected a size like 8G or 512M for 'disk', found '8 gigs'" or
 * "expected 'build.memory' of at least 256M, found '128M'".  min/max are
 * inclusive; max 0 = no upper limit. */
gboolean kiln_schema_size (KilnDiags *diags, const KilnNode *n,
                           const char *what, guint64 min, guint64 max,
                           guint64 *out);
gboolean kiln_schema_duration (KilnDiags *diags, const KilnNode *n,
                               const char *what, gint64 min, gint64 max,
                               gint64 *out);
