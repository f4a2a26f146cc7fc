/* kiln-host-facts.c - freeing what kiln doctor's backend checks hand back */
#include "kiln-host-facts.h"

void
kiln_kvm_device_facts_clear (KilnKvmDeviceFacts *f)
{
  g_clear_pointer (&f->path, g_free);
  g_clear_pointer (&f->group, g_free);
}

void
kiln_hypervisor_facts_clear (KilnHypervisorFacts *f)
{
  g_clear_pointer (&f->uri, g_free);
  g_clear_pointer (&f->libvirt_version, g_free);
  g_clear_pointer (&f->hypervisor, g_free);
  g_clear_pointer (&f->hypervisor_version, g_free);
}

void
kiln_domain_check_facts_clear (KilnDomainCheckFacts *f)
{
  g_clear_pointer (&f->reason, g_free);
}

void
kiln_appliance_facts_clear (KilnApplianceFacts *f)
{
  g_clear_pointer (&f->version, g_free);
  g_clear_pointer (&f->hv, g_free);
  g_clear_pointer (&f->cachedir, g_free);
  g_clear_pointer (&f->tmpdir, g_free);
  g_clear_pointer (&f->boot_line, g_free);
  g_clear_pointer (&f->error, g_free);
  g_clear_pointer (&f->log_tail, g_free);
}
