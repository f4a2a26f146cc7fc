/* guestfs-generalize.c - make a built image safe to clone, and small
 *
 * virt-sysprep-like operations, done with libguestfs calls inside the
 * appliance (glob_expand, rm_rf, truncate; never a shell).  Each operation
 * appends one line to `actions` naming what it removed or reset.
 *
 * Decisions (docs for the build log reader):
 * - machine-id: /etc/machine-id is emptied, not removed and NOT regenerated
 *   (virt-sysprep's customize step writes a fresh one, so every clone shares
 *   it); systemd fills an empty file at first boot.  A regular
 *   /var/lib/dbus/machine-id is removed (a symlink to /etc is kept).
 * - logs: regular files under /var/log are truncated, not removed, so files
 *   daemons open without O_CREAT keep their owner and mode (wtmp, btmp,
 *   lastlog); rotated copies (.1, .gz, -20240101, .old) are removed, and so
 *   are journal directories (named after the old machine-id).
 * - package caches: downloaded packages and binary caches are removed
 *   (apt archives *.deb and *.bin, dnf, yum, zypper packages, apk, pacman);
 *   /var/lib/apt/lists is kept, as virt-sysprep does: without it apt knows
 *   no packages until the next `apt-get update`.
 * - cloud-init: like `cloud-init clean --logs`: all of /var/lib/cloud except
 *   seed/ (a seed baked into the image is configuration), cloud-init logs.
 */
#include "guestfs-impl.h"

#include <stdlib.h>
#include <string.h>

/* What one operation did, for its action line. */
typedef struct {
  const char *name;
  GPtrArray *removed;
  GPtrArray *truncated;
  GPtrArray *notes;
} Op;

static void
op_init (Op *op, const char *name)
{
  op->name = name;
  op->removed = g_ptr_array_new_with_free_func (g_free);
  op->truncated = g_ptr_array_new_with_free_func (g_free);
  op->notes = g_ptr_array_new_with_free_func (g_free);
}

static void
op_clear (Op *op)
{
  g_clear_pointer (&op->removed, g_ptr_array_unref);
  g_clear_pointer (&op->truncated, g_ptr_array_unref);
  g_clear_pointer (&op->notes, g_ptr_array_unref);
}

/* At most this many paths per list in an action line; the log has all. */
#define ACTION_MAX_PATHS 60

static void
append_list (GString *s, const char *verb, GPtrArray *paths)
{
  if (!paths->len)
    return;
  if (s->len)
    g_string_append (s, "; ");
  g_string_append_printf (s, "%s ", verb);
  for (guint i = 0; i < paths->len && i < ACTION_MAX_PATHS; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "",
                            (char *) g_ptr_array_index (paths, i));
  if (paths->len > ACTION_MAX_PATHS)
    g_string_append_printf (s, " (+%u more)", paths->len - ACTION_MAX_PATHS);
}

static void
op_report (KilnGuest *kg, Op *op, GPtrArray *actions)
{
  g_autoptr (GString) s = g_string_new (NULL);
  append_list (s, "removed", op->removed);
  append_list (s, "truncated", op->truncated);
  for (guint i = 0; i < op->notes->len; i++)
    g_string_append_printf (s, "%s%s", s->len ? "; " : "",
                            (char *) g_ptr_array_index (op->notes, i));
  if (!s->len)
    g_string_append (s, "nothing to do");
  char *line = g_strdup_printf ("%s: %s", op->name, s->str);
  kiln_guest_log (kg, "generalize: %s", line);
  if (kg->log)
    for (guint i = ACTION_MAX_PATHS; i < op->removed->len; i++)
      kiln_guest_log (kg, "generalize: %s: removed %s", op->name,
                      (char *) g_ptr_array_index (op->removed, i));
  if (actions)
    g_ptr_array_add (actions, line);
  else
    g_free (line);
}

static void
free_strv (char **v)
{
  for (char **p = v; v && *p; p++)
    free (*p);
  free (v);
}

static gboolean
rm_one (KilnGuest *kg, Op *op, const char *path, GError **error)
{
  if (guestfs_rm_rf (kg->g, path) == -1)
    return kiln_guest_fail (kg, error, "%s: removing %s", op->name, path);
  g_ptr_array_add (op->removed, g_strdup (path));
  return TRUE;
}

/* Removes whatever the pattern matches (rm -rf, never following links). */
static gboolean
rm_glob (KilnGuest *kg, Op *op, const char *pattern, GError **error)
{
  char **paths = guestfs_glob_expand_opts (
      kg->g, pattern, GUESTFS_GLOB_EXPAND_OPTS_DIRECTORYSLASH, 0, -1);
  if (!paths)
    return kiln_guest_fail (kg, error, "%s: expanding %s", op->name, pattern);
  gboolean ok = TRUE;
  for (char **p = paths; ok && *p; p++)
    ok = rm_one (kg, op, *p, error);
  free_strv (paths);
  return ok;
}

/* Removes every entry of a directory, dot files included, keeping the
 * directory itself (and not following it when it is a symlink). */
static gboolean
rm_dir_contents (KilnGuest *kg, Op *op, const char *dir,
                 const char *const *keep, GError **error)
{
  if (!kiln_guest_is_dir (kg, dir) || kiln_guest_is_symlink (kg, dir))
    return TRUE;
  char **names = guestfs_ls (kg->g, dir);
  if (!names)
    return kiln_guest_fail (kg, error, "%s: listing %s", op->name, dir);
  gboolean ok = TRUE;
  for (char **p = names; ok && *p; p++)
    {
      if (keep && g_strv_contains (keep, *p))
        continue;
      g_autofree char *path = g_build_filename (dir, *p, NULL);
      ok = rm_one (kg, op, path, error);
    }
  free_strv (names);
  return ok;
}

/* ---- the operations ---- */

static gboolean
op_agent (KilnGuest *kg, Op *op, GError **error)
{
  return kiln_guest_remove_agent_report (kg, op->removed, error);
}

static gboolean
op_machine_id (KilnGuest *kg, Op *op, GError **error)
{
  const char *mid = "/etc/machine-id";
  if (kiln_guest_is_file (kg, mid))
    {
      gint64 size = guestfs_filesize (kg->g, mid);
      if (size > 0)
        {
          if (guestfs_truncate (kg->g, mid) == -1)
            return kiln_guest_fail (kg, error, "machine-id: emptying %s", mid);
          g_ptr_array_add (op->notes, g_strdup ("emptied /etc/machine-id"));
        }
      else
        g_ptr_array_add (op->notes, g_strdup ("/etc/machine-id already "
                                              "empty"));
    }
  else if (kiln_guest_is_symlink (kg, mid))
    g_ptr_array_add (op->notes, g_strdup ("/etc/machine-id is a symlink, "
                                          "left alone"));
  else
    g_ptr_array_add (op->notes, g_strdup ("no /etc/machine-id"));
  /* dbus's own copy; Debian links it to /etc/machine-id: keep a link */
  const char *dbus = "/var/lib/dbus/machine-id";
  if (kiln_guest_is_file (kg, dbus) && !rm_one (kg, op, dbus, error))
    return FALSE;
  return TRUE;
}

static gboolean
op_ssh_hostkeys (KilnGuest *kg, Op *op, GError **error)
{
  return rm_glob (kg, op, "/etc/ssh/ssh_host_*", error);
}

static gboolean
op_cloud_init (KilnGuest *kg, Op *op, GError **error)
{
  static const char *const keep[] = { "seed", NULL };
  return rm_dir_contents (kg, op, "/var/lib/cloud", keep, error)
         && rm_glob (kg, op, "/var/log/cloud-init*", error);
}

static gboolean
is_rotated_log (const char *name)
{
  static GRegex *re;
  if (g_once_init_enter (&re))
    g_once_init_leave (&re, g_regex_new (
        "(\\.[0-9]+(\\.(gz|xz|bz2|zst|lz4))?|\\.(gz|xz|bz2|zst|lz4|old)"
        "|-[0-9]{8}(\\.(gz|xz|bz2|zst|lz4))?)$",
        /* RAW: a guest's file names are bytes, not always UTF-8 */
        G_REGEX_OPTIMIZE | G_REGEX_RAW, 0, NULL));
  return g_regex_match (re, name, 0, NULL);
}

static gboolean
op_logs (KilnGuest *kg, Op *op, GError **error)
{
  if (!kiln_guest_is_dir (kg, "/var/log"))
    return TRUE;
  /* the journal: one directory per machine-id, whole */
  if (!rm_dir_contents (kg, op, "/var/log/journal", NULL, error))
    return FALSE;
  char **names = guestfs_find (kg->g, "/var/log");
  if (!names)
    return kiln_guest_fail (kg, error, "logs: listing /var/log");
  gboolean ok = TRUE;
  for (char **p = names; ok && *p; p++)
    {
      g_autofree char *path = g_build_filename ("/var/log", *p, NULL);
      struct guestfs_statns *st = guestfs_lstatns (kg->g, path);
      if (!st)
        continue; /* removed with its directory a moment ago */
      gboolean regular = (st->st_mode & 0170000) == 0100000;
      gint64 size = st->st_size;
      guestfs_free_statns (st);
      if (!regular)
        continue;
      g_autofree char *base = g_path_get_basename (path);
      if (is_rotated_log (base))
        ok = rm_one (kg, op, path, error);
      else if (size > 0)
        {
          if (guestfs_truncate (kg->g, path) == -1)
            ok = kiln_guest_fail (kg, error, "logs: truncating %s", path);
          else
            g_ptr_array_add (op->truncated, g_strdup (path));
        }
    }
  free_strv (names);
  return ok;
}

static gboolean
op_tmp (KilnGuest *kg, Op *op, GError **error)
{
  return rm_dir_contents (kg, op, "/tmp", NULL, error)
         && rm_dir_contents (kg, op, "/var/tmp", NULL, error);
}

static gboolean
op_shell_history (KilnGuest *kg, Op *op, GError **error)
{
  static const char *const files[] = {
    ".bash_history", ".zsh_history", ".ash_history", ".sh_history",
    ".history", ".python_history", ".lesshst", ".viminfo",
  };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *in_root = g_strconcat ("/root/", files[i], NULL);
      g_autofree char *in_home = g_strconcat ("/home/*/", files[i], NULL);
      if (!rm_glob (kg, op, in_root, error) || !rm_glob (kg, op, in_home, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
op_dhcp_leases (KilnGuest *kg, Op *op, GError **error)
{
  /* systemd-networkd keeps its leases in /run (tmpfs): nothing on disk */
  static const char *const patterns[] = {
    "/var/lib/dhcp/*", "/var/lib/dhclient/*", "/var/lib/dhcpcd/*",
    "/var/lib/dhcpcd5/*", "/var/db/dhcpcd/*", "/var/lib/NetworkManager/*lease*",
    "/var/lib/wicked/lease*", "/var/lib/udhcpc/*",
  };
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    if (!rm_glob (kg, op, patterns[i], error))
      return FALSE;
  return TRUE;
}

static gboolean
op_random_seed (KilnGuest *kg, Op *op, GError **error)
{
  /* seeds every clone would share; systemd's credential secret too */
  static const char *const paths[] = {
    "/var/lib/systemd/random-seed", "/var/lib/urandom/random-seed",
    "/var/lib/random-seed", "/var/lib/systemd/credential.secret",
  };
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    if (kiln_guest_lexists (kg, paths[i]) && !rm_one (kg, op, paths[i], error))
      return FALSE;
  return TRUE;
}

static gboolean
op_udev_persistent_net (KilnGuest *kg, Op *op, GError **error)
{
  const char *rules = "/etc/udev/rules.d/70-persistent-net.rules";
  return !kiln_guest_lexists (kg, rules) || rm_one (kg, op, rules, error);
}

static gboolean
op_package_cache (KilnGuest *kg, Op *op, GError **error)
{
  static const char *const patterns[] = {
    "/var/cache/apt/archives/*.deb", "/var/cache/apt/archives/partial/*",
    "/var/cache/apt/*.bin", "/var/cache/dnf/*", "/var/cache/yum/*",
    "/var/cache/zypp/packages/*", "/var/cache/apk/*",
    "/var/cache/pacman/pkg/*",
  };
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    if (!rm_glob (kg, op, patterns[i], error))
      return FALSE;
  return TRUE;
}

typedef gboolean (*OpFn) (KilnGuest *, Op *, GError **);

gboolean
kiln_guest_generalize (KilnGuest *kg, GPtrArray *actions, GError **error)
{
  /* agent first: its log must go, not just be truncated with the others;
   * cloud-init before logs for the same reason */
  static const struct {
    const char *name;
    OpFn fn;
  } ops[] = {
    { "agent", op_agent },
    { "machine-id", op_machine_id },
    { "ssh-hostkeys", op_ssh_hostkeys },
    { "cloud-init", op_cloud_init },
    { "logs", op_logs },
    { "tmp", op_tmp },
    { "shell-history", op_shell_history },
    { "dhcp-leases", op_dhcp_leases },
    { "random-seed", op_random_seed },
    { "udev-persistent-net", op_udev_persistent_net },
    { "package-cache", op_package_cache },
  };
  gint64 t0 = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      Op op;
      op_init (&op, ops[i].name);
      gboolean ok = ops[i].fn (kg, &op, error);
      if (ok)
        op_report (kg, &op, actions);
      op_clear (&op);
      if (!ok)
        return FALSE;
    }
  if (guestfs_sync (kg->g) == -1)
    return kiln_guest_fail (kg, error, "generalize: sync");
  kiln_guest_log (kg, "generalized in %.1f s",
                  (g_get_monotonic_time () - t0) / 1e6);
  return TRUE;
}

gboolean
kiln_guest_remove_journal (KilnGuest *kg, GPtrArray *actions, GError **error)
{
  Op op;
  op_init (&op, "journal");
  gboolean ok = !kiln_guest_is_dir (kg, "/var/log/journal")
                || rm_dir_contents (kg, &op, "/var/log/journal", NULL, error);
  if (ok)
    op_report (kg, &op, actions);
  op_clear (&op);
  return ok;
}

gboolean
kiln_guest_zero_free_space (KilnGuest *kg, GError **error)
{
  /* fstrim discards free blocks; with the drive added discard=besteffort
   * qemu punches holes in the qcow2 (or marks backing clusters zero).
   * Filesystems that cannot trim get their free space zeroed instead,
   * which a later qemu-img convert turns into holes. */
  for (guint i = 0; i < kg->mountpoints->len; i++)
    {
      const char *mp = g_ptr_array_index (kg->mountpoints, i);
      gint64 t0 = g_get_monotonic_time ();
      if (guestfs_fstrim (kg->g, mp, -1) == 0)
        {
          kiln_guest_log (kg, "fstrim %s: %.1f s", mp,
                          (g_get_monotonic_time () - t0) / 1e6);
          continue;
        }
      kiln_guest_log (kg, "fstrim %s failed (%s); zeroing free space instead",
                      mp, guestfs_last_error (kg->g));
      if (guestfs_zero_free_space (kg->g, mp) == -1)
        return kiln_guest_fail (kg, error, "zeroing the free space of %s", mp);
      kiln_guest_log (kg, "zero_free_space %s: %.1f s", mp,
                      (g_get_monotonic_time () - t0) / 1e6);
    }
  if (guestfs_sync (kg->g) == -1)
    return kiln_guest_fail (kg, error, "sync after trimming");
  return TRUE;
}
