/* kiln-guest-test - drive backends/guestfs.c and qemu-img.c from a shell
 *
 *   kiln-guest-test [--format F] [--ro] [--network] [--kvm] [--log FILE]
 *                   DISK COMMAND [ARGS] [COMMAND [ARGS]]...
 *   kiln-guest-test convert SRC SRCFMT DST DSTFMT [-o K=V]... [-c] [-m N] [-W]
 *   kiln-guest-test overlay BACKING BACKINGFMT OVERLAY [SIZE]
 *   kiln-guest-test resize|info|check IMAGE FMT [SIZE]
 *
 * All commands run in ONE appliance launch, in order; the first failure
 * stops the run (exit code as kiln's: 1 failed, 2 bad input, 3 host).
 * Commands:
 *   inspect                  key=value lines of the OS facts
 *   list-packages            "pkg NAME VERSION ARCH" lines
 *   install-agent AGENT PLAN PLAN is a host file holding the plan JSON
 *   install-agent-no-nic AGENT PLAN   the same for a boot without a NIC
 *   remove-agent
 *   generalize               "action ..." lines
 *   zero                     discard/zero free space
 *   write GUEST HOSTFILE MODE   (MODE octal, or - for the default)
 *   write-text GUEST TEXT MODE  (TEXT with C escapes: \n)
 *   upload HOSTFILE GUEST MODE
 *   read GUEST HOSTFILE|-
 *   exists GUEST             "exists GUEST yes|no"
 *   stat GUEST               "stat GUEST mode=0755 size=N"
 *   mkdir GUEST MODE
 *   rm GUEST                 rm -rf inside the guest
 *   manifest HOSTFILE        every path: type, mode, owner, size, sha256 or
 *                            link target (for "byte-identical" checks)
 *   sync
 *   host-size                "host-size BYTES": space the disk file uses on
 *                            the host now (qemu-img info -U)
 *   expect-error TEXT COMMAND [ARGS]   COMMAND must fail with TEXT in its
 *                            message ("expected-error ..." line); the run
 *                            goes on
 * Timings go to stdout as "# time WHAT SECONDS" lines.
 * By default libguestfs runs with force_tcg (nested KVM is often broken);
 * --kvm lets it use KVM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "backends/guestfs-private.h"
#include "common/kiln.h"
#include "backends/qemu-img.h"
#include "outputs/guest-facts.h"
#include "outputs/sbom.h"

static gint64 t_start;

static double
elapsed (gint64 since)
{
  return (g_get_monotonic_time () - since) / 1e6;
}

static int
fail (const char *what, GError *error)
{
  fprintf (stderr, "kiln-guest-test: %s: %s\n", what,
           error ? error->message : "failed");
  int code = error ? kiln_exit_code_for_error (error) : 1;
  if (error)
    g_error_free (error);
  return code;
}

static int
parse_mode (const char *s)
{
  if (strcmp (s, "-") == 0)
    return -1;
  return (int) strtol (s, NULL, 8);
}

static void
print_inspect (const KilnOsInfo *os)
{
  printf ("type=%s\ndistro=%s\nproduct_name=%s\nmajor_version=%d\n"
          "minor_version=%d\narch=%s\nhostname=%s\nroot_device=%s\n"
          "root_fstype=%s\nfirmware=%s\npackage_format=%s\n"
          "package_manager=%s\nhas_systemd=%s\npartition_table=%s\n",
          os->type, os->distro, os->product_name, os->major_version,
          os->minor_version, os->arch, os->hostname, os->root_device,
          os->root_fstype, os->firmware, os->package_format,
          os->package_manager, os->has_systemd ? "yes" : "no",
          os->partition_table);
  printf ("kernels=");
  for (guint i = 0; i < os->kernels->len; i++)
    printf ("%s%s", i ? "," : "", (char *) g_ptr_array_index (os->kernels, i));
  printf ("\n");
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* One line per path: TYPE MODE UID:GID SIZE CONTENT PATH, where CONTENT is
 * the sha256 of a file or the target of a link.  Directories get no size
 * (ext4 keeps a grown directory's size); times are left out.  The whole
 * tree comes out in one tar-out call (one round trip, not two per file). */
static gboolean
write_manifest (KilnGuest *kg, const char *out_path, GError **error)
{
  guestfs_h *g = kiln_guest_handle (kg);
  g_autofree char *tar = NULL;
  int fd = g_file_open_tmp ("kiln-manifest-XXXXXX.tar", &tar, error);
  if (fd < 0)
    return FALSE;
  close (fd);
  if (guestfs_tar_out_opts (g, "/", tar, GUESTFS_TAR_OUT_OPTS_NUMERICOWNER, 1,
                            -1) == -1)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "tar-out /: %s",
                   guestfs_last_error (g));
      g_unlink (tar);
      return FALSE;
    }
  struct archive *a = archive_read_new ();
  archive_read_support_format_tar (a);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = archive_read_open_filename (a, tar, 65536) == ARCHIVE_OK;
  struct archive_entry *e;
  while (ok && archive_read_next_header (a, &e) == ARCHIVE_OK)
    {
      const char *name = archive_entry_pathname (e);
      while (name[0] == '.' && name[1] == '/')
        name += 2;
      g_autofree char *path = g_strconcat ("/", name, NULL);
      if (g_str_has_suffix (path, "/") && strlen (path) > 1)
        path[strlen (path) - 1] = '\0';
      if (strcmp (path, "/.") == 0)
        continue;
      mode_t type = archive_entry_filetype (e);
      const char *t = type == AE_IFREG ? "file" : type == AE_IFLNK ? "link"
                      : type == AE_IFDIR ? "dir" : "other";
      g_autofree char *content = NULL;
      g_autofree char *size = g_strdup_printf ("%" G_GINT64_FORMAT,
                                               (gint64) archive_entry_size (e));
      if (archive_entry_hardlink (e))
        {
          t = "file";
          content = g_strdup_printf ("hardlink:/%s",
                                     archive_entry_hardlink (e) + 2);
        }
      else if (type == AE_IFREG)
        {
          g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
          char buf[65536];
          la_ssize_t n;
          while ((n = archive_read_data (a, buf, sizeof buf)) > 0)
            g_checksum_update (sum, (guchar *) buf, n);
          content = g_strdup (g_checksum_get_string (sum));
        }
      else if (type == AE_IFLNK)
        content = g_strdup (archive_entry_symlink (e));
      if (type == AE_IFDIR)
        {
          g_free (size);
          size = g_strdup ("-");
        }
      g_ptr_array_add (lines, g_strdup_printf (
          "%s %04o %" G_GINT64_FORMAT ":%" G_GINT64_FORMAT " %s %s %s", t,
          (unsigned) (archive_entry_perm (e) & 07777),
          (gint64) archive_entry_uid (e), (gint64) archive_entry_gid (e), size,
          content ? content : "-", path));
    }
  if (!ok)
    g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "reading %s: %s", tar,
                 archive_error_string (a));
  archive_read_free (a);
  g_unlink (tar);
  if (!ok)
    return FALSE;
  g_ptr_array_sort (lines, cmp_str);
  g_autoptr (GString) text = g_string_new (NULL);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (text, "%s\n", (char *) g_ptr_array_index (lines, i));
  return g_file_set_contents (out_path, text->str, text->len, error);
}

static int
need (int argc, int i, int n, const char *cmd)
{
  if (i + n >= argc)
    {
      fprintf (stderr, "kiln-guest-test: %s needs %d argument(s)\n", cmd, n);
      exit (2);
    }
  return 1;
}

static void
on_progress (double fraction, gpointer user_data)
{
  guint *calls = user_data;
  (*calls)++;
}

static int
convert_main (int argc, char **argv)
{
  if (argc < 6)
    {
      fprintf (stderr, "usage: kiln-guest-test convert SRC SRCFMT DST DSTFMT "
                       "[-o K=V]... [-c] [-m N] [-W]\n");
      return 2;
    }
  g_autoptr (GPtrArray) options = g_ptr_array_new ();
  KilnConvertSpec spec = { .src = argv[2], .src_format = argv[3],
                           .dst = argv[4], .dst_format = argv[5] };
  for (int i = 6; i < argc; i++)
    {
      if (strcmp (argv[i], "-o") == 0 && i + 1 < argc)
        g_ptr_array_add (options, argv[++i]);
      else if (strcmp (argv[i], "-c") == 0)
        spec.compress = TRUE;
      else if (strcmp (argv[i], "-W") == 0)
        spec.out_of_order = TRUE;
      else if (strcmp (argv[i], "-m") == 0 && i + 1 < argc)
        spec.coroutines = (guint) atoi (argv[++i]);
      else
        {
          fprintf (stderr, "kiln-guest-test: convert: unknown %s\n", argv[i]);
          return 2;
        }
    }
  g_ptr_array_add (options, NULL);
  spec.options = (const char *const *) options->pdata;
  guint calls = 0;
  GError *error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  if (!kiln_qemu_img_convert (&spec, on_progress, &calls, NULL, &error))
    return fail ("convert", error);
  printf ("# time convert-%s %.2f\nprogress-calls %u\n", spec.dst_format,
          elapsed (t0), calls);
  return 0;
}

/* The qemu-img backend without an appliance. */
static int
image_main (int argc, char **argv)
{
  const char *cmd = argv[1];
  GError *error = NULL;
  if (strcmp (cmd, "overlay") == 0 && argc >= 5)
    {
      guint64 size = argc > 5 ? g_ascii_strtoull (argv[5], NULL, 10) : 0;
      if (!kiln_qemu_img_create_overlay (argv[2], argv[3], argv[4], size,
                                         &error))
        return fail (cmd, error);
    }
  else if (strcmp (cmd, "resize") == 0 && argc >= 5)
    {
      if (!kiln_qemu_img_resize (argv[2], argv[3],
                                 g_ascii_strtoull (argv[4], NULL, 10), &error))
        return fail (cmd, error);
    }
  else if (strcmp (cmd, "check") == 0 && argc >= 4)
    {
      if (!kiln_qemu_img_check (argv[2], argv[3], &error))
        return fail (cmd, error);
      printf ("check ok\n");
    }
  else if (strcmp (cmd, "info") == 0 && argc >= 4)
    {
      g_autoptr (KilnImageInfo) info = kiln_qemu_img_info (argv[2], argv[3],
                                                           &error);
      if (!info)
        return fail (cmd, error);
      printf ("format=%s\nvirtual_size=%" G_GUINT64_FORMAT "\nactual_size=%"
              G_GUINT64_FORMAT "\nbacking_file=%s\nbacking_format=%s\n",
              info->format, info->virtual_size, info->actual_size,
              info->backing_file ? info->backing_file : "",
              info->backing_format ? info->backing_format : "");
    }
  else
    {
      fprintf (stderr, "kiln-guest-test: %s: wrong arguments\n", cmd);
      return 2;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  t_start = g_get_monotonic_time ();
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc > 1 && strcmp (argv[1], "convert") == 0)
    return convert_main (argc, argv);
  if (argc > 1 && (strcmp (argv[1], "overlay") == 0
                   || strcmp (argv[1], "resize") == 0
                   || strcmp (argv[1], "info") == 0
                   || strcmp (argv[1], "check") == 0))
    return image_main (argc, argv);

  KilnGuestOptions opts = { .force_tcg = TRUE };
  const char *format = "qcow2";
  int i = 1;
  for (; i < argc && g_str_has_prefix (argv[i], "--"); i++)
    {
      if (strcmp (argv[i], "--format") == 0 && i + 1 < argc)
        format = argv[++i];
      else if (strcmp (argv[i], "--ro") == 0)
        opts.readonly = TRUE;
      else if (strcmp (argv[i], "--network") == 0)
        opts.network = TRUE;
      else if (strcmp (argv[i], "--kvm") == 0)
        opts.force_tcg = FALSE;
      else if (strcmp (argv[i], "--log") == 0 && i + 1 < argc)
        opts.log_path = argv[++i];
      else
        {
          fprintf (stderr, "kiln-guest-test: unknown option %s\n", argv[i]);
          return 2;
        }
    }
  if (i >= argc)
    {
      fprintf (stderr, "usage: kiln-guest-test [options] DISK COMMAND...\n");
      return 2;
    }
  const char *disk = argv[i++];
  GError *error = NULL;

  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (KilnGuest) kg = kiln_guest_open (disk, format, &opts, &error);
  if (!kg)
    return fail ("open", error);
  printf ("# time open %.2f\n", elapsed (t0));

  for (; i < argc; i++)
    {
      const char *expect = NULL;
      if (strcmp (argv[i], "expect-error") == 0 && need (argc, i, 2, argv[i]))
        {
          expect = argv[i + 1];
          i += 2;
        }
      const char *cmd = argv[i];
      t0 = g_get_monotonic_time ();
      gboolean ok = TRUE;
      if (strcmp (cmd, "inspect") == 0)
        print_inspect (kiln_guest_os (kg));
      else if (strcmp (cmd, "list-packages") == 0)
        {
          /* through the core, which formats the database's rows */
          g_autoptr (GPtrArray) pkgs = kiln_guest_packages (kg, &error);
          ok = pkgs != NULL;
          for (guint k = 0; ok && k < pkgs->len; k++)
            {
              const KilnPackage *p = g_ptr_array_index (pkgs, k);
              printf ("pkg %s %s %s\n", p->name, p->version, p->arch);
            }
        }
      else if ((strcmp (cmd, "install-agent") == 0
                || strcmp (cmd, "install-agent-no-nic") == 0)
               && need (argc, i, 2, cmd))
        {
          g_autofree char *plan = NULL;
          gboolean nic = strcmp (cmd, "install-agent") == 0;
          ok = g_file_get_contents (argv[i + 2], &plan, NULL, &error)
               && kiln_guest_install_agent (kg, argv[i + 1], plan, nic,
                                            &error);
          i += 2;
        }
      else if (strcmp (cmd, "remove-agent") == 0)
        ok = kiln_guest_remove_agent (kg, &error);
      else if (strcmp (cmd, "generalize") == 0)
        {
          g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func (g_free);
          ok = kiln_guest_generalize (kg, actions, &error);
          for (guint k = 0; k < actions->len; k++)
            printf ("action %s\n", (char *) g_ptr_array_index (actions, k));
        }
      else if (strcmp (cmd, "zero") == 0)
        ok = kiln_guest_zero_free_space (kg, &error);
      else if (strcmp (cmd, "write") == 0 && need (argc, i, 3, cmd))
        {
          g_autofree char *data = NULL;
          gsize len = 0;
          ok = g_file_get_contents (argv[i + 2], &data, &len, &error)
               && kiln_guest_write (kg, argv[i + 1], data, len,
                                    parse_mode (argv[i + 3]), &error);
          i += 3;
        }
      else if (strcmp (cmd, "write-text") == 0 && need (argc, i, 3, cmd))
        {
          g_autofree char *text = g_strcompress (argv[i + 2]);
          ok = kiln_guest_write (kg, argv[i + 1], text, strlen (text),
                                 parse_mode (argv[i + 3]), &error);
          i += 3;
        }
      else if (strcmp (cmd, "upload") == 0 && need (argc, i, 3, cmd))
        {
          ok = kiln_guest_upload (kg, argv[i + 1], argv[i + 2],
                                  parse_mode (argv[i + 3]), &error);
          i += 3;
        }
      else if (strcmp (cmd, "read") == 0 && need (argc, i, 2, cmd))
        {
          g_autofree char *data = NULL;
          gsize len = 0;
          ok = kiln_guest_read (kg, argv[i + 1], &data, &len, &error);
          if (ok && strcmp (argv[i + 2], "-") == 0)
            fwrite (data, 1, len, stdout);
          else if (ok)
            ok = g_file_set_contents (argv[i + 2], data, len, &error);
          i += 2;
        }
      else if (strcmp (cmd, "exists") == 0 && need (argc, i, 1, cmd))
        {
          printf ("exists %s %s\n", argv[i + 1],
                  kiln_guest_exists (kg, argv[i + 1]) ? "yes" : "no");
          i += 1;
        }
      else if (strcmp (cmd, "stat") == 0 && need (argc, i, 1, cmd))
        {
          struct guestfs_statns *st = guestfs_lstatns (kiln_guest_handle (kg),
                                                       argv[i + 1]);
          if (st)
            printf ("stat %s mode=%04o size=%" G_GINT64_FORMAT "\n",
                    argv[i + 1], (unsigned) (st->st_mode & 07777),
                    st->st_size);
          else
            printf ("stat %s missing\n", argv[i + 1]);
          guestfs_free_statns (st);
          i += 1;
        }
      else if (strcmp (cmd, "mkdir") == 0 && need (argc, i, 2, cmd))
        {
          ok = kiln_guest_mkdir_p (kg, argv[i + 1], parse_mode (argv[i + 2]),
                                   &error);
          i += 2;
        }
      else if (strcmp (cmd, "rm") == 0 && need (argc, i, 1, cmd))
        {
          if (guestfs_rm_rf (kiln_guest_handle (kg), argv[i + 1]) == -1)
            {
              g_set_error (&error, KILN_ERROR, KILN_ERROR_FAILED, "rm %s: %s",
                           argv[i + 1],
                           guestfs_last_error (kiln_guest_handle (kg)));
              ok = FALSE;
            }
          i += 1;
        }
      else if (strcmp (cmd, "manifest") == 0 && need (argc, i, 1, cmd))
        {
          ok = write_manifest (kg, argv[i + 1], &error);
          i += 1;
        }
      else if (strcmp (cmd, "sync") == 0)
        {
          if (guestfs_sync (kiln_guest_handle (kg)) == -1)
            {
              g_set_error (&error, KILN_ERROR, KILN_ERROR_FAILED, "sync: %s",
                           guestfs_last_error (kiln_guest_handle (kg)));
              ok = FALSE;
            }
        }
      else if (strcmp (cmd, "host-size") == 0)
        {
          g_autoptr (KilnImageInfo) info = kiln_qemu_img_info (disk, format,
                                                               &error);
          ok = info != NULL;
          if (ok)
            printf ("host-size %" G_GUINT64_FORMAT "\n", info->actual_size);
        }
      else
        {
          fprintf (stderr, "kiln-guest-test: unknown command %s\n", cmd);
          return 2;
        }
      if (expect && ok)
        {
          fprintf (stderr, "kiln-guest-test: %s succeeded, expected an error "
                   "with \"%s\"\n", cmd, expect);
          return 1;
        }
      if (expect && !strstr (error->message, expect))
        return fail (cmd, error);
      if (expect)
        {
          printf ("expected-error %s: %s\n", cmd, error->message);
          g_clear_error (&error);
          continue;
        }
      if (!ok)
        return fail (cmd, error);
      printf ("# time %s %.2f\n", cmd, elapsed (t0));
    }

  t0 = g_get_monotonic_time ();
  KilnGuest *owned = g_steal_pointer (&kg);
  if (!kiln_guest_close (owned, &error))
    return fail ("close", error);
  printf ("# time close %.2f\n# time total %.2f\n", elapsed (t0),
          elapsed (t_start));
  return 0;
}
