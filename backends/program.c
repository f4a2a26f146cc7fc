/* program.c - run a program on the host (program.h) */
#include "program.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/kiln.h"

#define MAX_OUTPUT (64 * 1024)
/* after TERM, how long a program gets to end before KILL */
#define GRACE_SECONDS 5

static const char *const SBIN_DIRS[] = { "/usr/local/sbin", "/usr/sbin",
                                         "/sbin" };

char *
kiln_host_program_find (const char *name)
{
  char *found = g_find_program_in_path (name);
  for (guint i = 0; !found && i < G_N_ELEMENTS (SBIN_DIRS); i++)
    {
      g_autofree char *p = g_build_filename (SBIN_DIRS[i], name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_EXECUTABLE))
        found = g_steal_pointer (&p);
    }
  return found;
}

char *
kiln_host_program_path (void)
{
  const char *path = g_getenv ("PATH");
  GString *s = g_string_new (path && *path ? path : "/usr/bin:/bin");
  g_auto (GStrv) dirs = g_strsplit (s->str, ":", -1);
  for (guint i = 0; i < G_N_ELEMENTS (SBIN_DIRS); i++)
    if (!g_strv_contains ((const char *const *) dirs, SBIN_DIRS[i]))
      g_string_append_printf (s, ":%s", SBIN_DIRS[i]);
  return g_string_free (s, FALSE);
}

void
kiln_program_result_clear (KilnProgramResult *r)
{
  g_clear_pointer (&r->output, g_free);
}

/* A temporary file holding text (may be NULL: empty); its path. */
static char *
temp_file (const char *text, GError **error)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("kiln-program-XXXXXX", &path, error);
  if (fd < 0)
    return NULL;
  close (fd);
  if (text && !g_file_set_contents (path, text, -1, error))
    {
      g_unlink (path);
      return NULL;
    }
  return g_steal_pointer (&path);
}

typedef struct {
  GMainLoop *loop;
  gboolean called;             /* the wait's callback ran */
  gboolean done;               /* ... and the program had ended */
} Wait;

static void
waited (GObject *src, GAsyncResult *res, gpointer data)
{
  Wait *w = data;
  w->done = g_subprocess_wait_finish (G_SUBPROCESS (src), res, NULL);
  w->called = TRUE;
  g_main_loop_quit (w->loop);
}

static gboolean
time_up (gpointer data)
{
  g_main_loop_quit (((Wait *) data)->loop);
  return G_SOURCE_REMOVE;
}

/* Waits for p for at most seconds, in a main context of our own; a wait
 * that times out is cancelled and its callback run before returning, so
 * nothing is left pending. */
static gboolean
wait_for (GSubprocess *p, guint seconds)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_main_context_push_thread_default (ctx);
  Wait w = { g_main_loop_new (ctx, FALSE), FALSE, FALSE };
  g_subprocess_wait_async (p, cancel, waited, &w);
  GSource *timer = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (timer, time_up, &w, NULL);
  g_source_attach (timer, ctx);
  g_main_loop_run (w.loop);
  g_source_destroy (timer);
  g_source_unref (timer);
  g_cancellable_cancel (cancel);
  while (!w.called)
    g_main_context_iteration (ctx, TRUE);
  g_main_loop_unref (w.loop);
  g_main_context_pop_thread_default (ctx);
  return w.done;
}

gboolean
kiln_program_run (const char *const *argv, const char *stdin_text,
                  guint timeout_s, KilnProgramResult *out, GError **error)
{
  memset (out, 0, sizeof *out);
  g_autofree char *in = temp_file (stdin_text, error);
  if (!in)
    return FALSE;
  g_autofree char *log = temp_file (NULL, error);
  if (!log)
    {
      g_unlink (in);
      return FALSE;
    }
  g_autoptr (GSubprocessLauncher) l
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdin_file_path (l, in);
  g_subprocess_launcher_set_stdout_file_path (l, log);
  GError *local = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_launcher_spawnv (
      l, (const char *const *) argv, &local);
  g_unlink (in);
  if (!p)
    {
      g_unlink (log);
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot run %s: %s",
                   argv[0], local->message);
      g_error_free (local);
      return FALSE;
    }
  if (!wait_for (p, timeout_s))
    {
      out->timed_out = TRUE;
      g_subprocess_send_signal (p, SIGTERM);
      if (!wait_for (p, GRACE_SECONDS))
        {
          g_subprocess_force_exit (p);
          g_subprocess_wait (p, NULL, NULL);
        }
    }
  if (g_subprocess_get_if_exited (p))
    {
      out->exited = !out->timed_out;
      out->status = g_subprocess_get_exit_status (p);
    }
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (GFile) f = g_file_new_for_path (log);
  g_autoptr (GFileInputStream) s = g_file_read (f, NULL, NULL);
  if (s)
    {
      text = g_malloc (MAX_OUTPUT + 1);
      g_input_stream_read_all (G_INPUT_STREAM (s), text, MAX_OUTPUT, &len,
                               NULL, NULL);
    }
  g_unlink (log);
  out->output = g_utf8_make_valid (text ? text : "", len);
  return TRUE;
}
