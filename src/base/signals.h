/* signals.h - SIGINT/SIGTERM/SIGHUP cancel the running job
 *
 * A small thread runs a GMainContext with unix signal sources: a signal
 * cancels the job's GCancellable and destroys every running domain at once,
 * so the job unwinds through its normal cleanup.  */
#pragma once

#include <gio/gio.h>

typedef struct KilnSignalWatch KilnSignalWatch;

KilnSignalWatch *kiln_signal_watch_new (GCancellable *cancellable);
/* The signal number that fired, or 0. */
int kiln_signal_watch_fired (KilnSignalWatch *w);
void kiln_signal_watch_free (KilnSignalWatch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnSignalWatch, kiln_signal_watch_free)
