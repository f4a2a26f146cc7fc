/* libvirt-facts.c - the hypervisor, the KVM probe and a domain, for
 * kiln doctor
 *
 * Each does what a build does (a transient domain of libvirt.c, booted
 * like libvirt-accel.c's probe) and reports what happened, without judging
 * it.
 */
#include "host-facts.h"

#include <errno.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/kiln.h"
#include "libvirt-private.h"

/* What kiln-agent --probe prints (agent/power.c); libvirt-accel.c waits for
 * the same line. */
#define KILN_PROBE_MARKER "KILN-PROBE-OK"

static char *
version_text (unsigned long v)
{
  return g_strdup_printf ("%lu.%lu.%lu", v / 1000000, (v / 1000) % 1000,
                          v % 1000);
}

gboolean
kiln_hypervisor_facts (KilnHypervisor *hv, KilnHypervisorFacts *out,
                       GError **error)
{
  memset (out, 0, sizeof *out);
  out->uri = g_strdup (hv->uri);
  unsigned long lib = 0, hyp = 0;
  if (virConnectGetLibVersion (hv->conn, &lib) < 0)
    {
      kiln_libvirt_set_error (error, "cannot read libvirt's version");
      return FALSE;
    }
  out->libvirt_version = version_text (lib);
  const char *type = virConnectGetType (hv->conn);
  out->hypervisor = g_strdup (type ? type : "?");
  if (virConnectGetVersion (hv->conn, &hyp) < 0)
    {
      kiln_libvirt_set_error (error, "cannot read the hypervisor's version");
      return FALSE;
    }
  out->hypervisor_version = version_text (hyp);
  return TRUE;
}

/* A scratch directory under the temporary directory. */
static char *
scratch_dir (const char *what, GError **error)
{
  g_autofree char *tmpl = g_strdup_printf ("kiln-%s-XXXXXX", what);
  char *dir = g_dir_make_tmp (tmpl, error);
  if (!dir)
    {
      (*error)->domain = KILN_ERROR;
      (*error)->code = KILN_ERROR_HOST;
    }
  return dir;
}

static void
remove_files_and_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

static int
active_domains (KilnHypervisor *hv)
{
  virDomainPtr *doms = NULL;
  int n = virConnectListAllDomains (hv->conn, &doms,
                                    VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  for (int i = 0; i < n; i++)
    virDomainFree (doms[i]);
  free (doms);
  return n;
}

static gboolean
file_contains (const char *path, const char *needle)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  return g_file_get_contents (path, &text, &len, NULL)
         && g_strstr_len (text, (gssize) len, needle) != NULL;
}

/* Waits until the console shows the probe's line or the domain stops. */
static gboolean
wait_for_userland (KilnDomain *dom, const char *console, gint64 deadline)
{
  for (;;)
    {
      if (file_contains (console, KILN_PROBE_MARKER))
        return TRUE;
      if (!kiln_domain_is_running (dom))
        return file_contains (console, KILN_PROBE_MARKER);
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (100 * 1000);
    }
}

gboolean
kiln_domain_check (KilnHypervisor *hv, KilnPool *pool, KilnAccel accel,
                   const char *probe_init, guint timeout_seconds,
                   KilnDomainCheckFacts *out, GError **error)
{
  memset (out, 0, sizeof *out);
  g_autofree char *kernel = kiln_accel_find_host_kernel ();
  if (!kernel)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "no kernel in /boot to boot a test domain with");
      return FALSE;
    }
  g_autofree char *scratch = scratch_dir ("domain", error);
  if (!scratch)
    return FALSE;
  g_autofree char *initrd = g_build_filename (scratch, "initramfs.cpio",
                                              NULL);
  g_autofree char *console = g_build_filename (scratch, "console.log", NULL);
  if (!kiln_accel_write_initramfs (probe_init, initrd, error))
    {
      remove_files_and_dir (scratch);
      return FALSE;
    }
  KilnProbeFiles files = { 0 };
  if (!kiln_probe_files_place (&files, pool, kernel, initrd, scratch, error))
    {
      kiln_probe_files_drop (&files);
      remove_files_and_dir (scratch);
      return FALSE;
    }
  KilnDomainSpec spec = {
    .name_prefix = "kiln-doctor",
    .memory_mib = 256,
    .vcpus = 1,
    .accel = accel,
    .console_log = console,
    .kernel = files.kernel_at,
    .initrd = files.initrd_at,
    .cmdline = "console=ttyS0 panic=-1 kiln-probe",
  };
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GError) start_error = NULL;
  KilnDomain *dom = kiln_domain_start (hv, &spec, &start_error);
  if (!dom)
    out->reason = g_strdup (start_error->message);
  else
    {
      out->started = TRUE;
      gint64 deadline = start + (gint64) timeout_seconds * G_USEC_PER_SEC;
      out->reached_userland = wait_for_userland (dom, console, deadline);
      out->seconds = (g_get_monotonic_time () - start) / 1e6;
      if (!out->reached_userland)
        out->reason = g_strdup_printf (
            kiln_domain_is_running (dom)
                ? "its guest did not reach userland within %u s"
                : "its guest stopped before reaching userland",
            timeout_seconds);
      kiln_domain_destroy (dom);   /* stops it when it still runs */
    }
  out->stopped = active_domains (hv) == 0;
  kiln_probe_files_drop (&files);
  remove_files_and_dir (scratch);
  return TRUE;
}
