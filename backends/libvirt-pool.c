/* libvirt-pool.c - disks in a libvirt storage pool on the target
 *
 * Volumes are copied as sparse streams: the sender says where its file has
 * data and where holes (SEEK_DATA/SEEK_HOLE), only data crosses the
 * connection, and the receiver punches holes by seeking past them.  A
 * 20 GiB qcow2 overlay holding 300 MiB costs 300 MiB either way.
 */
#define _GNU_SOURCE  /* SEEK_DATA, SEEK_HOLE */
#include "config.h"

#include "libvirt-pool.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libvirt/virterror.h>

#include "common/kiln.h"
#include "libvirt-private.h"

struct KilnPool {
  virStoragePoolPtr pool;
  char *name;
  char *path;
  GCancellable *cancellable;   /* stops a transfer between two chunks */
};

void
kiln_pool_close (KilnPool *p)
{
  if (!p)
    return;
  if (p->pool)
    virStoragePoolFree (p->pool);
  g_free (p->name);
  g_free (p->path);
  g_clear_object (&p->cancellable);
  g_free (p);
}

void
kiln_pool_set_cancellable (KilnPool *p, GCancellable *cancellable)
{
  g_set_object (&p->cancellable, cancellable);
}

const char *
kiln_pool_path (KilnPool *p)
{
  return p->path;
}

static gboolean
pool_fail (GError **error, const char *fmt, const char *arg)
{
  g_autofree char *what = g_strdup_printf (fmt, arg);
  kiln_libvirt_set_error (error, what);
  return FALSE;
}

/* The directory of an existing pool, from its XML; NULL when it is not a
 * directory pool. */
static char *
dir_pool_path (virStoragePoolPtr pool)
{
  g_autofree char *xml = virStoragePoolGetXMLDesc (pool, 0);
  if (!xml || !strstr (xml, "type='dir'"))
    return NULL;
  const char *start = strstr (xml, "<path>");
  const char *end = start ? strstr (start, "</path>") : NULL;
  if (!end)
    return NULL;
  start += strlen ("<path>");
  return g_strndup (start, end - start);
}

static virStoragePoolPtr
define_pool (KilnHypervisor *hv, const char *name, const char *path,
             GError **error)
{
  /* 0711: the daemon's QEMU user reaches the volumes it is given (libvirt
   * hands each one over at domain start), and lists nothing */
  g_autofree char *xml = g_markup_printf_escaped (
      "<pool type='dir'><name>%s</name><target><path>%s</path>"
      "<permissions><mode>0711</mode></permissions></target></pool>",
      name, path);
  virStoragePoolPtr pool = virStoragePoolDefineXML (hv->conn, xml, 0);
  if (!pool)
    {
      pool_fail (error, "cannot define storage pool %s", name);
      return NULL;
    }
  if (virStoragePoolBuild (pool, 0) < 0)
    {
      pool_fail (error, "cannot make the directory of storage pool %s", name);
      virStoragePoolUndefine (pool);
      virStoragePoolFree (pool);
      return NULL;
    }
  virStoragePoolSetAutostart (pool, 1);
  return pool;
}

/* The pool found or made: started when inactive, its directory read. */
static KilnPool *
pool_wrap (KilnHypervisor *hv, virStoragePoolPtr pool, const char *name,
           GError **error)
{
  g_autoptr (KilnPool) p = g_new0 (KilnPool, 1);
  p->pool = pool;
  p->name = g_strdup (name);
  int active = virStoragePoolIsActive (pool);
  if (active == 0 && virStoragePoolCreate (pool, 0) < 0)
    {
      pool_fail (error, "cannot start storage pool %s", name);
      return NULL;
    }
  p->path = dir_pool_path (pool);
  if (!p->path)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "storage pool %s on %s is not a directory pool", name,
                   hv->uri);
      return NULL;
    }
  return g_steal_pointer (&p);
}

KilnPool *
kiln_pool_open (KilnHypervisor *hv, const char *name, const char *path,
                GError **error)
{
  virStoragePoolPtr pool = virStoragePoolLookupByName (hv->conn, name);
  if (!pool)
    pool = define_pool (hv, name, path, error);
  if (!pool)
    return NULL;
  return pool_wrap (hv, pool, name, error);
}

KilnPool *
kiln_pool_find (KilnHypervisor *hv, const char *name, GError **error)
{
  virStoragePoolPtr pool = virStoragePoolLookupByName (hv->conn, name);
  if (!pool)
    {
      virErrorPtr e = virGetLastError ();
      if (e && e->code == VIR_ERR_NO_STORAGE_POOL)
        return NULL;
      pool_fail (error, "cannot look up storage pool %s", name);
      return NULL;
    }
  return pool_wrap (hv, pool, name, error);
}

/* A transfer that ended early: cancelled, or libvirt's reason. */
static void
transfer_fail (KilnPool *p, GError **error, const char *failed_fmt,
               const char *doing_fmt, const char *arg)
{
  if (g_cancellable_is_cancelled (p->cancellable))
    {
      g_autofree char *doing = g_strdup_printf (doing_fmt, arg);
      g_set_error (error, KILN_ERROR, KILN_ERROR_CANCELLED,
                   "%s was stopped: cancelled", doing);
    }
  else
    pool_fail (error, failed_fmt, arg);
}

/* ---- sending: the local file's data and holes ------------------------- */

typedef struct {
  int fd;
  off_t size;
  GCancellable *cancellable;
} Source;

static int
send_data (virStreamPtr st, char *buf, size_t nbytes, void *opaque)
{
  Source *s = opaque;
  /* a signal ends a parent's upload (gigabytes over ssh) here, between
   * two chunks, not when the whole file has gone */
  if (g_cancellable_is_cancelled (s->cancellable))
    return -1;
  ssize_t n;
  do
    n = read (s->fd, buf, nbytes);
  while (n < 0 && errno == EINTR);
  return (int) n;
}

/* Whether the current offset is in data or in a hole, and how far it
 * goes (SEEK_DATA/SEEK_HOLE; a file system without them is all data). */
static int
send_hole (virStreamPtr st, int *in_data, long long *length, void *opaque)
{
  Source *s = opaque;
  off_t cur = lseek (s->fd, 0, SEEK_CUR);
  if (cur < 0)
    return -1;
  if (cur >= s->size)
    {
      *in_data = 0;
      *length = 0;
      return 0;
    }
  off_t data = lseek (s->fd, cur, SEEK_DATA);
  if (data < 0 && errno == ENXIO)
    data = s->size;  /* a hole up to the end */
  else if (data < 0)
    {
      *in_data = 1;
      *length = s->size - cur;
      return lseek (s->fd, cur, SEEK_SET) < 0 ? -1 : 0;
    }
  if (data > cur)
    {
      *in_data = 0;
      *length = data - cur;
    }
  else
    {
      off_t hole = lseek (s->fd, cur, SEEK_HOLE);
      *in_data = 1;
      *length = (hole < 0 ? s->size : hole) - cur;
    }
  return lseek (s->fd, cur, SEEK_SET) < 0 ? -1 : 0;
}

static int
send_skip (virStreamPtr st, long long length, void *opaque)
{
  Source *s = opaque;
  return lseek (s->fd, length, SEEK_CUR) < 0 ? -1 : 0;
}

static virStorageVolPtr
create_volume (KilnPool *p, const char *vol_name, guint64 size,
               GError **error)
{
  /* raw: the volume holds the file's bytes as they are; what they mean
   * (qcow2, its backing file) is the domain's disk element's business */
  g_autofree char *xml = g_markup_printf_escaped (
      "<volume><name>%s</name><capacity unit='bytes'>%" G_GUINT64_FORMAT
      "</capacity><allocation>0</allocation><target><format type='raw'/>"
      "<permissions><mode>0600</mode></permissions></target></volume>",
      vol_name, size);
  virStorageVolPtr vol = virStorageVolCreateXML (p->pool, xml, 0);
  if (!vol)
    pool_fail (error, "cannot create volume %s", vol_name);
  return vol;
}

char *
kiln_pool_upload (KilnPool *p, const char *local_path, const char *vol_name,
                  GError **error)
{
  int fd = g_open (local_path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot open %s: %s",
                   local_path, g_strerror (e));
      return NULL;
    }
  struct stat st;
  if (fstat (fd, &st) < 0)
    {
      int e = errno;
      close (fd);
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot stat %s: %s",
                   local_path, g_strerror (e));
      return NULL;
    }
  Source src = { .fd = fd, .size = st.st_size,
                 .cancellable = p->cancellable };
  virStorageVolPtr vol = create_volume (p, vol_name, st.st_size, error);
  if (!vol)
    {
      close (fd);
      return NULL;
    }
  virStreamPtr stream = virStreamNew (virStoragePoolGetConnect (p->pool), 0);
  gboolean ok = stream
      && virStorageVolUpload (vol, stream, 0, st.st_size,
                              VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM) == 0
      && virStreamSparseSendAll (stream, send_data, send_hole, send_skip,
                                 &src) == 0;
  if (ok)
    ok = virStreamFinish (stream) == 0;
  else if (stream)
    virStreamAbort (stream);
  if (!ok)
    transfer_fail (p, error, "cannot upload %s", "sending %s to the target",
                   local_path);
  if (stream)
    virStreamFree (stream);
  close (fd);
  char *path = ok ? virStorageVolGetPath (vol) : NULL;
  if (!ok)
    virStorageVolDelete (vol, 0);
  virStorageVolFree (vol);
  /* libvirt's allocation: hand back a GLib one */
  char *copy = g_strdup (path);
  free (path);
  return copy;
}

/* ---- receiving: data written, holes skipped ---------------------------- */

typedef struct {
  int fd;
  GCancellable *cancellable;
} Sink;

static int
recv_data (virStreamPtr st, const char *buf, size_t nbytes, void *opaque)
{
  const Sink *s = opaque;
  int fd = s->fd;
  if (g_cancellable_is_cancelled (s->cancellable))
    return -1;
  size_t done = 0;
  while (done < nbytes)
    {
      ssize_t n = write (fd, buf + done, nbytes - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      done += (size_t) n;
    }
  return (int) done;
}

static int
recv_hole (virStreamPtr st, long long length, void *opaque)
{
  int fd = ((const Sink *) opaque)->fd;
  off_t cur = lseek (fd, length, SEEK_CUR);
  /* a hole at the very end: the file still ends there */
  return cur < 0 || ftruncate (fd, cur) < 0 ? -1 : 0;
}

gboolean
kiln_pool_download (KilnPool *p, const char *vol_name,
                    const char *local_path, GError **error)
{
  virStorageVolPtr vol = virStorageVolLookupByName (p->pool, vol_name);
  if (!vol)
    return pool_fail (error, "no volume %s", vol_name);
  int fd = g_open (local_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                   0600);
  if (fd < 0)
    {
      int e = errno;
      virStorageVolFree (vol);
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   local_path, g_strerror (e));
      return FALSE;
    }
  Sink sink = { .fd = fd, .cancellable = p->cancellable };
  virStreamPtr stream = virStreamNew (virStoragePoolGetConnect (p->pool), 0);
  gboolean ok = stream
      && virStorageVolDownload (vol, stream, 0, 0,
                                VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM) == 0
      && virStreamSparseRecvAll (stream, recv_data, recv_hole, &sink) == 0;
  if (ok)
    ok = virStreamFinish (stream) == 0;
  else if (stream)
    virStreamAbort (stream);
  if (!ok)
    transfer_fail (p, error, "cannot download volume %s",
                   "fetching volume %s from the target", vol_name);
  if (stream)
    virStreamFree (stream);
  if (close (fd) < 0 && ok)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot write %s: %s",
                   local_path, g_strerror (e));
      ok = FALSE;
    }
  virStorageVolFree (vol);
  if (!ok)
    g_unlink (local_path);
  return ok;
}

char *
kiln_pool_volume_path (KilnPool *p, const char *vol_name, GError **error)
{
  virStorageVolPtr vol = virStorageVolLookupByName (p->pool, vol_name);
  if (!vol)
    {
      pool_fail (error, "no volume %s", vol_name);
      return NULL;
    }
  char *path = virStorageVolGetPath (vol);
  virStorageVolFree (vol);
  if (!path)
    pool_fail (error, "no path for volume %s", vol_name);
  char *copy = g_strdup (path);
  free (path);
  return copy;
}

gboolean
kiln_pool_space (KilnPool *p, guint64 *available, GError **error)
{
  virStoragePoolInfo info;
  virStoragePoolRefresh (p->pool, 0);
  if (virStoragePoolGetInfo (p->pool, &info) < 0)
    return pool_fail (error, "cannot read the size of storage pool %s",
                      p->name);
  *available = info.available;
  return TRUE;
}

void
kiln_pool_volume_free (KilnPoolVolume *v)
{
  if (!v)
    return;
  g_free (v->name);
  g_free (v);
}

static gint
by_name (gconstpointer a, gconstpointer b)
{
  const KilnPoolVolume *x = *(KilnPoolVolume *const *) a;
  const KilnPoolVolume *y = *(KilnPoolVolume *const *) b;
  return strcmp (x->name, y->name);
}

GPtrArray *
kiln_pool_list (KilnPool *p, const char *prefix, GError **error)
{
  virStoragePoolRefresh (p->pool, 0);
  virStorageVolPtr *vols = NULL;
  int n = virStoragePoolListAllVolumes (p->pool, &vols, 0);
  if (n < 0)
    {
      pool_fail (error, "cannot list the volumes of storage pool %s",
                 p->name);
      return NULL;
    }
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_pool_volume_free);
  for (int i = 0; i < n; i++)
    {
      const char *name = virStorageVolGetName (vols[i]);
      virStorageVolInfo info;
      if (name && g_str_has_prefix (name, prefix)
          && virStorageVolGetInfo (vols[i], &info) == 0)
        {
          KilnPoolVolume *v = g_new0 (KilnPoolVolume, 1);
          v->name = g_strdup (name);
          v->allocation = info.allocation;
          g_ptr_array_add (out, v);
        }
      virStorageVolFree (vols[i]);
    }
  free (vols);
  g_ptr_array_sort (out, by_name);
  return out;
}

gboolean
kiln_pool_has (KilnPool *p, const char *vol_name)
{
  virStoragePoolRefresh (p->pool, 0);
  virStorageVolPtr vol = virStorageVolLookupByName (p->pool, vol_name);
  if (!vol)
    return FALSE;
  virStorageVolFree (vol);
  return TRUE;
}

gboolean
kiln_pool_delete (KilnPool *p, const char *vol_name, GError **error)
{
  virStorageVolPtr vol = virStorageVolLookupByName (p->pool, vol_name);
  if (!vol)
    return TRUE;
  gboolean ok = virStorageVolDelete (vol, 0) == 0;
  if (!ok)
    pool_fail (error, "cannot delete volume %s", vol_name);
  virStorageVolFree (vol);
  return ok;
}
