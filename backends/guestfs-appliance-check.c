/* guestfs-appliance-check.c - launch one appliance as kiln does (kiln doctor)
 *
 * Through kiln_guestfs_handle_new, so it gets exactly what a build's
 * appliance gets (backend direct, force_tcg per the decision, kiln's
 * memory size).  The drive is /dev/null read-only: libguestfs needs one,
 * and nothing is written.  The handle's log goes to a scratch file that is
 * read back (its tail when the launch failed) and removed.
 */
#include "guestfs-private.h"
#include "host-facts.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/kiln.h"

/* The last lines of the log, where QEMU's own complaint ends up. */
#define LOG_TAIL_LINES 20

static char *
tail_lines (const char *text, guint n)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint len = g_strv_length (lines);
  /* skip trailing empty lines */
  while (len > 0 && *g_strstrip (lines[len - 1]) == '\0')
    len--;
  guint from = len > n ? len - n : 0;
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = from; i < len; i++)
    g_string_append_printf (s, "%s\n", lines[i]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* "[    0.000000] Booting paravirtualized kernel on bare hardware" */
static char *
boot_line (guestfs_h *g)
{
  g_autofree char *dmesg = guestfs_dmesg (g);
  if (!dmesg)
    return NULL;
  const char *p = strstr (dmesg, "Booting paravirtualized kernel on ");
  if (!p)
    return NULL;
  return g_strndup (p, strcspn (p, "\n"));
}

gboolean
kiln_appliance_check (gboolean force_tcg, KilnApplianceFacts *out,
                      GError **error)
{
  memset (out, 0, sizeof *out);
  g_autofree char *log_path = NULL;
  int fd = g_file_open_tmp ("kiln-appliance-XXXXXX.log", &log_path, error);
  if (fd < 0)
    return FALSE;
  close (fd);
  KilnGuestOptions opts = { .readonly = TRUE, .force_tcg = force_tcg,
                            .log_path = log_path };
  guestfs_h *g = kiln_guestfs_handle_new (&opts, error);
  if (!g)
    {
      g_unlink (log_path);
      return FALSE;
    }
  struct guestfs_version *v = guestfs_version (g);
  if (v)
    {
      out->version = g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT
                                      ".%" G_GINT64_FORMAT "%s", v->major,
                                      v->minor, v->release, v->extra);
      guestfs_free_version (v);
    }
  g_autofree char *hv = guestfs_get_hv (g);
  g_autofree char *cachedir = guestfs_get_cachedir (g);
  g_autofree char *tmpdir = guestfs_get_tmpdir (g);
  out->hv = g_strdup (hv);
  out->cachedir = g_strdup (cachedir);
  out->tmpdir = g_strdup (tmpdir);

  gint64 start = g_get_monotonic_time ();
  out->launched = guestfs_add_drive_opts (g, "/dev/null",
                                          GUESTFS_ADD_DRIVE_OPTS_FORMAT, "raw",
                                          GUESTFS_ADD_DRIVE_OPTS_READONLY, 1,
                                          -1) == 0
                  && guestfs_launch (g) == 0;
  out->seconds = (g_get_monotonic_time () - start) / 1e6;
  if (out->launched)
    {
      out->boot_line = boot_line (g);
      guestfs_shutdown (g);
    }
  else
    {
      const char *msg = guestfs_last_error (g);
      out->error = g_strdup (msg ? msg : "unknown libguestfs error");
    }
  kiln_guestfs_handle_close (g);

  g_autofree char *log = NULL;
  if (!out->launched && g_file_get_contents (log_path, &log, NULL, NULL))
    out->log_tail = tail_lines (log, LOG_TAIL_LINES);
  g_unlink (log_path);
  return TRUE;
}
