/* recover.c - what a kiln that was killed left behind (recover.h) */
#include "recover.h"

#include <glib/gstdio.h>

#include "backends/libvirt.h"
#include "base/owner.h"
#include "base/paths.h"
#include "base/workspace.h"
#include "outputs/outputs.h"
#include "target-claims.h"

static void
say (KilnRecoverFn fn, gpointer data, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);

static void
say (KilnRecoverFn fn, gpointer data, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (fn)
    fn (msg, data);
  else
    g_printerr ("kiln: %s\n", msg);
}

/* One line per domain stopped and volume deleted on uri. */
static void
say_reaped (KilnRecoverFn fn, gpointer data, const char *uri,
            GPtrArray *killed, GPtrArray *volumes)
{
  for (guint i = 0; i < killed->len; i++)
    say (fn, data, "stopped the domain %s on %s, left running by a kiln "
         "that was killed", (char *) killed->pdata[i], uri);
  for (guint i = 0; i < volumes->len; i++)
    say (fn, data, "deleted the volume %s on %s, left by a kiln that was "
         "killed", (char *) volumes->pdata[i], uri);
}

/* What a dead build left outside $KILN_HOME: its domains on a daemon (by
 * the tag in their names), the temporary directory of its distribute in
 * its output directory (and that directory, when nothing else is in it:
 * it is the build's own). */
static void
recover_outside (const KilnBuildRecord *r, KilnRecoverFn fn, gpointer data)
{
  g_autoptr (GError) error = NULL;
  if (r->connect_uri && r->domain_tag)
    {
      g_autofree char *prefix = g_strdup_printf ("kiln-%s-", r->domain_tag);
      g_autoptr (GPtrArray) killed = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GPtrArray) volumes = g_ptr_array_new_with_free_func (g_free);
      if (!kiln_hypervisor_reap_named (r->connect_uri, prefix, killed,
                                       volumes, &error))
        say (fn, data, "cannot look for the domains of build %s/%s/%"
             G_GINT64_FORMAT " on %s: %s", r->name, r->version,
             r->build_number, r->connect_uri, error->message);
      say_reaped (fn, data, r->connect_uri, killed, volumes);
    }
  if (r->output_dir && r->owner_pid > 0)
    {
      g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
      kiln_distribute_remove_leftovers (r->output_dir, r->owner_pid, removed);
      for (guint i = 0; i < removed->len; i++)
        say (fn, data, "removed %s, left by a kiln that was killed",
             (char *) removed->pdata[i]);
      if (removed->len > 0)
        g_rmdir (r->output_dir); /* only when empty */
    }
}

/* The builds whose kiln is gone: failed, their store directory removed. */
static guint
recover_builds (KilnStore *store, KilnRecoverFn fn, gpointer data)
{
  KilnCatalog *cat = kiln_store_catalog (store);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) builds = kiln_catalog_list_unfinished (cat, &error);
  if (!builds)
    {
      say (fn, data, "cannot look for builds of killed kiln processes: %s",
           error->message);
      return 0;
    }
  guint found = 0;
  for (guint i = 0; i < builds->len; i++)
    {
      const KilnBuildRecord *r = builds->pdata[i];
      KilnOwner owner = { .pid = r->owner_pid, .start = r->owner_start };
      if (kiln_owner_alive (&owner))
        continue;
      g_autofree char *detail
          = r->stage ? g_strdup_printf ("kiln was killed during %s", r->stage)
                     : g_strdup ("kiln was killed before the build's first "
                                 "stage");
      gboolean changed = FALSE;
      g_clear_error (&error);
      if (!kiln_catalog_fail_abandoned (cat, r, detail, &changed, &error))
        {
          say (fn, data, "build %s/%s/%" G_GINT64_FORMAT ": %s", r->name,
               r->version, r->build_number, error->message);
          continue;
        }
      if (!changed)
        continue; /* another kiln recovered it just now */
      found++;
      recover_outside (r, fn, data);
      if (!kiln_store_discard_image (store, r->id, &error))
        say (fn, data, "build %s/%s/%" G_GINT64_FORMAT ": %s", r->name,
             r->version, r->build_number, error->message);
      g_autofree char *who
          = r->owner_pid > 0 ? g_strdup_printf (" (process %" G_GINT64_FORMAT
                                                ")", r->owner_pid)
                             : g_strdup ("");
      say (fn, data, "build %s/%s/%" G_GINT64_FORMAT " marked failed: %s%s",
           r->name, r->version, r->build_number, detail, who);
    }
  return found;
}

/* What the claims of dead owners name on a target: on hv's own
 * connection when hv is given (it was opened for this very target), else
 * on a daemon on this host (any other target waits for a kiln that
 * connects there).  Returns how many claims were settled. */
static guint
recover_claims (KilnHypervisor *hv, const char *home, KilnRecoverFn fn,
                gpointer data)
{
  g_autoptr (GPtrArray) claims = kiln_target_claims_orphaned (
      home, hv ? kiln_hypervisor_uri (hv) : NULL);
  guint settled = 0;
  for (guint i = 0; i < claims->len; i++)
    {
      const KilnOrphanClaim *c = claims->pdata[i];
      g_autoptr (GPtrArray) killed = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GPtrArray) volumes = g_ptr_array_new_with_free_func (g_free);
      if (hv)
        kiln_hypervisor_reap_prefix (hv, c->prefix, killed, volumes);
      else if (!kiln_hypervisor_uri_is_local_daemon (c->uri))
        continue;
      else
        {
          g_autoptr (GError) error = NULL;
          if (!kiln_hypervisor_reap_named (c->uri, c->prefix, killed, volumes,
                                           &error))
            {
              say (fn, data, "cannot look for what a killed kiln left on %s "
                   "(%s*): %s", c->uri, c->prefix, error->message);
              continue;
            }
        }
      say_reaped (fn, data, c->uri, killed, volumes);
      kiln_orphan_claim_drop (c);
      settled++;
    }
  return settled;
}

guint
kiln_target_recover (KilnHypervisor *hv, KilnRecoverFn fn, gpointer data)
{
  return recover_claims (hv, kiln_home (), fn, data);
}

guint
kiln_store_recover (KilnStore *store, const char *home, KilnRecoverFn fn,
                    gpointer data)
{
  guint found = store ? recover_builds (store, fn, data) : 0;
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  found += kiln_workspace_reap (home, dirs);
  found += recover_claims (NULL, home, fn, data);
  for (guint i = 0; i < dirs->len; i++)
    say (fn, data, "removed the work directory %s of a kiln that was killed",
         (char *) dirs->pdata[i]);
  /* a killed kiln's guests outlive it (libvirt started them detached);
   * cheap to look for, so looked for every time */
  g_autofree char *embed_root = g_build_filename (home, "libvirt", NULL);
  g_autoptr (GPtrArray) domains = g_ptr_array_new_with_free_func (g_free);
  found += kiln_hypervisor_reap_embedded (embed_root, domains);
  for (guint i = 0; i < domains->len; i++)
    say (fn, data, "stopped the domain %s, left running by a kiln that was "
         "killed", (char *) domains->pdata[i]);
  return found;
}
