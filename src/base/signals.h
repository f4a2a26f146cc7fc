/* signals.h - SIGINT/SIGTERM/SIGHUP cancel the running job
 *
 * A small thread runs a GMainContext with unix signal sources: a signal
 * cancels the job's GCancellable, then calls every stop registered at that
 * moment, so the job unwinds through its normal cleanup and nothing it
 * started outlives it.  This file knows nothing of what is stopped: the
 * stage that starts a domain (src/build/boot.c) or a probe guest
 * (src/build/accel-decide.c) registers how to stop it.  */
#pragma once

#include <gio/gio.h>

typedef struct KilnSignalWatch KilnSignalWatch;

KilnSignalWatch *kiln_signal_watch_new (GCancellable *cancellable);
/* The signal number that fired, or 0. */
int kiln_signal_watch_fired (KilnSignalWatch *w);
void kiln_signal_watch_free (KilnSignalWatch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnSignalWatch, kiln_signal_watch_free)

/* How to stop something a signal must not leave running.  Called from the
 * signal thread, after the cancellable was cancelled. */
typedef void (*KilnStopFunc) (gpointer data);

/* Registers stop(data) for as long as the thing runs; returns an id (never
 * 0).  The registry is process-wide (signals are). */
guint kiln_signal_stop_add (KilnStopFunc stop, gpointer data);
/* Unregisters it; when a signal is calling it right now, waits for the call
 * to return, so data may be freed afterwards.  0 is ignored. */
void kiln_signal_stop_remove (guint id);
