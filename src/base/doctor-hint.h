/* doctor-hint.h - which `kiln doctor` a host failure (exit 3) points to
 *
 * A command that fails because the host lacks something ends by naming the
 * one command that checks the host: `kiln doctor`.  When the failure was on
 * another libvirt target than the embedded driver, the check must look at
 * that target: `kiln doctor --connect URI`.  The stage that opens the
 * connection records the target here; main.c reads it.
 */
#pragma once

#include <glib.h>

/* uri NULL or "embed": the embedded driver (plain `kiln doctor`). */
void kiln_doctor_hint_set_target (const char *uri);

/* TRUE when a target other than the embedded driver was recorded. */
gboolean kiln_doctor_hint_has_target (void);

/* "kiln doctor" or "kiln doctor --connect URI" (owned here). */
const char *kiln_doctor_hint (void);
