/* guestfs-private.h - for other files in backends/ that add libguestfs work
 * on an open KilnGuest (lint facts, offline steps).  Not for src/. */
#pragma once

#include <guestfs.h>

#include "guestfs.h"

/* The launched handle, with the guest's filesystems mounted at / inside
 * the appliance. */
guestfs_h *kiln_guest_handle (KilnGuest *g);
