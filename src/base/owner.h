/* owner.h - which process owns a build or a work directory, and whether
 * it still runs
 *
 * A process is named by its pid and its start time (field 22 of
 * /proc/PID/stat, clock ticks since boot), so a pid the kernel gave to
 * another process since is not mistaken for the owner.  A kiln that was
 * killed (SIGKILL, a crash, the machine's power) leaves state whose owner
 * is gone: the next kiln recovers it (src/store/recover.c).
 */
#pragma once

#include <glib.h>

typedef struct {
  gint64 pid;
  guint64 start;             /* 0: unknown */
} KilnOwner;

/* This process. */
KilnOwner kiln_owner_self (void);
/* The start time of pid, 0 when there is no such process. */
guint64 kiln_owner_start_of (gint64 pid);
/* Whether owner still runs (the same pid with the same start time).  An
 * owner with pid <= 0 is gone. */
gboolean kiln_owner_alive (const KilnOwner *owner);

/* "PID START" and back; FALSE when text is not that. */
char *kiln_owner_format (const KilnOwner *owner);
gboolean kiln_owner_parse (const char *text, KilnOwner *owner);
