/* guestfs.c - the libguestfs handle: options, launch, log, close, files
 *
 * Inspection lives in guestfs-inspect.c, the agent in guestfs-agent.c,
 * generalization and free-space work in guestfs-generalize.c, the raw
 * reads the core turns into facts in guestfs-read.c.
 */
#include "guestfs-impl.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <dirent.h>
#include <signal.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* guestfs_write sends the data in one protocol message (limit ~2-4 MB);
 * bigger payloads go through a temporary file and guestfs_upload. */
#define WRITE_INLINE_MAX (1024 * 1024)

guestfs_h *
kiln_guest_handle (KilnGuest *kg)
{
  return kg->g;
}

const KilnOsInfo *
kiln_guest_os (const KilnGuest *kg)
{
  return kg->os;
}

gboolean
kiln_guest_fail (KilnGuest *kg, GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *context = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  const char *msg = kg->g ? guestfs_last_error (kg->g) : NULL;
  kiln_guest_log (kg, "error: %s: %s", context, msg ? msg : "unknown error");
  g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s: %s", context,
               msg ? msg : "libguestfs reported an unknown error");
  return FALSE;
}

void
kiln_guest_log (KilnGuest *kg, const char *fmt, ...)
{
  if (!kg->log)
    return;
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *line = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (kg->log, "[%7.1f] kiln: %s\n",
           (g_get_monotonic_time () - kg->t0) / 1e6, line);
  fflush (kg->log);
}

static void
guest_free_resources (KilnGuest *kg)
{
  if (kg->g)
    kiln_guestfs_handle_close (kg->g);
  kg->g = NULL;
  if (kg->log)
    fclose (kg->log);
  kg->log = NULL;
  g_free (kg->disk);
  g_free (kg->root);
  kiln_os_info_free (kg->os);
  if (kg->mountpoints)
    g_ptr_array_unref (kg->mountpoints);
  g_free (kg);
}

KilnGuest *
kiln_guest_open (const char *disk, const char *format,
                 const KilnGuestOptions *opts, GError **error)
{
  static const KilnGuestOptions defaults = { 0 };
  if (!opts)
    opts = &defaults;
  if (!g_file_test (disk, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: no such file",
                   disk);
      return NULL;
    }

  KilnGuest *kg = g_new0 (KilnGuest, 1);
  kg->t0 = g_get_monotonic_time ();
  kg->disk = g_strdup (disk);
  kg->readonly = opts->readonly;
  kg->mountpoints = g_ptr_array_new_with_free_func (g_free);
  if (opts->log_path)
    {
      kg->log = g_fopen (opts->log_path, "ae");
      if (!kg->log)
        {
          int saved = errno;
          g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                       "cannot open the libguestfs log %s: %s",
                       opts->log_path, g_strerror (saved));
          guest_free_resources (kg);
          return NULL;
        }
    }

  /* The handle (backend, accelerator, memory, log) is made in one place
   * for every appliance kiln starts: guestfs-handle.c. */
  kg->g = kiln_guestfs_handle_new (opts, error);
  if (!kg->g)
    {
      guest_free_resources (kg);
      return NULL;
    }
  kiln_guest_log (kg, "disk %s (format %s%s)", disk,
                  format ? format : "probed",
                  opts->readonly ? ", read-only" : "");

  /* discard lets fstrim punch holes in a qcow2 (zero_free_space) */
  int rc;
  if (format)
    rc = guestfs_add_drive_opts (
        kg->g, disk, GUESTFS_ADD_DRIVE_OPTS_FORMAT, format,
        GUESTFS_ADD_DRIVE_OPTS_READONLY, opts->readonly ? 1 : 0,
        GUESTFS_ADD_DRIVE_OPTS_DISCARD,
        opts->readonly ? "disable" : "besteffort", -1);
  else
    rc = guestfs_add_drive_opts (
        kg->g, disk, GUESTFS_ADD_DRIVE_OPTS_READONLY, opts->readonly ? 1 : 0,
        GUESTFS_ADD_DRIVE_OPTS_DISCARD,
        opts->readonly ? "disable" : "besteffort", -1);
  if (rc == -1)
    {
      kiln_guest_fail (kg, error, "adding %s", disk);
      if (error && *error)
        (*error)->code = KILN_ERROR_INPUT;
      guest_free_resources (kg);
      return NULL;
    }

  gint64 t0 = g_get_monotonic_time ();
  if (guestfs_launch (kg->g) == -1)
    {
      kiln_guest_fail (kg, error, "starting the libguestfs appliance for %s%s",
                       disk, kg->log ? " (see the log)" : "");
      if (error && *error)
        (*error)->code = KILN_ERROR_HOST;
      guest_free_resources (kg);
      return NULL;
    }
  kiln_guest_log (kg, "appliance launched in %.1f s",
                  (g_get_monotonic_time () - t0) / 1e6);

  if (!kiln_guest_inspect_and_mount (kg, error))
    {
      guest_free_resources (kg);
      return NULL;
    }
  return kg;
}

gboolean
kiln_guest_close (KilnGuest *kg, GError **error)
{
  gboolean ok = TRUE;
  if (kg->g)
    {
      /* umount-all + sync, then a clean appliance shutdown; each is tried
       * even when one before failed.  An error means writes may be lost. */
      if (guestfs_umount_all (kg->g) == -1)
        ok = kiln_guest_fail (kg, error, "closing %s: unmounting", kg->disk);
      if (guestfs_sync (kg->g) == -1 && ok)
        ok = kiln_guest_fail (kg, error, "closing %s: sync (writes may be "
                              "lost)", kg->disk);
      if (guestfs_shutdown (kg->g) == -1 && ok)
        ok = kiln_guest_fail (kg, error, "closing %s: appliance shutdown "
                              "(writes may be lost)", kg->disk);
      if (ok)
        kiln_guest_log (kg, "appliance shut down cleanly");
    }
  guest_free_resources (kg);
  return ok;
}

void
kiln_guest_free (KilnGuest *kg)
{
  if (kg)
    kiln_guest_close (kg, NULL);
}

/* ---- files ---- */

static gboolean
apply_mode (KilnGuest *kg, const char *path, int mode, GError **error)
{
  if (mode < 0)
    return TRUE;
  if (guestfs_chmod (kg->g, mode, path) == -1)
    return kiln_guest_fail (kg, error, "chmod %04o %s", (unsigned) mode, path);
  return TRUE;
}

gboolean
kiln_guest_write (KilnGuest *kg, const char *path, const void *data, gsize len,
                  int mode, GError **error)
{
  if (len <= WRITE_INLINE_MAX)
    {
      if (guestfs_write (kg->g, path, data, len) == -1)
        return kiln_guest_fail (kg, error, "writing %s", path);
      return apply_mode (kg, path, mode, error);
    }
  /* staged in a 0700 directory of its own: the data may be the plan, which
   * holds secret values (docs/outputs.md, "Secrets") */
  g_autofree char *dir = g_dir_make_tmp ("kiln-guest-write-XXXXXX", error);
  if (!dir)
    return FALSE;
  g_autofree char *tmp = g_build_filename (dir, "data", NULL);
  gboolean ok = g_file_set_contents_full (tmp, data, (gssize) len,
                                          G_FILE_SET_CONTENTS_NONE, 0600,
                                          error)
                && kiln_guest_upload (kg, tmp, path, mode, error);
  g_unlink (tmp);
  g_rmdir (dir);
  return ok;
}

gboolean
kiln_guest_upload (KilnGuest *kg, const char *host_path,
                   const char *guest_path, int mode, GError **error)
{
  if (!g_file_test (host_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "%s: no such file to upload", host_path);
      return FALSE;
    }
  if (guestfs_upload (kg->g, host_path, guest_path) == -1)
    return kiln_guest_fail (kg, error, "uploading %s to %s", host_path,
                            guest_path);
  return apply_mode (kg, guest_path, mode, error);
}

gboolean
kiln_guest_copy_in (KilnGuest *kg, const char *host_dir,
                    const char *guest_parent, GError **error)
{
  if (!g_file_test (host_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "%s: no such folder to copy in", host_dir);
      return FALSE;
    }
  if (guestfs_mkdir_p (kg->g, guest_parent) == -1
      || guestfs_copy_in (kg->g, host_dir, guest_parent) == -1)
    return kiln_guest_fail (kg, error, "copying %s into %s", host_dir,
                            guest_parent);
  return TRUE;
}

gboolean
kiln_guest_read (KilnGuest *kg, const char *path, char **data, gsize *len,
                 GError **error)
{
  if (!kiln_guest_check_size (kg, path, KILN_GUEST_READ_MAX, error))
    return FALSE;
  size_t size = 0;
  char *buf = guestfs_read_file (kg->g, path, &size);
  if (!buf)
    return kiln_guest_fail (kg, error, "reading %s", path);
  /* NUL-terminated for callers that treat it as text */
  *data = g_malloc (size + 1);
  memcpy (*data, buf, size);
  (*data)[size] = '\0';
  if (len)
    *len = size;
  free (buf);
  return TRUE;
}

gboolean
kiln_guest_exists (KilnGuest *kg, const char *path)
{
  return guestfs_exists (kg->g, path) > 0;
}

gboolean
kiln_guest_is_dir (KilnGuest *kg, const char *path)
{
  return guestfs_is_dir_opts (kg->g, path, GUESTFS_IS_DIR_OPTS_FOLLOWSYMLINKS,
                              1, -1) > 0;
}

gboolean
kiln_guest_is_file (KilnGuest *kg, const char *path)
{
  return guestfs_is_file_opts (kg->g, path,
                               GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 0, -1) > 0;
}

gboolean
kiln_guest_is_symlink (KilnGuest *kg, const char *path)
{
  return guestfs_is_symlink (kg->g, path) > 0;
}

gboolean
kiln_guest_lexists (KilnGuest *kg, const char *path)
{
  struct guestfs_statns *st = guestfs_lstatns (kg->g, path);
  if (!st)
    return FALSE;
  guestfs_free_statns (st);
  return TRUE;
}

gboolean
kiln_guest_mkdir_p_tracked (KilnGuest *kg, const char *path, int mode,
                            GPtrArray *created, GError **error)
{
  g_return_val_if_fail (path[0] == '/', FALSE);
  g_auto (GStrv) parts = g_strsplit (path + 1, "/", -1);
  g_autoptr (GString) prefix = g_string_new (NULL);
  for (char **p = parts; *p; p++)
    {
      if (!**p)
        continue;
      g_string_append_c (prefix, '/');
      g_string_append (prefix, *p);
      if (kiln_guest_is_dir (kg, prefix->str))
        continue;
      if (guestfs_mkdir (kg->g, prefix->str) == -1)
        return kiln_guest_fail (kg, error, "creating directory %s",
                                prefix->str);
      if (!apply_mode (kg, prefix->str, mode, error))
        return FALSE;
      if (created)
        g_ptr_array_add (created, g_strdup (prefix->str));
    }
  return TRUE;
}

gboolean
kiln_guest_mkdir_p (KilnGuest *kg, const char *path, int mode, GError **error)
{
  return kiln_guest_mkdir_p_tracked (kg, path, mode, NULL, error);
}

/* The parent pid in /proc/PID/stat, or -1 (the command name before it may
 * hold spaces and parentheses: the fields start after the last ')'). */
static long
proc_parent (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *stat = NULL;
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return -1;
  const char *end = strrchr (stat, ')');
  char state;
  long ppid;
  if (!end || sscanf (end + 1, " %c %ld", &state, &ppid) != 2)
    return -1;
  return ppid;
}

/* Whether PID's command line is a libguestfs appliance's QEMU (its kernel
 * command line carries guestfs_identifier=, set by guestfs-handle.c). */
static gboolean
proc_is_appliance (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/cmdline", pid);
  g_autofree char *cmdline = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &cmdline, &len, NULL))
    return FALSE;
  static const char mark[] = "guestfs_identifier=";
  for (gsize i = 0; i < len; i += strlen (cmdline + i) + 1)
    if (strstr (cmdline + i, mark))
      return TRUE;
  return FALSE;
}

void
kiln_guest_kill_appliances (gpointer unused)
{
  (void) unused;
  g_autoptr (GDir) dir = g_dir_open ("/proc", 0, NULL);
  if (!dir)
    return;
  long self = (long) getpid ();
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (!g_ascii_isdigit (name[0]) || proc_parent (name) != self
          || !proc_is_appliance (name))
        continue;
      gint64 pid = g_ascii_strtoll (name, NULL, 10);
      if (pid > 0 && pid <= G_MAXINT)
        kill ((pid_t) pid, SIGKILL);
    }
}
