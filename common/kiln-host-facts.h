/* kiln-host-facts.h - what kiln doctor's backend checks hand back
 *
 * Raw facts about this host's virtualization stack, as the backends saw
 * them (backends/host-facts.h gathers them); src/doctor/ judges them.  Plain
 * data, no policy.
 */
#pragma once

#include <glib.h>

/* ---- /dev/kvm ------------------------------------------------------------- */

typedef struct {
  char *path;               /* "/dev/kvm" */
  gboolean present;         /* the path exists */
  gboolean char_device;
  guint mode;               /* permission bits */
  char *group;              /* the owning group's name (NULL: unknown) */
  gboolean caller_in_group; /* the caller's groups include it */
  int open_errno;           /* 0 when it opened read-write */
  int api_version;          /* KVM_GET_API_VERSION, -1 when not read */
  gboolean api_ok;          /* the API version is the one QEMU speaks */
} KilnKvmDeviceFacts;

void kiln_kvm_device_facts_clear (KilnKvmDeviceFacts *f);

/* ---- libvirt -------------------------------------------------------------- */

typedef struct {
  char *uri;
  char *libvirt_version;    /* "9.0.0" */
  char *hypervisor;         /* "QEMU" */
  char *hypervisor_version; /* "7.2.0" */
} KilnHypervisorFacts;

void kiln_hypervisor_facts_clear (KilnHypervisorFacts *f);

typedef struct {
  gboolean started;          /* libvirt created and started the domain */
  gboolean reached_userland; /* its guest printed the probe's line */
  gboolean stopped;          /* no domain of the connection is left running */
  double seconds;            /* start to userland */
  char *reason;              /* why not (raw), or NULL */
} KilnDomainCheckFacts;

void kiln_domain_check_facts_clear (KilnDomainCheckFacts *f);

/* ---- libguestfs ----------------------------------------------------------- */

typedef struct {
  char *version;             /* libguestfs "1.48.6" */
  char *hv;                  /* the qemu binary the appliance runs */
  char *cachedir;            /* where the appliance is cached */
  char *tmpdir;              /* libguestfs's temporary directory */
  gboolean launched;
  double seconds;            /* guestfs_launch */
  char *boot_line;           /* the appliance kernel's "Booting
                                paravirtualized kernel on ..." line */
  char *error;               /* guestfs_last_error of a failed launch */
  char *log_tail;            /* the log's last lines when it failed */
} KilnApplianceFacts;

void kiln_appliance_facts_clear (KilnApplianceFacts *f);
