/* agent-seed.c - the test boot's agent and plan carried by its NoCloud seed
 * (agent-seed.h).  Each check below names something that would leave the
 * agent unstarted, so the boot would only end at its timeout: any doubt
 * keeps the offline inject. */
#include "agent-seed.h"

#include "backends/guestfs.h"

#include <string.h>

/* cloud-init configuration files are small; a huge one is not read */
#define CLOUD_CFG_MAX (256 * 1024)

static gboolean
any_exists (KilnGuest *g, const char *const *paths)
{
  for (; *paths; paths++)
    if (kiln_guest_exists (g, *paths))
      return TRUE;
  return FALSE;
}

/* A unit enabled in some target: a link in /etc/systemd/system/X.wants. */
static gboolean
unit_enabled (KilnGuest *g, const char *unit)
{
  g_autofree char *pattern = g_strdup_printf ("/etc/systemd/system/*.wants/%s",
                                              unit);
  g_autoptr (GPtrArray) hits = kiln_guest_glob (g, pattern);
  return hits && hits->len > 0;
}

/* The first line of text that sets datasource_list, or NULL. */
static char *
datasource_line (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      const char *s = *l;
      while (*s == ' ' || *s == '\t')
        s++;
      if (g_str_has_prefix (s, "datasource_list"))
        return g_strdup (s);
    }
  return NULL;
}

KilnDatasourceList
kiln_agent_seed_datasources (const char *cfg_text)
{
  g_autofree char *line = datasource_line (cfg_text);
  if (!line)
    return KILN_DATASOURCES_UNSET;
  /* a one-line flow list: datasource_list: [ NoCloud, Ec2 ] */
  const char *open = strchr (line, '[');
  const char *close = open ? strchr (open, ']') : NULL;
  if (!open || !close)
    return KILN_DATASOURCES_WITHOUT_NOCLOUD;
  g_autofree char *items = g_strndup (open + 1, close - open - 1);
  g_auto (GStrv) names = g_strsplit (items, ",", -1);
  for (char **n = names; *n; n++)
    {
      g_strstrip (*n);
      g_strdelimit (*n, "'\"", ' ');
      g_strstrip (*n);
      if (g_str_equal (*n, "NoCloud"))
        return KILN_DATASOURCES_WITH_NOCLOUD;
    }
  return KILN_DATASOURCES_WITHOUT_NOCLOUD;
}

/* cloud-init reads cloud.cfg, then the .cfg files of cloud.cfg.d in
 * order, the last datasource_list winning. */
static char *
datasource_refusal (KilnGuest *g)
{
  g_autoptr (GPtrArray) files = kiln_guest_glob (g, "/etc/cloud/cloud.cfg.d/"
                                                    "*.cfg");
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (all, g_strdup ("/etc/cloud/cloud.cfg"));
  for (guint i = 0; files && i < files->len; i++)
    g_ptr_array_add (all, g_strdup (files->pdata[i]));
  KilnDatasourceList last = KILN_DATASOURCES_UNSET;
  g_autofree char *last_file = NULL;
  for (guint i = 0; i < all->len; i++)
    {
      const char *path = all->pdata[i];
      g_autofree char *text = kiln_guest_read_max (g, path, CLOUD_CFG_MAX,
                                                   NULL);
      KilnDatasourceList here = text ? kiln_agent_seed_datasources (text)
                                     : KILN_DATASOURCES_UNSET;
      if (here != KILN_DATASOURCES_UNSET)
        {
          last = here;
          g_free (last_file);
          last_file = g_strdup (path);
        }
    }
  if (last == KILN_DATASOURCES_WITHOUT_NOCLOUD)
    return g_strdup_printf ("its cloud-init datasource_list (%s) is not a "
                            "one-line list that names NoCloud", last_file);
  return NULL;
}

char *
kiln_agent_seed_refusal (KilnGuest *g, gboolean nic)
{
  static const char *const cloud_init[] = { "/usr/bin/cloud-init",
                                            "/bin/cloud-init", NULL };
  static const char *const systemd_run[] = { "/usr/bin/systemd-run",
                                             "/bin/systemd-run", NULL };
  static const char *const blkid[] = { "/usr/sbin/blkid", "/sbin/blkid",
                                       "/usr/bin/blkid", "/bin/blkid", NULL };
  if (!any_exists (g, cloud_init))
    return g_strdup ("the image has no cloud-init");
  if (kiln_guest_exists (g, "/etc/cloud/cloud-init.disabled"))
    return g_strdup ("the image's cloud-init is disabled "
                     "(/etc/cloud/cloud-init.disabled)");
  if (!unit_enabled (g, "cloud-init.service"))
    return g_strdup ("cloud-init.service is not enabled in the image");
  if (!any_exists (g, systemd_run) || !any_exists (g, blkid))
    return g_strdup ("the image has no systemd-run or blkid");
  /* the agent the guest writes itself would be labelled by its policy, but
   * the offline way's relabel is what was tested on SELinux guests */
  if (kiln_guest_selinux_active (g))
    return g_strdup ("the image has SELinux on");
  char *ds = datasource_refusal (g);
  if (ds)
    return ds;
  /* cloud-init.service is ordered after the wait-online services, which
   * wait for a link that a boot without a network card never has */
  for (const char *const *u = kiln_guest_wait_online_units (); !nic && *u;
       u++)
    if (unit_enabled (g, *u))
      return g_strdup_printf ("the boot has no network card and the image "
                              "enables %s, which cloud-init waits for", *u);
  return NULL;
}

char *
kiln_agent_seed_user_data (gboolean nic)
{
  /* bootcmd runs on every boot, so a test step's reboot starts the agent
   * again and it resumes from its state; the plan is copied only once.
   * The transient unit is ordered as the installed one would be
   * (docs/agent-protocol.md): after cloud-config.service, which sets up
   * apt and holds the dpkg lock, and with a network card after
   * network-online.target.  --no-block: cloud-init.service, which runs
   * this, is itself ordered before both. */
  return g_strdup_printf (
      "bootcmd:\n"
      "  - |\n"
      "    # kiln test boot: the agent and its plan from this seed\n"
      "    set -e\n"
      "    dev=$(blkid -l -o device -t LABEL=CIDATA || true)\n"
      "    [ -n \"$dev\" ] || dev=/dev/disk/by-label/CIDATA\n"
      "    m=$(mktemp -d /run/kiln-seed.XXXXXX)\n"
      "    mount -t vfat -o ro \"$dev\" \"$m\"\n"
      "    trap 'umount \"$m\"; rmdir \"$m\"' EXIT\n"
      "    install -d -m 0755 /usr/local/libexec/kiln\n"
      "    install -d -m 0700 /var/lib/kiln-agent\n"
      "    install -m 0755 \"$m/" KILN_AGENT_SEED_AGENT "\" "
      "/usr/local/libexec/kiln/kiln-agent\n"
      "    [ -e /var/lib/kiln-agent/plan.json ] || install -m 0600 "
      "\"$m/" KILN_AGENT_SEED_PLAN "\" /var/lib/kiln-agent/plan.json\n"
      "    systemd-run --no-block --unit=kiln-agent "
      "--description='kiln image build agent' "
      "--property=After=cloud-config.service%s "
      "--property=StandardOutput=journal+console "
      "--property=StandardError=journal+console "
      "/usr/local/libexec/kiln/kiln-agent --boot\n",
      nic ? " --property=Wants=network-online.target "
            "--property=After=network-online.target"
          : "");
}
