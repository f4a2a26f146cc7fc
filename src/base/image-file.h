/* image-file.h - which files kiln takes as disk images
 *
 * A parent, or the image `kiln convert` and `kiln inspect` read, must be a
 * regular file: reading a FIFO blocks until someone writes to it (kiln
 * convert hung), a character device such as /dev/zero reads as an endless
 * or empty disk (kiln convert "succeeded" with 0-byte artifacts), and a
 * directory or socket is no disk at all.  A block device (a disk, an LVM
 * volume) is a documented choice for `kiln convert` and `kiln inspect`
 * (docs/outputs.md), never for a parent: a build's overlay keeps the
 * parent open for hours and a device's content may change under it.
 * Symbolic links are followed; the check never opens the file.
 */
#pragma once

#include <glib.h>

/* NULL when path is an image kiln reads (a regular file, or a block device
 * when allow_block), else what it is: "a FIFO (named pipe)", "a character
 * device", "a directory", ...  Also NULL when path cannot be examined: the
 * caller's own open or access reports that. */
const char *kiln_image_file_problem (const char *path, gboolean allow_block);

/* The same as an exit-2 error (KILN_ERROR_INPUT): "expected WHAT as a
 * regular file, found PATH, a FIFO (named pipe)". */
gboolean kiln_image_file_check (const char *path, const char *what,
                                gboolean allow_block, GError **error);
