/* lint.h - import readiness: will this image boot and reach the network on
 * AWS, Azure, vSphere or plain KVM?
 *
 * Facts are gathered once from an open guest (guest-facts.c) or
 * built by hand in tests; the rules are pure functions over them.  Each
 * finding has a stable id, a severity, a message and how to fix it
 * (docs/outputs.md lists every rule).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

typedef enum {
  KILN_LINT_INFO,
  KILN_LINT_WARNING,
  KILN_LINT_ERROR,
} KilnLintSeverity;

typedef struct {
  char *spec;                   /* UUID=..., LABEL=..., /dev/sda1 */
  char *mountpoint;
  char *fstype;
  char *options;
  int line;
} KilnFstabEntry;

void kiln_fstab_entry_free (KilnFstabEntry *e);

/* One interface configuration found in the guest's network setup. */
typedef struct {
  char *source;                 /* guest path of the file */
  char *manager;                /* networkd ifupdown netplan networkmanager ifcfg */
  char *match;                  /* interface name or glob; NULL = any */
  gboolean dhcp;                /* IPv4 DHCP */
} KilnNetConfig;

/* Something that ties a name or a configuration to one MAC address. */
typedef struct {
  char *source;
  int line;                     /* 0 when not line-based */
  char *mac;
} KilnMacPin;

typedef struct {
  /* From inspection (KilnOsInfo). */
  char *os_type;                /* "linux" */
  char *distro;
  char *product_name;
  int major_version;
  int minor_version;
  char *arch;
  char *firmware;               /* "bios" / "uefi" */
  char *partition_table;        /* "msdos", "gpt", NULL = none */
  char *root_fstype;
  char *package_format;         /* "deb", "rpm", ... */
  guint64 virtual_size;         /* bytes, 0 = unknown */

  /* Boot. */
  GPtrArray *bootloaders;       /* char*: grub2 grub-legacy extlinux systemd-boot */
  gboolean mbr_boot_code;       /* the MBR's code area is not all zeros */
  gboolean bios_boot_partition; /* a GPT BIOS boot partition exists */
  gboolean esp_present;         /* an EFI system partition exists */
  gboolean esp_checked;         /* its files could be listed */
  GPtrArray *efi_binaries;      /* char*: .efi files found on the ESP */
  gboolean efi_fallback;        /* \EFI\BOOT\BOOTX64.EFI (BOOTAA64.EFI) */
  GPtrArray *cmdline_roots;     /* char*: root= values in the boot config */

  /* Kernel and drivers of the kernel that boots by default (the newest). */
  GPtrArray *kernels;           /* char* versions */
  char *kernel;
  char *initramfs_path;         /* NULL = none found */
  char *initramfs_error;        /* set when it could not be read */
  GHashTable *initramfs_modules;/* set of module names (dashes as '_') */
  GHashTable *kernel_modules;   /* modules under /lib/modules/KERNEL */
  GHashTable *builtin_modules;  /* modules.builtin */

  gboolean fstab_found;
  GPtrArray *fstab;             /* KilnFstabEntry* */

  /* Agents and services. */
  gboolean cloud_init;
  gboolean cloud_init_network_disabled;
  gboolean waagent;
  gboolean vmtools;
  gboolean qemu_ga;
  gboolean ssm_agent;
  gboolean network_manager;     /* installed and enabled */
  gboolean nm_auto_default;     /* NM makes a DHCP profile per NIC */

  GPtrArray *net_configs;       /* KilnNetConfig* */
  GPtrArray *mac_pins;          /* KilnMacPin* */

  /* What distribute will write; NULL/unset = unknown (kiln inspect). */
  GPtrArray *formats;           /* KilnFormat* (not owned) */
  char *ovf_controller;         /* vSphere disk controller, default lsilogic */
  char *ovf_nic;                /* default vmxnet3 */
} KilnLintFacts;

KilnLintFacts *kiln_lint_facts_new (void);
void kiln_lint_facts_free (KilnLintFacts *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnLintFacts, kiln_lint_facts_free)

void kiln_lint_facts_add_net (KilnLintFacts *f, const char *source,
                              const char *manager, const char *match,
                              gboolean dhcp);
void kiln_lint_facts_add_mac_pin (KilnLintFacts *f, const char *source,
                                  int line, const char *mac);
/* Adds each name to set, normalized (dashes to underscores). */
void kiln_lint_module_set_add (GHashTable *set, const char *name);
GHashTable *kiln_lint_module_set_new (void);

typedef struct {
  char *id;                     /* "fstab-device-name" */
  KilnLintSeverity severity;
  char *target;                 /* "aws", "azure", "vsphere", "kvm" or "all" */
  char *message;
  char *fix;
} KilnLintFinding;

void kiln_lint_finding_free (KilnLintFinding *f);

/* Targets kiln knows, NULL-terminated: kvm aws azure vsphere. */
const char *const *kiln_lint_target_names (void);
/* Validates and canonicalizes a comma list ("aws,azure", "all").  NULL with
 * KILN_ERROR_INPUT for an unknown name. */
GPtrArray *kiln_lint_targets_parse (const char *const *texts, GError **error);

/* Runs the target-independent rules and the rules of each target (char*
 * names).  Returns KilnLintFinding*, errors first. */
GPtrArray *kiln_lint_run (const KilnLintFacts *facts, GPtrArray *targets);

guint kiln_lint_count (GPtrArray *findings, KilnLintSeverity severity);
const char *kiln_lint_severity_name (KilnLintSeverity s);

/* [{"id","severity","target","message","fix"}...] */
JsonNode *kiln_lint_findings_to_json (GPtrArray *findings);
/* Human-readable lines: "error [aws] fstab-device-name: ...\n  fix: ...". */
char *kiln_lint_findings_format (GPtrArray *findings);
/* One finding by id (tests). */
const KilnLintFinding *kiln_lint_find (GPtrArray *findings, const char *id,
                                       const char *target);

/* The facts as JSON (kiln inspect --json): boot, kernel, drivers, fstab,
 * agents, network configurations, MAC pins. */
JsonNode *kiln_lint_facts_to_json (const KilnLintFacts *f);
