/* offline.h - what a component marked `offline: true` may do
 *
 * An offline component's build and validate steps run inside the libguestfs
 * appliance, in a chroot of the guest, with no boot (docs/offline.md).  A
 * step that needs the guest to reboot cannot: a Reboot action, or a command
 * that exits 194 (AWSTOE's "reboot and run me again").  Those are refused
 * here, at the step, naming the recipe entry that asked for offline.
 */
#pragma once

#include "base/diag.h"
#include "component.h"
#include "yamldoc.h"

/* Adds an error to diags for each build or validate step of c that cannot
 * run offline; entry is the recipe's `offline: true` node.  Returns TRUE
 * when there was none. */
gboolean kiln_offline_check (const KilnComponent *c, const KilnNode *entry,
                             KilnDiags *diags);
