/* libvirt-private.h - shared between backends/libvirt*.c and their tests
 *
 * Not a contract for the rest of kiln: src/ uses backends/libvirt.h only.
 */
#pragma once

#include <libvirt/libvirt.h>

#include "libvirt.h"

/* The agent's virtio-serial port name (docs/agent-protocol.md). */
#define KILN_AGENT_PORT_NAME "org.kiln.agent.0"

/* A line longer than this is reported as an error and skipped. */
#define KILN_CHANNEL_MAX_LINE (1024 * 1024)

struct KilnHypervisor {
  virConnectPtr conn;
  char *uri;          /* what was opened */
  char *embed_root;   /* the embedded driver's root, NULL for other URIs */
};

/* Libvirt's last error on this thread as a GError (KILN_ERROR_HOST). */
void kiln_libvirt_set_error (GError **error, const char *what);

/* prefix + "-" + 12 random hex digits. */
char *kiln_domain_make_name (const char *prefix);

/* A KilnDomain without a libvirt domain whose agent channel is fd (taken
 * over): kiln_domain_read_line's buffering, limits and deadlines on a real
 * socket, for the unit tests.  It counts as running until fd reads EOF. */
KilnDomain *kiln_domain_new_for_channel_fd (int fd, const char *name);

/* The file qemu writes its own stderr to for domain name (embedded driver
 * only: ROOT/log/qemu/NAME.log), or NULL. */
char *kiln_domain_qemu_log_path (KilnHypervisor *hv, const char *name);

/* The host kernel the probe boots: /boot/vmlinuz-$(uname -r), else the
 * newest /boot/vmlinuz-*.  NULL when there is none. */
char *kiln_accel_find_host_kernel (void);

/* Writes a newc cpio initramfs holding /init (a copy of init_path, mode
 * 0755) and /dev/console (char 5,1). */
gboolean kiln_accel_write_initramfs (const char *init_path, const char *out,
                                     GError **error);

/* A probe guest's kernel and initramfs where the target's QEMU opens them:
 * in place without a pool; with one, copied into volumes named after
 * workdir's base name (two probes never share one), deleted again by
 * kiln_probe_files_drop.  kernel_at and initrd_at are the paths to boot. */
typedef struct {
  KilnPool *pool;
  char *kernel_vol;
  char *initrd_vol;
  char *kernel_at;
  char *initrd_at;
} KilnProbeFiles;

gboolean kiln_probe_files_place (KilnProbeFiles *f, KilnPool *pool,
                                 const char *kernel, const char *initrd,
                                 const char *workdir, GError **error);
void kiln_probe_files_drop (KilnProbeFiles *f);
