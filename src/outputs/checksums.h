/* checksums.h - SHA-256 of files and the SHA256SUMS list */
#pragma once

#include <gio/gio.h>

/* Streams the file through GChecksum; returns the lowercase hex digest.
 * progress (may be NULL) gets the fraction read so far. */
typedef void (*KilnChecksumProgressFn) (double fraction, gpointer user_data);
char *kiln_sha256_file (const char *path, GCancellable *cancellable,
                        KilnChecksumProgressFn progress, gpointer user_data,
                        GError **error);

char *kiln_sha256_data (const void *data, gsize len);

/* One entry of SHA256SUMS: a file name (no directory) and its digest. */
typedef struct {
  char *name;
  char *sha256;
} KilnSumEntry;

/* The text `sha256sum -c` accepts: "HEX  NAME\n" per entry, sorted by name.
 * entries holds KilnSumEntry*.  Names with a newline or backslash are
 * refused by the caller's naming rules, never escaped here. */
char *kiln_sha256sums_format (GPtrArray *entries);
void kiln_sum_entry_free (KilnSumEntry *e);
KilnSumEntry *kiln_sum_entry_new (const char *name, const char *sha256);
