/* libvirt-pool.h - disks in a libvirt storage pool on the target
 *
 * A libvirt daemon's QEMU runs as its own user and, on a remote host, sees
 * none of kiln's files: the disks a domain needs go into a directory pool
 * on the target, and travel as libvirt streams (virStorageVolUpload and
 * virStorageVolDownload with the sparse flags, so holes stay holes and
 * only data crosses the connection).  The mechanics only: which pool,
 * which volumes and when are the caller's.
 */
#pragma once

#include <gio/gio.h>

#include "common/kiln-types.h"

/* The directory pool name on hv, made (defined, built with path as its
 * directory, started, set to autostart) when it is not there, started when
 * it is inactive.  An existing pool of another type is an error. */
KilnPool *kiln_pool_open (KilnHypervisor *hv, const char *name,
                          const char *path, GError **error);
/* The pool name on hv when it is there (started when inactive), never
 * made: NULL without an error when there is none. */
KilnPool *kiln_pool_find (KilnHypervisor *hv, const char *name,
                          GError **error);
void kiln_pool_close (KilnPool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnPool, kiln_pool_close)

/* Uploads and downloads check cancellable between chunks: once it is
 * cancelled (a signal) they stop, delete what they half-wrote and fail
 * with KILN_ERROR_CANCELLED.  NULL: they run to the end. */
void kiln_pool_set_cancellable (KilnPool *pool, GCancellable *cancellable);

/* The pool's directory on the target. */
const char *kiln_pool_path (KilnPool *pool);

/* Copies the local file into a new volume vol_name (an existing one is an
 * error): its bytes as they are (a qcow2 file stays one), holes kept.
 * Returns the volume's path on the target. */
char *kiln_pool_upload (KilnPool *pool, const char *local_path,
                        const char *vol_name, GError **error);

/* Copies volume vol_name into local_path (created or truncated), holes
 * kept. */
gboolean kiln_pool_download (KilnPool *pool, const char *vol_name,
                             const char *local_path, GError **error);

/* The path on the target of volume vol_name; NULL with error when it is
 * not in the pool. */
char *kiln_pool_volume_path (KilnPool *pool, const char *vol_name,
                             GError **error);

/* The bytes still free in the pool's file system on the target (after a
 * refresh). */
gboolean kiln_pool_space (KilnPool *pool, guint64 *available,
                          GError **error);

/* A volume as kiln_pool_list gives it. */
typedef struct {
  char *name;
  guint64 allocation;      /* bytes it takes on the target */
} KilnPoolVolume;
void kiln_pool_volume_free (KilnPoolVolume *v);

/* The volumes whose names begin with prefix (after a refresh), as
 * KilnPoolVolume*, sorted by name; NULL with error. */
GPtrArray *kiln_pool_list (KilnPool *pool, const char *prefix,
                           GError **error);

/* Whether volume vol_name is in the pool (after a refresh). */
gboolean kiln_pool_has (KilnPool *pool, const char *vol_name);

/* Deletes volume vol_name; a missing one is not an error. */
gboolean kiln_pool_delete (KilnPool *pool, const char *vol_name,
                           GError **error);
