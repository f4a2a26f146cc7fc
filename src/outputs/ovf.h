/* ovf.h - OVF 1.0 descriptor (DSP0243) for one VM with one disk
 *
 * Written with libxml2.  What vSphere, Workstation and VirtualBox read:
 * References (file sizes), DiskSection (capacity, populatedSize,
 * streamOptimized), NetworkSection, VirtualSystem with the guest OS and
 * the virtual hardware (CPU, memory, disk controller, disk, NIC) and
 * firmware=efi for UEFI images.
 */
#pragma once

#include <glib.h>

typedef struct {
  const char *vm_name;          /* VirtualSystem ovf:id and Name (required) */
  const char *annotation;       /* AnnotationSection text, or NULL */
  const char *disk_file;        /* href of the VMDK inside the OVA */
  guint64 disk_file_size;       /* its size in bytes */
  guint64 capacity;             /* the disk's virtual size in bytes */
  guint64 populated_size;       /* bytes of data in the disk; 0 = unknown */

  /* The guest, from inspection; NULL/0 = unknown (otherLinux64Guest). */
  const char *distro;
  int major_version;
  const char *arch;             /* "x86_64", "i686", "aarch64" */
  const char *product_name;
  gboolean uefi;

  guint cpus;                   /* default 2 */
  guint memory_mib;             /* default 2048 */
  const char *controller;       /* lsilogic (default) lsilogicsas pvscsi
                                   buslogic sata nvme ide */
  const char *nic;              /* vmxnet3 (default) e1000 e1000e */
  const char *network;          /* default "VM Network" */
  const char *hw_family;        /* vssd:VirtualSystemType, default vmx-13 */
} KilnOvfSpec;

/* The OVF document as UTF-8 text, or NULL with KILN_ERROR_INPUT for an
 * unknown controller or NIC name. */
char *kiln_ovf_write (const KilnOvfSpec *spec, GError **error);

/* The guest OS as OVF knows it: CIM OperatingSystem id, VMware guest id
 * (vmw:osType) and a description. */
typedef struct {
  int cim_id;
  const char *vmw_os_type;
  char *description;
} KilnOvfOsType;

void kiln_ovf_os_type (const char *distro, int major_version,
                       const char *arch, const char *product_name,
                       KilnOvfOsType *out);

/* VMDK adapter type (qemu-img adapter_type=) matching an OVF controller
 * name: "lsilogic" for lsilogic/lsilogicsas/pvscsi/..., "ide" for ide. */
const char *kiln_ovf_vmdk_adapter_for (const char *controller);

/* TRUE when name is a controller / NIC kiln_ovf_write knows. */
gboolean kiln_ovf_controller_known (const char *controller);
gboolean kiln_ovf_nic_known (const char *nic);
