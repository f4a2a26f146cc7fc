/* program.h - run a program on the host: argv as given, no shell
 *
 * For what kiln runs on the host besides qemu-img: notification commands
 * (the event on stdin) and systemctl.  The caller builds the argv and
 * judges the result; this runs it, bounded by a timeout, and says how it
 * ended and what it printed.
 */
#pragma once

#include <glib.h>

typedef struct {
  gboolean exited;      /* exited by itself (status is its exit status) */
  int status;
  gboolean timed_out;   /* stopped after the timeout (TERM, then KILL) */
  char *output;         /* stdout and stderr, the first 64 KiB, UTF-8 made
                         * safe */
} KilnProgramResult;

void kiln_program_result_clear (KilnProgramResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KilnProgramResult, kiln_program_result_clear)

/* Runs argv (argv[0] looked up in PATH when it has no '/') with stdin_text
 * (NULL: nothing) on its standard input, for at most timeout_s seconds.
 * FALSE with a KILN_ERROR_HOST error only when it could not be started;
 * how it ended is in out. */
gboolean kiln_program_run (const char *const *argv, const char *stdin_text,
                           guint timeout_s, KilnProgramResult *out,
                           GError **error);

/* The path of the host program name (no '/'): from PATH, else from the
 * sbin directories (/usr/local/sbin, /usr/sbin, /sbin), which a user's PATH
 * lacks (Debian's for users is /usr/local/bin:/usr/bin:/bin; cron's is
 * /usr/bin:/bin) while mkfs.vfat, mkfs.ext4 and sfdisk live there.  NULL
 * when it is in neither. */
char *kiln_host_program_find (const char *name);

/* PATH for a child that runs such programs itself (mmdebstrap runs mount,
 * chroot, its hooks): the caller's PATH with the sbin directories it lacks
 * appended. */
char *kiln_host_program_path (void);
