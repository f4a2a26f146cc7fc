/* accel-decide.c - the one accelerator decision every command shares */
#include "accel-decide.h"

#include <string.h>

#include "backends/libvirt.h"
#include "base/paths.h"
#include "common/kiln.h"

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
      char *to = strstr (head, " to ");
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
kiln_accel_decide_on (KilnHypervisor *hv, const char *requested,
                      KilnReporter *r, GError **error)
{
  KilnAccel want;
  if (!parse_requested (requested, &want, error))
    return KILN_ACCEL_AUTO;
  g_autofree char *cache = g_build_filename (kiln_home (), "cache", NULL);
  g_autofree char *probe = kiln_agent_path ();
  g_autofree char *reason = NULL;
  KilnAccel decided = kiln_accel_resolve (hv, want, probe, cache, &reason,
                                          error);
  if (decided == KILN_ACCEL_AUTO)
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
  return kiln_accel_decide_on (hv, requested, r, error);
}
