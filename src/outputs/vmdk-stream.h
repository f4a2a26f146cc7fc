/* vmdk-stream.h - a streamOptimized VMDK from a raw image, its grains
 * deflated on every core
 *
 * The layout is VMware's "Virtual Disk Format 5.0" stream: a sparse header
 * (version 3, compressed grains with markers, grain directory at the end),
 * the embedded descriptor, then for each 512 grains their grain markers
 * (zlib-deflated 64 KiB grains) followed by a grain-table marker and the
 * table, then the grain directory, the footer (the header again with the
 * directory's real offset) and the end-of-stream marker.  Holes of the raw
 * file (SEEK_DATA/SEEK_HOLE) and all-zero grains are not stored.
 * Pure C and zlib: no qemu here.
 */
#pragma once

#include <gio/gio.h>

typedef void (*KilnVmdkProgressFn) (double fraction, gpointer user_data);

typedef struct {
  const char *src;              /* a raw image */
  const char *dst;              /* written as DST.part, renamed when whole */
  const char *adapter_type;     /* ddb.adapterType: "lsilogic" (default), ... */
  const char *hw_version;       /* ddb.virtualHWVersion; default "13" */
  guint threads;                /* compressing workers; 0 = every core */
} KilnVmdkStreamSpec;

/* Writes spec->dst.  On failure or cancellation (checked between grain
 * tables) nothing is left at dst or dst.part. */
gboolean kiln_vmdk_stream_write (const KilnVmdkStreamSpec *spec,
                                 KilnVmdkProgressFn progress,
                                 gpointer user_data,
                                 GCancellable *cancellable, GError **error);
