/* ova.h - an OVA: a tar holding the .ovf first, then the .mf, then the disk
 *
 * Written with libarchive in ustar format (a pax header is added only for a
 * member ustar cannot describe, such as a disk over 8 GiB).  The .mf lists
 * SHA-256 digests in the form vSphere and ovftool check:
 *   SHA256(name.ovf)= <hex>
 */
#pragma once

#include <gio/gio.h>

typedef struct {
  const char *path;             /* the .ova to write (replaced if present) */
  const char *ovf_name;         /* "web.ovf" */
  const char *ovf_text;
  const char *disk_name;        /* "web-disk1.vmdk" (the name in References) */
  const char *disk_path;        /* the VMDK on the host */
  const char *disk_sha256;      /* hex digest of the VMDK, or NULL: computed */
  gint64 mtime;                 /* member mtime (Unix seconds); 0 = now */
} KilnOvaSpec;

typedef void (*KilnOvaProgressFn) (double fraction, gpointer user_data);

/* The .mf text for the two files. */
char *kiln_ova_manifest (const char *ovf_name, const char *ovf_sha256,
                         const char *disk_name, const char *disk_sha256);

/* "name.ovf" -> "name.mf" */
char *kiln_ova_mf_name (const char *ovf_name);

/* Writes the OVA.  On failure or cancellation the partial file is removed. */
gboolean kiln_ova_write (const KilnOvaSpec *spec, GCancellable *cancellable,
                         KilnOvaProgressFn progress, gpointer user_data,
                         GError **error);
