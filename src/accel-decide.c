/* accel-decide.c - the one accelerator decision every command shares */
#include "accel-decide.h"

#include <string.h>

#include "kiln.h"
#include "libvirt.h"
#include "paths.h"

KilnAccel
kiln_accel_decide (const char *requested, char **reason, GError **error)
{
  KilnAccel want = KILN_ACCEL_AUTO;
  if (!requested)
    requested = g_getenv ("KILN_ACCEL") ? g_getenv ("KILN_ACCEL") : "auto";
  if (strcmp (requested, "tcg") == 0)
    return KILN_ACCEL_TCG;
  if (strcmp (requested, "kvm") == 0)
    want = KILN_ACCEL_KVM;
  else if (strcmp (requested, "auto") != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "--accel: expected auto, kvm or tcg, found '%s'",
                   requested);
      return KILN_ACCEL_AUTO;
    }
  g_autofree char *embed = g_build_filename (kiln_home (), "libvirt", NULL);
  g_autofree char *cache = g_build_filename (kiln_home (), "cache", NULL);
  g_autofree char *probe = kiln_agent_path ();
  g_autoptr (KilnHypervisor) hv = kiln_hypervisor_open (NULL, embed, error);
  if (!hv)
    return KILN_ACCEL_AUTO;
  return kiln_accel_resolve (hv, want, probe, cache, reason, error);
}
