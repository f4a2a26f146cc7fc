/* initramfs.h - what an initramfs image holds (lsinitramfs on the host)
 *
 * An initramfs is one or more cpio archives back to back, each optionally
 * compressed: Debian and dracut put an uncompressed early-microcode cpio
 * first, padded with zeros, then the zstd/gzip/xz/lz4 compressed main cpio.
 * Read with libarchive; the file is a copy downloaded from the guest.
 */
#pragma once

#include <glib.h>

/* Every member path (char*, without a leading "./"), in archive order. */
GPtrArray *kiln_initramfs_list (const char *path, GError **error);
/* The same for an initramfs already in memory (name is for messages). */
GPtrArray *kiln_initramfs_list_data (const guint8 *data, gsize len,
                                     const char *name, GError **error);

/* The kernel modules among those paths: a set of names ("nvme",
 * "virtio_blk"), dashes turned into underscores like modprobe does. */
GHashTable *kiln_initramfs_modules (GPtrArray *paths);
