/* confine.h - removing, creating and opening kiln's own files without
 * being led elsewhere
 *
 * Everything kiln removes under $KILN_HOME (the image store, logs, work
 * directories, template builds) and its temporary directories goes
 * through here.  A root is a directory kiln chose ($KILN_HOME/images,
 * $KILN_HOME/work, ...), trusted as it is, even when it is a symbolic link
 * an administrator made.  Below a root:
 *
 *   - paths are opened one directory at a time from the root's file
 *     descriptor with O_NOFOLLOW | O_DIRECTORY (openat, unlinkat, statx
 *     with AT_SYMLINK_NOFOLLOW): a symbolic link on the way stops the
 *     work with an error, a link being removed is removed itself, never
 *     what it points to;
 *   - a path must be lexically inside its root (after "." and ".." are
 *     resolved), or nothing happens;
 *   - nothing crosses a mount point: a directory whose device or mount id
 *     differs from its parent's (a leftover bind mount, a tmpfs) is
 *     refused and left alone, with everything in it.
 */
#pragma once

#include <glib.h>

/* Removes path and everything below it.  TRUE when nothing is left (also
 * when nothing was there); FALSE with error (KILN_ERROR_HOST) naming what
 * was refused or could not be removed. */
gboolean kiln_remove_below (const char *root, const char *path,
                            GError **error);

/* kiln_remove_below with path's parent directory as the root: for kiln's
 * own temporary directories (mkdtemp) outside $KILN_HOME.  A failure is a
 * warning; TRUE when path is gone. */
gboolean kiln_remove_tree (const char *path);

/* Removes path when it is a regular file or a symbolic link (the link
 * itself, never what it points to), by unlinkat from its parent directory,
 * which is trusted as a root is: for the user's files kiln recorded (a
 * build's artifacts in an output directory), never a tree.  Anything else
 * (a directory, a device, a mount point) is left alone.  TRUE when path
 * is not there or was left alone (*removed FALSE) or is gone (*removed
 * TRUE); FALSE with error (KILN_ERROR_HOST). */
gboolean kiln_remove_file (const char *path, gboolean *removed,
                           GError **error);

/* Creates path (and the directories between root and it) with mode, each
 * below the last, never through a symbolic link or into another mount. */
gboolean kiln_mkdir_below (const char *root, const char *path, int mode,
                           GError **error);

/* Opens the regular file path below root with open(2) flags (O_NOFOLLOW
 * and O_CLOEXEC are added; O_CREAT uses mode).  -1 with error when a
 * directory on the way is a link or a mount, or the file is not a regular
 * file. */
int kiln_open_below (const char *root, const char *path, int flags,
                     int mode, GError **error);
