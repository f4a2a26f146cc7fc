/* signals.c - SIGINT/SIGTERM/SIGHUP cancel the running job */
#include "signals.h"

#include <glib-unix.h>
#include <signal.h>

struct KilnSignalWatch {
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  GCancellable *cancellable;
  volatile gint fired;
};

typedef struct {
  KilnSignalWatch *w;
  int signum;
} Handler;

/* ---- stops: who must be stopped when a signal comes ---------------------- */

typedef struct {
  guint id;
  KilnStopFunc stop;
  gpointer data;
} Stop;

/* Held while the stops are called, so that kiln_signal_stop_remove returns
 * only when no call with its data is in progress. */
static GMutex stops_lock;
static GArray *stops;           /* Stop */
static guint last_stop_id;

guint
kiln_signal_stop_add (KilnStopFunc stop, gpointer data)
{
  g_mutex_lock (&stops_lock);
  if (!stops)
    stops = g_array_new (FALSE, FALSE, sizeof (Stop));
  if (++last_stop_id == 0)
    last_stop_id = 1;
  Stop s = { last_stop_id, stop, data };
  g_array_append_val (stops, s);
  g_mutex_unlock (&stops_lock);
  return s.id;
}

void
kiln_signal_stop_remove (guint id)
{
  if (id == 0)
    return;
  g_mutex_lock (&stops_lock);
  for (guint i = 0; stops && i < stops->len; i++)
    if (g_array_index (stops, Stop, i).id == id)
      {
        g_array_remove_index (stops, i);
        break;
      }
  g_mutex_unlock (&stops_lock);
}

static void
call_stops (void)
{
  g_mutex_lock (&stops_lock);
  for (guint i = 0; stops && i < stops->len; i++)
    {
      Stop *s = &g_array_index (stops, Stop, i);
      s->stop (s->data);
    }
  g_mutex_unlock (&stops_lock);
}

static gboolean
on_signal (gpointer data)
{
  Handler *h = data;
  g_atomic_int_set (&h->w->fired, h->signum);
  g_cancellable_cancel (h->w->cancellable);
  call_stops ();
  return G_SOURCE_CONTINUE;
}

static gpointer
run (gpointer data)
{
  KilnSignalWatch *w = data;
  g_main_context_push_thread_default (w->context);
  g_main_loop_run (w->loop);
  g_main_context_pop_thread_default (w->context);
  return NULL;
}

KilnSignalWatch *
kiln_signal_watch_new (GCancellable *cancellable)
{
  static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
  KilnSignalWatch *w = g_new0 (KilnSignalWatch, 1);
  w->context = g_main_context_new ();
  w->loop = g_main_loop_new (w->context, FALSE);
  w->cancellable = g_object_ref (cancellable);
  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      Handler *h = g_new0 (Handler, 1);
      h->w = w;
      h->signum = signals[i];
      GSource *src = g_unix_signal_source_new (signals[i]);
      g_source_set_callback (src, on_signal, h, g_free);
      g_source_attach (src, w->context);
      g_source_unref (src);
    }
  w->thread = g_thread_new ("kiln-signals", run, w);
  return w;
}

int
kiln_signal_watch_fired (KilnSignalWatch *w)
{
  return g_atomic_int_get (&w->fired);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
kiln_signal_watch_free (KilnSignalWatch *w)
{
  if (!w)
    return;
  GSource *idle = g_idle_source_new ();
  g_source_set_callback (idle, quit_loop, w->loop, NULL);
  g_source_attach (idle, w->context);
  g_source_unref (idle);
  g_thread_join (w->thread);
  g_main_loop_unref (w->loop);
  g_main_context_unref (w->context);
  g_object_unref (w->cancellable);
  g_free (w);
}
