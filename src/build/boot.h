/* boot.h - boot a domain and follow the guest agent until its plan is done
 *
 * The host side of docs/agent-protocol.md: reads the agent's events,
 * reports them, and enforces the deadlines - the whole stage, each step's
 * timeoutSeconds (+ grace), and the time a guest may take to (re)boot and
 * say hello.  The domain is destroyed on every path.
 */
#pragma once

#include <gio/gio.h>

#include "base/reporter.h"
#include "build/s3-transfers.h"
#include "common/kiln-types.h"

typedef struct {
  gboolean finished;         /* the agent sent `done` */
  gboolean success;          /* ... with status success */
  char *failed_document;
  char *failed_phase;
  char *failed_step;
  char *failure_message;
  guint steps_ended;
  guint reboots;
  guint layers_cut;
  double seconds;
} KilnBootResult;

void kiln_boot_result_clear (KilnBootResult *res);

/* The agent froze the guest after a document and asks for a layer
 * (docs/layers.md): cut it from dom's disk while the guest waits.  TRUE
 * when a layer was cut; the callee reports what it did. */
typedef gboolean (*KilnBootLayerFn) (gpointer data, KilnDomain *dom,
                                     gint64 layer, const char *document);

typedef struct {
  gint64 stage_timeout_s;    /* whole boot stage */
  gint64 boot_timeout_s;     /* from start or reboot to the agent's hello */
  gint64 step_grace_s;       /* added to a step's timeoutSeconds */
  gint64 shutdown_timeout_s; /* after `done`, to power off by itself */
  KilnS3Transfers *s3;       /* takes the agent's upload events; NULL:
                              * an upload event is refused */
  KilnBootLayerFn cut_layer; /* NULL: a `layer` event is answered "not
                              * cut" at once */
  gpointer layer_data;
  /* a build that starts from a layer: the `plan` line handed to the agent
   * there, whose hello asks from another run than run_id (ask-host.h in
   * the agent); NULL: an asking hello is answered `go` */
  const char *plan_line;
  const char *run_id;
} KilnBootLimits;

/* Returns FALSE with error when the stage could not complete: the domain
 * did not start, a deadline passed (KILN_ERROR_TIMEOUT), the guest stopped
 * without `done`, or cancellation.  Returns TRUE when the agent finished
 * (res->success tells whether the plan passed). */
gboolean kiln_boot_run (KilnHypervisor *hv, const KilnDomainSpec *spec,
                        const KilnBootLimits *limits, KilnReporter *reporter,
                        GCancellable *cancellable, KilnBootResult *res,
                        GError **error);
