/* template-build.c - build a base image from distribution packages
 *
 * See template-build.h for the steps.  Everything that touches the tree
 * works on a plain directory made by mmdebstrap; the finished disk is only
 * ever opened by libguestfs inside its appliance.
 */
#include "template-build-private.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guestfs-private.h"
#include "program.h"
#include "common/kiln.h"
#include "qemu-img.h"

#define MIB (G_GUINT64_CONSTANT (1024) * 1024)
#define EFI_TYPE "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define EATMYDATA_HOOKS "/usr/share/mmdebstrap/hooks/eatmydata"
#define LINUX_TYPE "0FC63DAF-8483-4772-8E79-3D69D8477DE4"

typedef KilnTemplateCtx Ctx;


/* ------------------------------------------------------------------ */
/* logging and tools                                                   */

void
kiln_tb_log (Ctx *c, const char *fmt, ...)
{
  if (c->log_fd < 0)
    return;
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *ts = g_date_time_format (now, "%H:%M:%S");
  g_autofree char *line = g_strdup_printf ("[%s] %s\n", ts, msg);
  if (write (c->log_fd, line, strlen (line)) < 0)
    { /* the log is best effort */ }
}

/* The last lines of the log, for an error message. */
static char *
log_tail (Ctx *c, gsize max)
{
  if (!c->spec->log_path)
    return g_strdup ("");
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (c->spec->log_path, &text, &len, NULL))
    return g_strdup ("");
  const char *start = len > max ? text + len - max : text;
  if (len > max)
    {
      const char *nl = strchr (start, '\n');
      if (nl)
        start = nl + 1;
    }
  return g_strdup (start);
}

static char *
argv_to_text (const char *const *argv)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; argv[i]; i++)
    {
      if (i)
        g_string_append_c (s, ' ');
      if (strpbrk (argv[i], " \t\"'$\\") || !*argv[i])
        {
          g_autofree char *q = g_shell_quote (argv[i]);
          g_string_append (s, q);
        }
      else
        g_string_append (s, argv[i]);
    }
  return g_string_free (s, FALSE);
}

static void
wait_done (GObject *src, GAsyncResult *res, gpointer data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (src), res, NULL);
  *(gboolean *) data = TRUE;
}

/* TRUE when p exited within seconds. */
static gboolean
wait_for_exit (GSubprocess *p, guint seconds)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_main_context_push_thread_default (ctx);
  gboolean done = FALSE;
  g_subprocess_wait_async (p, NULL, wait_done, &done);
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  while (!done && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (ctx, FALSE))
      g_usleep (50000);
  g_main_context_pop_thread_default (ctx);
  return done;
}

/* In the child: the tools that build the guest's tree (mmdebstrap, mkfs)
 * create its files with the caller's umask, as before kiln made its own
 * state private (common/kiln.h). */
static void
child_setup (gpointer data)
{
  umask ((mode_t) GPOINTER_TO_UINT (data));
  /* A group of its own, so that a cancel reaches the tool's children too:
   * mmdebstrap's main process only waits for its setup child on SIGTERM
   * (it expects a terminal's signal, which reaches the whole group). */
  setpgid (0, 0);
}

/* sig to the tool and every process it started. */
static void
signal_group (GSubprocess *p, int sig)
{
  const char *id = g_subprocess_get_identifier (p);
  if (id)
    kill (-(pid_t) atoi (id), sig);
}

/* mmdebstrap's main process can end before the child of it that unmounts
 * what it mounted in the tree: wait until no process of the group is
 * left (at most `seconds`), then end whatever still is. */
static void
wait_for_group (pid_t group, guint seconds)
{
  if (group <= 0)
    return;
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  while (kill (-group, 0) == 0 && g_get_monotonic_time () < end)
    g_usleep (100000);
  if (kill (-group, 0) == 0)
    kill (-group, SIGKILL);
}

/* Runs argv with stdout and stderr appended to the log (or stdout captured
 * into *out).  input, when not NULL, is written to its stdin. */
gboolean
kiln_tb_run (Ctx *c, const char *const *argv, const char *const *env,
              const char *input, char **out, GError **error)
{
  g_autofree char *cmd = argv_to_text (argv);
  kiln_tb_log (c, "$ %s", cmd);
  GSubprocessFlags flags = input ? G_SUBPROCESS_FLAGS_STDIN_PIPE
                                 : G_SUBPROCESS_FLAGS_NONE;
  if (out)
    flags |= G_SUBPROCESS_FLAGS_STDOUT_PIPE;
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (flags);
  g_subprocess_launcher_set_child_setup (
      l, child_setup, GUINT_TO_POINTER (kiln_user_umask ()), NULL);
  g_subprocess_launcher_setenv (l, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_setenv (l, "DEBIAN_FRONTEND", "noninteractive", TRUE);
  /* the tools are found where the missing-tools check found them, and what
   * they run themselves (mmdebstrap: mount, chroot) in the sbin
   * directories too, whatever PATH the caller had */
  g_autofree char *path = kiln_host_program_path ();
  g_subprocess_launcher_setenv (l, "PATH", path, TRUE);
  for (guint i = 0; env && env[i] && env[i + 1]; i += 2)
    g_subprocess_launcher_setenv (l, env[i], env[i + 1], TRUE);
  if (!input)
    {
      /* never let a tool wait on the terminal */
      int null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      if (null_fd >= 0)
        g_subprocess_launcher_take_stdin_fd (l, null_fd);
    }
  if (c->log_fd >= 0)
    {
      if (!out)
        g_subprocess_launcher_take_stdout_fd (l, dup (c->log_fd));
      g_subprocess_launcher_take_stderr_fd (l, dup (c->log_fd));
    }
  g_autofree char *program = strchr (argv[0], '/')
                                 ? NULL : kiln_host_program_find (argv[0]);
  g_autofree const char **found_argv = NULL;
  if (program)
    {
      guint n = g_strv_length ((char **) argv);
      found_argv = g_new0 (const char *, n + 1);
      memcpy (found_argv, argv, n * sizeof *argv);
      found_argv[0] = program;
    }
  g_autoptr (GSubprocess) p = g_subprocess_launcher_spawnv (
      l, found_argv ? found_argv : argv, error);
  if (!p)
    {
      g_prefix_error (error, "%s: ", argv[0]);
      return FALSE;
    }
  /* the group's id, for after the tool itself is gone */
  const char *id = g_subprocess_get_identifier (p);
  pid_t group = id ? (pid_t) atoi (id) : 0;
  g_autoptr (GError) local = NULL;
  g_autofree char *stdout_text = NULL;
  if (!g_subprocess_communicate_utf8 (p, input, c->cancellable,
                                      out ? &stdout_text : NULL, NULL,
                                      &local))
    {
      /* cancelled (or a pipe error): let the tool clean up (mmdebstrap
       * unmounts what it mounted in the tree on SIGTERM), then make sure */
      signal_group (p, SIGTERM);
      if (!wait_for_exit (p, 60))
        {
          signal_group (p, SIGKILL);
          g_subprocess_force_exit (p);
          g_subprocess_wait (p, NULL, NULL);
        }
      wait_for_group (group, 30);
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error (error, KILN_ERROR, KILN_ERROR_CANCELLED,
                     "cancelled while running %s", argv[0]);
      else
        g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s: %s", argv[0],
                     local->message);
      return FALSE;
    }
  if (!g_subprocess_get_successful (p))
    {
      g_autofree char *tail = log_tail (c, 1500);
      int status = g_subprocess_get_if_exited (p)
                       ? g_subprocess_get_exit_status (p) : -1;
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "%s failed (exit status %d); the end of its output:\n%s",
                   cmd, status, tail);
      return FALSE;
    }
  if (out)
    *out = g_steal_pointer (&stdout_text);
  return TRUE;
}

static gboolean
run_tool (Ctx *c, const char *const *argv, const char *input, char **out,
          GError **error)
{
  return kiln_tb_run (c, argv, NULL, input, out, error);
}

char *
kiln_template_build_missing_tools (gboolean uefi)
{
  static const char *const tools[][2] = {
    { "mmdebstrap", "mmdebstrap" },
    { "mkfs.ext4", "e2fsprogs" },
    { "sfdisk", "fdisk" },
    { "dd", "coreutils" },
    { "du", "coreutils" },
    { "systemctl", "systemd" },
    { "chroot", "coreutils" },
    { "rm", "coreutils" },
    { "qemu-img", "qemu-utils" },
  };
  GString *missing = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *p = kiln_host_program_find (tools[i][0]);
      if (!p)
        g_string_append_printf (missing, "%s%s (Debian package %s)",
                                missing->len ? ", " : "", tools[i][0],
                                tools[i][1]);
    }
  if (uefi)
    {
      g_autofree char *p = kiln_host_program_find ("mkfs.vfat");
      if (!p)
        g_string_append_printf (missing, "%smkfs.vfat (Debian package "
                                "dosfstools)", missing->len ? ", " : "");
    }
  if (missing->len == 0)
    {
      g_string_free (missing, TRUE);
      return NULL;
    }
  return g_string_free (missing, FALSE);
}

/* ------------------------------------------------------------------ */
/* 1. bootstrap                                                        */

static gboolean
has_package (const KilnTemplateBuildSpec *s, const char *name)
{
  for (guint i = 0; s->packages && s->packages[i]; i++)
    if (strcmp (s->packages[i], name) == 0)
      return TRUE;
  return FALSE;
}

/* mmdebstrap customize hook (run directly, not through a shell, with the
 * tree as $1): installs the kernel packages listed in $KILN_KERNEL_LIST
 * after everything else, so the initramfs is generated once - packages
 * installed earlier trigger initramfs updates while there is no kernel
 * yet.  apt on the host side (mmdebstrap's configuration) downloads, since
 * the tree's resolv.conf already points at systemd-resolved. */
static const char kernel_hook[] =
    "#!/bin/sh\n"
    "# kiln template build: install the kernel last (see template-build.c)\n"
    "set -eu\n"
    "root=\"$1\"\n"
    "list=\"${KILN_KERNEL_LIST:?}\"\n"
    "[ -s \"$list\" ] || exit 0\n"
    "APT_CONFIG=\"$MMDEBSTRAP_APT_CONFIG\" xargs -a \"$list\" apt-get --yes "
    "--no-install-recommends --download-only install\n"
    "xargs -a \"$list\" chroot \"$root\" apt-get --yes --no-download "
    "--no-install-recommends -o Dpkg::Options::=--force-confold install\n";

static gboolean
bootstrap (Ctx *c, GError **error)
{
  const KilnTemplateBuildSpec *s = c->spec;
  g_autoptr (GString) include = g_string_new (NULL);
  g_autoptr (GString) kernels = g_string_new (NULL);
  for (guint i = 0; s->packages && s->packages[i]; i++)
    {
      if (g_str_has_prefix (s->packages[i], "linux-image-"))
        g_string_append_printf (kernels, "%s\n", s->packages[i]);
      else
        g_string_append_printf (include, "%s%s", include->len ? "," : "",
                                s->packages[i]);
    }
  /* the bootloader the template's firmware needs */
  const char *boot_pkgs[] = { s->uefi ? "grub-efi-amd64" : "grub-pc",
                              s->uefi ? "dosfstools" : NULL, NULL };
  for (guint i = 0; boot_pkgs[i]; i++)
    if (!has_package (s, boot_pkgs[i]))
      g_string_append_printf (include, "%s%s", include->len ? "," : "",
                              boot_pkgs[i]);

  g_autofree char *hook = g_build_filename (s->work_dir, "kiln-kernel-hook",
                                            NULL);
  g_autofree char *list = g_build_filename (s->work_dir, "kernels.txt", NULL);
  if (!g_file_set_contents (hook, kernel_hook, -1, error)
      || !g_file_set_contents (list, kernels->str, -1, error))
    return FALSE;
  if (chmod (hook, 0755) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "chmod %s: %s", hook,
                   g_strerror (errno));
      return FALSE;
    }

  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup ("mmdebstrap"));
  g_ptr_array_add (argv, g_strdup ("--mode=root"));
  g_ptr_array_add (argv, g_strdup_printf ("--variant=%s", s->variant));
  g_ptr_array_add (argv, g_strdup_printf ("--architectures=%s",
                                          s->architecture));
  g_ptr_array_add (argv, g_strdup_printf ("--include=%s", include->str));
  g_ptr_array_add (argv, g_strdup ("--aptopt=Acquire::Retries \"3\""));
  g_ptr_array_add (argv, g_strdup ("--verbose"));
  g_ptr_array_add (argv, g_strdup_printf ("--customize-hook=%s", hook));
  /* dpkg without fsync: the tree is thrown away on failure anyway (after
   * our hook: its customize step puts dpkg back) */
  if (g_file_test (EATMYDATA_HOOKS, G_FILE_TEST_IS_DIR))
    g_ptr_array_add (argv, g_strdup ("--hook-dir=" EATMYDATA_HOOKS));
  g_ptr_array_add (argv, g_strdup (s->suite));
  g_ptr_array_add (argv, g_strdup (c->root));
  for (guint i = 0; s->sources && s->sources[i]; i++)
    g_ptr_array_add (argv, g_strdup (s->sources[i]));
  g_ptr_array_add (argv, NULL);
  const char *env[] = { "KILN_KERNEL_LIST", list, NULL };
  gboolean ok = kiln_tb_run (c, (const char *const *) argv->pdata, env, NULL,
                              NULL, error);
  unlink (hook);
  unlink (list);
  return ok;
}

/* ------------------------------------------------------------------ */
/* 3-4. filesystems and the partitioned disk                           */

static gboolean
make_sparse_file (const char *path, guint64 size, GError **error)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ftruncate (fd, (off_t) size) < 0)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

static guint64
tree_size (Ctx *c)
{
  const char *argv[] = { "du", "-s", "-x", "--block-size=1", c->root, NULL };
  g_autofree char *out = NULL;
  g_autoptr (GError) err = NULL;
  if (!run_tool (c, argv, NULL, &out, &err))
    return 0;
  return g_ascii_strtoull (out, NULL, 10);
}

/* Layout: 1 MiB gap, [ESP], root to the end (GPT keeps 1 MiB at the end
 * for its backup header). */
typedef struct {
  guint64 esp_start, esp_size, root_start, root_size;
} Layout;

static Layout
compute_layout (const KilnTemplateBuildSpec *s)
{
  Layout l = { 0 };
  guint64 start = MIB;
  if (s->uefi)
    {
      l.esp_start = start;
      l.esp_size = s->esp_size;
      start += s->esp_size;
    }
  l.root_start = start;
  l.root_size = s->size - start - (s->gpt ? MIB : 0);
  return l;
}

static gboolean
make_filesystems (Ctx *c, const Layout *l, const char *root_uuid,
                  const char *work, GError **error)
{
  const KilnTemplateBuildSpec *s = c->spec;
  g_autofree char *root_img = g_build_filename (work, "root.img", NULL);
  g_autofree char *blocks = g_strdup_printf ("%" G_GUINT64_FORMAT "k",
                                             l->root_size / 1024);
  if (!make_sparse_file (root_img, l->root_size, error))
    return FALSE;
  /* metadata_csum_seed and orphan_file (e2fsprogs 1.47 defaults) are
   * unknown to the GRUB and e2fsck of older guests */
  const char *mkfs[] = { "mkfs.ext4", "-q", "-F", "-t", "ext4",
                         "-L", s->root_label, "-U", root_uuid,
                         "-O", "^metadata_csum_seed,^orphan_file",
                         "-E", "nodiscard",
                         "-d", c->root, root_img, blocks, NULL };
  if (!run_tool (c, mkfs, NULL, NULL, error))
    return FALSE;
  if (s->uefi)
    {
      g_autofree char *esp_img = g_build_filename (work, "esp.img", NULL);
      g_autofree char *kib = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                              l->esp_size / 1024);
      char volid[9];
      memcpy (volid, c->esp_id, 4);
      memcpy (volid + 4, c->esp_id + 5, 4);
      volid[8] = '\0';
      const char *vfat[] = { "mkfs.vfat", "-C", "-F", "32", "-n", "EFI",
                             "-i", volid, esp_img, kib, NULL };
      if (!run_tool (c, vfat, NULL, NULL, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
dd_into (Ctx *c, const char *img, const char *disk, guint64 offset,
         GError **error)
{
  g_autofree char *in = g_strdup_printf ("if=%s", img);
  g_autofree char *out = g_strdup_printf ("of=%s", disk);
  g_autofree char *seek = g_strdup_printf ("seek=%" G_GUINT64_FORMAT, offset);
  const char *argv[] = { "dd", in, out, "bs=4M", seek, "oflag=seek_bytes",
                         "conv=notrunc,sparse", "status=none", NULL };
  return run_tool (c, argv, NULL, NULL, error);
}

static gboolean
make_disk (Ctx *c, const Layout *l, const char *work, const char *disk,
           GError **error)
{
  const KilnTemplateBuildSpec *s = c->spec;
  if (!make_sparse_file (disk, s->size, error))
    return FALSE;
  GString *script = g_string_new (NULL);
  g_string_append_printf (script, "label: %s\nunit: sectors\n\n",
                          s->gpt ? "gpt" : "dos");
  if (s->uefi)
    g_string_append_printf (script, "start=%" G_GUINT64_FORMAT ", size=%"
                            G_GUINT64_FORMAT ", type=%s%s\n",
                            l->esp_start / 512, l->esp_size / 512,
                            s->gpt ? EFI_TYPE : "ef",
                            s->gpt ? ", name=\"EFI system\"" : "");
  g_string_append_printf (script, "start=%" G_GUINT64_FORMAT ", size=%"
                          G_GUINT64_FORMAT ", type=%s%s\n",
                          l->root_start / 512, l->root_size / 512,
                          s->gpt ? LINUX_TYPE : "83",
                          s->gpt ? ", name=\"root\"" : ", bootable");
  const char *sfdisk[] = { "sfdisk", "--no-reread", "--no-tell-kernel",
                           "--quiet", disk, NULL };
  g_autofree char *text = g_string_free (script, FALSE);
  kiln_tb_log (c, "partition table:\n%s", text);
  if (!run_tool (c, sfdisk, text, NULL, error))
    return FALSE;
  g_autofree char *root_img = g_build_filename (work, "root.img", NULL);
  if (!dd_into (c, root_img, disk, l->root_start, error))
    return FALSE;
  unlink (root_img);
  if (s->uefi)
    {
      g_autofree char *esp_img = g_build_filename (work, "esp.img", NULL);
      if (!dd_into (c, esp_img, disk, l->esp_start, error))
        return FALSE;
      unlink (esp_img);
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* 5. the bootloader, inside the libguestfs appliance                   */

static gboolean
guestfs_failed (Ctx *c, guestfs_h *g, const char *what, GError **error)
{
  const char *msg = guestfs_last_error (g);
  kiln_tb_log (c, "libguestfs: %s: %s", what, msg ? msg : "(no message)");
  g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
               "installing the bootloader: %s: %s", what,
               msg ? msg : "libguestfs failed");
  return FALSE;
}

static gboolean
guest_command (Ctx *c, guestfs_h *g, const char *const *argv, GError **error)
{
  g_autofree char *cmd = argv_to_text (argv);
  kiln_tb_log (c, "(in the appliance) $ %s", cmd);
  char *out = guestfs_command (g, (char *const *) argv);
  if (!out)
    return guestfs_failed (c, g, cmd, error);
  if (*out)
    kiln_tb_log (c, "%s", out);
  free (out);
  return TRUE;
}

/* One line of a command's output inside the appliance, trimmed. */
static char *
guest_command_line (Ctx *c, guestfs_h *g, const char *const *argv,
                    GError **error)
{
  char *out = guestfs_command (g, (char *const *) argv);
  if (!out)
    {
      g_autofree char *cmd = argv_to_text (argv);
      guestfs_failed (c, g, cmd, error);
      return NULL;
    }
  g_autofree char *line = g_strdup (g_strstrip (out));
  free (out);
  return g_steal_pointer (&line);
}

/* The whole disk holding the mounted root, as the appliance's kernel names
 * it ("/dev/sdb"): what grub-install, run inside the appliance, needs. */
static char *
kernel_disk_of_root (Ctx *c, guestfs_h *g, GError **error)
{
  const char *findmnt[] = { "findmnt", "-n", "-o", "SOURCE", "/", NULL };
  g_autofree char *part = guest_command_line (c, g, findmnt, error);
  if (!part)
    return NULL;
  const char *lsblk[] = { "lsblk", "-n", "-d", "-o", "PKNAME", part, NULL };
  g_autofree char *disk = guest_command_line (c, g, lsblk, error);
  if (!disk)
    return NULL;
  if (!*disk || strchr (disk, '/') || strchr (disk, '\n'))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "installing the bootloader: cannot tell which disk holds "
                   "%s (lsblk said '%s')", part, disk);
      return NULL;
    }
  kiln_tb_log (c, "the root filesystem %s is on /dev/%s in the appliance",
               part, disk);
  return g_strconcat ("/dev/", disk, NULL);
}

static gboolean
install_bootloader (Ctx *c, const char *disk, const char *root_uuid,
                    GError **error)
{
  const KilnTemplateBuildSpec *s = c->spec;
  g_autofree char *want = NULL;   /* before any goto out */
  KilnGuestOptions opts = {
    .force_tcg = s->force_tcg,
    .log_path = s->log_path,
  };
  guestfs_h *g = kiln_guestfs_handle_new (&opts, error);
  if (!g)
    {
      g_prefix_error (error, "installing the bootloader: ");
      return FALSE;
    }
  gboolean ok = FALSE;
  const char *root_dev = s->uefi ? "/dev/sda2" : "/dev/sda1";
  if (guestfs_add_drive_opts (g, disk, GUESTFS_ADD_DRIVE_OPTS_FORMAT, "raw",
                              -1) < 0)
    {
      guestfs_failed (c, g, "add the disk", error);
      goto out;
    }
  kiln_tb_log (c, "launching the libguestfs appliance");
  if (guestfs_launch (g) < 0)
    {
      guestfs_failed (c, g, "launch the appliance", error);
      goto out;
    }
  if (guestfs_mount (g, root_dev, "/") < 0)
    {
      guestfs_failed (c, g, "mount the root filesystem", error);
      goto out;
    }
  if (s->uefi)
    {
      if (guestfs_mkdir_p (g, "/boot/efi") < 0
          || guestfs_mount (g, "/dev/sda1", "/boot/efi") < 0)
        {
          guestfs_failed (c, g, "mount the EFI system partition", error);
          goto out;
        }
      /* EFI/debian (which grub-efi-amd64 updates on upgrades) and the
       * removable-media fallback EFI/BOOT/BOOTX64.EFI (which firmware
       * boots without an NVRAM entry; kept up to date on upgrades by the
       * force_efi_extra_removable debconf answer) */
      const char *install[] = { "grub-install", "--target=x86_64-efi",
                                "--efi-directory=/boot/efi",
                                "--bootloader-id=debian",
                                "--force-extra-removable", "--no-nvram",
                                NULL };
      if (!guest_command (c, g, install, error))
        goto out;
    }
  else
    {
      /* Not "/dev/sda": the API translates device names, but a command in
       * the appliance sees the kernel's, and the kernel may name the
       * appliance's own disk sda (the SCSI disks are probed in parallel). */
      g_autofree char *boot_disk = kernel_disk_of_root (c, g, error);
      if (!boot_disk)
        goto out;
      const char *install[] = { "grub-install", "--target=i386-pc",
                                boot_disk, NULL };
      if (!guest_command (c, g, install, error))
        goto out;
    }
  const char *update[] = { "update-grub", NULL };
  if (!guest_command (c, g, update, error))
    goto out;

  /* what the boot depends on: the menu finds the root by UUID and talks on
   * the serial console */
  char *cfg = guestfs_cat (g, "/boot/grub/grub.cfg");
  if (!cfg)
    {
      guestfs_failed (c, g, "read /boot/grub/grub.cfg", error);
      goto out;
    }
  want = g_strdup_printf ("root=UUID=%s", root_uuid);
  gboolean good = strstr (cfg, want) && strstr (cfg, "console=ttyS0");
  free (cfg);
  if (!good)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "installing the bootloader: /boot/grub/grub.cfg lacks "
                   "'%s' or the serial console", want);
      goto out;
    }
  if (s->uefi && guestfs_is_file (g, "/boot/efi/EFI/BOOT/BOOTX64.EFI") <= 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "installing the bootloader: no /EFI/BOOT/BOOTX64.EFI on "
                   "the EFI system partition");
      goto out;
    }
  if (guestfs_umount_all (g) < 0 || guestfs_shutdown (g) < 0)
    {
      guestfs_failed (c, g, "close the disk", error);
      goto out;
    }
  ok = TRUE;
out:
  kiln_guestfs_handle_close (g);
  return ok;
}

/* ------------------------------------------------------------------ */

static double
since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1e6;
}

static void
step (Ctx *c, KilnTemplateBuildProgress progress, gpointer ud,
      const char *name, const char *msg)
{
  kiln_tb_log (c, "== %s: %s", name, msg);
  if (progress)
    progress (name, msg, ud);
}

/* rm -rf that stays on the work directory's filesystem: if a tool left a
 * mount inside the tree, the host's files behind it are not touched. */
static void
remove_work (Ctx *c, const char *path)
{
  struct stat st;
  if (lstat (path, &st) < 0)
    return;
  const char *argv[] = { "rm", "-rf", "--one-file-system", path, NULL };
  g_autoptr (GError) err = NULL;
  GCancellable *saved = c->cancellable;
  c->cancellable = NULL; /* clean up even when cancelled */
  if (!run_tool (c, argv, NULL, NULL, &err))
    g_warning ("could not remove %s: %s", path, err->message);
  c->cancellable = saved;
}

gboolean
kiln_template_build_image (const KilnTemplateBuildSpec *spec,
                           KilnTemplateBuildProgress progress,
                           gpointer user_data, KilnTemplateBuildStats *stats,
                           GCancellable *cancellable, GError **error)
{
  KilnTemplateBuildStats local_stats;
  if (!stats)
    stats = &local_stats;
  memset (stats, 0, sizeof *stats);
  gint64 t_start = g_get_monotonic_time ();

  if (geteuid () != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "building template '%s' needs root: mmdebstrap runs in "
                   "chroot mode so the files keep their owners (run kiln "
                   "as root, e.g. with sudo)", spec->name);
      return FALSE;
    }
  g_autofree char *missing = kiln_template_build_missing_tools (spec->uefi);
  if (missing)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "building template '%s' needs: %s", spec->name, missing);
      return FALSE;
    }

  Ctx c = { .spec = spec, .log_fd = -1, .cancellable = cancellable };
  if (spec->log_path)
    c.log_fd = open (spec->log_path,
                     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  c.root = g_build_filename (spec->work_dir, "root", NULL);
  g_autofree char *disk = g_build_filename (spec->work_dir, "disk.raw", NULL);
  g_autofree char *partial = g_strconcat (spec->output, ".part", NULL);
  g_autofree char *uuid = g_uuid_string_random ();
  g_strlcpy (stats->root_uuid, uuid, sizeof stats->root_uuid);
  guint32 vol = g_random_int ();
  g_snprintf (c.esp_id, sizeof c.esp_id, "%04X-%04X", vol >> 16, vol & 0xffff);
  Layout layout = compute_layout (spec);
  gboolean ok = FALSE;
  gint64 t;

  step (&c, progress, user_data, "bootstrap",
        "mmdebstrap: downloading and installing packages");
  t = g_get_monotonic_time ();
  if (!bootstrap (&c, error))
    goto out;
  stats->bootstrap_s = since (t);
  stats->tree_bytes = tree_size (&c);

  step (&c, progress, user_data, "configure",
        "fstab, network, console, SSH, cloud-init, cleanup");
  t = g_get_monotonic_time ();
  if (!kiln_tb_configure_tree (&c, uuid, error))
    goto out;
  stats->configure_s = since (t);

  if (stats->tree_bytes + stats->tree_bytes / 5 > layout.root_size)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "template '%s': the system takes %" G_GUINT64_FORMAT
                   " MiB, too much for a %" G_GUINT64_FORMAT " MiB root "
                   "filesystem: raise disk.size", spec->name,
                   stats->tree_bytes / MIB, layout.root_size / MIB);
      goto out;
    }

  step (&c, progress, user_data, "filesystem",
        "mkfs.ext4 -d: the root filesystem from the tree");
  t = g_get_monotonic_time ();
  if (!make_filesystems (&c, &layout, uuid, spec->work_dir, error))
    goto out;
  remove_work (&c, c.root);
  stats->filesystem_s = since (t);

  step (&c, progress, user_data, "partition",
        "sfdisk + dd: the partitioned disk");
  t = g_get_monotonic_time ();
  if (!make_disk (&c, &layout, spec->work_dir, disk, error))
    goto out;
  stats->partition_s = since (t);

  step (&c, progress, user_data, "bootloader",
        spec->uefi ? "GRUB for UEFI inside the libguestfs appliance"
                   : "GRUB for BIOS inside the libguestfs appliance");
  t = g_get_monotonic_time ();
  if (!install_bootloader (&c, disk, uuid, error))
    goto out;
  stats->bootloader_s = since (t);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;

  step (&c, progress, user_data, "convert",
        spec->compress ? "qemu-img: compressed qcow2" : "qemu-img: qcow2");
  t = g_get_monotonic_time ();
  {
    KilnConvertSpec conv = { .src = disk, .src_format = "raw",
                             .dst = partial, .dst_format = "qcow2",
                             .compress = spec->compress,
                             .coroutines = spec->compress ? 16 : 0,
                             .out_of_order = TRUE };
    kiln_tb_log (&c, "qemu-img convert %s -> %s%s", disk, partial,
              spec->compress ? " (compressed)" : "");
    if (!kiln_qemu_img_convert (&conv, NULL, NULL, cancellable, error))
      goto out;
  }
  if (rename (partial, spec->output) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot rename %s: %s",
                   partial, g_strerror (errno));
      goto out;
    }
  stats->convert_s = since (t);
  ok = TRUE;

out:
  if (!ok && error && *error)
    kiln_tb_log (&c, "FAILED: %s", (*error)->message);
  unlink (partial);
  remove_work (&c, c.root);
  /* for debugging a failed bootloader step: keep the raw disk */
  if (!ok && g_getenv ("KILN_TEMPLATE_KEEP_DISK") && g_file_test (disk, G_FILE_TEST_EXISTS))
    {
      g_autofree char *base = g_strdup_printf ("kiln-template-%s-failed.raw",
                                               spec->name);
      g_autofree char *kept = g_build_filename (g_get_tmp_dir (), base, NULL);
      if (rename (disk, kept) == 0)
        kiln_tb_log (&c, "kept the disk as %s (KILN_TEMPLATE_KEEP_DISK)", kept);
    }
  unlink (disk);
  {
    g_autofree char *root_img = g_build_filename (spec->work_dir, "root.img",
                                                  NULL);
    g_autofree char *esp_img = g_build_filename (spec->work_dir, "esp.img",
                                                 NULL);
    unlink (root_img);
    unlink (esp_img);
  }
  stats->total_s = since (t_start);
  kiln_tb_log (&c, "total %.1f s", stats->total_s);
  if (c.log_fd >= 0)
    close (c.log_fd);
  g_free (c.root);
  return ok;
}
