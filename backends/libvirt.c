/* libvirt.c - the hypervisor connection and transient domains
 *
 * The embedded QEMU driver (qemu:///embed?root=DIR) runs inside this
 * process: it needs libvirt's default event loop running in a thread, and
 * the connection must stay open for as long as any domain lives (closing it
 * early leaves a powered-off guest's qemu behind and its name taken).
 *
 * On SIGINT/SIGTERM the owner of a domain stops it with kiln_domain_stop
 * (from its signal thread; src/base/signals.h), then frees it as usual.
 */
#define _GNU_SOURCE  /* accept4, strverscmp */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "common/kiln.h"
#include "libvirt-private.h"

/* How long QEMU may take to connect to the agent socket after the domain
 * was created (it connects while setting up its chardevs, before the guest
 * runs, so this is only a safety net). */
#define CHANNEL_ACCEPT_SECONDS 30
/* read_line and wait_shutoff look at the domain state this often when the
 * channel is quiet (a channel-less domain has nothing else to watch). */
#define STATE_POLL_USEC (250 * 1000)
/* What wait_shutoff keeps of unread channel data before dropping more. */
#define CHANNEL_MAX_PENDING (64 * 1024 * 1024)
/* read_line buffers at most this much without a newline. */
#define READ_LIMIT (KILN_CHANNEL_MAX_LINE + 1)

struct KilnDomain {
  virDomainPtr dom;
  char *name;
  char *socket_path;   /* the agent socket kiln created (unlinked at the end) */
  int listen_fd;
  int fd;              /* accepted channel connection, -1 without a channel */
  GByteArray *buf;     /* received; bytes before pos were returned already */
  gsize pos;
  gboolean eof;        /* the channel closed or the domain stopped */
  gboolean skipping;   /* inside an overlong line: drop up to the next '\n' */
  gboolean dropped_warned;
  char *nvram;         /* UEFI variables libvirt created for this domain */
  gboolean has_seed;   /* a second disk (vdb), never snapshotted */
  gboolean embedded;   /* on the embedded driver (a layer may be cut) */
  /* On a daemon: the channel's libvirt stream, and the thread that copies
   * it into the other end of fd's socket pair (stream_bridge). */
  virStreamPtr stream;
  GThread *bridge;
  /* ... and the serial console's stream, copied into the console log by
   * its own thread (stream_bridge) */
  virStreamPtr console_stream;
  GThread *console_thread;
};

/* ---- errors ---------------------------------------------------------- */

/* libvirt prints every error to stderr unless told otherwise; kiln reports
 * them through GError instead. */
static void
quiet_error_func (void *opaque, virErrorPtr err)
{
}

void
kiln_libvirt_set_error (GError **error, const char *what)
{
  const char *msg = virGetLastErrorMessage ();
  g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "%s: %s", what,
               msg ? msg : "unknown libvirt error");
}

static gboolean
last_error_is_no_domain (void)
{
  virErrorPtr err = virGetLastError ();
  return err && err->code == VIR_ERR_NO_DOMAIN;
}

/* ---- the event loop thread --------------------------------------------- */

/* SIGPIPE blocked in the calling thread: a write to a transport whose
 * process is gone (a qemu+ssh URI whose ssh died) fails with EPIPE instead
 * of ending kiln.  pipe_unblock takes a SIGPIPE raised meanwhile. */
static void
pipe_block (sigset_t *old)
{
  sigset_t pipe;
  sigemptyset (&pipe);
  sigaddset (&pipe, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &pipe, old);
}

static void
pipe_unblock (const sigset_t *old)
{
  if (sigismember (old, SIGPIPE))
    return;
  sigset_t pipe;
  sigemptyset (&pipe);
  sigaddset (&pipe, SIGPIPE);
  const struct timespec none = { 0, 0 };
  while (sigtimedwait (&pipe, NULL, &none) > 0)
    ;
  pthread_sigmask (SIG_SETMASK, old, NULL);
}

static gpointer
event_loop_thread (gpointer data)
{
  /* libvirt writes to its connections from here too */
  sigset_t old;
  pipe_block (&old);
  for (;;)
    if (virEventRunDefaultImpl () < 0)
      g_usleep (100 * 1000);
  return NULL;
}

/* Once per process: libvirt initialized, quiet errors, the event loop.
 * libvirt's own log (e.g. the embedded driver's "tainted: high-privileges"
 * warning for qemu running as root) still goes to stderr: its outputs are
 * read from LIBVIRT_LOG_OUTPUTS when the library initializes, which
 * libguestfs already triggers while it loads, before kiln's main() runs. */
static gboolean
libvirt_init (GError **error)
{
  static gsize once;
  static gboolean ok;
  static char *failure;
  if (g_once_init_enter (&once))
    {
      ok = virInitialize () == 0;
      if (ok)
        {
          virSetErrorFunc (NULL, quiet_error_func);
          ok = virEventRegisterDefaultImpl () == 0;
        }
      if (ok)
        g_thread_unref (g_thread_new ("kiln-virt-events", event_loop_thread, NULL));
      else
        failure = g_strdup (virGetLastErrorMessage ());
      g_once_init_leave (&once, 1);
    }
  if (!ok)
    g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                 "cannot initialize libvirt: %s", failure ? failure : "unknown error");
  return ok;
}

/* ---- hypervisor ------------------------------------------------------ */

static const char QEMU_CONF_HEADER[] =
  "# Written by kiln for libvirt's embedded QEMU driver (no daemons).\n"
  "# Edit freely; kiln only writes this file when it is missing.\n"
  "# qemu's stdout/stderr go straight to log/qemu/NAME.log (no virtlogd).\n"
  "stdio_handler = \"file\"\n";

static const char QEMU_CONF_ROOT[] =
  "# Running as root: qemu runs as root too and libvirt leaves the\n"
  "# ownership of the caller's disks, logs and sockets alone.\n"
  "user = \"root\"\n"
  "group = \"root\"\n"
  "dynamic_ownership = 0\n"
  "remember_owner = 0\n";

static gboolean
prepare_embed_root (const char *root, GError **error)
{
  g_autofree char *etc = g_build_filename (root, "etc", NULL);
  if (g_mkdir_with_parents (etc, 0700) < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "cannot create %s: %s", etc, g_strerror (e));
      return FALSE;
    }
  g_autofree char *conf = g_build_filename (etc, "qemu.conf", NULL);
  if (g_file_test (conf, G_FILE_TEST_EXISTS))
    return TRUE;
  g_autofree char *text = g_strconcat (QEMU_CONF_HEADER,
                                       geteuid () == 0 ? QEMU_CONF_ROOT : "",
                                       NULL);
  if (!g_file_set_contents (conf, text, -1, error))
    {
      g_prefix_error (error, "cannot write the embedded libvirt configuration: ");
      (*error)->domain = KILN_ERROR;
      (*error)->code = KILN_ERROR_HOST;
      return FALSE;
    }
  return TRUE;
}

/* Domains still running in an embedded root this process just locked were
 * started by a kiln process that died without cleaning up (SIGKILL, a
 * crash): nobody else can own them, so they are destroyed. */
static void
reap_orphans (virConnectPtr conn, const char *root)
{
  virDomainPtr *doms = NULL;
  int n = virConnectListAllDomains (conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  for (int i = 0; i < n; i++)
    {
      g_warning ("destroying domain %s left running in %s by an earlier kiln process",
                 virDomainGetName (doms[i]), root);
      virDomainDestroy (doms[i]);
      virDomainFree (doms[i]);
    }
  free (doms);
}

static char *
embed_uri (const char *root)
{
  g_autofree char *escaped = g_uri_escape_string (root, "/", FALSE);
  return g_strconcat ("qemu:///embed?root=", escaped, NULL);
}

/* Is another process using the embedded root?  libvirt holds a write lock
 * on the first byte of ROOT/run/qemu/driver.pid while a connection is open;
 * F_GETLK tells without taking it.  (It has to be asked before opening:
 * libvirt does not let a process retry the embedded driver with another
 * root after a failure.) */
static gboolean
embed_root_busy (const char *root)
{
  g_autofree char *pidfile = g_build_filename (root, "run", "qemu", "driver.pid", NULL);
  int fd = open (pidfile, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
  gboolean busy = fcntl (fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
  close (fd);
  return busy;
}

/* How many sibling roots (ROOT-2 ... ROOT-N) concurrent kiln processes may
 * fall back to. */
#define EMBED_ROOT_FALLBACKS 16

static KilnHypervisor *open_free_embed_root (const char *base, GError **error);

/* Finding a free root and opening it is one step for concurrent kiln
 * processes: without this lock two of them can both see ROOT free, and the
 * one that loses libvirt's pid-file lock fails.  Best effort: if the lock
 * file cannot be had, they go on as before. */
static KilnHypervisor *
open_embed_root (const char *base, GCancellable *cancellable, GError **error)
{
  g_autofree char *lock_path = g_strconcat (base, ".lock", NULL);
  int lock = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  /* Polled, not a blocking flock: a signal must stop kiln while another
   * process holds the lock (a blocked flock is restarted after the
   * signal, which GLib's handler only records). */
  while (lock >= 0 && flock (lock, LOCK_EX | LOCK_NB) != 0)
    {
      if (errno != EWOULDBLOCK && errno != EINTR)
        {
          close (lock);
          lock = -1;
          break;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_prefix_error (error, "while waiting for another process to open "
                          "the embedded libvirt root %s: ", base);
          close (lock);
          return NULL;
        }
      g_usleep (100 * 1000);
    }
  KilnHypervisor *hv = open_free_embed_root (base, error);
  if (lock >= 0)
    close (lock);
  return hv;
}

KilnHypervisor *
kiln_hypervisor_open (const char *uri, const char *embed_root, GError **error)
{
  return kiln_hypervisor_open_cancellable (uri, embed_root, NULL, error);
}

KilnHypervisor *
kiln_hypervisor_open_cancellable (const char *uri, const char *embed_root,
                                  GCancellable *cancellable, GError **error)
{
  if (!libvirt_init (error))
    return NULL;
  if (uri != NULL && !g_str_equal (uri, "embed"))
    {
      /* the thread that calls does the connection's I/O while it waits */
      sigset_t old;
      pipe_block (&old);
      virConnectPtr conn = virConnectOpen (uri);
      pipe_unblock (&old);
      if (conn == NULL)
        {
          g_autofree char *what = g_strdup_printf ("cannot connect to %s", uri);
          kiln_libvirt_set_error (error, what);
          return NULL;
        }
      KilnHypervisor *hv = g_new0 (KilnHypervisor, 1);
      hv->conn = conn;
      hv->uri = g_strdup (uri);
      return hv;
    }

  if (embed_root == NULL || *embed_root == '\0')
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "the embedded libvirt driver needs a root directory");
      return NULL;
    }
  g_autofree char *base = g_canonicalize_filename (embed_root, NULL);
  return open_embed_root (base, cancellable, error);
}

/* One process at a time may use an embedded root (libvirt locks
 * ROOT/run/qemu/driver.pid).  A concurrent kiln takes the first free
 * sibling ROOT-2, ROOT-3, ...; each keeps its capabilities cache warm. */
static KilnHypervisor *
open_free_embed_root (const char *base, GError **error)
{
  for (int i = 1; i <= EMBED_ROOT_FALLBACKS; i++)
    {
      g_autofree char *root = i == 1 ? g_strdup (base) : g_strdup_printf ("%s-%d", base, i);
      if (i < EMBED_ROOT_FALLBACKS && embed_root_busy (root))
        continue;
      if (!prepare_embed_root (root, error))
        return NULL;
      g_autofree char *open_uri = embed_uri (root);
      virConnectPtr conn = virConnectOpen (open_uri);
      if (conn)
        {
          reap_orphans (conn, root);
          KilnHypervisor *hv = g_new0 (KilnHypervisor, 1);
          hv->conn = conn;
          hv->uri = g_steal_pointer (&open_uri);
          hv->embed_root = g_steal_pointer (&root);
          return hv;
        }
      /* No retry with another root: once the embedded driver failed to
       * start, libvirt refuses it for the rest of the process. */
      const char *msg = virGetLastErrorMessage ();
      /* Running as root, the embedded driver insists that the distribution's
       * qemu user exists even though kiln's qemu.conf runs qemu as root. */
      gboolean no_user = msg && strstr (msg, "Failed to parse user");
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot connect to %s: %s%s",
                   open_uri, msg ? msg : "unknown libvirt error",
                   no_user ? " (libvirt needs the qemu user it was built with even when"
                   " qemu runs as root: install libvirt-daemon-system (Debian) or libvirt-daemon"
                   " (Fedora), or create that user and group with useradd --system)" : "");
      return NULL;
    }
  g_assert_not_reached ();
}

/* ---- domains of a kiln that was killed ---------------------------------- */

/* The pid QEMU wrote for domain name in root, when that process is QEMU
 * running that domain (its command line says guest=NAME), else 0: a pid
 * file outlives its process and pids are reused. */
static pid_t
orphan_qemu_pid (const char *root, const char *name)
{
  g_autofree char *pid_file = g_strdup_printf ("%s/run/qemu/%s.pid", root,
                                               name);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (pid_file, &text, &len, NULL) || len > 32)
    return 0;
  gint64 pid = g_ascii_strtoll (text, NULL, 10);
  if (pid <= 1)
    return 0;
  g_autofree char *cmdline_path = g_strdup_printf ("/proc/%" G_GINT64_FORMAT
                                                   "/cmdline", pid);
  g_autofree char *cmdline = NULL;
  gsize cmd_len = 0;
  if (!g_file_get_contents (cmdline_path, &cmdline, &cmd_len, NULL))
    return 0;
  g_autofree char *want = g_strdup_printf ("guest=%s,", name);
  /* arguments are NUL-separated: look at each */
  for (gsize off = 0; off < cmd_len; off += strlen (cmdline + off) + 1)
    if (g_str_has_prefix (cmdline + off, want))
      return (pid_t) pid;
  return 0;
}

/* Waits (a bounded while) for a killed process to be gone or a zombie:
 * QEMU is not kiln's child, init reaps it. */
static void
wait_gone (pid_t pid)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  for (int i = 0; i < 100; i++)
    {
      g_autofree char *stat = NULL;
      if (!g_file_get_contents (stat_path, &stat, NULL, NULL))
        return;
      const char *p = strrchr (stat, ')');
      if (p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
        return;
      g_usleep (50 * 1000);
    }
}

static void
reap_root (const char *root, GPtrArray *killed)
{
  g_autofree char *run = g_build_filename (root, "run", "qemu", NULL);
  g_autoptr (GDir) d = g_dir_open (run, 0, NULL);
  const char *entry;
  while (d && (entry = g_dir_read_name (d)))
    {
      if (!g_str_has_suffix (entry, ".pid") || !g_str_has_prefix (entry, "kiln-"))
        continue;
      g_autofree char *name = g_strndup (entry, strlen (entry) - 4);
      pid_t pid = orphan_qemu_pid (root, name);
      if (pid > 0 && kill (pid, SIGKILL) != 0)
        continue;
      if (pid > 0)
        {
          wait_gone (pid);
          if (killed)
            g_ptr_array_add (killed, g_strdup (name));
        }
      /* libvirt forgets the domain: no reconnect to a dead monitor */
      g_autofree char *pid_file = g_build_filename (run, entry, NULL);
      g_autofree char *status = g_strdup_printf ("%s/%s.xml", run, name);
      g_unlink (status);
      g_unlink (pid_file);
    }
}

guint
kiln_hypervisor_reap_embedded (const char *embed_root, GPtrArray *killed)
{
  g_autofree char *base = g_canonicalize_filename (embed_root, NULL);
  g_autofree char *lock_path = g_strconcat (base, ".lock", NULL);
  int lock = open (lock_path, O_RDWR | O_CLOEXEC);
  /* the lock kiln_hypervisor_open takes: nobody opens a root meanwhile.
   * Not waited for: when another process is opening a root right now,
   * the reaping is left to the next kiln (every command looks). */
  if (lock >= 0 && flock (lock, LOCK_EX | LOCK_NB) != 0)
    {
      close (lock);
      return 0;
    }
  guint before = killed ? killed->len : 0;
  for (int i = 1; i <= EMBED_ROOT_FALLBACKS; i++)
    {
      g_autofree char *root = i == 1 ? g_strdup (base)
                                     : g_strdup_printf ("%s-%d", base, i);
      if (!g_file_test (root, G_FILE_TEST_IS_DIR) || embed_root_busy (root))
        continue;
      reap_root (root, killed);
    }
  if (lock >= 0)
    close (lock);
  return killed ? killed->len - before : 0;
}

/* The domains and volumes on conn whose names begin with prefix. */
static void
reap_on (virConnectPtr conn, const char *prefix, GPtrArray *killed,
         GPtrArray *volumes)
{
  virDomainPtr *doms = NULL;
  int n = virConnectListAllDomains (conn, &doms,
                                    VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  for (int i = 0; i < n; i++)
    {
      const char *name = virDomainGetName (doms[i]);
      if (name && g_str_has_prefix (name, prefix)
          && virDomainDestroy (doms[i]) == 0 && killed)
        g_ptr_array_add (killed, g_strdup (name));
      virDomainFree (doms[i]);
    }
  free (doms);
  /* then the volumes its boots had in a storage pool (target-disks.h in
   * the core names them after the domains) */
  virStoragePoolPtr *pools = NULL;
  int np = virConnectListAllStoragePools (conn, &pools,
                                          VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
  for (int i = 0; i < np; i++)
    {
      virStorageVolPtr *vols = NULL;
      int nv = virStoragePoolListAllVolumes (pools[i], &vols, 0);
      for (int j = 0; j < nv; j++)
        {
          const char *name = virStorageVolGetName (vols[j]);
          if (name && g_str_has_prefix (name, prefix)
              && virStorageVolDelete (vols[j], 0) == 0 && volumes)
            g_ptr_array_add (volumes, g_strdup (name));
          virStorageVolFree (vols[j]);
        }
      free (vols);
      virStoragePoolFree (pools[i]);
    }
  free (pools);
}

gboolean
kiln_hypervisor_reap_named (const char *uri, const char *prefix,
                            GPtrArray *killed, GPtrArray *volumes,
                            GError **error)
{
  /* only the local daemon's own socket: a transport (ext, ssh) would run
   * a program on behalf of a kiln that is gone */
  if (!kiln_hypervisor_uri_is_local_daemon (uri))
    return TRUE;
  if (!libvirt_init (error))
    return FALSE;
  virConnectPtr conn = virConnectOpen (uri);
  if (!conn)
    {
      g_autofree char *what = g_strdup_printf ("cannot connect to %s", uri);
      kiln_libvirt_set_error (error, what);
      return FALSE;
    }
  reap_on (conn, prefix, killed, volumes);
  virConnectClose (conn);
  return TRUE;
}

gboolean
kiln_hypervisor_uri_is_local_daemon (const char *uri)
{
  g_autoptr (GUri) u = g_uri_parse (uri, G_URI_FLAGS_NON_DNS, NULL);
  const char *scheme = u ? g_uri_get_scheme (u) : NULL;
  const char *host = u ? g_uri_get_host (u) : NULL;
  return scheme && (g_str_equal (scheme, "qemu")
                    || g_str_equal (scheme, "qemu+unix"))
         && !(host && *host) && !g_uri_get_query (u);
}

void
kiln_hypervisor_reap_prefix (KilnHypervisor *hv, const char *prefix,
                             GPtrArray *killed, GPtrArray *volumes)
{
  if (hv->conn)
    reap_on (hv->conn, prefix, killed, volumes);
}

/* The daemon is this user's own session daemon on this host, its QEMU
 * running as kiln's user: qemu:///session opened by anyone but root (for
 * root, libvirt takes qemu:///session for the system daemon). */
static gboolean
runs_as_this_user (KilnHypervisor *hv)
{
  if (hv->embed_root || geteuid () == 0)
    return FALSE;
  g_autoptr (GUri) u = g_uri_parse (hv->uri, G_URI_FLAGS_NON_DNS, NULL);
  const char *host = u ? g_uri_get_host (u) : NULL;
  return u && !(host && *host)
         && g_strcmp0 (g_uri_get_path (u), "/session") == 0;
}

KilnTargetKind
kiln_hypervisor_target_kind (KilnHypervisor *hv)
{
  if (hv->embed_root)
    return KILN_TARGET_EMBEDDED;
  /* qemu:///system has no host; qemu+ssh://builder3/system has one */
  g_autoptr (GUri) u = g_uri_parse (hv->uri, G_URI_FLAGS_NON_DNS, NULL);
  const char *host = u ? g_uri_get_host (u) : NULL;
  return host && *host ? KILN_TARGET_REMOTE : KILN_TARGET_LOCAL_DAEMON;
}

const char *
kiln_hypervisor_uri (KilnHypervisor *hv)
{
  return hv->uri;
}

char *
kiln_hypervisor_host_name (KilnHypervisor *hv)
{
  if (kiln_hypervisor_target_kind (hv) != KILN_TARGET_REMOTE)
    return NULL;
  char *name = virConnectGetHostname (hv->conn);
  /* libvirt's allocation: hand back a GLib one */
  char *copy = g_strdup (name);
  free (name);
  return copy;
}

void
kiln_hypervisor_close (KilnHypervisor *hv)
{
  if (hv == NULL)
    return;
  /* Domains still alive hold their own reference on the connection. */
  virConnectClose (hv->conn);
  g_free (hv->uri);
  g_free (hv->embed_root);
  g_free (hv);
}

char *
kiln_domain_qemu_log_path (KilnHypervisor *hv, const char *name)
{
  if (hv->embed_root == NULL)
    return NULL;
  g_autofree char *file = g_strconcat (name, ".log", NULL);
  return g_build_filename (hv->embed_root, "log", "qemu", file, NULL);
}

/* ---- the agent channel ------------------------------------------------- */

static int
channel_listen (const char *path, GError **error)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof addr.sun_path)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "agent socket path too long for a unix socket (%zu bytes, at most %zu): %s",
                   strlen (path), sizeof addr.sun_path - 1, path);
      return -1;
    }
  strcpy (addr.sun_path, path);

  /* A socket left by an earlier run is replaced; anything else is not ours. */
  struct stat st;
  if (lstat (path, &st) == 0)
    {
      if (!S_ISSOCK (st.st_mode))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                       "%s exists and is not a socket", path);
          return -1;
        }
      g_unlink (path);
    }

  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0
      || listen (fd, 1) < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "cannot listen on %s: %s", path, g_strerror (e));
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd;
}

static int
channel_accept (int listen_fd, const char *path, GError **error)
{
  struct pollfd p = { .fd = listen_fd, .events = POLLIN };
  int r;
  do
    r = poll (&p, 1, CHANNEL_ACCEPT_SECONDS * 1000);
  while (r < 0 && errno == EINTR);
  if (r <= 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "qemu did not connect to the agent socket %s within %d s",
                   path, CHANNEL_ACCEPT_SECONDS);
      return -1;
    }
  int fd = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "cannot accept qemu's connection on %s: %s", path, g_strerror (e));
    }
  return fd;
}

/* ---- domains ----------------------------------------------------------- */

typedef struct {
  virStreamPtr stream;
  int fd;              /* where the bytes go (owned, closed at the end) */
  gboolean socket;     /* fd is kiln's socket pair, not a file */
} Bridge;

/* Copies a domain's stream into fd until the stream ends (the domain
 * stopped or was destroyed) or fd takes no more: the agent channel into
 * the other end of kiln's socket pair, so that a domain on a daemon is read
 * exactly as one whose channel is kiln's own socket (kiln's end closed:
 * the domain is being freed); the serial console into its log file (a full
 * disk: the log stops, the guest goes on). */
static gpointer
stream_bridge (gpointer data)
{
  Bridge *b = data;
  char buf[64 * 1024];
  for (;;)
    {
      int n = virStreamRecv (b->stream, buf, sizeof buf);
      if (n <= 0)
        break;
      gsize done = 0;
      while (done < (gsize) n)
        {
          /* a closed socket: EPIPE, not SIGPIPE */
          ssize_t w = b->socket ? send (b->fd, buf + done, n - done,
                                        MSG_NOSIGNAL)
                                : write (b->fd, buf + done, n - done);
          if (w < 0 && errno == EINTR)
            continue;
          if (w <= 0)
            goto out;
          done += (gsize) w;
        }
    }
out:
  close (b->fd);
  g_free (b);
  return NULL;
}

static GThread *
bridge_start (const char *name, virStreamPtr stream, int fd, gboolean socket)
{
  Bridge *b = g_new0 (Bridge, 1);
  b->stream = stream;
  b->fd = fd;
  b->socket = socket;
  return g_thread_new (name, stream_bridge, b);
}

/* Opens the serial console of a (paused) domain as a stream, copied into
 * path by a thread of its own. */
static gboolean
console_open_stream (KilnDomain *dom, const char *path, GError **error)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot open %s: %s",
                   path, g_strerror (e));
      return FALSE;
    }
  dom->console_stream = virStreamNew (virDomainGetConnect (dom->dom), 0);
  if (!dom->console_stream
      || virDomainOpenConsole (dom->dom, NULL, dom->console_stream,
                               VIR_DOMAIN_CONSOLE_FORCE) < 0)
    {
      g_autofree char *what = g_strdup_printf (
          "cannot open the serial console of domain %s", dom->name);
      kiln_libvirt_set_error (error, what);
      close (fd);
      return FALSE;
    }
  dom->console_thread = bridge_start ("kiln-console", dom->console_stream,
                                      fd, FALSE);
  return TRUE;
}

/* Opens the agent channel of a started domain as a stream; dom->fd
 * becomes the reading end of a socket pair the bridge thread fills. */
static gboolean
channel_open_stream (KilnDomain *dom, GError **error)
{
  dom->stream = virStreamNew (virDomainGetConnect (dom->dom), 0);
  if (!dom->stream
      || virDomainOpenChannel (dom->dom, KILN_AGENT_PORT_NAME, dom->stream,
                               0) < 0)
    {
      g_autofree char *what = g_strdup_printf (
          "cannot open the agent channel of domain %s", dom->name);
      kiln_libvirt_set_error (error, what);
      return FALSE;
    }
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "cannot make a socket pair for the agent channel: %s",
                   g_strerror (e));
      return FALSE;
    }
  g_unix_set_fd_nonblocking (sv[0], TRUE, NULL);
  dom->fd = sv[0];
  dom->bridge = bridge_start ("kiln-channel", dom->stream, sv[1], TRUE);
  return TRUE;
}

static void
domain_free (KilnDomain *dom)
{
  /* kiln's end first: a bridge blocked writing to it gets EPIPE */
  if (dom->fd >= 0)
    close (dom->fd);
  dom->fd = -1;
  if (dom->bridge)
    {
      /* the domain is gone by now: the daemon ends the stream, and the
       * bridge's read returns */
      g_thread_join (dom->bridge);
      dom->bridge = NULL;
    }
  if (dom->stream)
    virStreamFree (dom->stream);
  if (dom->console_thread)
    {
      /* as the channel's: the stream ends with the domain */
      g_thread_join (dom->console_thread);
      dom->console_thread = NULL;
    }
  if (dom->console_stream)
    virStreamFree (dom->console_stream);
  if (dom->dom)
    virDomainFree (dom->dom);
  if (dom->listen_fd >= 0)
    close (dom->listen_fd);
  if (dom->socket_path)
    g_unlink (dom->socket_path);
  if (dom->nvram)
    g_unlink (dom->nvram);
  g_free (dom->nvram);
  g_free (dom->socket_path);
  g_free (dom->name);
  if (dom->buf)
    g_byte_array_unref (dom->buf);
  g_free (dom);
}

/* The per-domain copy of the UEFI variable store libvirt made from the
 * firmware's template.  A transient domain leaves it behind; its name is
 * unique to the domain, so kiln removes it with the domain. */
static char *
domain_nvram_path (virDomainPtr d)
{
  char *xml = virDomainGetXMLDesc (d, 0);
  if (xml == NULL)
    return NULL;
  char *path = NULL;
  xmlDocPtr doc = xmlReadMemory (xml, strlen (xml), "domain.xml", NULL, XML_PARSE_NONET);
  free (xml);
  if (doc == NULL)
    return NULL;
  xmlXPathContextPtr ctx = xmlXPathNewContext (doc);
  xmlXPathObjectPtr o = ctx ? xmlXPathEvalExpression (BAD_CAST "string(/domain/os/nvram)", ctx) : NULL;
  if (o && o->stringval && *o->stringval)
    path = g_strdup ((const char *) o->stringval);
  xmlXPathFreeObject (o);
  xmlXPathFreeContext (ctx);
  xmlFreeDoc (doc);
  return path;
}

KilnDomain *
kiln_domain_start (KilnHypervisor *hv, const KilnDomainSpec *spec,
                   GError **error)
{
  if (spec->accel != KILN_ACCEL_KVM && spec->accel != KILN_ACCEL_TCG)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "the accelerator must be resolved (kvm or tcg) before a domain starts");
      return NULL;
    }
  if (spec->disk == NULL && spec->kernel == NULL)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "a domain needs a boot disk or a kernel");
      return NULL;
    }

  KilnDomainSpec own = *spec;
  if (own.channel_socket && !hv->embed_root)
    {
      /* a daemon's QEMU cannot be trusted to reach kiln's socket (another
       * user, another host): the channel comes as a stream.  QEMU binds
       * its socket where libvirt says, except on this user's own session
       * daemon: there it binds kiln's path (short, in kiln's private
       * directory), as libvirt's own (~/.config/libvirt/qemu/channel/
       * target/domain-N-NAME/org.kiln.agent.0) outgrows a unix socket's
       * 107 bytes with a home directory of over ~23 characters */
      if (!runs_as_this_user (hv))
        own.channel_socket = NULL;
      own.channel_stream = TRUE;
    }
  /* the same for the console: a file there would be on the daemon's
   * host, written as its user */
  own.console_stream = own.console_log && !hv->embed_root;
  spec = &own;

  KilnDomain *dom = g_new0 (KilnDomain, 1);
  dom->fd = -1;
  dom->listen_fd = -1;
  dom->buf = g_byte_array_new ();
  dom->name = kiln_domain_make_name (spec->name_prefix ? spec->name_prefix : "kiln");
  dom->has_seed = spec->seed_disk != NULL;
  dom->embedded = hv->embed_root != NULL;

  if (spec->console_log)
    {
      /* Start from an empty log: append='off' truncates only when qemu
       * opens it, and a stale file would confuse whoever watches it. */
      g_autoptr (GError) ignored = NULL;
      g_file_set_contents (spec->console_log, "", 0, &ignored);
    }

  if (spec->channel_socket && !spec->channel_stream)
    {
      dom->listen_fd = channel_listen (spec->channel_socket, error);
      if (dom->listen_fd < 0)
        {
          domain_free (dom);
          return NULL;
        }
      dom->socket_path = g_strdup (spec->channel_socket);
    }

  g_autofree char *xml = kiln_domain_xml (spec, dom->name);
  /* On a daemon the domain ends with kiln's connection, however kiln
   * ends (kill -9 included: the daemon sees the socket close).  The
   * embedded driver dies with kiln and leaves QEMU running: its roots are
   * reaped by the next kiln instead (kiln_hypervisor_reap_embedded). */
  unsigned int flags = hv->embed_root ? VIR_DOMAIN_NONE
                                      : VIR_DOMAIN_START_AUTODESTROY;
  /* streams are opened before the guest runs, so no line is lost */
  gboolean streams = spec->channel_stream || spec->console_stream;
  if (streams)
    flags |= VIR_DOMAIN_START_PAUSED;
  dom->dom = virDomainCreateXML (hv->conn, xml, flags);
  if (dom->dom == NULL)
    {
      g_autofree char *what = g_strdup_printf ("cannot start domain %s", dom->name);
      kiln_libvirt_set_error (error, what);
      domain_free (dom);
      return NULL;
    }
  /* a remote host's variable store is that host's: libvirt keeps it */
  if (spec->uefi && kiln_hypervisor_target_kind (hv) != KILN_TARGET_REMOTE)
    dom->nvram = domain_nvram_path (dom->dom);
  if ((spec->channel_stream && !channel_open_stream (dom, error))
      || (spec->console_stream
          && !console_open_stream (dom, spec->console_log, error)))
    {
      kiln_domain_destroy (dom);
      return NULL;
    }
  if (streams && virDomainResume (dom->dom) < 0)
    {
      g_autofree char *what = g_strdup_printf ("cannot resume domain %s",
                                               dom->name);
      kiln_libvirt_set_error (error, what);
      kiln_domain_destroy (dom);
      return NULL;
    }

  if (dom->listen_fd >= 0)
    {
      dom->fd = channel_accept (dom->listen_fd, dom->socket_path, error);
      close (dom->listen_fd);
      dom->listen_fd = -1;
      if (dom->fd < 0)
        {
          kiln_domain_destroy (dom);
          return NULL;
        }
    }
  return dom;
}

KilnDomain *
kiln_domain_new_for_channel_fd (int fd, const char *name)
{
  KilnDomain *dom = g_new0 (KilnDomain, 1);
  dom->fd = fd;
  dom->listen_fd = -1;
  dom->buf = g_byte_array_new ();
  dom->name = g_strdup (name);
  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
  return dom;
}

const char *
kiln_domain_name (const KilnDomain *dom)
{
  return dom->name;
}

/* 1 running (or paused, or rebooting), 0 shut off or gone, -1 error. */
static int
domain_active (KilnDomain *dom, GError **error)
{
  if (dom->dom == NULL)
    return dom->eof ? 0 : 1;  /* channel only (unit tests): up until EOF */
  int r = virDomainIsActive (dom->dom);
  if (r < 0)
    {
      if (last_error_is_no_domain ())
        return 0;  /* a transient domain disappears once it shuts off */
      g_autofree char *what = g_strdup_printf ("cannot get the state of domain %s", dom->name);
      kiln_libvirt_set_error (error, what);
    }
  return r;
}

gboolean
kiln_domain_is_running (KilnDomain *dom)
{
  return domain_active (dom, NULL) == 1;
}

typedef enum {
  FILL_ERROR,
  FILL_DRAINED,   /* read until EAGAIN or EOF */
  FILL_FULL,      /* stopped at the limit with more to read */
} FillResult;

/* Reads what is available now into dom->buf.  read_line stops at a limit
 * (a line over KILN_CHANNEL_MAX_LINE is then skipped, not buffered whole);
 * wait_shutoff (drop = TRUE) keeps draining but drops data over its limit
 * so that the guest never blocks on a full channel. */
static FillResult
channel_fill (KilnDomain *dom, gsize limit, gboolean drop, GError **error)
{
  guint8 chunk[65536];
  for (;;)
    {
      gsize pending = dom->buf->len - dom->pos;
      if (!drop && pending >= limit)
        return FILL_FULL;
      ssize_t n = read (dom->fd, chunk, sizeof chunk);
      if (n > 0)
        {
          if (pending + (gsize) n <= limit || !drop)
            g_byte_array_append (dom->buf, chunk, n);
          else if (!dom->dropped_warned)
            {
              g_warning ("domain %s: more than %d MiB of unread agent output, dropping the rest",
                         dom->name, (int) (limit >> 20));
              dom->dropped_warned = TRUE;
            }
          continue;
        }
      if (n == 0)
        {
          dom->eof = TRUE;
          return FILL_DRAINED;
        }
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return FILL_DRAINED;
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "reading the agent channel of %s: %s", dom->name, g_strerror (e));
      return FILL_ERROR;
    }
}

/* Waits up to until (monotonic usec, -1 = one state-poll slice) for channel
 * data or cancellation; fills dom->buf.  Sets dom->eof when the domain is no
 * longer running.  FALSE on error (including cancellation). */
static gboolean
channel_wait (KilnDomain *dom, gint64 until, gsize limit, gboolean drop,
              GCancellable *cancellable, GError **error)
{
  gint64 now = g_get_monotonic_time ();
  gint64 slice = STATE_POLL_USEC;
  if (until >= 0 && until - now < slice)
    slice = MAX (until - now, 0);

  struct pollfd p[2];
  int n = 0;
  if (dom->fd >= 0)
    p[n++] = (struct pollfd) { .fd = dom->fd, .events = POLLIN };
  GPollFD cancel_fd;
  gboolean have_cancel_fd = cancellable && g_cancellable_make_pollfd (cancellable, &cancel_fd);
  if (have_cancel_fd)
    p[n++] = (struct pollfd) { .fd = cancel_fd.fd, .events = POLLIN };

  int r = poll (p, n, (int) ((slice + 999) / 1000));
  if (have_cancel_fd)
    g_cancellable_release_fd (cancellable);
  if (r < 0 && errno != EINTR)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "poll: %s", g_strerror (e));
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (r > 0 && dom->fd >= 0 && p[0].revents)
    return channel_fill (dom, limit, drop, error) != FILL_ERROR;

  /* Quiet channel: has the domain stopped?  Then drain what qemu wrote
   * before it exited and report the end. */
  int active = domain_active (dom, error);
  if (active < 0)
    return FALSE;
  if (active == 0)
    {
      /* qemu has exited, so the socket holds all it will ever get (and
       * reads EOF after it); the state check covers a channel-less domain. */
      FillResult f = dom->fd >= 0 ? channel_fill (dom, limit, drop, error) : FILL_DRAINED;
      if (f == FILL_ERROR)
        return FALSE;
      if (f == FILL_DRAINED)
        dom->eof = TRUE;
    }
  return TRUE;
}

KilnChannelStatus
kiln_domain_read_line (KilnDomain *dom, gint64 deadline, char **line,
                       GCancellable *cancellable, GError **error)
{
  *line = NULL;
  for (;;)
    {
      /* Lines are taken from pos on; the consumed front is cut off only
       * now and then, so many short lines do not cost a copy each. */
      if (dom->pos == dom->buf->len)
        {
          g_byte_array_set_size (dom->buf, 0);
          dom->pos = 0;
        }
      else if (dom->pos > 65536 && dom->pos > dom->buf->len / 2)
        {
          g_byte_array_remove_range (dom->buf, 0, dom->pos);
          dom->pos = 0;
        }
      const char *start = (const char *) dom->buf->data + dom->pos;
      gsize avail = dom->buf->len - dom->pos;
      const char *nl = avail ? memchr (start, '\n', avail) : NULL;
      if (nl)
        {
          gsize len = nl - start;
          gboolean skipped = dom->skipping;
          dom->pos += len + 1;
          dom->skipping = FALSE;
          if (skipped)
            continue;
          *line = g_strndup (start, len);
          return KILN_CHANNEL_LINE;
        }
      if (avail > KILN_CHANNEL_MAX_LINE || (dom->skipping && avail))
        {
          dom->pos = dom->buf->len;
          if (!dom->skipping)
            {
              dom->skipping = TRUE;
              g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                           "domain %s: the agent sent a line longer than %d bytes",
                           dom->name, KILN_CHANNEL_MAX_LINE);
              return KILN_CHANNEL_ERROR;
            }
          continue;
        }
      if (dom->eof)
        {
          /* The guest died in the middle of a line: hand it over as is. */
          if (avail && !dom->skipping)
            {
              *line = g_strndup (start, avail);
              dom->pos = dom->buf->len;
              return KILN_CHANNEL_LINE;
            }
          return KILN_CHANNEL_STOPPED;
        }
      if (deadline >= 0 && g_get_monotonic_time () >= deadline)
        {
          /* One last look without waiting. */
          gsize before = dom->buf->len;
          if (dom->fd >= 0 && channel_fill (dom, READ_LIMIT, FALSE, error) == FILL_ERROR)
            return KILN_CHANNEL_ERROR;
          if (dom->eof || dom->buf->len != before)
            continue;
          return KILN_CHANNEL_TIMEOUT;
        }
      if (!channel_wait (dom, deadline, READ_LIMIT, FALSE, cancellable, error))
        return KILN_CHANNEL_ERROR;
    }
}

gboolean
kiln_domain_wait_shutoff (KilnDomain *dom, gint64 deadline, GError **error)
{
  /* Keep reading the channel meanwhile: a guest blocked on a full channel
   * would never get to power off.  What arrives stays for read_line. */
  while (!dom->eof)
    {
      if (deadline >= 0 && g_get_monotonic_time () >= deadline)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_TIMEOUT,
                       "domain %s did not shut off in time", dom->name);
          return FALSE;
        }
      if (!channel_wait (dom, deadline, CHANNEL_MAX_PENDING, TRUE, NULL, error))
        return FALSE;
    }
  /* The channel closes when qemu exits; libvirt may report shutoff a moment
   * later.  Wait for that too so the caller can reuse the disk at once. */
  for (;;)
    {
      int active = domain_active (dom, error);
      if (active <= 0)
        return active == 0;
      if (deadline >= 0 && g_get_monotonic_time () >= deadline)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_TIMEOUT,
                       "domain %s did not shut off in time", dom->name);
          return FALSE;
        }
      g_usleep (50 * 1000);
    }
}

/* ---- host -> agent, and the live disk snapshot of a layer ------------- */

gboolean
kiln_domain_write_line (KilnDomain *dom, const char *line, GError **error)
{
  if (dom->stream || dom->fd < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "domain %s: kiln writes to the agent channel only on the "
                   "embedded driver", dom->name);
      return FALSE;
    }
  g_autofree char *text = g_strdup_printf ("%s\n", line);
  gsize len = strlen (text), done = 0;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (done < len)
    {
      ssize_t w = send (dom->fd, text + done, len - done, MSG_NOSIGNAL);
      if (w > 0)
        {
          done += (gsize) w;
          continue;
        }
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
          && g_get_monotonic_time () < deadline)
        {
          struct pollfd p = { .fd = dom->fd, .events = POLLOUT };
          poll (&p, 1, 200);
          continue;
        }
      int e = w < 0 ? errno : EIO;
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "writing to the agent channel of %s: %s", dom->name,
                   e == EAGAIN ? "the guest does not read" : g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

gboolean
kiln_domain_snapshot_disk (KilnDomain *dom, const char *new_top,
                           GError **error)
{
  if (!dom->embedded)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "domain %s: live disk snapshots are taken only on the "
                   "embedded driver", dom->name);
      return FALSE;
    }
  g_autofree char *path = g_markup_escape_text (new_top, -1);
  g_autofree char *xml = g_strdup_printf (
      "<domainsnapshot><description>kiln layer</description><disks>"
      "<disk name='vda' snapshot='external' type='file'>"
      "<driver type='qcow2'/><source file='%s'/></disk>%s"
      "</disks></domainsnapshot>", path,
      dom->has_seed ? "<disk name='vdb' snapshot='no'/>" : "");
  virDomainSnapshotPtr snap = virDomainSnapshotCreateXML (
      dom->dom, xml, VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
                     | VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA
                     | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC);
  if (snap == NULL)
    {
      g_autofree char *what = g_strdup_printf (
          "cannot take a disk snapshot of domain %s into %s", dom->name,
          new_top);
      kiln_libvirt_set_error (error, what);
      return FALSE;
    }
  virDomainSnapshotFree (snap);
  return TRUE;
}

void
kiln_domain_stop (KilnDomain *dom)
{
  /* libvirt's calls are thread-safe; the owner's read_line sees the channel
   * close (or the domain gone) and returns. */
  if (dom->dom && virDomainIsActive (dom->dom) == 1 && virDomainDestroy (dom->dom) < 0
      && !last_error_is_no_domain ())
    g_warning ("cannot stop domain %s: %s", dom->name, virGetLastErrorMessage ());
}

void
kiln_domain_destroy (KilnDomain *dom)
{
  if (dom == NULL)
    return;
  if (dom->dom && virDomainIsActive (dom->dom) == 1 && virDomainDestroy (dom->dom) < 0
      && !last_error_is_no_domain ())
    g_warning ("cannot destroy domain %s: %s", dom->name, virGetLastErrorMessage ());
  domain_free (dom);
}
