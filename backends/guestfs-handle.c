/* guestfs-handle.c - the one place kiln creates a libguestfs handle
 *
 * Every appliance kiln starts (a build stage's KilnGuest, the template
 * build's bootloader step) is configured here, so none can miss the
 * accelerator decision: with GUESTFS_CREATE_NO_ENVIRONMENT the caller's
 * LIBGUESTFS_* variables change nothing, the backend is "direct", and
 * force_tcg is set exactly when the caller's decision says KVM is not usable
 * (libguestfs would otherwise try KVM and QEMU aborts on nested hosts).
 * The appliance console, library messages, warnings and the call trace go to
 * the log file, never to kiln's stderr, which belongs to the progress UI.
 */
#include "guestfs-private.h"

#include <errno.h>
#include <stdio.h>

#include <glib/gstdio.h>

#include "common/kiln.h"

/* Memory for the appliance: enough for package managers in offline steps,
 * modest because builds run side by side on small machines. */
#define KILN_GUEST_MEMSIZE_MB 768

/* The handle's log, reached through guestfs_get_private: freed by
 * kiln_guestfs_handle_close after the callback is removed, since libguestfs
 * still emits messages after its CLOSE event. */
#define LOG_KEY "kiln.log"
typedef struct {
  FILE *log;               /* NULL: warnings to g_debug, the rest dropped */
  gint64 t0;
  int callback;            /* the event callback's handle */
} HandleLog;

static void
on_event (guestfs_h *g, void *opaque, uint64_t event, int event_handle,
          int flags, const char *buf, size_t buf_len, const uint64_t *array,
          size_t array_len)
{
  HandleLog *hl = opaque;
  double t = (g_get_monotonic_time () - hl->t0) / 1e6;

  if (!hl->log)
    {
      if (event == GUESTFS_EVENT_WARNING)
        g_debug ("libguestfs: warning: %.*s", (int) buf_len, buf);
      return;
    }
  switch (event)
    {
    case GUESTFS_EVENT_APPLIANCE: /* raw console bytes */
      fwrite (buf, 1, buf_len, hl->log);
      break;
    case GUESTFS_EVENT_WARNING:
      fprintf (hl->log, "[%7.1f] libguestfs: warning: %.*s\n", t,
               (int) buf_len, buf);
      break;
    case GUESTFS_EVENT_TRACE:
      fprintf (hl->log, "[%7.1f] libguestfs: trace: %.*s\n", t,
               (int) buf_len, buf);
      break;
    default:
      fprintf (hl->log, "[%7.1f] libguestfs: %.*s\n", t, (int) buf_len, buf);
      break;
    }
  fflush (hl->log);
}

guestfs_h *
kiln_guestfs_handle_new (const KilnGuestOptions *opts, GError **error)
{
  HandleLog *hl = g_new0 (HandleLog, 1);
  hl->t0 = g_get_monotonic_time ();
  if (opts->log_path)
    {
      hl->log = g_fopen (opts->log_path, "ae");
      if (!hl->log)
        {
          int saved = errno;
          g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                       "cannot open the libguestfs log %s: %s",
                       opts->log_path, g_strerror (saved));
          g_free (hl);
          return NULL;
        }
    }

  guestfs_h *g = guestfs_create_flags (GUESTFS_CREATE_NO_ENVIRONMENT);
  if (!g)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "cannot create a libguestfs handle: %s", g_strerror (errno));
      if (hl->log)
        fclose (hl->log);
      g_free (hl);
      return NULL;
    }
  /* From here on the handle owns hl: kiln_guestfs_handle_close frees it. */
  guestfs_set_private (g, LOG_KEY, hl);
  guestfs_set_error_handler (g, NULL, NULL);
  hl->callback = guestfs_set_event_callback (
      g, on_event, GUESTFS_EVENT_APPLIANCE | GUESTFS_EVENT_LIBRARY
                       | GUESTFS_EVENT_WARNING | GUESTFS_EVENT_TRACE,
      0, hl);
  if (hl->log)
    {
      guestfs_set_verbose (g, 1);
      guestfs_set_trace (g, 1);
    }
  char *tcg_settings[] = { (char *) "force_tcg", NULL };
  char *no_settings[] = { NULL };
  guestfs_set_identifier (g, "kiln");
  if (guestfs_set_backend (g, "direct") == -1
      || guestfs_set_backend_settings (g, opts->force_tcg ? tcg_settings
                                                          : no_settings)
             == -1
      || guestfs_set_memsize (g, KILN_GUEST_MEMSIZE_MB) == -1
      || guestfs_set_network (g, opts->network ? 1 : 0) == -1)
    {
      const char *msg = guestfs_last_error (g);
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "configuring libguestfs: %s", msg ? msg : "unknown error");
      kiln_guestfs_handle_close (g);
      return NULL;
    }
  if (hl->log)
    {
      fprintf (hl->log, "[%7.1f] kiln: backend direct%s, memsize %d MiB, "
               "network %s\n", 0.0, opts->force_tcg ? " force_tcg" : "",
               KILN_GUEST_MEMSIZE_MB, opts->network ? "on" : "off");
      fflush (hl->log);
    }
  return g;
}

void
kiln_guestfs_handle_close (guestfs_h *g)
{
  if (!g)
    return;
  HandleLog *hl = guestfs_get_private (g, LOG_KEY);
  /* Without the callback libguestfs would print its close-time debug and
   * trace messages on stderr. */
  guestfs_set_verbose (g, 0);
  guestfs_set_trace (g, 0);
  if (hl && hl->callback >= 0)
    guestfs_delete_event_callback (g, hl->callback);
  guestfs_close (g);
  if (hl)
    {
      if (hl->log)
        fclose (hl->log);
      g_free (hl);
    }
}
