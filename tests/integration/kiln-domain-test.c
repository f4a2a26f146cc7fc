/* kiln-domain-test - drive backends/libvirt.h from the command line
 *
 * The integration tests use it until `kiln build` exists:
 *
 *   kiln-domain-test [--connect URI] [--root DIR] COMMAND [OPTIONS]
 *
 *   run      start a domain from the spec options, print every agent-channel
 *            line, then the status.  Output (stdout, one item per line):
 *              domain NAME
 *              line N LENGTH TEXT
 *              first-line-ms MS        (domain created -> first line)
 *              status stopped|timeout|error|cancelled [MESSAGE]
 *              shutoff-ms MS           (after stopped: wait_shutoff returned)
 *              elapsed-ms MS
 *            Exit: 0 stopped, 1 channel error, 3 host error, 4 timeout,
 *            5 cancelled by SIGINT/SIGTERM (the domain destroyed).
 *   wait     like run but only kiln_domain_wait_shutoff (no line reading);
 *            lines that arrived meanwhile are printed afterwards.
 *   xml      print the domain XML for the spec options.
 *   list     print the names of the active domains on the connection.
 *   accel    kiln_accel_resolve(AUTO); prints "accel NAME", "reason TEXT",
 *            "decision-ms MS".  --probe-accel tcg and --no-kvm-check run the
 *            probe machinery on a host without working KVM (tests only).
 *   probe    boot the probe guest once (--accel), print "probe ok|failed".
 *   pool-upload | pool-download | pool-delete | pool-has
 *            backends/libvirt-pool.h on --pool NAME (made at --pool-path DIR
 *            when missing): --file PATH to or from --volume NAME; upload
 *            prints "path TARGET-PATH", has prints "yes" or "no".
 *
 * Spec options: --kernel --initrd --cmdline --disk --format --seed
 * --seed-format --memory --vcpus --accel kvm|tcg --uefi --network-user
 * --console LOG --socket PATH --prefix NAME.  Timeouts: --line-timeout S
 * (per line), --stage-timeout S (whole run).  Accel: --probe-init PATH
 * --cache-dir DIR --probe-timeout S.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "backends/libvirt-pool.h"
#include "backends/libvirt-private.h"
#include "base/signals.h"
#include "build/accel-decide.h"
#include "common/kiln.h"

enum {
  EXIT_STOPPED = 0,
  EXIT_ERROR = 1,
  EXIT_USAGE = 2,
  EXIT_HOST = 3,
  EXIT_TIMEOUT = 4,
  EXIT_CANCELLED = 5,
};

static char *opt_connect, *opt_root, *opt_kernel, *opt_initrd, *opt_cmdline;
static char *opt_disk, *opt_format, *opt_seed, *opt_seed_format, *opt_accel;
static char *opt_console, *opt_socket, *opt_prefix, *opt_probe_init;
static char *opt_cache_dir, *opt_probe_accel;
static char *opt_pool, *opt_pool_path, *opt_file, *opt_volume;
static int opt_memory, opt_vcpus, opt_line_timeout = -1, opt_stage_timeout = -1;
static int opt_probe_timeout = KILN_ACCEL_PROBE_TIMEOUT;
static gboolean opt_uefi, opt_network_user, opt_no_kvm_check;

static GOptionEntry entries[] = {
  { "connect", 0, 0, G_OPTION_ARG_STRING, &opt_connect, "libvirt URI (default: embed)", "URI" },
  { "root", 0, 0, G_OPTION_ARG_FILENAME, &opt_root, "embedded driver root", "DIR" },
  { "pool", 0, 0, G_OPTION_ARG_STRING, &opt_pool, "storage pool", "NAME" },
  { "pool-path", 0, 0, G_OPTION_ARG_FILENAME, &opt_pool_path, "its directory", "DIR" },
  { "file", 0, 0, G_OPTION_ARG_FILENAME, &opt_file, "local file", "PATH" },
  { "volume", 0, 0, G_OPTION_ARG_STRING, &opt_volume, "volume", "NAME" },
  { "kernel", 0, 0, G_OPTION_ARG_FILENAME, &opt_kernel, "kernel for direct boot", "FILE" },
  { "initrd", 0, 0, G_OPTION_ARG_FILENAME, &opt_initrd, "initramfs", "FILE" },
  { "cmdline", 0, 0, G_OPTION_ARG_STRING, &opt_cmdline, "kernel command line", "TEXT" },
  { "disk", 0, 0, G_OPTION_ARG_FILENAME, &opt_disk, "boot disk", "FILE" },
  { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "boot disk format", "FMT" },
  { "seed", 0, 0, G_OPTION_ARG_FILENAME, &opt_seed, "read-only second disk", "FILE" },
  { "seed-format", 0, 0, G_OPTION_ARG_STRING, &opt_seed_format, "its format", "FMT" },
  { "memory", 0, 0, G_OPTION_ARG_INT, &opt_memory, "MiB", "N" },
  { "vcpus", 0, 0, G_OPTION_ARG_INT, &opt_vcpus, "vCPUs", "N" },
  { "accel", 0, 0, G_OPTION_ARG_STRING, &opt_accel, "kvm or tcg (default tcg)", "A" },
  { "uefi", 0, 0, G_OPTION_ARG_NONE, &opt_uefi, "UEFI firmware", NULL },
  { "network-user", 0, 0, G_OPTION_ARG_NONE, &opt_network_user, "user-mode NIC", NULL },
  { "console", 0, 0, G_OPTION_ARG_FILENAME, &opt_console, "serial console log", "FILE" },
  { "socket", 0, 0, G_OPTION_ARG_FILENAME, &opt_socket, "agent channel socket", "PATH" },
  { "prefix", 0, 0, G_OPTION_ARG_STRING, &opt_prefix, "domain name prefix", "NAME" },
  { "line-timeout", 0, 0, G_OPTION_ARG_INT, &opt_line_timeout, "seconds per line", "S" },
  { "stage-timeout", 0, 0, G_OPTION_ARG_INT, &opt_stage_timeout, "seconds in all", "S" },
  { "probe-init", 0, 0, G_OPTION_ARG_FILENAME, &opt_probe_init, "probe /init program", "FILE" },
  { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_cache_dir, "accel cache directory", "DIR" },
  { "probe-accel", 0, 0, G_OPTION_ARG_STRING, &opt_probe_accel, "probe under kvm or tcg", "A" },
  { "probe-timeout", 0, 0, G_OPTION_ARG_INT, &opt_probe_timeout, "probe seconds", "S" },
  { "no-kvm-check", 0, 0, G_OPTION_ARG_NONE, &opt_no_kvm_check, "skip the /dev/kvm check", NULL },
  { NULL }
};

/* Signals go through kiln's own mechanism (src/base/signals.h): the
 * watch cancels `cancel`, the running domain's registered stop destroys
 * it. */
static GCancellable *cancel;
static KilnSignalWatch *watch;

static void
stop_domain (gpointer dom)
{
  kiln_domain_stop (dom);
}

static KilnAccel
parse_accel (const char *name, KilnAccel fallback)
{
  if (name == NULL)
    return fallback;
  if (g_str_equal (name, "kvm"))
    return KILN_ACCEL_KVM;
  if (g_str_equal (name, "tcg"))
    return KILN_ACCEL_TCG;
  return KILN_ACCEL_AUTO;
}

static void
fill_spec (KilnDomainSpec *spec)
{
  *spec = (KilnDomainSpec) {
    .name_prefix = opt_prefix ? opt_prefix : "kiln-test",
    .disk = opt_disk,
    .disk_format = opt_format,
    .seed_disk = opt_seed,
    .seed_format = opt_seed_format,
    .memory_mib = opt_memory,
    .vcpus = opt_vcpus,
    .accel = parse_accel (opt_accel, KILN_ACCEL_TCG),
    .uefi = opt_uefi,
    .network_user = opt_network_user,
    .console_log = opt_console,
    .channel_socket = opt_socket,
    .kernel = opt_kernel,
    .initrd = opt_initrd,
    .cmdline = opt_cmdline,
  };
}

static long
ms_since (gint64 start)
{
  return (long) ((g_get_monotonic_time () - start) / 1000);
}

static int
host_error (GError *error)
{
  printf ("status error %s\n", error->message);
  fprintf (stderr, "kiln-domain-test: %s\n", error->message);
  return EXIT_HOST;
}

/* cmd_run after the start: wait or read until the domain stops. */
static int
follow (KilnDomain *dom, gint64 start, gint64 stage_deadline,
        gboolean only_wait)
{
  g_autoptr (GError) error = NULL;
  if (only_wait)
    {
      if (!kiln_domain_wait_shutoff (dom, stage_deadline, &error))
        {
          printf ("status %s %s\n",
                  g_error_matches (error, KILN_ERROR, KILN_ERROR_TIMEOUT) ? "timeout" : "error",
                  error->message);
          return g_error_matches (error, KILN_ERROR, KILN_ERROR_TIMEOUT) ? EXIT_TIMEOUT : EXIT_ERROR;
        }
      printf ("shutoff-ms %ld\n", ms_since (start));
      g_clear_error (&error);
      /* Lines that arrived meanwhile are still there. */
    }

  guint n = 0;
  int code = EXIT_STOPPED;
  for (;;)
    {
      gint64 deadline = stage_deadline;
      if (opt_line_timeout >= 0)
        {
          gint64 line_deadline = g_get_monotonic_time () + (gint64) opt_line_timeout * G_USEC_PER_SEC;
          if (deadline < 0 || line_deadline < deadline)
            deadline = line_deadline;
        }
      g_autofree char *line = NULL;
      KilnChannelStatus st = kiln_domain_read_line (dom, deadline, &line, cancel, &error);
      if (st == KILN_CHANNEL_LINE)
        {
          if (n++ == 0)
            printf ("first-line-ms %ld\n", ms_since (start));
          printf ("line %u %zu %s\n", n, strlen (line), line);
          fflush (stdout);
          continue;
        }
      if (kiln_signal_watch_fired (watch))
        {
          printf ("signal %d\n", kiln_signal_watch_fired (watch));
          /* Whatever the reader saw (cancelled, or the destroyed domain's
           * channel closing), the run was interrupted. */
          printf ("status cancelled %s\n", error ? error->message : "(domain destroyed)");
          code = EXIT_CANCELLED;
        }
      else if (st == KILN_CHANNEL_STOPPED)
        {
          printf ("status stopped\n");
          g_autoptr (GError) wait_error = NULL;
          if (kiln_domain_wait_shutoff (dom, g_get_monotonic_time () + 30 * G_USEC_PER_SEC,
                                        &wait_error))
            printf ("shutoff-ms %ld\n", ms_since (start));
          else
            {
              printf ("shutoff-error %s\n", wait_error->message);
              code = EXIT_ERROR;
            }
        }
      else if (st == KILN_CHANNEL_TIMEOUT)
        {
          printf ("status timeout\n");
          code = EXIT_TIMEOUT;
        }
      else
        {
          printf ("status error %s\n", error->message);
          code = EXIT_ERROR;
          /* An overlong line is skipped; the channel goes on. */
          if (strstr (error->message, "longer than"))
            {
              g_clear_error (&error);
              continue;
            }
        }
      break;
    }
  printf ("lines %u\n", n);
  printf ("elapsed-ms %ld\n", ms_since (start));
  fflush (stdout);
  return code;
}

static int
cmd_run (KilnHypervisor *hv, gboolean only_wait)
{
  KilnDomainSpec spec;
  fill_spec (&spec);
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 stage_deadline = opt_stage_timeout >= 0
    ? start + (gint64) opt_stage_timeout * G_USEC_PER_SEC : -1;

  g_autoptr (KilnDomain) dom = kiln_domain_start (hv, &spec, &error);
  if (dom == NULL)
    return host_error (error);
  guint stop = kiln_signal_stop_add (stop_domain, dom);
  printf ("domain %s\n", kiln_domain_name (dom));
  printf ("start-ms %ld\n", ms_since (start));
  fflush (stdout);
  int code = follow (dom, start, stage_deadline, only_wait);
  kiln_signal_stop_remove (stop);
  return code;
}

static int
cmd_list (KilnHypervisor *hv)
{
  virDomainPtr *doms = NULL;
  int n = virConnectListAllDomains (hv->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  if (n < 0)
    {
      g_autoptr (GError) error = NULL;
      kiln_libvirt_set_error (&error, "cannot list domains");
      return host_error (error);
    }
  for (int i = 0; i < n; i++)
    {
      printf ("active %s\n", virDomainGetName (doms[i]));
      virDomainFree (doms[i]);
    }
  free (doms);
  printf ("active-count %d\n", n);
  if (hv->embed_root)
    printf ("root %s\n", hv->embed_root);
  return 0;
}

static int
cmd_accel (KilnHypervisor *hv)
{
  KilnAccelProbeOptions options = {
    .kvm_device = opt_no_kvm_check ? NULL : "/dev/kvm",
    .probe_accel = parse_accel (opt_probe_accel, KILN_ACCEL_KVM),
    .timeout_seconds = opt_probe_timeout,
    .kernel = opt_kernel,
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *reason = NULL;
  gint64 start = g_get_monotonic_time ();
  KilnAccel accel = kiln_accel_resolve (hv, NULL, KILN_ACCEL_AUTO, opt_probe_init,
                                        opt_cache_dir, &options, &reason, &error);
  long ms = ms_since (start);
  if (error)
    return host_error (error);
  printf ("accel %s\nreason %s\ndecision-ms %ld\n", kiln_accel_name (accel), reason, ms);
  return 0;
}

static int
cmd_probe (KilnHypervisor *hv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *workdir = g_dir_make_tmp ("kiln-probe-XXXXXX", &error);
  if (workdir == NULL)
    return host_error (error);
  gint64 start = g_get_monotonic_time ();
  gboolean started = FALSE;
  gboolean ok = kiln_accel_probe_boot (hv, NULL, parse_accel (opt_accel, KILN_ACCEL_TCG),
                                       opt_probe_init, opt_kernel, workdir,
                                       opt_probe_timeout, cancel, &started,
                                       &reason, &error);
  long ms = ms_since (start);
  /* The probe removes what it wrote: the directory must be empty. */
  if (g_rmdir (workdir) != 0 && !error)
    g_set_error (&error, KILN_ERROR, KILN_ERROR_FAILED,
                 "the probe left files in %s", workdir);
  if (error)
    return host_error (error);
  printf ("probe %s\n", ok ? "ok" : "failed");
  if (reason)
    printf ("reason %s\n", reason);
  printf ("probe-ms %ld\n", ms);
  return ok ? 0 : 1;
}

static int
cmd_pool (KilnHypervisor *hv, const char *cmd)
{
  g_autoptr (GError) error = NULL;
  if (!opt_pool || !opt_volume)
    {
      fprintf (stderr, "kiln-domain-test: %s needs --pool and --volume\n", cmd);
      return EXIT_USAGE;
    }
  g_autoptr (KilnPool) pool = kiln_pool_open (hv, opt_pool, opt_pool_path
                                              ? opt_pool_path : "/nonexistent",
                                              &error);
  if (!pool)
    return host_error (error);
  kiln_pool_set_cancellable (pool, cancel);
  if (g_str_equal (cmd, "pool-has"))
    {
      printf ("%s\n", kiln_pool_has (pool, opt_volume) ? "yes" : "no");
      return 0;
    }
  if (g_str_equal (cmd, "pool-delete"))
    return kiln_pool_delete (pool, opt_volume, &error) ? 0 : host_error (error);
  if (!opt_file)
    {
      fprintf (stderr, "kiln-domain-test: %s needs --file\n", cmd);
      return EXIT_USAGE;
    }
  if (g_str_equal (cmd, "pool-download"))
    return kiln_pool_download (pool, opt_volume, opt_file, &error)
               ? 0 : host_error (error);
  g_autofree char *path = kiln_pool_upload (pool, opt_file, opt_volume, &error);
  if (!path)
    return host_error (error);
  printf ("path %s\n", path);
  return 0;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("run|wait|xml|list|accel|probe");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2)
    {
      fprintf (stderr, "kiln-domain-test: %s\n",
               error ? error->message : "expected one command: run|wait|xml|list|accel|probe");
      return EXIT_USAGE;
    }
  const char *cmd = argv[1];
  setvbuf (stdout, NULL, _IOLBF, 0);

  if (g_str_equal (cmd, "xml"))
    {
      KilnDomainSpec spec;
      fill_spec (&spec);
      g_autofree char *name = kiln_domain_make_name (spec.name_prefix);
      g_autofree char *xml = kiln_domain_xml (&spec, name);
      fputs (xml, stdout);
      return 0;
    }

  /* Signals as kiln handles them: cancel the reader, stop the domain. */
  cancel = g_cancellable_new ();
  watch = kiln_signal_watch_new (cancel);

  g_autoptr (KilnHypervisor) hv = kiln_hypervisor_open (opt_connect, opt_root, &error);
  if (hv == NULL)
    return host_error (error);

  if (g_str_equal (cmd, "run"))
    return cmd_run (hv, FALSE);
  if (g_str_equal (cmd, "wait"))
    return cmd_run (hv, TRUE);
  if (g_str_equal (cmd, "list"))
    return cmd_list (hv);
  if (g_str_equal (cmd, "accel"))
    return cmd_accel (hv);
  if (g_str_equal (cmd, "probe"))
    return cmd_probe (hv);
  if (g_str_has_prefix (cmd, "pool-"))
    return cmd_pool (hv, cmd);
  fprintf (stderr, "kiln-domain-test: unknown command %s\n", cmd);
  return EXIT_USAGE;
}
