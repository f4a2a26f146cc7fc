/* guestfs-agent.c - put the agent and its plan into the guest, take them out
 *
 * Paths and the rc.local line are fixed by docs/agent-protocol.md.  What
 * install changed is recorded in /var/lib/kiln-agent/installed.json so that
 * remove undoes exactly that: directories kiln created, rc.local created or
 * edited (mode, a newline kiln had to add), the OpenRC runlevel link.
 */
#include "guestfs-impl.h"

#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "common/kiln-json.h"

#define AGENT_DIR "/usr/local/libexec/kiln"
#define AGENT_PATH AGENT_DIR "/kiln-agent"
#define STATE_DIR "/var/lib/kiln-agent"
#define PLAN_PATH STATE_DIR "/plan.json"
#define FILES_DIR STATE_DIR "/files"
#define INSTALLED_PATH STATE_DIR "/installed.json"
/* what kiln writes there is a few hundred bytes, one level deep */
#define INSTALLED_MAX_BYTES (64 * 1024)
#define INSTALLED_MAX_DEPTH 8
#define AGENT_LOG "/var/log/kiln-agent.log"
#define UNIT_PATH "/etc/systemd/system/kiln-agent.service"
#define WANTS_DIR "/etc/systemd/system/multi-user.target.wants"
#define WANTS_LINK WANTS_DIR "/kiln-agent.service"
#define RC_LOCAL "/etc/rc.local"
#define RC_MARK "# kiln-agent"
#define RC_LINE AGENT_PATH " --boot & " RC_MARK
#define LOCAL_D "/etc/local.d"
#define LOCAL_D_START LOCAL_D "/kiln-agent.start"
#define OPENRC_LOCAL_INIT "/etc/init.d/local"
#define OPENRC_DEFAULT "/etc/runlevels/default"
#define OPENRC_LOCAL_LINK OPENRC_DEFAULT "/local"
#define SYSTEM_UNIT_DIR "/etc/systemd/system"
/* Written for a boot without a network card: the wait-online services would
 * wait for a link that never comes (their own timeout, 60-120 s).  Removed
 * with the agent, so the image keeps its own behaviour. */
#define NO_NIC_DROP_IN "zz-kiln-no-network-card.conf"
static const char *const wait_online_units[] = {
  "systemd-networkd-wait-online.service",
  "NetworkManager-wait-online.service",
  "ifupdown-wait-online.service",
  NULL
};

const char *const *
kiln_guest_wait_online_units (void)
{
  return wait_online_units;
}
static const char *const unit_dirs[] = { "/lib/systemd/system",
                                         "/usr/lib/systemd/system" };
#define SELINUX_CONFIG "/etc/selinux/config"
#define AUTORELABEL "/.autorelabel"

typedef enum { START_SYSTEMD, START_LOCAL_D, START_RC_LOCAL } StartMethod;

static const char *const start_method_names[] = { "systemd", "local.d",
                                                  "rc.local" };

/* What install did, kept in installed.json. */
typedef struct {
  StartMethod method;
  GPtrArray *created_dirs;     /* in creation order */
  gboolean rc_local_created;
  gint64 rc_local_mode;        /* original mode when kiln edited it, or -1 */
  gboolean rc_local_newline;   /* kiln added a final newline before its line */
  gboolean openrc_link;
  gboolean autorelabel;        /* kiln created /.autorelabel */
} Installed;

static void
installed_clear (Installed *in)
{
  if (in->created_dirs)
    g_ptr_array_unref (in->created_dirs);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Installed, installed_clear)

/* json-glib < 1.6 has no *_with_default getters */
static gboolean
member_bool (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n && JSON_NODE_HOLDS_VALUE (n)
         && json_node_get_value_type (n) == G_TYPE_BOOLEAN
         && json_node_get_boolean (n);
}

static gint64
member_int (JsonObject *o, const char *name, gint64 fallback)
{
  JsonNode *n = json_object_get_member (o, name);
  return n && JSON_NODE_HOLDS_VALUE (n)
                 && json_node_get_value_type (n) == G_TYPE_INT64
             ? json_node_get_int (n) : fallback;
}

static char *
installed_to_json (const Installed *in)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "start");
  json_builder_add_string_value (b, start_method_names[in->method]);
  json_builder_set_member_name (b, "createdDirs");
  json_builder_begin_array (b);
  for (guint i = 0; i < in->created_dirs->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (in->created_dirs, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "rcLocalCreated");
  json_builder_add_boolean_value (b, in->rc_local_created);
  json_builder_set_member_name (b, "rcLocalMode");
  json_builder_add_int_value (b, in->rc_local_mode);
  json_builder_set_member_name (b, "rcLocalAddedNewline");
  json_builder_add_boolean_value (b, in->rc_local_newline);
  json_builder_set_member_name (b, "openrcLocalLink");
  json_builder_add_boolean_value (b, in->openrc_link);
  json_builder_set_member_name (b, "autorelabel");
  json_builder_add_boolean_value (b, in->autorelabel);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return kiln_json_string (root, TRUE);
}

/* FALSE when there is no readable record (remove then works from the
 * fixed paths alone). */
static gboolean
installed_load (KilnGuest *kg, Installed *in)
{
  in->created_dirs = g_ptr_array_new_with_free_func (g_free);
  in->rc_local_mode = -1;
  if (!kiln_guest_is_file (kg, INSTALLED_PATH))
    return FALSE;
  /* A build step may have rewritten the record: it is guest data, read
   * with a size and a nesting limit (json-glib recurses per level). */
  gsize len = 0;
  g_autofree char *text = kiln_guest_read_max (kg, INSTALLED_PATH,
                                               INSTALLED_MAX_BYTES, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;
  if (text)
    root = kiln_json_parse_bounded (text, len, INSTALLED_MAX_DEPTH, &error);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      kiln_guest_log (kg, "warning: %s is not a JSON object of at most %u "
                      "bytes (%s); removing the agent by its fixed paths",
                      INSTALLED_PATH, INSTALLED_MAX_BYTES,
                      error ? error->message
                            : text ? "not an object" : "too large");
      return FALSE;
    }
  JsonObject *o = json_node_get_object (root);
  const char *start = kiln_json_member_string (o, "start");
  in->method = START_RC_LOCAL;
  for (guint i = 0; i < G_N_ELEMENTS (start_method_names); i++)
    if (g_strcmp0 (start, start_method_names[i]) == 0)
      in->method = i;
  JsonNode *dirs_node = json_object_get_member (o, "createdDirs");
  JsonArray *dirs = dirs_node && JSON_NODE_HOLDS_ARRAY (dirs_node)
                        ? json_node_get_array (dirs_node) : NULL;
  for (guint i = 0; dirs && i < json_array_get_length (dirs); i++)
    {
      JsonNode *e = json_array_get_element (dirs, i);
      const char *d = JSON_NODE_HOLDS_VALUE (e)
                              && json_node_get_value_type (e) == G_TYPE_STRING
                          ? json_node_get_string (e) : NULL;
      if (d && d[0] == '/')
        g_ptr_array_add (in->created_dirs, g_strdup (d));
    }
  in->rc_local_created = member_bool (o, "rcLocalCreated");
  in->rc_local_mode = member_int (o, "rcLocalMode", -1);
  in->rc_local_newline = member_bool (o, "rcLocalAddedNewline");
  in->openrc_link = member_bool (o, "openrcLocalLink");
  in->autorelabel = member_bool (o, "autorelabel");
  return TRUE;
}

static gboolean
has_cloud_init (KilnGuest *kg)
{
  return kiln_guest_exists (kg, "/usr/bin/cloud-init")
         || kiln_guest_is_dir (kg, "/etc/cloud");
}

static char *
systemd_unit (KilnGuest *kg, gboolean nic)
{
  /* Type=simple: the boot finishes normally while the agent works (a
   * oneshot would hold multi-user.target until the whole plan ran, and a
   * step waiting for the system to be up would deadlock).  When cloud-init
   * is present the unit starts after cloud-config.service (not
   * cloud-init.target: that target is ordered after multi-user.target, which
   * this unit is wanted by: an ordering cycle); the agent waits for the
   * final stage itself only when the plan says a step needs it.  Without a
   * network card there is no network to wait for. */
  gboolean ci = has_cloud_init (kg);
  g_autofree char *after = g_strjoin (
      " ", nic ? "network-online.target" : "", ci ? "cloud-config.service" : "",
      NULL);
  g_strstrip (after);
  return g_strdup_printf (
      "# Installed by kiln for one build; removed when the image is "
      "generalized.\n"
      "[Unit]\n"
      "Description=kiln image build agent\n"
      "%s"
      "%s%s%s"
      "ConditionPathExists=" PLAN_PATH "\n"
      "\n"
      "[Service]\n"
      "Type=simple\n"
      "ExecStart=" AGENT_PATH " --boot\n"
      "StandardOutput=journal+console\n"
      "StandardError=journal+console\n"
      "Restart=no\n"
      "\n"
      "[Install]\n"
      "WantedBy=multi-user.target\n",
      nic ? "Wants=network-online.target\n" : "", *after ? "After=" : "",
      after, *after ? "\n" : "");
}

static gboolean
unit_exists (KilnGuest *kg, const char *unit)
{
  for (guint i = 0; i < G_N_ELEMENTS (unit_dirs); i++)
    {
      g_autofree char *path = g_build_filename (unit_dirs[i], unit, NULL);
      if (kiln_guest_exists (kg, path))
        return TRUE;
    }
  return FALSE;
}

static char *
no_nic_drop_in_path (const char *unit)
{
  return g_strdup_printf (SYSTEM_UNIT_DIR "/%s.d/" NO_NIC_DROP_IN, unit);
}

/* The image's wait-online services are skipped while the plan is there
 * (a boot without a network card). */
static gboolean
install_no_nic_drop_ins (KilnGuest *kg, Installed *in, GError **error)
{
  static const char text[] =
      "# Written by kiln for a build or test boot without a network card;\n"
      "# removed with the kiln agent.\n"
      "[Unit]\n"
      "ConditionPathExists=!" PLAN_PATH "\n";
  for (guint i = 0; wait_online_units[i]; i++)
    {
      if (!unit_exists (kg, wait_online_units[i]))
        continue;
      g_autofree char *path = no_nic_drop_in_path (wait_online_units[i]);
      g_autofree char *dir = g_path_get_dirname (path);
      if (!kiln_guest_mkdir_p_tracked (kg, dir, 0755, in->created_dirs, error)
          || !kiln_guest_write (kg, path, text, strlen (text), 0644, error))
        return FALSE;
    }
  return TRUE;
}

/* Text with every line that ends in the marker dropped. */
static char *
strip_marked_lines (const char *text, gboolean *changed)
{
  GString *out = g_string_new (NULL);
  *changed = FALSE;
  const char *p = text;
  while (*p)
    {
      const char *nl = strchr (p, '\n');
      gsize len = nl ? (gsize) (nl - p) : strlen (p);
      g_autofree char *line = g_strndup (p, len);
      g_strchomp (line);
      if (g_str_has_suffix (line, RC_MARK))
        *changed = TRUE;
      else
        g_string_append_len (out, p, nl ? len + 1 : len);
      p += nl ? len + 1 : len;
    }
  return g_string_free (out, FALSE);
}

/* rc.local with the agent line before a final `exit 0`, else at the end. */
static char *
rc_local_with_agent (const char *text, gboolean *added_newline)
{
  *added_newline = FALSE;
  gsize len = strlen (text);
  /* the last non-blank line */
  gssize end = len;
  while (end > 0 && g_ascii_isspace (text[end - 1]))
    end--;
  gssize start = end;
  while (start > 0 && text[start - 1] != '\n')
    start--;
  g_autofree char *last = g_strndup (text + start, end - start);
  g_strstrip (last);
  GString *out = g_string_new (NULL);
  if (end > 0 && (strcmp (last, "exit 0") == 0 || strcmp (last, "exit") == 0))
    {
      g_string_append_len (out, text, start);
      g_string_append (out, RC_LINE "\n");
      g_string_append (out, text + start);
    }
  else
    {
      g_string_append (out, text);
      if (len > 0 && text[len - 1] != '\n')
        {
          g_string_append_c (out, '\n');
          *added_newline = TRUE;
        }
      g_string_append (out, RC_LINE "\n");
    }
  return g_string_free (out, FALSE);
}

static gboolean
install_rc_local (KilnGuest *kg, Installed *in, GError **error)
{
  if (!kiln_guest_exists (kg, RC_LOCAL))
    {
      in->rc_local_created = TRUE;
      static const char text[] = "#!/bin/sh\n" RC_LINE "\n";
      return kiln_guest_write (kg, RC_LOCAL, text, strlen (text), 0755, error);
    }
  g_autofree char *old = NULL;
  gsize len = 0;
  if (!kiln_guest_read (kg, RC_LOCAL, &old, &len, error))
    return FALSE;
  struct guestfs_statns *st = guestfs_statns (kg->g, RC_LOCAL);
  if (!st)
    return kiln_guest_fail (kg, error, "stat %s", RC_LOCAL);
  in->rc_local_mode = st->st_mode & 07777;
  guestfs_free_statns (st);
  g_autofree char *text = rc_local_with_agent (old, &in->rc_local_newline);
  /* executable, or init would skip it */
  return kiln_guest_write (kg, RC_LOCAL, text, strlen (text),
                           (int) (in->rc_local_mode | 0111), error);
}

static gboolean
install_start (KilnGuest *kg, Installed *in, gboolean nic, GError **error)
{
  switch (in->method)
    {
    case START_SYSTEMD:
      {
        g_autofree char *unit = systemd_unit (kg, nic);
        if (!nic && !install_no_nic_drop_ins (kg, in, error))
          return FALSE;
        if (!kiln_guest_mkdir_p_tracked (kg, WANTS_DIR, 0755, in->created_dirs,
                                         error)
            || !kiln_guest_write (kg, UNIT_PATH, unit, strlen (unit), 0644,
                                  error))
          return FALSE;
        /* what `systemctl enable` would make */
        if (guestfs_ln_sf (kg->g, UNIT_PATH, WANTS_LINK) == -1)
          return kiln_guest_fail (kg, error, "linking %s", WANTS_LINK);
        return TRUE;
      }
    case START_LOCAL_D:
      {
        static const char start[] = "#!/bin/sh\n" RC_MARK "\n" AGENT_PATH
                                    " --boot &\n";
        if (!kiln_guest_write (kg, LOCAL_D_START, start, strlen (start), 0755,
                               error))
          return FALSE;
        /* OpenRC runs local.d only when the "local" service is enabled */
        if (kiln_guest_exists (kg, OPENRC_LOCAL_INIT)
            && kiln_guest_is_dir (kg, OPENRC_DEFAULT)
            && !kiln_guest_lexists (kg, OPENRC_LOCAL_LINK))
          {
            if (guestfs_ln_s (kg->g, OPENRC_LOCAL_INIT, OPENRC_LOCAL_LINK)
                == -1)
              return kiln_guest_fail (kg, error, "enabling OpenRC local");
            in->openrc_link = TRUE;
          }
        return TRUE;
      }
    case START_RC_LOCAL:
    default:
      return install_rc_local (kg, in, error);
    }
}

/* Files written from the appliance carry no SELinux label, and an enforcing
 * guest would refuse to run an unlabeled agent or load an unlabeled unit.
 * The appliance has no setfiles on every host (Debian's has none), so the
 * guest relabels itself at the next boot (one extra reboot, done before the
 * agent starts) - as virt-customize did before it could relabel offline. */
gboolean
kiln_guest_selinux_active (KilnGuest *kg)
{
  if (!kiln_guest_is_file (kg, SELINUX_CONFIG))
    return FALSE;
  g_autofree char *text = NULL;
  if (!kiln_guest_read (kg, SELINUX_CONFIG, &text, NULL, NULL))
    return FALSE;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      g_strstrip (*l);
      if (g_str_has_prefix (*l, "SELINUX="))
        return g_ascii_strcasecmp (*l + 8, "enforcing") == 0
               || g_ascii_strcasecmp (*l + 8, "permissive") == 0;
    }
  return FALSE;
}

gboolean
kiln_guest_install_agent (KilnGuest *kg, const char *agent_binary,
                          const char *plan_json, gboolean nic, GError **error)
{
  /* a plan that is not JSON is a kiln bug (or a path passed as text) */
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) parse_error = NULL;
  if (!json_parser_load_from_data (parser, plan_json, -1, &parse_error))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "the agent plan is not valid JSON: %s",
                   parse_error->message);
      return FALSE;
    }
  if (!g_file_test (agent_binary, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "the kiln agent %s is missing (build it, or reinstall "
                   "kiln)", agent_binary);
      return FALSE;
    }
  /* a previous installation (an image built by kiln before) is removed
   * first, so its record of what to undo is not lost */
  if (kiln_guest_lexists (kg, INSTALLED_PATH) && !kiln_guest_remove_agent (kg, error))
    return FALSE;

  g_auto (Installed) in = { 0 };
  in.created_dirs = g_ptr_array_new_with_free_func (g_free);
  in.rc_local_mode = -1;
  in.method = kg->os->has_systemd ? START_SYSTEMD
              : kiln_guest_is_dir (kg, LOCAL_D) ? START_LOCAL_D
                                                : START_RC_LOCAL;

  if (!kiln_guest_mkdir_p_tracked (kg, AGENT_DIR, 0755, in.created_dirs, error)
      || !kiln_guest_mkdir_p_tracked (kg, FILES_DIR, 0700, in.created_dirs,
                                      error)
      || !kiln_guest_upload (kg, agent_binary, AGENT_PATH, 0755, error)
      || !kiln_guest_write (kg, PLAN_PATH, plan_json, strlen (plan_json),
                            0600, error))
    return FALSE;
  /* record before touching start-up files: a failure halfway can still be
   * undone by remove */
  g_autofree char *record = installed_to_json (&in);
  if (!kiln_guest_write (kg, INSTALLED_PATH, record, strlen (record), 0600,
                         error)
      || !install_start (kg, &in, nic, error))
    return FALSE;
  if (kiln_guest_selinux_active (kg) && !kiln_guest_lexists (kg, AUTORELABEL))
    {
      if (guestfs_touch (kg->g, AUTORELABEL) == -1)
        return kiln_guest_fail (kg, error, "creating %s", AUTORELABEL);
      in.autorelabel = TRUE;
      kiln_guest_log (kg, "SELinux guest: %s makes the first boot relabel "
                      "the files kiln wrote", AUTORELABEL);
    }
  g_free (record);
  record = installed_to_json (&in);
  if (!kiln_guest_write (kg, INSTALLED_PATH, record, strlen (record), 0600,
                         error))
    return FALSE;
  kiln_guest_log (kg, "agent installed (%s start)",
                  start_method_names[in.method]);
  return TRUE;
}

static gboolean
remove_path (KilnGuest *kg, const char *path, GPtrArray *removed,
             GError **error)
{
  if (!kiln_guest_lexists (kg, path))
    return TRUE;
  if (guestfs_rm_rf (kg->g, path) == -1)
    return kiln_guest_fail (kg, error, "removing %s", path);
  if (removed)
    g_ptr_array_add (removed, g_strdup (path));
  return TRUE;
}

static gboolean
remove_rc_local_line (KilnGuest *kg, const Installed *in, gboolean recorded,
                      GPtrArray *removed, GError **error)
{
  if (!kiln_guest_exists (kg, RC_LOCAL))
    return TRUE;
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!kiln_guest_read (kg, RC_LOCAL, &text, &len, error))
    return FALSE;
  gboolean changed = FALSE;
  g_autofree char *stripped = strip_marked_lines (text, &changed);
  if (!changed)
    return TRUE;
  if (recorded && in->rc_local_created && strcmp (stripped, "#!/bin/sh\n") == 0)
    return remove_path (kg, RC_LOCAL, removed, error);
  gsize n = strlen (stripped);
  if (recorded && in->rc_local_newline && n > 0 && stripped[n - 1] == '\n')
    stripped[--n] = '\0';
  int mode = recorded && in->rc_local_mode >= 0 ? (int) in->rc_local_mode : -1;
  if (!kiln_guest_write (kg, RC_LOCAL, stripped, n, mode, error))
    return FALSE;
  if (removed)
    g_ptr_array_add (removed, g_strdup (RC_LOCAL " (the kiln-agent line)"));
  return TRUE;
}

gboolean
kiln_guest_remove_agent_report (KilnGuest *kg, GPtrArray *removed,
                                GError **error)
{
  g_auto (Installed) in = { 0 };
  gboolean recorded = installed_load (kg, &in);
  /* Without a record every start method is undone by its fixed path. */
  for (guint i = 0; wait_online_units[i]; i++)
    {
      g_autofree char *path = no_nic_drop_in_path (wait_online_units[i]);
      if (!remove_path (kg, path, removed, error))
        return FALSE;
    }
  if (!remove_path (kg, WANTS_LINK, removed, error)
      || !remove_path (kg, UNIT_PATH, removed, error)
      || !remove_path (kg, LOCAL_D_START, removed, error)
      || !remove_rc_local_line (kg, &in, recorded, removed, error))
    return FALSE;
  if (recorded && in.openrc_link
      && !remove_path (kg, OPENRC_LOCAL_LINK, removed, error))
    return FALSE;
  /* still there only when the guest never booted since install */
  if (recorded && in.autorelabel
      && !remove_path (kg, AUTORELABEL, removed, error))
    return FALSE;
  if (!remove_path (kg, AGENT_PATH, removed, error)
      || !remove_path (kg, STATE_DIR, removed, error)
      || !remove_path (kg, AGENT_LOG, removed, error))
    return FALSE;
  /* Directories kiln created, deepest first, when nothing else moved in. */
  if (!recorded)
    g_ptr_array_add (in.created_dirs, g_strdup (AGENT_DIR));
  for (guint i = in.created_dirs->len; i-- > 0;)
    {
      const char *dir = g_ptr_array_index (in.created_dirs, i);
      if (!kiln_guest_is_dir (kg, dir) || kiln_guest_is_symlink (kg, dir))
        continue;
      char **entries = guestfs_ls (kg->g, dir);
      gboolean empty = entries && !entries[0];
      for (char **p = entries; p && *p; p++)
        free (*p);
      free (entries);
      if (!empty)
        {
          kiln_guest_log (kg, "kept %s: not empty", dir);
          continue;
        }
      if (guestfs_rmdir (kg->g, dir) == -1)
        return kiln_guest_fail (kg, error, "removing directory %s", dir);
      if (removed)
        g_ptr_array_add (removed, g_strdup (dir));
    }
  return TRUE;
}

gboolean
kiln_guest_remove_agent (KilnGuest *kg, GError **error)
{
  g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  if (!kiln_guest_remove_agent_report (kg, removed, error))
    return FALSE;
  g_ptr_array_add (removed, NULL);
  g_autofree char *list = g_strjoinv (", ", (char **) removed->pdata);
  kiln_guest_log (kg, "agent removed: %s", *list ? list : "nothing found");
  return TRUE;
}

#define OFFLINE_EVENTS STATE_DIR "/events.jsonl"
#define KILN_OFFLINE_EVENTS_MAX (G_GUINT64_CONSTANT (64) << 20)

gboolean
kiln_guest_run_agent_offline (KilnGuest *kg, const char *events_path,
                              char **agent_error, GError **error)
{
  /* The appliance's `command` runs the program chrooted into the guest's
   * mounted filesystems (with the appliance's /dev, /proc and /sys), so the
   * steps see the guest as their root, as virt-customize's --run-command
   * does.  A non-zero exit (a failed step) is not an error here: the events
   * say what happened. */
  const char *argv[] = { AGENT_PATH, "--plan", PLAN_PATH, "--state-dir",
                         STATE_DIR, "--events", OFFLINE_EVENTS,
                         "--no-poweroff", NULL };
  *agent_error = NULL;
  char *out = guestfs_command (kg->g, (char **) argv);
  if (out)
    kiln_guest_log (kg, "offline agent output: %s", out);
  else
    *agent_error = g_strdup (guestfs_last_error (kg->g)
                                 ? guestfs_last_error (kg->g)
                                 : "the agent failed");
  free (out);
  if (!kiln_guest_exists (kg, OFFLINE_EVENTS))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "the kiln agent "
                   "wrote no events in the appliance: %s",
                   *agent_error ? *agent_error : "no error reported");
      return FALSE;
    }
  /* A step can write to the events file too (it is the guest's): what a
   * real offline step says fits with room to spare. */
  return kiln_guest_download (kg, OFFLINE_EVENTS, events_path,
                              KILN_OFFLINE_EVENTS_MAX, error);
}
