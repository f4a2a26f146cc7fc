/* boot-events.h - the host's reading of the agent's event lines
 *
 * One line from the agent channel (docs/agent-protocol.md, "Events") is
 * parsed, reported, and moves what the boot waits for: the agent's hello,
 * a step's end (with its timeoutSeconds), the next event.  The line is
 * guest data: anything may arrive.  Separate from boot.c (which owns the
 * domain) so that it can be tested and fuzzed without one.
 */
#pragma once

#include <glib.h>

#include "base/reporter.h"
#include "build/boot.h"

typedef enum {
  KILN_BOOT_WAIT_HELLO,   /* booting or rebooting: no hello yet */
  KILN_BOOT_WAIT_STEP,    /* a step with a timeout runs */
  KILN_BOOT_WAIT_AGENT,   /* between steps, or a step without a timeout */
} KilnBootWait;

typedef struct {
  KilnBootWait waiting;
  gint64 wait_deadline;   /* monotonic µs, for WAIT_HELLO and WAIT_STEP */
  char *step_name;        /* "document/phase/step" of the last step-start */
  gint64 step_timeout;    /* its timeoutSeconds (-1 or 0: none) */
  /* a `layer` event came: the guest is frozen and waits for the host's
   * answer (boot.c cuts the layer and answers, then sets it back to 0) */
  gint64 layer_pending;
  char *layer_document;
  /* a `hello` came (boot.c looks at it, answers when it asks, and sets
   * both back to FALSE): hello_asks, the agent waits for `go` or `plan`;
   * hello_run is its plan's runId */
  gboolean hello_new;
  gboolean hello_asks;
  char *hello_run;
} KilnBootFollow;

/* Starts waiting for the first hello (now_us: g_get_monotonic_time ()). */
void kiln_boot_follow_init (KilnBootFollow *f, const KilnBootLimits *limits,
                            gint64 now_us);
void kiln_boot_follow_clear (KilnBootFollow *f);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KilnBootFollow, kiln_boot_follow_clear)

/* Handles one line (without its '\n').  Returns TRUE when it was the
 * agent's `done`: res->finished, success and the failure members are then
 * set.  Counts step ends and reboots in res.  A line that is not a JSON
 * object is logged and ignored. */
gboolean kiln_boot_follow_line (KilnBootFollow *f, const char *line,
                                const KilnBootLimits *limits, KilnReporter *r,
                                gint64 now_us, KilnBootResult *res);
