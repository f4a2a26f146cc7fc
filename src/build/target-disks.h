/* target-disks.h - the files a boot needs, where the target's QEMU opens them
 *
 * On the embedded driver kiln's own QEMU opens kiln's files in place.  A
 * daemon's QEMU runs as another user (libvirt-qemu), maybe on another host,
 * and must not reach $KILN_HOME: the files go into a directory storage pool
 * on the target (backends/libvirt-pool.h) and travel as sparse libvirt
 * streams.  What goes there and for how long is decided here:
 *   - the parent, once per digest (volume kiln-parent-DIGEST), kept for the
 *     builds after this one; a second volume (kiln-parent-DIGEST.complete)
 *     is written only when its upload ended, so a half-sent parent of a
 *     killed kiln is replaced, never booted;
 *   - the job's own layers above it (the overlay, the test overlay) and the
 *     NoCloud seed: one volume each, for one boot, named after the boot's
 *     domains (kiln-TAG-build-...), deleted after it;
 *   - the layer the guest wrote comes back after the boot.
 * A layer's backing name is changed to the target's volume for the upload
 * (`qemu-img rebase -u`, header only) and changed back at once; only kiln's
 * own files (under the job's work directory) are ever changed so.
 */
#pragma once

#include <gio/gio.h>

#include "base/reporter.h"
#include "common/kiln-types.h"

/* The default pool kiln makes on a daemon target. */
#define KILN_TARGET_POOL_NAME "kiln"

/* The storage pool of a daemon target: name (NULL = "kiln"), made when it
 * is not there (qemu:///session: under the user's data directory; any
 * other daemon: /var/lib/libvirt/kiln).  *pool is NULL on the embedded
 * driver, which needs none.  FALSE with error. */
gboolean kiln_target_pool_open (KilnHypervisor *hv, const char *name,
                                KilnPool **pool, GError **error);

/* The same pool when it is there, never made (kiln lifecycle run looks
 * and changes nothing else): *pool NULL when there is none, or on the
 * embedded driver.  FALSE with error. */
gboolean kiln_target_pool_find (KilnHypervisor *hv, const char *name,
                                KilnPool **pool, GError **error);

typedef struct KilnTargetDisks KilnTargetDisks;

/* The files of one boot.  pool NULL: every file stays where it is.
 * prefix names the volumes ("kiln-TAG-build"); workdir is the job's work
 * directory (the only place whose files may be changed). */
KilnTargetDisks *kiln_target_disks_new (KilnPool *pool, const char *prefix,
                                        const char *workdir,
                                        KilnReporter *r);
/* Deletes the boot's own volumes (never a cached parent) and frees. */
void kiln_target_disks_free (KilnTargetDisks *td);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnTargetDisks, kiln_target_disks_free)

/* The qcow2 disk and every layer under it on the target; the path the
 * domain opens it by.  The bottom layer is cached by parent_digest when it
 * is parent (both may be NULL: then it is sent for this boot only). */
char *kiln_target_disks_place_chain (KilnTargetDisks *td, const char *disk,
                                     const char *parent,
                                     const char *parent_digest,
                                     GError **error);

/* A plain file (the seed) on the target, as volume PREFIX-name. */
char *kiln_target_disks_place_file (KilnTargetDisks *td, const char *local,
                                    const char *name, GError **error);

/* The top layer of the chain placed last, as the guest left it, back into
 * disk (its backing name as before).  Nothing to do without a pool. */
gboolean kiln_target_disks_fetch (KilnTargetDisks *td, const char *disk,
                                  GError **error);

/* ---- the parents cached on a target (kiln images parents) ---- */

typedef struct {
  char *digest;            /* the parent's SHA-256 */
  char *volume;
  guint64 bytes;           /* taken on the target */
  gboolean complete;       /* its upload ended (else a half-sent one) */
} KilnCachedParent;
void kiln_cached_parent_free (KilnCachedParent *p);

/* The parents cached in pool, by digest; NULL with error. */
GPtrArray *kiln_target_cached_parents (KilnPool *pool, GError **error);

/* Deletes the cached parent (and its marker).  A build that is booting
 * from it keeps running (its QEMU holds the file); the next boot sends it
 * again. */
gboolean kiln_target_drop_parent (KilnPool *pool,
                                  const KilnCachedParent *p, GError **error);
