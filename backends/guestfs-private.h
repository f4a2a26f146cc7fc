/* guestfs-private.h - for other files in backends/ that add libguestfs work
 * on an open KilnGuest (offline steps) or need a handle of their
 * own (the template build's bootloader step).  Not for src/. */
#pragma once

#include <guestfs.h>

#include "guestfs.h"

/* The launched handle, with the guest's filesystems mounted at / inside
 * the appliance. */
guestfs_h *kiln_guest_handle (KilnGuest *g);

/* A new, not yet launched handle configured from opts (force_tcg, network,
 * log_path; readonly is the caller's business when it adds drives): the only
 * guestfs_create in kiln (guestfs-handle.c). */
guestfs_h *kiln_guestfs_handle_new (const KilnGuestOptions *opts,
                                    GError **error);
/* Closes a handle made by kiln_guestfs_handle_new (and its log). */
void kiln_guestfs_handle_close (guestfs_h *g);
