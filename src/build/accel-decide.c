/* accel-decide.c - the one accelerator decision every command shares
 *
 * The policy: what was asked, the /dev/kvm check, the probe cache (its file,
 * its key, when it is trusted), when to probe and what the probe's outcome
 * means.  The libvirt backend does the mechanics and returns raw results.
 */
#include "accel-decide.h"

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "backends/libvirt.h"
#include "base/paths.h"
#include "base/signals.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "store/target-claims.h"

#define CACHE_FILE "accel-probe.json"

/* One warning per command, however many stages ask. */
static gboolean warned;

static gboolean
parse_requested (const char *requested, KilnAccel *want, GError **error)
{
  if (!requested)
    requested = g_getenv ("KILN_ACCEL") ? g_getenv ("KILN_ACCEL") : "auto";
  if (strcmp (requested, "tcg") == 0)
    *want = KILN_ACCEL_TCG;
  else if (strcmp (requested, "kvm") == 0)
    *want = KILN_ACCEL_KVM;
  else if (strcmp (requested, "auto") == 0)
    *want = KILN_ACCEL_AUTO;
  else
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "accel: expected auto, kvm or tcg, found '%s'", requested);
      return FALSE;
    }
  return TRUE;
}

char *
kiln_accel_cause_brief (const char *raw)
{
  if (!raw || !*raw)
    return g_strdup ("no reason given");
  const char *msr = strstr (raw, "failed to set MSR");
  if (msr)
    {
      /* "failed to set MSR 0x10a to 0x..." -> keep the register */
      g_autofree char *head = g_strndup (msr, strcspn (msr, "\n"));
      char *to = strstr (head, " to 0x");
      if (to)
        *to = '\0';
      return g_strdup_printf ("qemu aborted: %s (nested KVM)", head);
    }
  if (strstr (raw, "did not reach userland within"))
    return g_strdup ("a KVM guest hangs while booting (nested KVM)");
  if (strstr (raw, "stopped without reaching userland"))
    return g_strdup ("a KVM guest stopped while booting (nested KVM)");
  if (strstr (raw, "cannot be opened") && strstr (raw, "No such file"))
    return g_strdup ("no /dev/kvm (no hardware virtualization, or the kvm "
                     "module is not loaded)");
  if (strstr (raw, "cannot be opened") && strstr (raw, "ermission denied"))
    return g_strdup ("no permission to open /dev/kvm (join the kvm group)");
  /* anything else: its first line, kept short */
  g_autofree char *line = g_strndup (raw, strcspn (raw, "\n"));
  if (g_utf8_strlen (line, -1) > 100)
    {
      char *cut = g_utf8_offset_to_pointer (line, 97);
      *cut = '\0';
      return g_strconcat (line, "...", NULL);
    }
  return g_steal_pointer (&line);
}

/* ---- the probe cache ---------------------------------------------------- */

/* The probe's answer holds for one target, host kernel and hypervisor
 * version.  The embedded driver: "6.1.0-18-amd64|QEMU 7.2.0" (this host's
 * kernel).  A daemon: its URI first, "qemu:///system|6.1.0-18-amd64|QEMU
 * 7.2.0"; a remote host's kernel is not known to libvirt, so its host name
 * stands in: "qemu+ssh://b3/system|b3.example|QEMU 8.2.2". */
static char *
cache_key (KilnHypervisor *hv)
{
  struct utsname u;
  g_autofree char *qemu = kiln_hypervisor_version (hv);
  if (uname (&u) < 0 || qemu == NULL)
    return NULL;
  switch (kiln_hypervisor_target_kind (hv))
    {
    case KILN_TARGET_EMBEDDED:
      return g_strdup_printf ("%s|%s", u.release, qemu);
    case KILN_TARGET_LOCAL_DAEMON:
      return g_strdup_printf ("%s|%s|%s", kiln_hypervisor_uri (hv),
                              u.release, qemu);
    case KILN_TARGET_REMOTE:
    default:
      {
        g_autofree char *host = kiln_hypervisor_host_name (hv);
        if (host == NULL)
          return NULL;
        return g_strdup_printf ("%s|%s|%s", kiln_hypervisor_uri (hv), host,
                                qemu);
      }
    }
}

/* One file per target, so that builds on two targets do not undo each
 * other's answer: accel-probe.json for the embedded driver,
 * accel-probe-HASH.json (of the URI) for any other. */
static char *
cache_file (const char *cache_dir, KilnHypervisor *hv)
{
  if (cache_dir == NULL)
    return NULL;
  if (kiln_hypervisor_target_kind (hv) == KILN_TARGET_EMBEDDED)
    return g_build_filename (cache_dir, CACHE_FILE, NULL);
  g_autofree char *sum = g_compute_checksum_for_string (
      G_CHECKSUM_SHA256, kiln_hypervisor_uri (hv), -1);
  sum[16] = '\0';
  g_autofree char *name = g_strdup_printf ("accel-probe-%s.json", sum);
  return g_build_filename (cache_dir, name, NULL);
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

/* ---- the probe ------------------------------------------------------------ */

/* A signal during the probe stops its guest (base/signals.h). */
static void
cancel_probe (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
}

/* A fresh directory base/pattern (base made when missing) for a probe
 * guest's files; NULL with error. */
static char *
scratch_dir (const char *base, const char *pattern, GError **error)
{
  g_autofree char *dir = g_build_filename (base, pattern, NULL);
  if (g_mkdir_with_parents (base, 0700) < 0 || g_mkdtemp (dir) == NULL)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   dir, g_strerror (e));
      return NULL;
    }
  return g_steal_pointer (&dir);
}

/* One probe boot in a fresh directory under base; FALSE with error when no
 * probe could be made or it was cancelled, else *works and *reason. */
static gboolean
run_probe (KilnHypervisor *hv, KilnPool *pool, const char *probe_init,
           const char *base,
           const KilnAccelProbeOptions *options, gboolean *works,
           char **reason, double *seconds, GError **error)
{
  g_autofree char *workdir = scratch_dir (base, "probe-XXXXXX", error);
  if (workdir == NULL)
    return FALSE;
  /* on a daemon the probe's kernel and initramfs are volumes
   * kiln-probe-XXXXXX-* (backends/libvirt-accel.c names them after
   * workdir): claimed, so a kiln killed meanwhile leaves a note of them */
  g_autoptr (KilnTargetClaim) claim = NULL;
  if (pool)
    {
      g_autofree char *base_name = g_path_get_basename (workdir);
      g_autofree char *prefix = g_strdup_printf ("kiln-%s-", base_name);
      claim = kiln_target_claim_new (kiln_hypervisor_uri (hv), prefix, error);
      if (claim == NULL)
        {
          g_rmdir (workdir);
          return FALSE;
        }
    }
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  guint stop = kiln_signal_stop_add (cancel_probe, cancel);
  gint64 start = g_get_monotonic_time ();
  GError *probe_error = NULL;
  gboolean started = FALSE;
  *works = kiln_accel_probe_boot (hv, pool, options->probe_accel, probe_init,
                                  options->kernel, workdir,
                                  options->timeout_seconds, cancel, &started,
                                  reason, &probe_error);
  *seconds = (g_get_monotonic_time () - start) / 1e6;
  kiln_signal_stop_remove (stop);
  /* A probe guest that did not even start says something about KVM only
   * when the same guest starts without it: no log daemon, no permission on
   * its files or no QEMU stop every domain, and are not "KVM is not
   * usable". */
  if (probe_error == NULL && !started
      && options->probe_accel != KILN_ACCEL_TCG)
    {
      GError *tcg_error = NULL;
      if (!kiln_accel_probe_starts (hv, pool, KILN_ACCEL_TCG, probe_init,
                                    options->kernel, workdir, &tcg_error))
        {
          g_set_error (&probe_error, KILN_ERROR, KILN_ERROR_HOST,
                       "no domain starts on %s, with or without KVM: %s",
                       kiln_hypervisor_uri (hv), tcg_error->message);
          g_error_free (tcg_error);
        }
    }
  g_rmdir (workdir);
  if (probe_error)
    {
      g_propagate_error (error, probe_error);
      return FALSE;
    }
  return TRUE;
}

KilnAccel
kiln_accel_resolve (KilnHypervisor *hv, KilnPool *pool, KilnAccel requested,
                    const char *probe_init, const char *cache_dir,
                    const KilnAccelProbeOptions *options, char **reason,
                    GError **error)
{
  static const KilnAccelProbeOptions defaults = {
    .kvm_device = "/dev/kvm",
    .probe_accel = KILN_ACCEL_KVM,
    .timeout_seconds = KILN_ACCEL_PROBE_TIMEOUT,
    .kernel = NULL,
  };
  if (!options)
    options = &defaults;
  *reason = NULL;
  if (requested == KILN_ACCEL_TCG)
    {
      *reason = g_strdup ("tcg was requested");
      return KILN_ACCEL_TCG;
    }

  /* Cheap, so every time: a module loaded later, permissions changed.  A
   * remote host's device is not this host's: its probe alone decides. */
  g_autofree char *why = NULL;
  if (options->kvm_device
      && kiln_hypervisor_target_kind (hv) != KILN_TARGET_REMOTE
      && !kiln_kvm_device_usable (options->kvm_device, &why))
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
  g_autofree char *file = cache_file (cache_dir, hv);
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
  gboolean works = FALSE;
  double seconds = 0;
  g_autofree char *probe_why = NULL;
  if (!run_probe (hv, pool, probe_init, cache_dir ? cache_dir : g_get_tmp_dir (),
                  options, &works, &probe_why, &seconds, error))
    return KILN_ACCEL_AUTO;
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

/* ---- the decision every command shares ------------------------------------ */

/* A daemon can refuse every domain for reasons of its own (no virtlogd, no
 * permission on kiln's files): found here in a second, rather than at the
 * first boot after minutes of work, and never taken for an answer about
 * KVM (the cache holds only what a probe guest showed). */
static gboolean
target_starts (KilnHypervisor *hv, KilnPool *pool, KilnAccel accel,
               const char *probe_init,
               const char *cache_dir, GError **error)
{
  g_autofree char *workdir = scratch_dir (cache_dir, "start-XXXXXX", error);
  if (workdir == NULL)
    return FALSE;
  g_autoptr (GError) start_error = NULL;
  gboolean ok = kiln_accel_probe_starts (hv, pool, accel, probe_init, NULL,
                                         workdir, &start_error);
  g_rmdir (workdir);
  if (!ok)
    g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                 "no domain starts on %s: %s", kiln_hypervisor_uri (hv),
                 start_error->message);
  return ok;
}

static void
report (KilnAccel want, KilnAccel decided, const char *reason, KilnReporter *r)
{
  if (want == KILN_ACCEL_AUTO && decided == KILN_ACCEL_TCG)
    {
      if (r)
        kiln_reporter_log (r, "KVM probe: %s", reason ? reason : "");
      if (warned)
        return;
      warned = TRUE;
      g_autofree char *cause = kiln_accel_cause_brief (reason);
      if (r)
        kiln_reporter_warn (r, "KVM is not usable here: %s; using TCG "
                            "software emulation (much slower)", cause);
      else
        fprintf (stderr, "kiln: warning: KVM is not usable here: %s; using "
                 "TCG software emulation (much slower)\n", cause);
    }
  else if (r)
    kiln_reporter_log (r, "accelerator %s%s%s", kiln_accel_name (decided),
                       reason ? ": " : "", reason ? reason : "");
}

KilnAccel
kiln_accel_decide_on (KilnHypervisor *hv, KilnPool *pool,
                      const char *requested,
                      KilnReporter *r, GError **error)
{
  KilnAccel want;
  if (!parse_requested (requested, &want, error))
    return KILN_ACCEL_AUTO;
  g_autofree char *cache = g_build_filename (kiln_home (), "cache", NULL);
  g_autofree char *probe = kiln_agent_path ();
  g_autofree char *reason = NULL;
  KilnAccel decided = kiln_accel_resolve (hv, pool, want, probe, cache, NULL,
                                          &reason, error);
  if (decided == KILN_ACCEL_AUTO)
    return KILN_ACCEL_AUTO;
  if (kiln_hypervisor_target_kind (hv) != KILN_TARGET_EMBEDDED
      && !target_starts (hv, pool, decided, probe, cache, error))
    return KILN_ACCEL_AUTO;
  report (want, decided, reason, r);
  return decided;
}

KilnAccel
kiln_accel_decide (const char *requested, KilnReporter *r, GError **error)
{
  KilnAccel want;
  if (!parse_requested (requested, &want, error))
    return KILN_ACCEL_AUTO;
  if (want == KILN_ACCEL_TCG)
    return KILN_ACCEL_TCG;
  g_autofree char *embed = g_build_filename (kiln_home (), "libvirt", NULL);
  g_autoptr (KilnHypervisor) hv = kiln_hypervisor_open (NULL, embed, error);
  if (!hv)
    return KILN_ACCEL_AUTO;
  return kiln_accel_decide_on (hv, NULL, requested, r, error);
}
