/* template-tree.c - configure a bootstrapped tree into a cloud-style base
 * system (step 2 of template-build.h): fstab, network, console, GRUB
 * settings, SSH, cloud-init, locale and time, enabled units, and what must
 * not be in a base image.  Files are written without following links out
 * of the tree. */
#include "template-build-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/kiln.h"

typedef KilnTemplateCtx Ctx;

static gboolean
run_tool (Ctx *c, const char *const *argv, const char *input, char **out,
          GError **error)
{
  return kiln_tb_run (c, argv, NULL, input, out, error);
}


/* Refuse a relative path whose parent directories are symlinks (in a tree
 * they point at absolute paths, which would be the host's). */
static gboolean
check_parents (Ctx *c, const char *rel, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (rel, "/", -1);
  g_autofree char *p = g_strdup (c->root);
  for (guint i = 0; parts[i] && parts[i + 1]; i++)
    {
      if (!*parts[i])
        continue;
      char *next = g_build_filename (p, parts[i], NULL);
      g_free (p);
      p = next;
      struct stat st;
      if (lstat (p, &st) == 0 && S_ISLNK (st.st_mode))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "refusing to write /%s: /%s is a symbolic link in the "
                       "new tree", rel, p + strlen (c->root) + 1);
          return FALSE;
        }
    }
  return TRUE;
}

static char *
tree_path (Ctx *c, const char *rel)
{
  return g_build_filename (c->root, rel, NULL);
}

static gboolean
tree_mkdir (Ctx *c, const char *rel, GError **error)
{
  if (!check_parents (c, rel, error))
    return FALSE;
  g_autofree char *p = tree_path (c, rel);
  /* each directory made is 0755, whatever kiln's own (private) umask */
  gsize root_len = strlen (c->root);
  if (strlen (p) <= root_len + 1)
    return TRUE;   /* the root itself */
  for (char *q = p + root_len + 1;; q++)
    {
      if (*q != '/' && *q != '\0')
        continue;
      char saved = *q;
      *q = '\0';
      gboolean made = mkdir (p, 0755) == 0;
      if ((!made && errno != EEXIST) || (made && chmod (p, 0755) < 0))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "cannot create /%s in the tree: %s", rel,
                       g_strerror (errno));
          return FALSE;
        }
      *q = saved;
      if (!saved)
        break;
    }
  return TRUE;
}

/* Replaces /rel (a file or a link) with a regular file. */
static gboolean
tree_write (Ctx *c, const char *rel, const char *content, int mode,
            GError **error)
{
  g_autofree char *dir = g_path_get_dirname (rel);
  if (!tree_mkdir (c, dir, error) || !check_parents (c, rel, error))
    return FALSE;
  g_autofree char *p = tree_path (c, rel);
  if (unlink (p) < 0 && errno != ENOENT)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "cannot replace /%s in the tree: %s", rel,
                   g_strerror (errno));
      return FALSE;
    }
  int fd = open (p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 mode);
  gsize len = strlen (content);
  gboolean ok = fd >= 0 && write (fd, content, len) == (gssize) len;
  int saved = errno;
  if (fd >= 0)
    {
      ok = fchmod (fd, mode) == 0 && ok;
      ok = close (fd) == 0 && ok;
    }
  if (!ok)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "cannot write /%s in the tree: %s", rel,
                   g_strerror (saved));
      return FALSE;
    }
  kiln_tb_log (c, "wrote /%s", rel);
  return TRUE;
}

static gboolean
tree_symlink (Ctx *c, const char *rel, const char *target, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (rel);
  if (!tree_mkdir (c, dir, error) || !check_parents (c, rel, error))
    return FALSE;
  g_autofree char *p = tree_path (c, rel);
  if ((unlink (p) < 0 && errno != ENOENT) || symlink (target, p) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "cannot link /%s -> %s in the tree: %s", rel, target,
                   g_strerror (errno));
      return FALSE;
    }
  kiln_tb_log (c, "linked /%s -> %s", rel, target);
  return TRUE;
}

static gboolean
tree_exists (Ctx *c, const char *rel)
{
  g_autofree char *p = tree_path (c, rel);
  struct stat st;
  return lstat (p, &st) == 0;
}

/* Removes every entry of directory /rel whose name starts with prefix
 * (all of them for ""), files only unless recursive. */
static gboolean
tree_clear_dir (Ctx *c, const char *rel, const char *prefix,
                const char *suffix, GError **error)
{
  if (!check_parents (c, rel, error))
    return FALSE;
  g_autofree char *dir = tree_path (c, rel);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *e;
  while (d && (e = g_dir_read_name (d)))
    {
      if (!g_str_has_prefix (e, prefix) || (suffix && !g_str_has_suffix (e, suffix)))
        continue;
      g_autofree char *p = g_build_filename (dir, e, NULL);
      struct stat st;
      if (lstat (p, &st) == 0 && S_ISDIR (st.st_mode))
        continue;
      if (unlink (p) < 0)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "cannot remove /%s/%s in the tree: %s", rel, e,
                       g_strerror (errno));
          return FALSE;
        }
      kiln_tb_log (c, "removed /%s/%s", rel, e);
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* 2. configure the tree                                               */

static gboolean
write_fstab (Ctx *c, const char *root_uuid, GError **error)
{
  const KilnTemplateBuildSpec *s = c->spec;
  g_autofree char *text = g_strdup_printf (
      "# /etc/fstab: made by kiln for template %s; filesystems by UUID so\n"
      "# the disk may appear under any device name.\n"
      "UUID=%s\t/\text4\terrors=remount-ro\t0\t1\n"
      "%s%s%s",
      s->name, root_uuid, s->uefi ? "UUID=" : "", s->uefi ? c->esp_id : "",
      s->uefi ? "\t/boot/efi\tvfat\tumask=0077\t0\t1\n" : "");
  return tree_write (c, "etc/fstab", text, 0644, error);
}

static gboolean
write_network (Ctx *c, GError **error)
{
  const KilnTemplateBuildSpec *s = c->spec;
  g_autofree char *hosts = g_strdup_printf (
      "127.0.0.1\tlocalhost\n"
      "127.0.1.1\t%s\n"
      "\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "ff02::1\tip6-allnodes\n"
      "ff02::2\tip6-allrouters\n", s->hostname);
  g_autofree char *hostname = g_strdup_printf ("%s\n", s->hostname);
  return tree_write (c, "etc/hostname", hostname, 0644, error)
         && tree_write (c, "etc/hosts", hosts, 0644, error)
         && tree_write (c, "etc/systemd/network/90-kiln-dhcp.network",
                        "# kiln template: DHCP on every Ethernet NIC, "
                        "whatever the hypervisor\n"
                        "# or cloud names it (ens3, enp0s3, eth0, ...).\n"
                        "[Match]\n"
                        "Name=en* eth*\n"
                        "Type=ether\n"
                        "\n"
                        "[Network]\n"
                        "DHCP=yes\n"
                        "\n"
                        "[DHCPv4]\n"
                        "UseDomains=yes\n", 0644, error)
         /* one NIC online is enough to call the network up: a second NIC
          * without DHCP must not hold the boot for two minutes */
         && tree_write (c, "etc/systemd/system/"
                        "systemd-networkd-wait-online.service.d/"
                        "kiln-any.conf",
                        "[Service]\n"
                        "ExecStart=\n"
                        "ExecStart=/lib/systemd/systemd-networkd-wait-online "
                        "--any --timeout=60\n", 0644, error)
         && (!tree_exists (c, "lib/systemd/system/systemd-resolved.service")
             || tree_symlink (c, "etc/resolv.conf",
                              "../run/systemd/resolve/stub-resolv.conf",
                              error));
}

static gboolean
write_boot_config (Ctx *c, GError **error)
{
  const KilnTemplateBuildSpec *s = c->spec;
  const char *extra = s->kernel_cmdline ? s->kernel_cmdline : "";
  g_autofree char *grub = g_strdup_printf (
      "# kiln template %s: kernel and GRUB on the serial console (ttyS0,\n"
      "# what clouds and 'virsh console' show) and on the screen.\n"
      "GRUB_TIMEOUT=1\n"
      "GRUB_CMDLINE_LINUX_DEFAULT=\"\"\n"
      "GRUB_CMDLINE_LINUX=\"console=tty0 console=ttyS0,115200n8%s%s\"\n"
      "GRUB_TERMINAL=\"console serial\"\n"
      "GRUB_SERIAL_COMMAND=\"serial --speed=115200 --unit=0 --word=8 "
      "--parity=no --stop=1\"\n"
      "GRUB_DISABLE_OS_PROBER=true\n",
      s->name, *extra ? " " : "", extra);
  /* Debian does not make SSH host keys at boot; cloud-init does when a
   * datasource is found.  This covers boots without one. */
  const char *keys_unit =
      "[Unit]\n"
      "Description=Generate missing SSH host keys (kiln template)\n"
      "Documentation=man:ssh-keygen(1)\n"
      "After=cloud-init.service\n"
      "Before=ssh.service\n"
      "ConditionPathExists=/usr/bin/ssh-keygen\n"
      "\n"
      "[Service]\n"
      "Type=oneshot\n"
      "ExecStart=/usr/bin/ssh-keygen -A\n"
      "StandardOutput=journal+console\n"
      "\n"
      "[Install]\n"
      "WantedBy=ssh.service\n";
  /* BIOS: grub-pc reinstalls the boot code on upgrades only to the disks
   * debconf names, and the disk's name depends on the machine (vda, sda,
   * nvme0n1).  Tell debconf at every boot, so an upgraded GRUB never boots
   * old boot code against new modules. */
  const char *devices_unit =
      "[Unit]\n"
      "Description=Tell grub-pc which disk to reinstall GRUB on (kiln "
      "template)\n"
      "ConditionPathExists=/usr/sbin/grub-install\n"
      "ConditionPathExists=/usr/share/grub/grub-mkconfig_lib\n"
      "ConditionPathExists=/var/lib/dpkg/info/grub-pc.list\n"
      "After=local-fs.target\n"
      "Before=multi-user.target kiln-agent.service apt-daily-upgrade.service\n"
      "\n"
      "[Service]\n"
      "Type=oneshot\n"
      /* $$: systemd would expand $name itself */
      /* '-': a machine without a partitioned boot disk is not an error */
      "ExecStart=-/bin/sh -c 'src=$$(findmnt -n -o SOURCE -T /boot) && "
      "disk=$$(lsblk -n -d -o PKNAME \"$$src\") && [ -n \"$$disk\" ] && "
      "echo \"grub-pc grub-pc/install_devices multiselect /dev/$$disk\" | "
      "debconf-set-selections'\n"
      "\n"
      "[Install]\n"
      "WantedBy=multi-user.target\n";
  return tree_write (c, "etc/default/grub.d/50-kiln.cfg", grub, 0644, error)
         && tree_write (c, "etc/systemd/system/ssh-hostkeys-firstboot.service",
                        keys_unit, 0644, error)
         && (s->uefi
             || tree_write (c, "etc/systemd/system/grub-install-devices.service",
                            devices_unit, 0644, error));
}

static gboolean
write_cloud_init (Ctx *c, GError **error)
{
  const KilnTemplateBuildSpec *s = c->spec;
  if (!tree_exists (c, "etc/cloud"))
    return TRUE;
  GString *list = g_string_new (NULL);
  for (guint i = 0; s->datasources && s->datasources[i]; i++)
    g_string_append_printf (list, "%s%s", i ? ", " : "", s->datasources[i]);
  g_autofree char *ds = g_strdup_printf (
      "# kiln template %s: where cloud-init looks for instance data.\n"
      "datasource_list: [ %s ]\n", s->name, list->str);
  g_string_free (list, TRUE);
  return tree_write (c, "etc/cloud/cloud.cfg.d/90-kiln-datasources.cfg", ds,
                     0644, error)
         /* keep the apt sources the image was built with */
         && tree_write (c, "etc/cloud/cloud.cfg.d/91-kiln-apt.cfg",
                        "# kiln template: keep /etc/apt as built.\n"
                        "apt:\n"
                        "  preserve_sources_list: true\n", 0644, error);
}

static gboolean
write_locale_time (Ctx *c, GError **error)
{
  const KilnTemplateBuildSpec *s = c->spec;
  g_autofree char *zone = g_build_filename ("usr/share/zoneinfo", s->timezone,
                                            NULL);
  if (!tree_exists (c, zone))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "time zone '%s' is not in the image (/%s missing; is "
                   "tzdata in 'packages'?)", s->timezone, zone);
      return FALSE;
    }
  g_autofree char *target = g_strconcat ("/", zone, NULL);
  g_autofree char *tz = g_strdup_printf ("%s\n", s->timezone);
  g_autofree char *lang = g_strdup_printf ("LANG=%s\n", s->locale);
  if (!tree_symlink (c, "etc/localtime", target, error)
      || !tree_write (c, "etc/timezone", tz, 0644, error)
      || !tree_write (c, "etc/default/locale", lang, 0644, error))
    return FALSE;
  gboolean builtin = g_str_equal (s->locale, "C.UTF-8")
                     || g_str_equal (s->locale, "C")
                     || g_str_equal (s->locale, "POSIX");
  if (builtin)
    return TRUE;
  if (!tree_exists (c, "usr/sbin/locale-gen"))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "locale '%s' needs the locales package in 'packages'",
                   s->locale);
      return FALSE;
    }
  /* "en_US.UTF-8 UTF-8": the charset after the dot */
  const char *dot = strchr (s->locale, '.');
  g_autofree char *charset = g_strdup (dot ? dot + 1 : "ISO-8859-1");
  char *at = strchr (charset, '@');
  if (at)
    *at = '\0';
  g_autofree char *gen = g_strdup_printf ("%s %s\n", s->locale, charset);
  const char *argv[] = { "chroot", c->root, "locale-gen", NULL };
  return tree_write (c, "etc/locale.gen", gen, 0644, error)
         && run_tool (c, argv, NULL, NULL, error);
}

static gboolean
enable_units (Ctx *c, GError **error)
{
  const char *candidates[] = {
    "systemd-networkd.service", "systemd-resolved.service",
    "systemd-timesyncd.service", "serial-getty@ttyS0.service",
    "ssh-hostkeys-firstboot.service", "grub-install-devices.service",
  };
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup ("systemctl"));
  g_ptr_array_add (argv, g_strdup_printf ("--root=%s", c->root));
  g_ptr_array_add (argv, g_strdup ("enable"));
  guint n = argv->len;
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      const char *u = candidates[i];
      /* serial-getty@.service and the others, from any unit directory */
      g_autofree char *tmpl = NULL;
      const char *at = strchr (u, '@');
      if (at)
        tmpl = g_strdup_printf ("%.*s@.service", (int) (at - u), u);
      const char *file = tmpl ? tmpl : u;
      g_autofree char *lib = g_build_filename ("lib/systemd/system", file, NULL);
      g_autofree char *usr = g_build_filename ("usr/lib/systemd/system", file,
                                               NULL);
      g_autofree char *etc = g_build_filename ("etc/systemd/system", file, NULL);
      if (tree_exists (c, lib) || tree_exists (c, usr) || tree_exists (c, etc))
        g_ptr_array_add (argv, g_strdup (u));
    }
  if (argv->len == n)
    return TRUE;
  g_ptr_array_add (argv, NULL);
  return run_tool (c, (const char *const *) argv->pdata, NULL, NULL, error);
}

/* Answers for package scripts that run again on upgrades in the image. */
static gboolean
preseed_debconf (Ctx *c, GError **error)
{
  if (!tree_exists (c, "usr/bin/debconf-set-selections"))
    return TRUE;
  /* BIOS: grub-pc does not know the boot disk's name on the machine the
   *   image will run on; without this an upgrade asks (and fails
   *   unattended).  UEFI: keep the removable-media path up to date. */
  const char *sel = c->spec->uefi
      ? "grub-efi-amd64 grub2/force_efi_extra_removable boolean true\n"
        "grub-efi-amd64 grub2/update_nvram boolean false\n"
      : "grub-pc grub-pc/install_devices_empty boolean true\n";
  const char *argv[] = { "chroot", c->root, "debconf-set-selections",
                         "/kiln-debconf", NULL };
  gboolean ok = tree_write (c, "kiln-debconf", sel, 0600, error)
                && run_tool (c, argv, NULL, NULL, error);
  g_autofree char *p = tree_path (c, "kiln-debconf");
  unlink (p);
  return ok;
}

/* What must not be in a base image: identity and caches. */
static gboolean
clean_tree (Ctx *c, GError **error)
{
  /* systemd fills an empty machine-id at first boot */
  if (!tree_write (c, "etc/machine-id", "", 0444, error))
    return FALSE;
  if (tree_exists (c, "var/lib/dbus/machine-id"))
    {
      if (!tree_symlink (c, "var/lib/dbus/machine-id", "/etc/machine-id",
                         error))
        return FALSE;
    }
  return tree_clear_dir (c, "etc/ssh", "ssh_host_", NULL, error)
         && tree_clear_dir (c, "var/lib/apt/lists", "", NULL, error)
         && tree_clear_dir (c, "var/cache/apt", "", ".bin", error)
         && tree_clear_dir (c, "var/cache/apt/archives", "", ".deb", error)
         && tree_clear_dir (c, "var/lib/systemd", "random-seed", NULL, error)
         && tree_clear_dir (c, "tmp", "", NULL, error);
}

gboolean
kiln_tb_configure_tree (Ctx *c, const char *root_uuid, GError **error)
{
  /* lock-file created by mmdebstrap's apt; lists dir must still exist */
  return write_fstab (c, root_uuid, error)
         && write_network (c, error)
         && write_boot_config (c, error)
         && write_cloud_init (c, error)
         && write_locale_time (c, error)
         && enable_units (c, error)
         && preseed_debconf (c, error)
         && clean_tree (c, error);
}

