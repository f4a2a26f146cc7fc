/* seed.c - NoCloud seed volumes (cidata) for build and test boots */
#include "seed.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/kiln.h"
#include "program.h"

#define SEED_KIB 2048   /* 2 MiB: the smallest size mkfs.vfat is happy with */
/* room for the FAT, the directory and cluster slack beside the files */
#define SEED_SLACK_KIB 1024

/* YAML-safe: the values come from kiln (names, uuids), but quote anyway. */
static char *
yaml_quote (const char *s)
{
  GString *q = g_string_new ("\"");
  for (const char *p = s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (q, '\\');
      if ((unsigned char) *p < 0x20)
        continue;
      g_string_append_c (q, *p);
    }
  g_string_append_c (q, '"');
  return g_string_free (q, FALSE);
}

char *
kiln_seed_meta_data (const KilnSeedSpec *spec)
{
  g_autofree char *id = yaml_quote (spec->instance_id);
  g_autofree char *host = yaml_quote (spec->hostname ? spec->hostname
                                                     : "kiln");
  return g_strdup_printf ("instance-id: %s\nlocal-hostname: %s\n", id, host);
}

char *
kiln_seed_user_data (const KilnSeedSpec *spec)
{
  return g_strdup_printf (
      "#cloud-config\n"
      "# kiln build/test boot: no accounts, no password changes, the\n"
      "# image's own sshd (no password-auth key: cloud-init leaves its\n"
      "# configuration alone) and apt configuration.\n"
      "# no user is made: the one entry is root, which exists (cloud-init\n"
      "# skips it) and keeps its password as it is.  Without the key the\n"
      "# distribution's default user would be made; an empty list works\n"
      "# but cloud-init's schema refuses it (minItems 1), with a warning.\n"
      "users:\n"
      "  - name: root\n"
      "    lock_passwd: false\n"
      "disable_root: true\n"
      "growpart:\n"
      "  mode: auto\n"
      "  devices: ['/']\n"
      "resize_rootfs: true\n"
      "apt:\n"
      "  preserve_sources_list: true\n"
      "package_update: false\n"
      "package_upgrade: false\n"
      "%s",
      spec->extra_user_data ? spec->extra_user_data : "");
}

const char *
kiln_seed_network_config (void)
{
  return "# kiln: the image's own network configuration applies\n"
         "config: disabled\n";
}

static gboolean
run (const char *const *argv, GError **error)
{
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  /* mtools checks a disk's geometry unless told not to; this is its
   * documented switch for image files */
  g_subprocess_launcher_setenv (l, "MTOOLS_SKIP_CHECK", "1", TRUE);
  g_autoptr (GSubprocess) p = g_subprocess_launcher_spawnv (l, argv, error);
  if (!p)
    {
      g_prefix_error (error, "making the cloud-init seed: ");
      return FALSE;
    }
  g_autofree char *out = NULL;
  if (!g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, error))
    return FALSE;
  if (!g_subprocess_get_successful (p))
    {
      g_autofree char *cmd = g_strjoinv (" ", (char **) argv);
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "making the cloud-init seed: %s failed: %s", cmd,
                   out ? g_strstrip (out) : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
kiln_seed_create (const KilnSeedSpec *spec, const char *path, GError **error)
{
  g_return_val_if_fail (spec && spec->instance_id && path, FALSE);
  const char *tools[][2] = { { "mkfs.vfat", "dosfstools" },
                             { "mcopy", "mtools" } };
  g_autofree char *mkfs_vfat = kiln_host_program_find (tools[0][0]);
  g_autofree char *mcopy_path = kiln_host_program_find (tools[1][0]);
  const char *found[] = { mkfs_vfat, mcopy_path };
  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    if (!found[i])
      {
        g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                     "making the cloud-init seed needs %s: install the "
                     "package %s", tools[i][0], tools[i][1]);
        return FALSE;
      }

  g_autofree char *dir = g_dir_make_tmp ("kiln-seed-XXXXXX", error);
  if (!dir)
    return FALSE;
  g_autofree char *meta = g_build_filename (dir, "meta-data", NULL);
  g_autofree char *user = g_build_filename (dir, "user-data", NULL);
  g_autofree char *net = g_build_filename (dir, "network-config", NULL);
  g_autofree char *meta_text = kiln_seed_meta_data (spec);
  g_autofree char *user_text = kiln_seed_user_data (spec);
  guint64 kib_needed = SEED_KIB;
  guint64 files_bytes = 0;
  for (guint i = 0; i < spec->n_files; i++)
    {
      GStatBuf st;
      if (g_stat (spec->files[i].host_path, &st) != 0)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                       "making the cloud-init seed: cannot read %s: %s",
                       spec->files[i].host_path, g_strerror (errno));
          rmdir (dir);
          return FALSE;
        }
      files_bytes += (guint64) st.st_size;
    }
  if (spec->n_files > 0)
    kib_needed = MAX (kib_needed, files_bytes / 1024 + SEED_SLACK_KIB);
  g_autofree char *kib = g_strdup_printf ("%" G_GUINT64_FORMAT, kib_needed);
  const char *mkfs[] = { mkfs_vfat, "-C", "-n", "CIDATA", path, kib, NULL };
  const char *mcopy[] = { mcopy_path, "-o", "-i", path, meta, user, net, "::",
                          NULL };
  gboolean ok = FALSE;

  if (!g_file_set_contents (meta, meta_text, -1, error)
      || !g_file_set_contents (user, user_text, -1, error)
      || !g_file_set_contents (net, kiln_seed_network_config (), -1, error))
    goto out;
  if (unlink (path) < 0 && errno != ENOENT)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot replace %s: %s",
                   path, g_strerror (errno));
      goto out;
    }
  ok = run (mkfs, error) && run (mcopy, error);
  for (guint i = 0; ok && i < spec->n_files; i++)
    {
      g_autofree char *to = g_strconcat ("::", spec->files[i].name, NULL);
      const char *copy_one[] = { mcopy_path, "-o", "-i", path,
                                 spec->files[i].host_path, to, NULL };
      ok = run (copy_one, error);
    }
  if (!ok)
    unlink (path);
out:
  unlink (meta);
  unlink (user);
  unlink (net);
  rmdir (dir);
  return ok;
}
