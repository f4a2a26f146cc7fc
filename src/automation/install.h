/* install.h - a pipeline on the machine's own scheduler (kiln pipeline
 * install | uninstall | enable | disable)
 *
 * With systemd: the service and timer (units.h) in the system's unit
 * directory (/etc/systemd/system) or, with user, the user's
 * (~/.config/systemd/user), enabled the way `systemctl enable` does it (a
 * link in timers.target.wants/).  When systemd is running and no root
 * was given, systemctl then reloads its units and starts or stops the
 * timer.  root writes under another root (packaging, tests) and never
 * calls systemctl.  Without systemd (and without root) nothing is
 * written: the crontab line is printed instead.  A schedule with no form
 * in the target is an error, never an approximation.
 */
#pragma once

#include <glib.h>

#include "documents/pipeline.h"

typedef struct {
  gboolean user;        /* the user's units, not the system's */
  const char *root;     /* write under this root; NULL: / */
} KilnUnitTarget;

/* Prints what it did.  Exit code. */
int kiln_pipeline_install (const KilnPipeline *p, const KilnUnitTarget *t);
int kiln_pipeline_uninstall (const KilnPipeline *p, const KilnUnitTarget *t);
/* Clears kiln's own disabling (and the failure count) and, when the
 * timer is installed, enables and starts it again. */
int kiln_pipeline_enable (const KilnPipeline *p, const KilnUnitTarget *t);
/* Runs of the pipeline are skipped from now on (recorded with why), and
 * an installed timer is disabled and stopped. */
int kiln_pipeline_disable (const KilnPipeline *p, const KilnUnitTarget *t);
