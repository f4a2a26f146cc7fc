/* kiln-types.h - the plain types that cross the core/backend seam
 *
 * The core (src/) calls the backends (backends/); the backends never call
 * the core.  What both sides name lives here: the accelerator choice, what
 * inspection found in a guest, the rows of its package database, and the
 * handles the backends give out (opaque here: a backend's own header says
 * what can be done with them).  Plain data only: no policy, no parsing,
 * nothing beyond GLib.  `make check-layering` keeps it that way.
 */
#pragma once

#include <glib.h>

/* ---- the accelerator ---------------------------------------------------- */

typedef enum {
  KILN_ACCEL_AUTO,
  KILN_ACCEL_KVM,
  KILN_ACCEL_TCG,
} KilnAccel;

/* "auto", "kvm", "tcg" */
const char *kiln_accel_name (KilnAccel accel);

/* ---- handles the backends give out -------------------------------------- */

typedef struct KilnHypervisor KilnHypervisor;   /* backends/libvirt.h */
typedef struct KilnDomain KilnDomain;           /* backends/libvirt.h */
typedef struct KilnDomainSpec KilnDomainSpec;   /* backends/libvirt.h */
typedef struct KilnGuest KilnGuest;             /* backends/guestfs.h */
typedef struct KilnPool KilnPool;               /* backends/libvirt-pool.h */

/* ---- what inspection found in a guest ----------------------------------- */

typedef struct {
  char *type;              /* "linux" */
  char *distro;            /* "debian", "ubuntu", "fedora", ... */
  char *product_name;
  int major_version;
  int minor_version;
  char *arch;              /* "x86_64" */
  char *hostname;
  char *root_device;       /* e.g. /dev/sda1 */
  char *root_fstype;       /* "ext4" */
  char *firmware;          /* "bios" or "uefi" */
  char *package_format;    /* "deb", "rpm", "apk", "unknown" */
  char *package_manager;   /* "apt", "dnf", "yum", "zypper", "apk", "unknown" */
  gboolean has_systemd;
  char *partition_table;   /* "msdos", "gpt", "none" */
  GPtrArray *kernels;      /* char*: kernel versions found in /lib/modules */
} KilnOsInfo;

void kiln_os_info_free (KilnOsInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnOsInfo, kiln_os_info_free)
/* A deep copy (one that outlives the guest handle it came from). */
KilnOsInfo *kiln_os_info_copy (const KilnOsInfo *os);

/* ---- one row of the guest's package database, as the database has it --- */

typedef struct {
  char *name;
  int epoch;               /* 0 = none */
  char *version;           /* upstream version, "" when unknown */
  char *release;           /* distribution release/revision, "" = none */
  char *arch;              /* "" when unknown */
} KilnPackageRow;

void kiln_package_row_free (KilnPackageRow *row);
