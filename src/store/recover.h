/* recover.h - what a kiln that was killed left behind, cleaned up by the
 * next kiln that opens the store
 *
 * A build records its owner (pid and start time, src/base/owner.h) and
 * the stage it is in.  When the owner is gone while the build is still
 * pending, building, testing or distributing, the kiln running it was
 * killed (SIGKILL, a crash, a power cut): the build is marked failed
 * ("kiln was killed during STAGE"), its directory in the image store (a
 * half-written .tmp image) is removed, and so are the work directories of
 * dead owners with their socket directories (src/base/workspace.h) and the
 * QEMU processes of their domains in kiln's embedded libvirt roots
 * ($KILN_HOME/libvirt, backends/libvirt.h).  Outside $KILN_HOME: a build
 * that ran on this host's libvirt daemon (qemu:///system, the catalog
 * has the URI) has its domains, named kiln-TAG-..., destroyed there (they
 * end with kiln's connection anyway: started with autodestroy), and one
 * killed during distribute has the hidden temporary directory in its
 * output directory removed (outputs.h).  What a killed kiln made on any
 * target (target-claims.h) is removed there: at once on a daemon on this
 * host, on another target when a kiln next connects to it
 * (kiln_target_recover).
 */
#pragma once

#include "common/kiln-types.h"
#include "store.h"

/* One line per thing recovered, for the user (stderr by default). */
typedef void (*KilnRecoverFn) (const char *message, gpointer data);

/* Recovers what dead owners left under home; returns how many builds,
 * work directories and domains it found.  fn NULL: print to stderr. */
guint kiln_store_recover (KilnStore *store, const char *home,
                          KilnRecoverFn fn, gpointer data);

/* Removes on hv's target what the claims of dead owners name there (a
 * killed build's or probe's volumes and domains); returns how many claims
 * were settled.  Called by whatever connects to a target for its own
 * work. */
guint kiln_target_recover (KilnHypervisor *hv, KilnRecoverFn fn,
                           gpointer data);
