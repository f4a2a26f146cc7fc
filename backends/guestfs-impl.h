/* guestfs-impl.h - shared by the files that implement guestfs.h
 * (guestfs.c, guestfs-inspect.c, guestfs-agent.c, guestfs-generalize.c,
 * guestfs-read.c).  Other backend files use guestfs-private.h. */
#pragma once

#include <stdio.h>

#include "guestfs-private.h"
#include "common/kiln.h"

struct KilnGuest {
  guestfs_h *g;
  char *disk;
  gboolean readonly;
  FILE *log;               /* opts->log_path, or NULL */
  gint64 t0;               /* handle creation, for log timestamps */
  KilnOsInfo *os;
  char *root;              /* the inspected root device */
  GPtrArray *mountpoints;  /* char*, in the order they were mounted */
};

/* GError from libguestfs's last error, prefixed with what kiln was doing:
 * "CONTEXT: libguestfs message".  Always returns FALSE. */
gboolean kiln_guest_fail (KilnGuest *kg, GError **error, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);
/* TRUE when the guest's file path is at most max bytes; else an error
 * that gives both sizes (KILN_ERROR_FAILED). */
gboolean kiln_guest_check_size (KilnGuest *kg, const char *path, guint64 max,
                                GError **error);
/* A "kiln: ..." line in the libguestfs log (no-op without a log). */
void kiln_guest_log (KilnGuest *kg, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/* Inspection and mounting (guestfs-inspect.c), called once by open. */
gboolean kiln_guest_inspect_and_mount (KilnGuest *kg, GError **error);

/* Agent removal that reports what it removed (guestfs-agent.c). */
gboolean kiln_guest_remove_agent_report (KilnGuest *kg, GPtrArray *removed,
                                         GError **error);

/* mkdir -p that records each directory it creates (char*, in order) in
 * created when not NULL; mode applies to the directories it creates. */
gboolean kiln_guest_mkdir_p_tracked (KilnGuest *kg, const char *path, int mode,
                                     GPtrArray *created, GError **error);

/* Small queries that treat a libguestfs error as "no". */
gboolean kiln_guest_is_dir (KilnGuest *kg, const char *path);      /* follows */
gboolean kiln_guest_is_file (KilnGuest *kg, const char *path);     /* no follow */
gboolean kiln_guest_is_symlink (KilnGuest *kg, const char *path);
gboolean kiln_guest_lexists (KilnGuest *kg, const char *path);
