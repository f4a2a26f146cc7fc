/* libvirt-accel.c - the mechanics of trying KVM
 *
 * /dev/kvm being there proves little: under nested virtualization it opens
 * and creates VMs, yet QEMU aborts (-cpu host: "failed to set MSR 0x10a") or
 * the guest hangs in the kernel decompressor.  So the decision (when to
 * probe, the cache: src/build/accel-decide.c) boots a probe guest under
 * KVM: the host kernel with a one-file initramfs whose /init (kiln-agent
 * --probe, or any static program doing the same) prints KILN-PROBE-OK on the
 * serial console and powers off.  Seeing that line in the console log in
 * time means KVM works.  This file checks the device, boots the probe and
 * names the hypervisor; it decides nothing.
 */
#define _GNU_SOURCE  /* accept4, strverscmp */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/kiln.h"
#include "libvirt-pool.h"
#include "libvirt-private.h"

#define PROBE_MARKER "KILN-PROBE-OK"
#define PROBE_CMDLINE "console=ttyS0 panic=-1 kiln-probe"
/* How often the probe looks at its console log and its cancellable. */
#define PROBE_POLL_USEC (100 * 1000)

/* ---- /dev/kvm ---------------------------------------------------------- */

gboolean
kiln_kvm_device_usable (const char *device, char **why)
{
  int fd = open (device, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      int e = errno;
      *why = g_strdup_printf ("%s cannot be opened read-write: %s", device, g_strerror (e));
      return FALSE;
    }
  int version = ioctl (fd, KVM_GET_API_VERSION, 0);
  int e = errno;
  close (fd);
  if (version < 0)
    {
      *why = g_strdup_printf ("%s does not answer KVM_GET_API_VERSION: %s", device, g_strerror (e));
      return FALSE;
    }
  if (version != KVM_API_VERSION)
    {
      *why = g_strdup_printf ("%s speaks KVM API %d, expected %d", device, version, KVM_API_VERSION);
      return FALSE;
    }
  return TRUE;
}

/* ---- the probe initramfs ----------------------------------------------- */

static gboolean
archive_failed (struct archive *a, const char *out, GError **error)
{
  g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot write %s: %s",
               out, archive_error_string (a));
  return FALSE;
}

gboolean
kiln_accel_write_initramfs (const char *init_path, const char *out, GError **error)
{
  g_autofree char *init = NULL;
  gsize init_len = 0;
  if (!g_file_get_contents (init_path, &init, &init_len, error))
    {
      g_prefix_error (error, "the accel probe program: ");
      (*error)->domain = KILN_ERROR;
      (*error)->code = KILN_ERROR_HOST;
      return FALSE;
    }

  struct archive *a = archive_write_new ();
  gboolean ok = FALSE;
  struct archive_entry *e = archive_entry_new ();
  if (archive_write_set_format_cpio_newc (a) != ARCHIVE_OK
      || archive_write_add_filter_none (a) != ARCHIVE_OK
      || archive_write_open_filename (a, out) != ARCHIVE_OK)
    goto out;

  archive_entry_set_pathname (e, "dev");
  archive_entry_set_filetype (e, AE_IFDIR);
  archive_entry_set_perm (e, 0755);
  archive_entry_set_nlink (e, 2);
  archive_entry_set_size (e, 0);
  if (archive_write_header (a, e) != ARCHIVE_OK)
    goto out;

  archive_entry_clear (e);
  archive_entry_set_pathname (e, "dev/console");
  archive_entry_set_filetype (e, AE_IFCHR);
  archive_entry_set_perm (e, 0600);
  archive_entry_set_rdev (e, makedev (5, 1));
  archive_entry_set_nlink (e, 1);
  archive_entry_set_size (e, 0);
  if (archive_write_header (a, e) != ARCHIVE_OK)
    goto out;

  archive_entry_clear (e);
  archive_entry_set_pathname (e, "init");
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0755);
  archive_entry_set_nlink (e, 1);
  archive_entry_set_size (e, init_len);
  if (archive_write_header (a, e) != ARCHIVE_OK
      || archive_write_data (a, init, init_len) != (la_ssize_t) init_len
      || archive_write_close (a) != ARCHIVE_OK)
    goto out;
  ok = TRUE;

out:
  if (!ok)
    archive_failed (a, out, error);
  archive_entry_free (e);
  archive_write_free (a);
  return ok;
}

/* ---- the host kernel --------------------------------------------------- */

static gint
version_desc (gconstpointer a, gconstpointer b)
{
  return -strverscmp (*(const char *const *) a, *(const char *const *) b);
}

char *
kiln_accel_find_host_kernel (void)
{
  struct utsname u;
  if (uname (&u) == 0)
    {
      g_autofree char *own = g_strconcat ("/boot/vmlinuz-", u.release, NULL);
      if (g_access (own, R_OK) == 0)
        return g_steal_pointer (&own);
    }
  /* Containers and VMs booted from an outside kernel (as this project's CI
   * machine is) still have the distribution's kernel package in /boot. */
  g_autoptr (GDir) dir = g_dir_open ("/boot", 0, NULL);
  if (dir == NULL)
    return NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *n;
  while ((n = g_dir_read_name (dir)))
    if (g_str_has_prefix (n, "vmlinuz-"))
      g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, version_desc);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename ("/boot", names->pdata[i], NULL);
      if (g_access (path, R_OK) == 0)
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* ---- the probe boot ---------------------------------------------------- */

static gboolean
file_contains (const char *path, const char *needle)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &text, &len, NULL))
    return FALSE;
  return g_strstr_len (text, len, needle) != NULL;
}

/* Why qemu died, from its own log: the first "error:" line (an abort on
 * a nested host logs "qemu-system-x86_64: error: failed to set MSR 0x10a
 * to ..." and then an assertion), else the last line that is not libvirt's
 * "shutting down" note.  NULL when the log says nothing. */
static char *
qemu_failure_line (const char *path)
{
  g_autofree char *text = NULL;
  if (path == NULL || !g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  const char *last = NULL;
  for (guint i = 0; lines[i]; i++)
    {
      const char *l = g_strstrip (lines[i]);
      if (strstr (l, "error:"))
        return g_strdup (l);
      if (*l && !strstr (l, "shutting down"))
        last = l;
    }
  return g_strdup (last);
}

static KilnDomain *
probe_start (KilnHypervisor *hv, KilnAccel accel, const char *kernel,
             const char *initrd, const char *console, GError **error)
{
  KilnDomainSpec spec = {
    .name_prefix = "kiln-probe",
    .memory_mib = 256,
    .vcpus = 1,
    .accel = accel,
    .console_log = console,
    .kernel = kernel,
    .initrd = initrd,
    .cmdline = PROBE_CMDLINE,
  };
  return kiln_domain_start (hv, &spec, error);
}

/* Boots the probe guest and watches its console; *reason when it failed,
 * *started whether the domain started at all. */
static gboolean
probe_boot (KilnHypervisor *hv, KilnAccel accel, const char *kernel,
            const char *initrd, const char *console, guint timeout_seconds,
            GCancellable *cancellable, gboolean *started, char **reason,
            GError **error)
{
  g_autoptr (GError) start_error = NULL;
  g_autoptr (KilnDomain) dom = probe_start (hv, accel, kernel, initrd,
                                            console, &start_error);
  *started = dom != NULL;
  if (dom == NULL)
    {
      *reason = g_strdup_printf ("the %s probe guest did not start: %s",
                                 kiln_accel_name (accel), start_error->message);
      return FALSE;
    }

  g_autofree char *qemu_log = kiln_domain_qemu_log_path (hv, kiln_domain_name (dom));
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_seconds * G_USEC_PER_SEC;
  for (;;)
    {
      /* Cancelled: the guest is destroyed (g_autoptr) and nothing is
       * concluded about KVM. */
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_CANCELLED,
                       "the %s probe guest was stopped: cancelled",
                       kiln_accel_name (accel));
          return FALSE;
        }
      if (file_contains (console, PROBE_MARKER))
        return TRUE;
      if (!kiln_domain_is_running (dom))
        {
          /* Look once more: the guest may have printed and powered off
           * between the two checks. */
          if (file_contains (console, PROBE_MARKER))
            return TRUE;
          g_autofree char *why = qemu_failure_line (qemu_log);
          *reason = g_strdup_printf ("the %s probe guest stopped without reaching userland%s%s",
                                     kiln_accel_name (accel), why ? ": " : "", why ? why : "");
          return FALSE;
        }
      if (g_get_monotonic_time () >= deadline)
        {
          *reason = g_strdup_printf ("the %s probe guest did not reach userland within %u s",
                                     kiln_accel_name (accel), timeout_seconds);
          return FALSE;
        }
      g_usleep (PROBE_POLL_USEC);
    }
}

static char *
probe_kernel (const char *kernel, GError **error)
{
  char *found = kernel ? g_strdup (kernel) : kiln_accel_find_host_kernel ();
  if (found == NULL)
    g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                 "no kernel in /boot to boot the accel probe with");
  return found;
}

/* ---- the probe's files where the target's QEMU opens them ------------ */

void
kiln_probe_files_drop (KilnProbeFiles *f)
{
  if (f->pool && f->kernel_vol)
    kiln_pool_delete (f->pool, f->kernel_vol, NULL);
  if (f->pool && f->initrd_vol)
    kiln_pool_delete (f->pool, f->initrd_vol, NULL);
  g_free (f->kernel_vol);
  g_free (f->initrd_vol);
  g_free (f->kernel_at);
  g_free (f->initrd_at);
}

gboolean
kiln_probe_files_place (KilnProbeFiles *f, KilnPool *pool, const char *kernel,
                   const char *initrd, const char *workdir, GError **error)
{
  f->pool = pool;
  if (pool == NULL)
    {
      f->kernel_at = g_strdup (kernel);
      f->initrd_at = g_strdup (initrd);
      return TRUE;
    }
  g_autofree char *base = g_path_get_basename (workdir);
  f->kernel_vol = g_strdup_printf ("kiln-%s-vmlinuz", base);
  f->initrd_vol = g_strdup_printf ("kiln-%s-initramfs", base);
  f->kernel_at = kiln_pool_upload (pool, kernel, f->kernel_vol, error);
  if (f->kernel_at == NULL)
    return FALSE;
  f->initrd_at = kiln_pool_upload (pool, initrd, f->initrd_vol, error);
  return f->initrd_at != NULL;
}

gboolean
kiln_accel_probe_boot (KilnHypervisor *hv, KilnPool *pool, KilnAccel accel,
                       const char *probe_init, const char *kernel,
                       const char *workdir, guint timeout_seconds,
                       GCancellable *cancellable, gboolean *started,
                       char **reason, GError **error)
{
  *started = FALSE;
  g_autofree char *boot_kernel = probe_kernel (kernel, error);
  if (boot_kernel == NULL)
    return FALSE;
  g_autofree char *initrd = g_build_filename (workdir, "probe-initramfs.cpio", NULL);
  g_autofree char *console = g_build_filename (workdir, "probe-console.log", NULL);
  KilnProbeFiles files = { 0 };
  gboolean works = kiln_accel_write_initramfs (probe_init, initrd, error)
                   && kiln_probe_files_place (&files, pool, boot_kernel, initrd,
                                         workdir, error)
                   && probe_boot (hv, accel, files.kernel_at, files.initrd_at,
                                  console, timeout_seconds, cancellable,
                                  started, reason, error);
  kiln_probe_files_drop (&files);
  /* workdir holds only what the caller put there. */
  g_unlink (initrd);
  g_unlink (console);
  return works;
}

gboolean
kiln_accel_probe_starts (KilnHypervisor *hv, KilnPool *pool, KilnAccel accel,
                         const char *probe_init, const char *kernel,
                         const char *workdir, GError **error)
{
  g_autofree char *boot_kernel = probe_kernel (kernel, error);
  if (boot_kernel == NULL)
    return FALSE;
  g_autofree char *initrd = g_build_filename (workdir, "probe-initramfs.cpio", NULL);
  g_autofree char *console = g_build_filename (workdir, "probe-console.log", NULL);
  gboolean started = FALSE;
  KilnProbeFiles files = { 0 };
  if (kiln_accel_write_initramfs (probe_init, initrd, error)
      && kiln_probe_files_place (&files, pool, boot_kernel, initrd, workdir,
                            error))
    {
      /* destroyed at once: only the start is asked about */
      g_autoptr (KilnDomain) dom = probe_start (hv, accel, files.kernel_at,
                                                files.initrd_at, console,
                                                error);
      started = dom != NULL;
    }
  kiln_probe_files_drop (&files);
  g_unlink (initrd);
  g_unlink (console);
  return started;
}

char *
kiln_hypervisor_version (KilnHypervisor *hv)
{
  unsigned long v = 0;
  const char *type = virConnectGetType (hv->conn);
  if (virConnectGetVersion (hv->conn, &v) < 0)
    return NULL;
  return g_strdup_printf ("%s %lu.%lu.%lu", type ? type : "?", v / 1000000,
                          (v / 1000) % 1000, v % 1000);
}
