/* kiln.h - things every part of kiln shares: exit codes and the error domain */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* Exit codes (README.md, docs/kiln.1). */
enum {
  KILN_EXIT_OK = 0,
  KILN_EXIT_FAILED = 1,      /* a build or a test failed */
  KILN_EXIT_BAD_INPUT = 2,   /* a document, option or argument is wrong */
  KILN_EXIT_HOST = 3,        /* the host lacks something: qemu, permission */
};

#define KILN_ERROR (kiln_error_quark ())
GQuark kiln_error_quark (void);

typedef enum {
  KILN_ERROR_FAILED,         /* exit 1 */
  KILN_ERROR_INPUT,          /* exit 2 */
  KILN_ERROR_HOST,           /* exit 3 */
  KILN_ERROR_CANCELLED,      /* exit 1; a command stopped by a signal
                              * exits 128 + the signal (130, 143) */
  KILN_ERROR_TIMEOUT,        /* a step or stage timed out: exit 1 */
} KilnErrorCode;

/* Map a GError (any domain) to an exit code. */
int kiln_exit_code_for_error (const GError *error);

/* kiln's own state is private (docs/outputs.md, "Who can read what"):
 * main() calls kiln_umask_init() before it does anything else, which sets
 * the umask to 077 and remembers the caller's.  What kiln writes into the
 * user's own directories (artifacts, `kiln run --output`) and the programs
 * that build a guest's file tree get the caller's umask back explicitly. */
void kiln_umask_init (void);
mode_t kiln_user_umask (void);
