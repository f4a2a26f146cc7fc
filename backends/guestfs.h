/* guestfs.h - offline work on a disk image through libguestfs
 *
 * One handle = one appliance launch (17-28 s under TCG), so a stage opens one
 * KilnGuest and does all its work through it.  Nothing is ever mounted on the
 * host: libguestfs mounts inside its appliance.
 */
#pragma once

#include <gio/gio.h>

#include "common/kiln-types.h"

typedef struct {
  gboolean readonly;       /* add the drive read-only */
  gboolean network;        /* appliance network (apt in offline steps) */
  gboolean force_tcg;      /* the accel decision: no KVM */
  const char *log_path;    /* libguestfs debug/trace appended here, or NULL */
} KilnGuestOptions;

/* Adds the disk, launches the appliance, inspects the OS (no OS or several:
 * a clear error) and mounts its filesystems inside the appliance. */
KilnGuest *kiln_guest_open (const char *disk, const char *format,
                            const KilnGuestOptions *opts, GError **error);
/* Syncs, shuts the appliance down, closes.  Returns FALSE when the shutdown
 * reported an error (writes may be lost). */
gboolean kiln_guest_close (KilnGuest *g, GError **error);
void kiln_guest_free (KilnGuest *g);  /* close, ignoring errors */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnGuest, kiln_guest_free)

const KilnOsInfo *kiln_guest_os (const KilnGuest *g);

/* mode: applied with chmod after writing; -1 keeps the default (0644).
 * read returns NUL-terminated data, and fails on a file larger than
 * KILN_GUEST_READ_MAX (the guest's files are untrusted: a step may have
 * made one huge). */
#define KILN_GUEST_READ_MAX (1024 * 1024)
gboolean kiln_guest_write (KilnGuest *g, const char *path, const void *data,
                           gsize len, int mode, GError **error);
/* The folder host_dir, whole, into the guest folder guest_parent (created
 * when missing) under its own name. */
gboolean kiln_guest_copy_in (KilnGuest *g, const char *host_dir,
                             const char *guest_parent, GError **error);
gboolean kiln_guest_upload (KilnGuest *g, const char *host_path,
                            const char *guest_path, int mode, GError **error);
gboolean kiln_guest_read (KilnGuest *g, const char *path, char **data,
                          gsize *len, GError **error);
gboolean kiln_guest_exists (KilnGuest *g, const char *path);
gboolean kiln_guest_mkdir_p (KilnGuest *g, const char *path, int mode,
                             GError **error);

/* Upload the agent (agent_binary: a host path) and the plan (plan_json: the
 * JSON text) and enable the agent at boot (systemd unit, else /etc/rc.local
 * and OpenRC local.d) - docs/agent-protocol.md.  nic: the boot has a
 * network card (the agent waits for network-online.target); without one the
 * guest's wait-online services are skipped for that boot. */
gboolean kiln_guest_install_agent (KilnGuest *g, const char *agent_binary,
                                   const char *plan_json, gboolean nic,
                                   GError **error);
/* The wait-online services whose drop-ins a boot without a network card
 * gets (NULL-terminated). */
const char *const *kiln_guest_wait_online_units (void);
/* SELinux enforcing or permissive in the guest's /etc/selinux/config. */
gboolean kiln_guest_selinux_active (KilnGuest *g);
/* Kills every libguestfs appliance this process started, one still
 * launching included (no handle can tell its pid before the launch
 * returns).  Shaped as a signal's stop (base/signals.h: called from the
 * signal thread); the argument is unused. */
void kiln_guest_kill_appliances (gpointer unused);

/* Runs the installed agent on its plan inside the appliance, chrooted into
 * the guest (no boot: an offline build, docs/offline.md), and downloads its
 * event lines (guest data) to the host file events_path.  *agent_error
 * (free it) is the appliance's message when the agent exited non-zero;
 * returns FALSE only when no events could be read. */
gboolean kiln_guest_run_agent_offline (KilnGuest *g, const char *events_path,
                                       char **agent_error, GError **error);

/* Remove everything install_agent added (and the agent's state and log). */
gboolean kiln_guest_remove_agent (KilnGuest *g, GError **error);

/* Generalize: machine-id emptied, SSH host keys, logs, tmp, shell
 * histories, cloud-init state, DHCP leases, random seed, udev persistent net
 * rules, package caches, the agent.  Each action taken is appended to
 * actions (char*) for the build log. */
gboolean kiln_guest_generalize (KilnGuest *g, GPtrArray *actions,
                                GError **error);
/* Zero / discard free space in every filesystem (fstrim, else zerofree). */
gboolean kiln_guest_zero_free_space (KilnGuest *g, GError **error);
/* The systemd journal's files (all of them: they hold what the run's steps
 * printed); each removal appended to actions like generalize's. */
gboolean kiln_guest_remove_journal (KilnGuest *g, GPtrArray *actions,
                                    GError **error);

/* Whether the package databases libguestfs would parse (dpkg status, apk
 * installed, rpm) are regular files within kiln's size limits: a step may
 * have replaced one with anything.  FALSE with an error naming the file. */
gboolean kiln_guest_check_package_databases (KilnGuest *g, GError **error);

/* Installed packages: KilnPackageRow* as the package database has them
 * (the core formats versions: src/outputs/sbom.h).  Checks the databases
 * first (kiln_guest_check_package_databases). */
GPtrArray *kiln_guest_list_packages (KilnGuest *g, GError **error);

/* ---- raw reads (src/outputs/guest-facts.c turns them into facts) -------
 *
 * Reads only, on the open guest (no second appliance launch).  A missing
 * or unreadable thing is an answer (NULL, empty), not an error: the core
 * decides what that means. */

typedef struct {
  char *name;
  char type;               /* 'r' file, 'd' directory, 'l' symlink, 'b' 'c'
                              'f' 's' 'u' '?' (libguestfs's readdir) */
} KilnGuestDirEntry;

/* The entries of dir (KilnGuestDirEntry*, without . and ..), NULL when dir
 * is not a directory that can be read. */
GPtrArray *kiln_guest_list_dir (KilnGuest *g, const char *dir);
/* Guest paths matching a shell glob (char*), empty when none. */
GPtrArray *kiln_guest_glob (KilnGuest *g, const char *pattern);
/* Every path below dir (char*, relative, each with a leading '/'), NULL
 * when dir cannot be walked. */
GPtrArray *kiln_guest_find (KilnGuest *g, const char *dir);
/* The contents of a file (NUL-terminated; *len without the NUL), NULL when
 * it is missing, unreadable or larger than max bytes. */
char *kiln_guest_read_max (KilnGuest *g, const char *path, gsize max,
                           gsize *len);
/* Copies a guest file to a host file; a file larger than max bytes is
 * an error that says so, and nothing is copied. */
gboolean kiln_guest_download (KilnGuest *g, const char *guest_path,
                              const char *host_path, guint64 max,
                              GError **error);

typedef struct {
  char *device;            /* /dev/sda1 */
  char *mountpoint;        /* inside the guest: /, /boot/efi */
  char *fstype;            /* "vfat"; NULL when unknown */
} KilnGuestMount;

/* The guest's filesystems as mounted in the appliance (KilnGuestMount*). */
GPtrArray *kiln_guest_mounts (KilnGuest *g);
/* The first len bytes of the first disk (NULL when unreadable) and its size
 * in bytes (*size 0 when unknown). */
GBytes *kiln_guest_disk_head (KilnGuest *g, gsize len, guint64 *size);
/* The GPT partition type GUID of every partition on every disk (char*,
 * as libguestfs prints them); partitions without one are left out. */
GPtrArray *kiln_guest_gpt_types (KilnGuest *g);
