/* target-disks.c - the files a boot needs, where the target's QEMU opens
 * them (target-disks.h) */
#include "config.h"

#include "target-disks.h"

#include <unistd.h>

#include <glib/gstdio.h>

#include "backends/libvirt-pool.h"
#include "backends/libvirt.h"
#include "backends/qemu-img.h"
#include "base/paths.h"
#include "common/kiln.h"
#include "store/lock.h"

/* A chain deeper than this is not one kiln made (parent, overlay, test
 * overlay). */
#define MAX_LAYERS 8

/* kiln-parent-DIGEST and its marker kiln-parent-DIGEST.complete */
#define PARENT_PREFIX "kiln-parent-"
#define COMPLETE_SUFFIX ".complete"

/* ---- the pool ------------------------------------------------------------ */

/* A session daemon's URI; on this host, not root's: libvirt connects root
 * to the system daemon for qemu:///session, whose QEMU (libvirt-qemu)
 * cannot enter /root. */
static gboolean
is_session_uri (KilnHypervisor *hv)
{
  g_autoptr (GUri) u = g_uri_parse (kiln_hypervisor_uri (hv),
                                    G_URI_FLAGS_NONE, NULL);
  if (!u || g_strcmp0 (g_uri_get_path (u), "/session") != 0)
    return FALSE;
  return geteuid () != 0
         || kiln_hypervisor_target_kind (hv) == KILN_TARGET_REMOTE;
}

gboolean
kiln_target_pool_open (KilnHypervisor *hv, const char *name, KilnPool **pool,
                       GError **error)
{
  *pool = NULL;
  if (kiln_hypervisor_target_kind (hv) == KILN_TARGET_EMBEDDED)
    return TRUE;
  /* A session daemon runs as the user, on this host when the URI names
   * none: its pool lives with the user's other libvirt files.  The system
   * daemon's next to libvirt's own images. */
  if (name == NULL)
    name = KILN_TARGET_POOL_NAME;
  gboolean own = g_str_equal (name, KILN_TARGET_POOL_NAME);
  g_autofree char *base
      = is_session_uri (hv)
            ? g_build_filename (g_get_user_data_dir (), "libvirt", NULL)
            : g_strdup ("/var/lib/libvirt");
  /* another name (build.pool) that is not there yet gets a directory of
   * its own below kiln-pools, never one of libvirt's (images, qemu) */
  g_autofree char *path = own ? g_build_filename (base, "kiln", NULL)
                              : g_build_filename (base, "kiln-pools", name,
                                                  NULL);
  *pool = kiln_pool_open (hv, name, path, error);
  if (*pool == NULL)
    g_prefix_error (error, "on %s: ", kiln_hypervisor_uri (hv));
  return *pool != NULL;
}

gboolean
kiln_target_pool_find (KilnHypervisor *hv, const char *name, KilnPool **pool,
                       GError **error)
{
  *pool = NULL;
  if (kiln_hypervisor_target_kind (hv) == KILN_TARGET_EMBEDDED)
    return TRUE;
  g_autoptr (GError) local = NULL;
  *pool = kiln_pool_find (hv, name ? name : KILN_TARGET_POOL_NAME, &local);
  if (local)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "on %s: ",
                                  kiln_hypervisor_uri (hv));
      return FALSE;
    }
  return TRUE;
}

/* ---- one boot's files ---------------------------------------------------- */

struct KilnTargetDisks {
  KilnPool *pool;          /* borrowed; NULL = files in place */
  char *prefix;
  char *workdir;
  KilnReporter *r;
  GPtrArray *volumes;      /* this boot's own volume names */
  char *top_volume;        /* the last chain's top layer */
  char *top_backing;       /* ... its backing name here */
  char *top_backing_format;
};

KilnTargetDisks *
kiln_target_disks_new (KilnPool *pool, const char *prefix,
                       const char *workdir, KilnReporter *r)
{
  KilnTargetDisks *td = g_new0 (KilnTargetDisks, 1);
  td->pool = pool;
  td->prefix = g_strdup (prefix);
  td->workdir = g_canonicalize_filename (workdir, NULL);
  td->r = r;
  td->volumes = g_ptr_array_new_with_free_func (g_free);
  return td;
}

void
kiln_target_disks_free (KilnTargetDisks *td)
{
  if (!td)
    return;
  for (guint i = 0; td->pool && i < td->volumes->len; i++)
    {
      g_autoptr (GError) error = NULL;
      if (!kiln_pool_delete (td->pool, td->volumes->pdata[i], &error))
        kiln_reporter_warn (td->r, "%s", error->message);
    }
  g_ptr_array_unref (td->volumes);
  g_free (td->prefix);
  g_free (td->workdir);
  g_free (td->top_volume);
  g_free (td->top_backing);
  g_free (td->top_backing_format);
  g_free (td);
}

/* A volume of this boot, deleted with it. */
static char *
upload_own (KilnTargetDisks *td, const char *local, const char *vol,
            GError **error)
{
  /* a volume of the same name is a leftover of this very boot's earlier
   * try: never another build's (the tag is this build's) */
  if (!kiln_pool_delete (td->pool, vol, error))
    return NULL;
  char *at = kiln_pool_upload (td->pool, local, vol, error);
  if (at)
    g_ptr_array_add (td->volumes, g_strdup (vol));
  return at;
}

char *
kiln_target_disks_place_file (KilnTargetDisks *td, const char *local,
                              const char *name, GError **error)
{
  if (td->pool == NULL)
    return g_strdup (local);
  g_autofree char *vol = g_strdup_printf ("%s-%s", td->prefix, name);
  return upload_own (td, local, vol, error);
}

/* The parent as the cached volume for its digest: reused when a whole copy
 * is there, else (re)sent.  Under place_parent's lock. */
static char *
place_parent_locked (KilnTargetDisks *td, const char *local,
                     const char *digest, GError **error)
{
  g_autofree char *vol = g_strdup_printf (PARENT_PREFIX "%s", digest);
  g_autofree char *done = g_strdup_printf ("%s" COMPLETE_SUFFIX, vol);
  if (kiln_pool_has (td->pool, vol) && kiln_pool_has (td->pool, done))
    {
      kiln_reporter_info (td->r, "the parent is on the target already "
                          "(volume %s): reused", vol);
      return kiln_pool_volume_path (td->pool, vol, error);
    }
  /* half-sent by a kiln that was killed, or its marker lost: sent anew */
  if (!kiln_pool_delete (td->pool, done, error)
      || !kiln_pool_delete (td->pool, vol, error))
    return NULL;
  double t0 = kiln_reporter_elapsed (td->r);
  g_autofree char *at = kiln_pool_upload (td->pool, local, vol, error);
  if (at == NULL)
    return NULL;
  g_autofree char *marker = g_build_filename (td->workdir, "parent.complete",
                                              NULL);
  gboolean ok = g_file_set_contents (marker, digest, -1, error);
  g_autofree char *marker_at = ok ? kiln_pool_upload (td->pool, marker, done,
                                                      error)
                                  : NULL;
  g_unlink (marker);
  if (marker_at == NULL)
    {
      kiln_pool_delete (td->pool, vol, NULL);
      return NULL;
    }
  kiln_reporter_info (td->r, "the parent went to the target in %.1f s "
                      "(volume %s, kept for later builds)",
                      kiln_reporter_elapsed (td->r) - t0, vol);
  return g_steal_pointer (&at);
}

/* One kiln at a time sends a given parent: a second build of the same
 * parent (another recipe: builds of one recipe queue anyway) waits for the
 * first's upload rather than taking its volume for a half-sent one and
 * sending it again under the first's domain.  The lock is on this host;
 * two kiln hosts that share one target are not ordered (docs/scale-out.md). */
static char *
place_parent (KilnTargetDisks *td, const char *local, const char *digest,
              GError **error)
{
  g_autofree char *name = g_strdup_printf ("pool-parent-%s.lock", digest);
  g_autofree char *path = g_build_filename (kiln_home (), "locks", name,
                                            NULL);
  int lock = kiln_lock_take (path, KILN_LOCK_WAIT, td->r,
                             "waiting for another build that is sending the "
                             "same parent to the target", error);
  if (lock < 0)
    return NULL;
  char *at = place_parent_locked (td, local, digest, error);
  close (lock);
  return at;
}

typedef struct {
  char *path;
  char *format;
  char *backing;           /* NULL at the bottom */
  char *backing_format;
} Layer;

static void
layer_free (gpointer p)
{
  Layer *l = p;
  g_free (l->path);
  g_free (l->format);
  g_free (l->backing);
  g_free (l->backing_format);
  g_free (l);
}

/* disk and the layers under it, top first. */
static GPtrArray *
read_chain (const char *disk, GError **error)
{
  g_autoptr (GPtrArray) chain = g_ptr_array_new_with_free_func (layer_free);
  g_autofree char *path = g_strdup (disk);
  g_autofree char *format = g_strdup ("qcow2");
  while (path)
    {
      if (chain->len == MAX_LAYERS)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "%s has more than %d backing layers", disk,
                       MAX_LAYERS);
          return NULL;
        }
      g_autoptr (KilnImageInfo) info = kiln_qemu_img_info (path, format,
                                                           error);
      if (!info)
        return NULL;
      if (info->backing_file && !info->backing_format)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "%s does not say the format of its backing file %s",
                       path, info->backing_file);
          return NULL;
        }
      Layer *l = g_new0 (Layer, 1);
      l->path = g_steal_pointer (&path);
      l->format = g_steal_pointer (&format);
      l->backing = g_strdup (info->backing_file);
      l->backing_format = g_strdup (info->backing_format);
      g_ptr_array_add (chain, l);
      path = g_strdup (l->backing);
      format = g_strdup (l->backing_format);
    }
  return g_steal_pointer (&chain);
}

static gboolean
same_file (const char *a, const char *b)
{
  GStatBuf sa, sb;
  return a && b && g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0
         && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Whether path is kiln's own file of this job (whose header may change). */
static gboolean
is_own_file (KilnTargetDisks *td, const char *path)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *dir = g_path_get_dirname (abs);
  return g_str_equal (dir, td->workdir);
}

/* One layer above the bottom: its backing name made the target's for the
 * upload, and made this host's again whatever happened. */
static char *
place_layer (KilnTargetDisks *td, const Layer *l, const char *below_at,
             const char *vol, GError **error)
{
  if (!is_own_file (td, l->path))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "%s has a backing file (%s): a parent for a libvirt "
                   "daemon must be one file (qemu-img convert -O qcow2 "
                   "makes one)", l->path, l->backing);
      return NULL;
    }
  if (!kiln_qemu_img_rebase_unsafe (l->path, below_at, l->backing_format,
                                    error))
    return NULL;
  g_autoptr (GError) upload_error = NULL;
  char *at = upload_own (td, l->path, vol, &upload_error);
  g_autoptr (GError) back_error = NULL;
  if (!kiln_qemu_img_rebase_unsafe (l->path, l->backing, l->backing_format,
                                    &back_error))
    {
      g_free (at);
      g_propagate_error (error, g_steal_pointer (&back_error));
      return NULL;
    }
  if (at == NULL)
    g_propagate_error (error, g_steal_pointer (&upload_error));
  return at;
}

char *
kiln_target_disks_place_chain (KilnTargetDisks *td, const char *disk,
                               const char *parent, const char *parent_digest,
                               GError **error)
{
  if (td->pool == NULL)
    return g_strdup (disk);
  g_autoptr (GPtrArray) chain = read_chain (disk, error);
  if (!chain)
    return NULL;
  /* from the bottom up: each layer names the one below it on the target */
  Layer *bottom = chain->pdata[chain->len - 1];
  g_autofree char *below_at = NULL;
  if (parent_digest && chain->len > 1 && same_file (bottom->path, parent))
    below_at = place_parent (td, bottom->path, parent_digest, error);
  else if (chain->len > 1)
    below_at = kiln_target_disks_place_file (td, bottom->path, "base",
                                             error);
  if (chain->len > 1 && below_at == NULL)
    return NULL;
  for (guint i = chain->len - 1; i-- > 0;)
    {
      const Layer *l = chain->pdata[i];
      g_autofree char *vol = i == 0
                                 ? g_strdup_printf ("%s-disk.qcow2",
                                                    td->prefix)
                                 : g_strdup_printf ("%s-layer%u.qcow2",
                                                    td->prefix, i);
      char *at = place_layer (td, l, below_at, vol, error);
      if (at == NULL)
        return NULL;
      g_free (below_at);
      below_at = at;
      if (i == 0)
        {
          g_free (td->top_volume);
          g_free (td->top_backing);
          g_free (td->top_backing_format);
          td->top_volume = g_strdup (vol);
          td->top_backing = g_strdup (l->backing);
          td->top_backing_format = g_strdup (l->backing_format);
        }
    }
  if (chain->len == 1)
    {
      /* a disk of its own: nothing under it to name */
      g_autofree char *vol = g_strdup_printf ("%s-disk.qcow2", td->prefix);
      below_at = upload_own (td, disk, vol, error);
      if (below_at == NULL)
        return NULL;
      g_free (td->top_volume);
      td->top_volume = g_strdup (vol);
    }
  return g_steal_pointer (&below_at);
}

gboolean
kiln_target_disks_fetch (KilnTargetDisks *td, const char *disk,
                         GError **error)
{
  if (td->pool == NULL)
    return TRUE;
  g_return_val_if_fail (td->top_volume != NULL, FALSE);
  double t0 = kiln_reporter_elapsed (td->r);
  if (!kiln_pool_download (td->pool, td->top_volume, disk, error))
    return FALSE;
  if (td->top_backing
      && !kiln_qemu_img_rebase_unsafe (disk, td->top_backing,
                                       td->top_backing_format, error))
    return FALSE;
  kiln_reporter_log (td->r, "the guest's disk came back from the target in "
                     "%.1f s", kiln_reporter_elapsed (td->r) - t0);
  return TRUE;
}

/* ---- the parents cached on a target ------------------------------------- */

void
kiln_cached_parent_free (KilnCachedParent *p)
{
  if (!p)
    return;
  g_free (p->digest);
  g_free (p->volume);
  g_free (p);
}

GPtrArray *
kiln_target_cached_parents (KilnPool *pool, GError **error)
{
  g_autoptr (GPtrArray) vols = kiln_pool_list (pool, PARENT_PREFIX, error);
  if (!vols)
    return NULL;
  g_autoptr (GHashTable) markers = g_hash_table_new (g_str_hash,
                                                     g_str_equal);
  for (guint i = 0; i < vols->len; i++)
    {
      const KilnPoolVolume *v = vols->pdata[i];
      if (g_str_has_suffix (v->name, COMPLETE_SUFFIX))
        g_hash_table_add (markers, v->name);
    }
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_cached_parent_free);
  for (guint i = 0; i < vols->len; i++)
    {
      const KilnPoolVolume *v = vols->pdata[i];
      if (g_str_has_suffix (v->name, COMPLETE_SUFFIX))
        continue;
      g_autofree char *marker = g_strconcat (v->name, COMPLETE_SUFFIX, NULL);
      KilnCachedParent *p = g_new0 (KilnCachedParent, 1);
      p->digest = g_strdup (v->name + strlen (PARENT_PREFIX));
      p->volume = g_strdup (v->name);
      p->bytes = v->allocation;
      p->complete = g_hash_table_contains (markers, marker);
      g_ptr_array_add (out, p);
    }
  return out;
}

gboolean
kiln_target_drop_parent (KilnPool *pool, const KilnCachedParent *p,
                         GError **error)
{
  /* the marker first: a parent without one is never booted */
  g_autofree char *marker = g_strconcat (p->volume, COMPLETE_SUFFIX, NULL);
  return kiln_pool_delete (pool, marker, error)
         && kiln_pool_delete (pool, p->volume, error);
}
