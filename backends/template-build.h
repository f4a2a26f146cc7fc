/* template-build.h - build a base image from distribution packages
 *
 * The steps, none of which mounts anything on the host:
 *   1. mmdebstrap (chroot mode, as root) into a directory;
 *   2. configure the tree: fstab by UUID, hostname, networkd DHCP on any
 *      NIC, resolved, serial console and GRUB settings, a first-boot unit
 *      that makes missing SSH host keys, cloud-init datasources, empty
 *      machine-id, no SSH host keys, apt lists and caches removed;
 *   3. `mkfs.ext4 -d DIR` makes the root filesystem image (and mkfs.vfat
 *      the EFI system partition for UEFI);
 *   4. sfdisk writes the partition table of a sparse raw disk and dd puts
 *      the filesystems in place;
 *   5. one libguestfs appliance launch runs grub-install and update-grub
 *      inside the image;
 *   6. qemu-img converts the raw disk to qcow2 at spec->output.
 * Every tool runs from an argv vector; the template's values reach them as
 * single arguments or as file contents, never as shell text.
 */
#pragma once

#include <gio/gio.h>

typedef struct {
  const char *name;                  /* for messages */
  const char *distribution;          /* "debian", "ubuntu" */
  const char *suite;
  const char *architecture;          /* "amd64" */
  const char *variant;               /* mmdebstrap --variant */
  const char *const *sources;        /* apt one-line entries, resolved:
                                        "deb URL SUITE AREA..." */
  const char *const *packages;       /* --include (bootloader ones added) */
  guint64 size;                      /* virtual disk size, bytes */
  gboolean gpt;                      /* else an MBR (msdos) table */
  gboolean uefi;                     /* else BIOS */
  guint64 esp_size;                  /* UEFI: ESP size, bytes */
  const char *root_label;
  const char *hostname;
  const char *timezone;
  const char *locale;
  const char *kernel_cmdline;        /* extra words, may be "" */
  const char *const *datasources;    /* cloud-init datasource_list */
  gboolean compress;                 /* qcow2 -c */
  const char *work_dir;              /* an empty directory with room (~3 GiB) */
  const char *output;                /* the qcow2 to write (replaced) */
  const char *log_path;              /* every tool's output is appended */
  gboolean force_tcg;                /* the accel decision: the bootloader
                                        step's appliance must not try KVM */
} KilnTemplateBuildSpec;

typedef struct {
  double bootstrap_s;                /* mmdebstrap */
  double configure_s;                /* step 2 */
  double filesystem_s;               /* mkfs */
  double partition_s;                /* sfdisk + dd */
  double bootloader_s;               /* the libguestfs launch and GRUB */
  double convert_s;                  /* qemu-img convert */
  double total_s;
  guint64 tree_bytes;                /* size of the bootstrapped tree */
  char root_uuid[37];
} KilnTemplateBuildStats;

/* Called at the start of each step ("bootstrap", "configure",
 * "filesystem", "partition", "bootloader", "convert") with a line for the
 * user. */
typedef void (*KilnTemplateBuildProgress) (const char *step,
                                           const char *message,
                                           gpointer user_data);

/* Root is required (mmdebstrap chroot mode; files keep their owners):
 * KILN_ERROR_HOST otherwise, and when a tool is missing.  A tool that fails
 * gives KILN_ERROR_FAILED with the tail of its output; cancellation gives
 * KILN_ERROR_CANCELLED.  The work directory's contents are removed on
 * every path (the directory itself is the caller's). */
gboolean kiln_template_build_image (const KilnTemplateBuildSpec *spec,
                                    KilnTemplateBuildProgress progress,
                                    gpointer user_data,
                                    KilnTemplateBuildStats *stats,
                                    GCancellable *cancellable,
                                    GError **error);

/* The tools a build needs that are not on PATH (NULL when none), e.g.
 * "mmdebstrap (Debian package mmdebstrap)". */
char *kiln_template_build_missing_tools (gboolean uefi);
