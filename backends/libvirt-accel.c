/* libvirt-accel.c - choose KVM or TCG, by trying
 *
 * /dev/kvm being there proves little: under nested virtualization it opens
 * and creates VMs, yet QEMU aborts (-cpu host: "failed to set MSR 0x10a") or
 * the guest hangs in the kernel decompressor.  So AUTO boots a probe guest
 * under KVM: the host kernel with a one-file initramfs whose /init
 * (kiln-agent --probe, or any static program doing the same) prints
 * KILN-PROBE-OK on the serial console and powers off.  Seeing that line in
 * the console log within KILN_ACCEL_PROBE_TIMEOUT seconds means KVM works.
 *
 * The probe's answer is cached in CACHE_DIR/accel-probe.json, keyed by the
 * host kernel release and the hypervisor (qemu) version; the /dev/kvm check
 * is cheap and runs every time (a module loaded later, permissions changed).
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
#include <json-glib/json-glib.h>

#include "common/kiln.h"
#include "common/kiln-json.h"
#include "libvirt-private.h"

#define PROBE_MARKER "KILN-PROBE-OK"
#define PROBE_CMDLINE "console=ttyS0 panic=-1 kiln-probe"
#define CACHE_FILE "accel-probe.json"

/* ---- /dev/kvm ---------------------------------------------------------- */

static gboolean
kvm_device_usable (const char *device, char **why)
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

gboolean
kiln_accel_probe_boot (KilnHypervisor *hv, KilnAccel accel,
                       const char *probe_init, const char *kernel,
                       const char *workdir, guint timeout_seconds,
                       char **reason, GError **error)
{
  g_autofree char *found_kernel = NULL;
  if (kernel == NULL)
    kernel = found_kernel = kiln_accel_find_host_kernel ();
  if (kernel == NULL)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "no kernel in /boot to boot the accel probe with");
      return FALSE;
    }
  g_autofree char *initrd = g_build_filename (workdir, "probe-initramfs.cpio", NULL);
  g_autofree char *console = g_build_filename (workdir, "probe-console.log", NULL);
  if (!kiln_accel_write_initramfs (probe_init, initrd, error))
    return FALSE;

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
  g_autoptr (GError) start_error = NULL;
  g_autoptr (KilnDomain) dom = kiln_domain_start (hv, &spec, &start_error);
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
      g_usleep (100 * 1000);
    }
}

/* ---- the cache --------------------------------------------------------- */

static char *
hypervisor_version (KilnHypervisor *hv)
{
  unsigned long v = 0;
  const char *type = virConnectGetType (hv->conn);
  if (virConnectGetVersion (hv->conn, &v) < 0)
    return NULL;
  return g_strdup_printf ("%s %lu.%lu.%lu", type ? type : "?", v / 1000000,
                          (v / 1000) % 1000, v % 1000);
}

static char *
cache_key (KilnHypervisor *hv)
{
  struct utsname u;
  g_autofree char *qemu = hypervisor_version (hv);
  if (uname (&u) < 0 || qemu == NULL)
    return NULL;
  return g_strdup_printf ("%s|%s", u.release, qemu);
}

static gboolean
cache_lookup (const char *file, const char *key, KilnAccel *accel, char **reason)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, file, NULL))
    return FALSE;
  JsonNode *root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  JsonObject *o = json_node_get_object (root);
  const char *k = json_object_get_string_member_with_default (o, "key", NULL);
  const char *a = json_object_get_string_member_with_default (o, "accel", NULL);
  const char *r = json_object_get_string_member_with_default (o, "reason", "");
  if (k == NULL || a == NULL || !g_str_equal (k, key))
    return FALSE;
  if (g_str_equal (a, "kvm"))
    *accel = KILN_ACCEL_KVM;
  else if (g_str_equal (a, "tcg"))
    *accel = KILN_ACCEL_TCG;
  else
    return FALSE;
  *reason = g_strdup (r);
  return TRUE;
}

static void
cache_store (const char *file, const char *key, KilnAccel accel,
             const char *reason, double seconds)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "key");
  json_builder_add_string_value (b, key);
  json_builder_set_member_name (b, "accel");
  json_builder_add_string_value (b, kiln_accel_name (accel));
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_set_member_name (b, "probeSeconds");
  json_builder_add_double_value (b, seconds);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *iso = g_date_time_format_iso8601 (now);
  json_builder_set_member_name (b, "decidedAt");
  json_builder_add_string_value (b, iso);
  json_builder_end_object (b);

  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = kiln_json_to_text (root);
  g_autoptr (GError) error = NULL;
  if (!g_file_set_contents (file, text, -1, &error))
    g_warning ("cannot cache the accel decision: %s", error->message);
}

/* ---- resolve ----------------------------------------------------------- */

KilnAccel
kiln_accel_resolve_with (KilnHypervisor *hv, KilnAccel requested,
                         const char *probe_init, const char *cache_dir,
                         const KilnAccelProbeOptions *options,
                         char **reason, GError **error)
{
  *reason = NULL;
  if (requested == KILN_ACCEL_TCG)
    {
      *reason = g_strdup ("tcg was requested");
      return KILN_ACCEL_TCG;
    }

  g_autofree char *why = NULL;
  if (options->kvm_device && !kvm_device_usable (options->kvm_device, &why))
    {
      if (requested == KILN_ACCEL_KVM)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                       "kvm was requested but %s", why);
          return KILN_ACCEL_AUTO;
        }
      *reason = g_steal_pointer (&why);
      return KILN_ACCEL_TCG;
    }
  if (requested == KILN_ACCEL_KVM)
    {
      *reason = g_strdup ("kvm was requested");
      return KILN_ACCEL_KVM;
    }

  g_autofree char *key = cache_key (hv);
  g_autofree char *file = cache_dir ? g_build_filename (cache_dir, CACHE_FILE, NULL) : NULL;
  KilnAccel accel;
  g_autofree char *cached_reason = NULL;
  if (key && file && cache_lookup (file, key, &accel, &cached_reason))
    {
      *reason = g_strdup_printf ("%s (cached in %s)", cached_reason, file);
      return accel;
    }

  if (probe_init == NULL)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "cannot probe KVM: no probe program (kiln-agent) given");
      return KILN_ACCEL_AUTO;
    }
  const char *base = cache_dir ? cache_dir : g_get_tmp_dir ();
  if (g_mkdir_with_parents (base, 0700) < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   base, g_strerror (e));
      return KILN_ACCEL_AUTO;
    }
  g_autofree char *workdir = g_build_filename (base, "probe-XXXXXX", NULL);
  if (g_mkdtemp (workdir) == NULL)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   workdir, g_strerror (e));
      return KILN_ACCEL_AUTO;
    }

  gint64 start = g_get_monotonic_time ();
  g_autofree char *probe_why = NULL;
  GError *probe_error = NULL;
  gboolean works = kiln_accel_probe_boot (hv, options->probe_accel, probe_init,
                                          options->kernel, workdir,
                                          options->timeout_seconds, &probe_why,
                                          &probe_error);
  double seconds = (g_get_monotonic_time () - start) / 1e6;

  /* The work directory holds only what the probe wrote. */
  const char *leftovers[] = { "probe-initramfs.cpio", "probe-console.log" };
  for (guint i = 0; i < G_N_ELEMENTS (leftovers); i++)
    {
      g_autofree char *p = g_build_filename (workdir, leftovers[i], NULL);
      g_unlink (p);
    }
  g_rmdir (workdir);

  if (probe_error)
    {
      g_propagate_error (error, probe_error);
      return KILN_ACCEL_AUTO;
    }
  if (works)
    {
      accel = KILN_ACCEL_KVM;
      *reason = g_strdup_printf ("a %s probe guest reached userland in %.1f s",
                                 kiln_accel_name (options->probe_accel), seconds);
    }
  else
    {
      accel = KILN_ACCEL_TCG;
      *reason = g_steal_pointer (&probe_why);
    }
  if (key && file)
    cache_store (file, key, accel, *reason, seconds);
  return accel;
}

KilnAccel
kiln_accel_resolve (KilnHypervisor *hv, KilnAccel requested,
                    const char *probe_init, const char *cache_dir,
                    char **reason, GError **error)
{
  const KilnAccelProbeOptions defaults = {
    .kvm_device = "/dev/kvm",
    .probe_accel = KILN_ACCEL_KVM,
    .timeout_seconds = KILN_ACCEL_PROBE_TIMEOUT,
    .kernel = NULL,
  };
  return kiln_accel_resolve_with (hv, requested, probe_init, cache_dir,
                                  &defaults, reason, error);
}
