/* libvirt.h - transient build and test domains through libvirt
 *
 * Default connection: the embedded driver, qemu:///embed?root=DIR, with a
 * qemu.conf in DIR/etc that needs no daemon (stdio_handler = "file", and as
 * root user/group root with dynamic_ownership = 0).  Any other URI works with
 * --connect.  The process keeps the connection (and an event loop thread)
 * open for a domain's whole life.
 */
#pragma once

#include <gio/gio.h>

#include "common/kiln-types.h"

/* uri NULL or "embed" = embedded driver rooted at embed_root (created with
 * its qemu.conf when missing).  libvirt allows one process per embedded
 * root: when another process holds embed_root, the first free sibling
 * embed_root-2 ... -16 is used.  Domains found running in a root when it is
 * opened were left by a kiln process that died (SIGKILL) and are destroyed. */
KilnHypervisor *kiln_hypervisor_open (const char *uri, const char *embed_root,
                                      GError **error);
/* The same, and waiting for another process that is opening an embedded
 * root at the same time stops when cancellable (may be NULL) fires
 * (G_IO_ERROR_CANCELLED). */
KilnHypervisor *kiln_hypervisor_open_cancellable (const char *uri,
                                                  const char *embed_root,
                                                  GCancellable *cancellable,
                                                  GError **error);
void kiln_hypervisor_close (KilnHypervisor *hv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnHypervisor, kiln_hypervisor_close)

/* The QEMU processes of kiln's domains (named kiln-*) still running in the
 * embedded roots embed_root, embed_root-2 ... that no process has open:
 * the kiln that started them was killed.  Each is killed (SIGKILL: nobody
 * wants its disk any more) and forgotten by libvirt; without libvirt, so
 * a process that already uses another root can do it too.  Their names
 * are appended to killed (may be NULL); returns how many.  Nothing is
 * done while another process is opening a root (its lock is held): the
 * next kiln looks again. */
guint kiln_hypervisor_reap_embedded (const char *embed_root,
                                     GPtrArray *killed);

/* Destroys the running domains on the libvirt daemon at uri whose names
 * begin with prefix ("kiln-TAG-": the domains of one build whose kiln was
 * killed).  Only a daemon on this host is asked through its own socket
 * (qemu:///system, qemu:///session; nothing is asked for another URI):
 * every domain kiln starts on a daemon is started with autodestroy, so it
 * ends with kiln's connection anyway, and this is for a daemon that kept
 * one.  Then the volumes whose names begin with prefix are deleted from
 * the daemon's active storage pools (a killed build's disks on the
 * target).  Names destroyed and deleted are appended to killed and volumes
 * (either may be NULL); FALSE with error when the daemon could not be
 * asked. */
gboolean kiln_hypervisor_reap_named (const char *uri, const char *prefix,
                                     GPtrArray *killed, GPtrArray *volumes,
                                     GError **error);

/* Whether uri names a daemon on this host through its own socket
 * (qemu:///system, qemu:///session, qemu+unix:///...): what
 * kiln_hypervisor_reap_named asks. */
gboolean kiln_hypervisor_uri_is_local_daemon (const char *uri);

/* As kiln_hypervisor_reap_named, on hv's own connection (any transport:
 * the caller connected to that target for its own work). */
void kiln_hypervisor_reap_prefix (KilnHypervisor *hv, const char *prefix,
                                  GPtrArray *killed, GPtrArray *volumes);

/* ---- the accelerator probe: mechanics only (the decision, the cache and
 * when to probe are src/build/accel-decide.c's) ---- */

/* Whether device (/dev/kvm) opens read-write and speaks the KVM API;
 * *why says what failed otherwise. */
gboolean kiln_kvm_device_usable (const char *device, char **why);

/* The hypervisor's type and version ("QEMU 7.2.0"), NULL when unknown. */
char *kiln_hypervisor_version (KilnHypervisor *hv);

/* Boots the probe guest once under accel: kernel (NULL = the host's, from
 * /boot) with a one-file initramfs holding probe_init, a static program that
 * prints KILN-PROBE-OK on the console and powers off.  Its files go to
 * workdir and are removed again; with a pool (a daemon's QEMU cannot open
 * kiln's files) the kernel and initramfs are copied into volumes of it for
 * the boot, deleted after.  TRUE when the marker appeared within
 * timeout_seconds; FALSE with *reason when the guest failed to start
 * (*started FALSE), stopped without it or ran out of time.  error is set
 * (and FALSE returned) only when no probe could be made (no probe_init, no
 * kernel) or when cancellable fired (KILN_ERROR_CANCELLED; the guest is
 * destroyed). */
gboolean kiln_accel_probe_boot (KilnHypervisor *hv, KilnPool *pool,
                                KilnAccel accel,
                                const char *probe_init, const char *kernel,
                                const char *workdir, guint timeout_seconds,
                                GCancellable *cancellable, gboolean *started,
                                char **reason, GError **error);

/* Starts the same probe guest under accel and destroys it at once: TRUE
 * when the connection can start a domain at all; FALSE with libvirt's
 * error (no log daemon, no permission on the files, QEMU missing...). */
gboolean kiln_accel_probe_starts (KilnHypervisor *hv, KilnPool *pool,
                                  KilnAccel accel,
                                  const char *probe_init, const char *kernel,
                                  const char *workdir, GError **error);

/* What the connection reaches: the embedded driver, a daemon on this host
 * (a URI without a host name: qemu:///system, qemu:///session) or a remote
 * host.  The URI opened; the remote host's name (NULL unless remote). */
typedef enum {
  KILN_TARGET_EMBEDDED,
  KILN_TARGET_LOCAL_DAEMON,
  KILN_TARGET_REMOTE,
} KilnTargetKind;
KilnTargetKind kiln_hypervisor_target_kind (KilnHypervisor *hv);
const char *kiln_hypervisor_uri (KilnHypervisor *hv);
char *kiln_hypervisor_host_name (KilnHypervisor *hv);

struct KilnDomainSpec {
  const char *name_prefix;     /* "kiln-build"; a unique suffix is added */
  const char *disk;            /* boot disk */
  const char *disk_format;     /* "qcow2" */
  const char *seed_disk;       /* optional read-only extra disk (cidata), or NULL */
  const char *seed_format;
  guint memory_mib;            /* default 1024 */
  guint vcpus;                 /* default 2 */
  KilnAccel accel;             /* KVM or TCG (resolved) */
  gboolean uefi;               /* OVMF firmware */
  gboolean network_user;       /* user-mode NIC (outbound NAT) */
  /* serial console written to this file.  On a daemon QEMU's console is
   * a pty there, read as a libvirt stream (virDomainOpenConsole) and
   * written here by kiln, so a remote host's console lands here too. */
  const char *console_log;
  gboolean console_stream;     /* set by kiln_domain_start: the above */
  /* unix socket for org.kiln.agent.0.  On a daemon (any connection but
   * the embedded driver) the socket is QEMU's (bound by it) and the
   * channel reaches kiln as a libvirt stream instead
   * (virDomainOpenChannel), read the same way.  Its path there is
   * libvirt's own choice, except on this user's session daemon, whose
   * QEMU runs as kiln's user: this path (libvirt's, under
   * ~/.config/libvirt, outgrows a unix socket's 107 bytes with a home
   * directory of over ~23 characters). */
  const char *channel_socket;
  gboolean channel_stream;     /* set by kiln_domain_start: the above */
  /* direct kernel boot (the accel probe), else boot from the disk */
  const char *kernel;
  const char *initrd;
  const char *cmdline;
};

/* The domain XML (libxml2) for spec and a chosen name; for tests too. */
char *kiln_domain_xml (const KilnDomainSpec *spec, const char *name);

/* Creates and starts a transient domain.  The agent channel is listening
 * before the guest starts, so no early event is lost. */
KilnDomain *kiln_domain_start (KilnHypervisor *hv, const KilnDomainSpec *spec,
                               GError **error);
const char *kiln_domain_name (const KilnDomain *dom);

typedef enum {
  KILN_CHANNEL_LINE,       /* *line holds one line (without '\n') */
  KILN_CHANNEL_TIMEOUT,    /* nothing arrived before the deadline */
  KILN_CHANNEL_STOPPED,    /* the domain shut off (channel closed) */
  KILN_CHANNEL_ERROR,      /* see error */
} KilnChannelStatus;

/* Waits for the next line from the guest agent until deadline (monotonic
 * microseconds, g_get_monotonic_time() base; -1 = none), or until
 * cancellable fires. */
KilnChannelStatus kiln_domain_read_line (KilnDomain *dom, gint64 deadline,
                                         char **line, GCancellable *cancellable,
                                         GError **error);

/* Writes one line (a '\n' is added) to the guest agent on the channel:
 * the answer to a `layer` event (docs/agent-protocol.md).  Only on the
 * embedded driver, whose channel is kiln's own socket; an error elsewhere. */
gboolean kiln_domain_write_line (KilnDomain *dom, const char *line,
                                 GError **error);

/* A live external disk-only snapshot of the boot disk (vda; the seed disk
 * is left out): new_top, which must not exist, is created by libvirt as a
 * qcow2 overlay of the disk the guest was writing, and the guest writes
 * to it from now on; the old one is left as it was at this instant (a
 * layer).  No snapshot metadata is kept.  Only on the embedded driver. */
gboolean kiln_domain_snapshot_disk (KilnDomain *dom, const char *new_top,
                                    GError **error);

/* Waits until the domain shuts off by itself, up to deadline. */
gboolean kiln_domain_wait_shutoff (KilnDomain *dom, gint64 deadline,
                                   GError **error);
gboolean kiln_domain_is_running (KilnDomain *dom);

/* Destroys the domain if still running and frees it; safe on every path. */
void kiln_domain_destroy (KilnDomain *dom);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnDomain, kiln_domain_destroy)

/* Stops (destroys) the guest now but keeps the handle, which its owner
 * still frees with kiln_domain_destroy.  Safe from another thread while the
 * owner waits in kiln_domain_read_line or wait_shutoff (a signal thread
 * calls it: src/base/signals.h). */
void kiln_domain_stop (KilnDomain *dom);
