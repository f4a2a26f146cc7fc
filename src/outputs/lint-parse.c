/* lint-parse.c - fstab, network configuration, boot lines, module lists */
#include <string.h>

#include "lint-parse.h"
#include "documents/yamldoc.h"

/* The line split at runs of blanks.  Bytes, not UTF-8: a guest file may hold
 * anything, and a UTF-8 regex returns NULL on invalid text (found by
 * fuzz-guest-files: a NULL deref on /etc/network/interfaces). */
static GStrv
split_blanks (const char *line)
{
  return g_regex_split_simple ("[ \t]+", line, G_REGEX_RAW, 0);
}

/* --- fstab --- */

/* fstab escapes spaces and tabs as \040 and \011. */
static char *
fstab_unescape (const char *s)
{
  GString *out = g_string_new (NULL);
  for (const char *p = s; *p; p++)
    {
      if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0'
          && p[2] <= '7' && p[3] >= '0' && p[3] <= '7')
        {
          g_string_append_c (out, (char) ((p[1] - '0') * 64
                                          + (p[2] - '0') * 8 + (p[3] - '0')));
          p += 3;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

GPtrArray *
kiln_parse_fstab (const char *text)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_fstab_entry_free);
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  for (gsize i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (!*line || *line == '#')
        continue;
      g_auto (GStrv) fields = split_blanks (line);
      if (g_strv_length (fields) < 2)
        continue;
      KilnFstabEntry *e = g_new0 (KilnFstabEntry, 1);
      e->spec = fstab_unescape (fields[0]);
      e->mountpoint = fstab_unescape (fields[1]);
      e->fstype = g_strdup (fields[2] ? fields[2] : "auto");
      e->options = g_strdup (fields[2] && fields[3] ? fields[3] : "defaults");
      e->line = (int) i + 1;
      g_ptr_array_add (out, e);
    }
  return out;
}

gboolean
kiln_is_bus_device_name (const char *spec)
{
  static GRegex *re;
  if (g_once_init_enter (&re))
    g_once_init_leave (
        &re, g_regex_new ("^/dev/((s|v|xv|h)d[a-z]+[0-9]*|nvme[0-9]+n[0-9]+"
                          "(p[0-9]+)?|mmcblk[0-9]+(p[0-9]+)?)$",
                          G_REGEX_OPTIMIZE | G_REGEX_RAW, 0, NULL));
  return spec && g_regex_match (re, spec, 0, NULL);
}

/* --- INI-like files (networkd, NM keyfiles) --- */

typedef struct {
  char *section;
  char *key;
  char *value;
  int line;
} IniEntry;

static void
ini_entry_free (IniEntry *e)
{
  g_free (e->section);
  g_free (e->key);
  g_free (e->value);
  g_free (e);
}

/* Section/key/value triples in order; repeated keys kept (networkd allows
 * Name= several times). */
static GPtrArray *
ini_parse (const char *text)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) ini_entry_free);
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  g_autofree char *section = g_strdup ("");
  for (gsize i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (!*line || *line == '#' || *line == ';')
        continue;
      if (*line == '[')
        {
          char *end = strchr (line, ']');
          g_free (section);
          section = g_strndup (line + 1, end ? end - line - 1 : (long) strlen (line + 1));
          continue;
        }
      char *eq = strchr (line, '=');
      if (!eq)
        continue;
      IniEntry *e = g_new0 (IniEntry, 1);
      e->section = g_strdup (section);
      e->key = g_strstrip (g_strndup (line, eq - line));
      e->value = g_strstrip (g_strdup (eq + 1));
      e->line = (int) i + 1;
      g_ptr_array_add (out, e);
    }
  return out;
}

static gboolean
ini_is (const IniEntry *e, const char *section, const char *key)
{
  return g_ascii_strcasecmp (e->section, section) == 0
         && strcmp (e->key, key) == 0;
}

/* networkd booleans and DHCP= values. */
static gboolean
networkd_dhcp4 (const char *v)
{
  return g_ascii_strcasecmp (v, "yes") == 0 || g_ascii_strcasecmp (v, "true") == 0
         || g_ascii_strcasecmp (v, "ipv4") == 0 || strcmp (v, "1") == 0
         || g_ascii_strcasecmp (v, "both") == 0;
}

void
kiln_parse_networkd (KilnLintFacts *f, const char *path, const char *text)
{
  g_autoptr (GPtrArray) ini = ini_parse (text);
  gboolean is_link = g_str_has_suffix (path, ".link");
  g_autoptr (GString) names = g_string_new (NULL);
  gboolean dhcp = FALSE, conditional = FALSE;
  gboolean link_named = FALSE;
  const IniEntry *mac = NULL;

  for (guint i = 0; i < ini->len; i++)
    {
      const IniEntry *e = ini->pdata[i];
      if (ini_is (e, "Match", "Name") || ini_is (e, "Match", "OriginalName"))
        {
          if (names->len)
            g_string_append_c (names, ' ');
          g_string_append (names, e->value);
        }
      else if (ini_is (e, "Match", "MACAddress")
               || ini_is (e, "Match", "PermanentMACAddress"))
        mac = e;
      else if (ini_is (e, "Match", "Virtualization")
               || ini_is (e, "Match", "Kind")
               || ini_is (e, "Match", "Host"))
        conditional = TRUE; /* container or special-device profiles */
      else if (ini_is (e, "Network", "DHCP"))
        dhcp = networkd_dhcp4 (e->value);
      else if (ini_is (e, "Link", "Name") || ini_is (e, "Link", "NamePolicy"))
        link_named = TRUE;
    }

  if (mac && (!is_link || link_named))
    kiln_lint_facts_add_mac_pin (f, path, mac->line, mac->value);
  if (is_link || conditional)
    return;
  const char *match = names->len ? names->str : NULL;
  /* A profile matching only by MAC applies to that one NIC. */
  if (!match && mac)
    match = mac->value;
  /* [Match] Type=ether (or nothing) matches every NIC: match stays NULL. */
  kiln_lint_facts_add_net (f, path, "networkd", match, dhcp);
}

/* --- ifupdown --- */

void
kiln_parse_ifupdown (KilnLintFacts *f, const char *path, const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  g_autoptr (GHashTable) started
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* Only interfaces brought up at boot count. */
  for (gsize i = 0; lines[i]; i++)
    {
      g_auto (GStrv) w = split_blanks (g_strstrip (lines[i]));
      if (w[0] && (strcmp (w[0], "auto") == 0
                   || g_str_has_prefix (w[0], "allow-")))
        for (gsize j = 1; w[j]; j++)
          g_hash_table_add (started, g_strdup (w[j]));
    }
  g_strfreev (lines);
  lines = g_strsplit (text ? text : "", "\n", -1);
  for (gsize i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);
      g_auto (GStrv) w = split_blanks (line);
      if (!w[0] || g_strv_length (w) < 4)
        {
          if (w[0] && strcmp (w[0], "hwaddress") == 0 && w[1])
            kiln_lint_facts_add_mac_pin (f, path, (int) i + 1,
                                         w[2] ? w[2] : w[1]);
          continue;
        }
      if (strcmp (w[0], "iface") != 0 || strcmp (w[2], "inet") != 0)
        continue;
      if (strcmp (w[1], "lo") == 0)
        continue;
      gboolean dhcp = strcmp (w[3], "dhcp") == 0;
      if (!g_hash_table_contains (started, w[1]))
        continue;
      kiln_lint_facts_add_net (f, path, "ifupdown", w[1], dhcp);
    }
}

/* --- netplan --- */

static gboolean
yaml_true (const KilnNode *n)
{
  return n && kiln_node_is_scalar (n)
         && (g_ascii_strcasecmp (n->scalar, "true") == 0
             || g_ascii_strcasecmp (n->scalar, "yes") == 0
             || g_ascii_strcasecmp (n->scalar, "on") == 0);
}

void
kiln_parse_netplan (KilnLintFacts *f, const char *path, const char *text)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnDoc) doc = kiln_doc_load_string (path, text, strlen (text),
                                                  diags);
  if (!doc || !doc->root)
    return;
  const KilnNode *network = kiln_node_map_get (doc->root, "network");
  static const char *const kinds[] = { "ethernets", "bonds", "bridges",
                                       "vlans", NULL };
  for (gsize k = 0; kinds[k]; k++)
    {
      const KilnNode *devs = kiln_node_map_get (network, kinds[k]);
      for (guint i = 0; i < kiln_node_map_size (devs); i++)
        {
          const char *id = kiln_node_map_key (devs, i)->scalar;
          const KilnNode *dev = kiln_node_map_value (devs, i);
          const KilnNode *m = kiln_node_map_get (dev, "match");
          const KilnNode *name = kiln_node_map_get (m, "name");
          const KilnNode *mac = kiln_node_map_get (m, "macaddress");
          const char *match = id;
          if (m)
            match = name && kiln_node_is_scalar (name) ? name->scalar : NULL;
          if (mac && kiln_node_is_scalar (mac))
            {
              kiln_lint_facts_add_mac_pin (f, path, mac->line, mac->scalar);
              if (!match)
                match = mac->scalar;
            }
          gboolean dhcp = yaml_true (kiln_node_map_get (dev, "dhcp4"));
          /* Bond/bridge members carry no address of their own. */
          if (strcmp (kinds[k], "ethernets") == 0 || dhcp)
            kiln_lint_facts_add_net (f, path, "netplan", match, dhcp);
        }
    }
}

/* --- NetworkManager --- */

void
kiln_parse_nm_keyfile (KilnLintFacts *f, const char *path, const char *text)
{
  g_autoptr (GPtrArray) ini = ini_parse (text);
  const char *type = NULL, *iface = NULL, *method = NULL;
  const IniEntry *mac = NULL;
  gboolean autoconnect = TRUE;
  for (guint i = 0; i < ini->len; i++)
    {
      const IniEntry *e = ini->pdata[i];
      if (ini_is (e, "connection", "type"))
        type = e->value;
      else if (ini_is (e, "connection", "interface-name"))
        iface = e->value;
      else if (ini_is (e, "connection", "autoconnect"))
        autoconnect = g_ascii_strcasecmp (e->value, "false") != 0;
      else if (ini_is (e, "ethernet", "mac-address")
               || ini_is (e, "802-3-ethernet", "mac-address"))
        mac = e;
      else if (ini_is (e, "ipv4", "method"))
        method = e->value;
    }
  if (type && strcmp (type, "ethernet") != 0 && strcmp (type, "802-3-ethernet") != 0)
    return;
  if (mac && *mac->value)
    kiln_lint_facts_add_mac_pin (f, path, mac->line, mac->value);
  if (!autoconnect)
    return;
  const char *match = iface ? iface : (mac && *mac->value ? mac->value : NULL);
  kiln_lint_facts_add_net (f, path, "networkmanager", match,
                           !method || strcmp (method, "auto") == 0);
}

gboolean
kiln_parse_nm_conf_auto_default (const char *text)
{
  g_autoptr (GPtrArray) ini = ini_parse (text);
  for (guint i = 0; i < ini->len; i++)
    {
      const IniEntry *e = ini->pdata[i];
      if (ini_is (e, "main", "no-auto-default")
          && strchr (e->value, '*') != NULL)
        return FALSE;
    }
  return TRUE;
}

/* --- ifcfg --- */

static char *
shell_unquote (const char *v)
{
  gsize n = strlen (v);
  if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
    return g_strndup (v + 1, n - 2);
  return g_strdup (v);
}

/* Takes value (freeing the old one). */
static void
replace (char **slot, char *value)
{
  g_free (*slot);
  *slot = value;
}

void
kiln_parse_ifcfg (KilnLintFacts *f, const char *path, const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  g_autofree char *device = NULL, *proto = NULL, *onboot = NULL;
  int hwaddr_line = 0;
  g_autofree char *hwaddr = NULL;
  for (gsize i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *eq = strchr (line, '=');
      if (*line == '#' || !eq)
        continue;
      *eq = '\0';
      g_autofree char *v = shell_unquote (eq + 1);
      if (strcmp (line, "DEVICE") == 0)
        replace (&device, g_strdup (v));
      else if (strcmp (line, "BOOTPROTO") == 0)
        replace (&proto, g_ascii_strdown (v, -1));
      else if (strcmp (line, "ONBOOT") == 0)
        replace (&onboot, g_ascii_strdown (v, -1));
      else if (strcmp (line, "HWADDR") == 0 && *v)
        {
          replace (&hwaddr, g_strdup (v));
          hwaddr_line = (int) i + 1;
        }
    }
  if (hwaddr)
    kiln_lint_facts_add_mac_pin (f, path, hwaddr_line, hwaddr);
  if (!device)
    {
      const char *base = strrchr (path, '/');
      base = base ? base + 1 : path;
      if (g_str_has_prefix (base, "ifcfg-"))
        device = g_strdup (base + 6);
    }
  if (!device || strcmp (device, "lo") == 0)
    return;
  if (onboot && strcmp (onboot, "no") == 0)
    return;
  kiln_lint_facts_add_net (f, path, "ifcfg", device,
                           proto && strcmp (proto, "dhcp") == 0);
}

/* --- udev --- */

void
kiln_parse_udev_rules (KilnLintFacts *f, const char *path, const char *text)
{
  static GRegex *re;
  if (g_once_init_enter (&re))
    g_once_init_leave (
        &re, g_regex_new ("ATTRS?\\{address\\}==\"([^\"]+)\"",
                          G_REGEX_OPTIMIZE | G_REGEX_RAW, 0, NULL));
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  for (gsize i = 0; lines[i]; i++)
    {
      const char *line = lines[i];
      while (*line == ' ' || *line == '\t')
        line++;
      if (*line == '#' || !strstr (line, "NAME"))
        continue;
      g_autoptr (GMatchInfo) mi = NULL;
      if (g_regex_match (re, line, 0, &mi))
        {
          g_autofree char *mac = g_match_info_fetch (mi, 1);
          kiln_lint_facts_add_mac_pin (f, path, (int) i + 1, mac);
        }
    }
}

/* --- boot configuration --- */

void
kiln_parse_cmdline_roots (GPtrArray *roots, const char *text)
{
  static GRegex *re;
  if (g_once_init_enter (&re))
    g_once_init_leave (&re, g_regex_new ("(?:^|[\\s\"'])root=([^\\s\"']+)",
                                         G_REGEX_OPTIMIZE | G_REGEX_RAW, 0, NULL));
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  for (gsize i = 0; lines[i]; i++)
    {
      const char *line = lines[i];
      while (*line == ' ' || *line == '\t')
        line++;
      if (*line == '#')
        continue;
      /* grub.cfg "linux", extlinux "append"/"APPEND", loader entries
       * "options", /etc/default/grub GRUB_CMDLINE_LINUX*. */
      if (!(g_str_has_prefix (line, "linux") || g_ascii_strncasecmp (line, "append", 6) == 0
            || g_str_has_prefix (line, "options")
            || g_str_has_prefix (line, "kernel")
            || g_str_has_prefix (line, "GRUB_CMDLINE_LINUX")))
        continue;
      g_autoptr (GMatchInfo) mi = NULL;
      g_regex_match (re, line, 0, &mi);
      while (g_match_info_matches (mi))
        {
          g_autofree char *v = g_match_info_fetch (mi, 1);
          gboolean seen = FALSE;
          for (guint j = 0; j < roots->len; j++)
            seen = seen || strcmp (roots->pdata[j], v) == 0;
          if (!seen)
            g_ptr_array_add (roots, g_steal_pointer (&v));
          g_match_info_next (mi, NULL);
        }
    }
}

/* --- kernel modules --- */

char *
kiln_module_name_from_path (const char *path)
{
  const char *base = strrchr (path, '/');
  base = base ? base + 1 : path;
  const char *ko = strstr (base, ".ko");
  if (!ko || ko == base)
    return NULL;
  const char *rest = ko + 3;
  if (*rest && strcmp (rest, ".xz") != 0 && strcmp (rest, ".gz") != 0
      && strcmp (rest, ".zst") != 0)
    return NULL;
  char *name = g_strndup (base, ko - base);
  g_strdelimit (name, "-", '_');
  return name;
}

void
kiln_parse_module_list (GHashTable *set, const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  for (gsize i = 0; lines[i]; i++)
    {
      char *colon = strchr (lines[i], ':');
      if (colon)
        *colon = '\0';
      char *name = kiln_module_name_from_path (g_strstrip (lines[i]));
      if (name)
        g_hash_table_add (set, name);
    }
}

/* --- cloud-init --- */

gboolean
kiln_parse_cloud_cfg_network_disabled (const char *text)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnDoc) doc = kiln_doc_load_string ("cloud.cfg", text,
                                                  strlen (text), diags);
  if (!doc || !doc->root)
    return FALSE;
  const KilnNode *net = kiln_node_map_get (doc->root, "network");
  const KilnNode *cfg = kiln_node_map_get (net, "config");
  return cfg && kiln_node_is_scalar (cfg)
         && strcmp (cfg->scalar, "disabled") == 0;
}
