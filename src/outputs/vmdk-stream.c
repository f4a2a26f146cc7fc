/* vmdk-stream.c - streamOptimized VMDK writer: grains read in order, deflated
 * by a pool of workers, written in order (see vmdk-stream.h for the layout) */
#define _GNU_SOURCE /* SEEK_DATA, SEEK_HOLE */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <zlib.h>

#include "common/kiln.h"
#include "vmdk-stream.h"

#define SECTOR 512u
#define GRAIN_SECTORS 128u                          /* 64 KiB grains */
#define GRAIN_BYTES (GRAIN_SECTORS * SECTOR)
#define GTES_PER_GT 512u                            /* one table: 32 MiB */
#define DESC_SECTORS 20u                            /* sectors 1..20 */
#define OVERHEAD_SECTORS GRAIN_SECTORS              /* first grain marker */
#define GD_AT_END G_GUINT64_CONSTANT (0xffffffffffffffff)

#define FLAG_NL_DETECT (1u << 0)
#define FLAG_COMPRESSED (1u << 16)
#define FLAG_MARKERS (1u << 17)

enum { MARKER_EOS = 0, MARKER_GT = 1, MARKER_GD = 2, MARKER_FOOTER = 3 };

/* A grain marker: u64 LBA, u32 compressed size, then the zlib stream. */
#define GRAIN_MARKER_BYTES 12u
/* Room for one compressed grain with its marker, padded to a sector. */
#define SLOT_BYTES 66560u   /* > 12 + compressBound (65536), whole sectors */

static void
put_le32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static void
put_le64 (guint8 *p, guint64 v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static guint64
sectors_for (guint64 bytes)
{
  return (bytes + SECTOR - 1) / SECTOR;
}

/* The 512-byte sparse extent header (little endian, packed layout). */
static void
fill_header (guint8 h[SECTOR], guint64 capacity_sectors, guint64 gd_offset)
{
  memset (h, 0, SECTOR);
  memcpy (h, "KDMV", 4);
  put_le32 (h + 4, 3);                  /* version 3: what ESXi wants */
  put_le32 (h + 8, FLAG_NL_DETECT | FLAG_COMPRESSED | FLAG_MARKERS);
  put_le64 (h + 12, capacity_sectors);
  put_le64 (h + 20, GRAIN_SECTORS);
  put_le64 (h + 28, 1);                 /* descriptor offset */
  put_le64 (h + 36, DESC_SECTORS);
  put_le32 (h + 44, GTES_PER_GT);
  put_le64 (h + 48, 0);                 /* no redundant grain directory */
  put_le64 (h + 56, gd_offset);
  put_le64 (h + 64, OVERHEAD_SECTORS);
  h[72] = 0;                            /* clean */
  h[73] = '\n';                         /* newline-mangling detection */
  h[74] = ' ';
  h[75] = '\r';
  h[76] = '\n';
  h[77] = 1;                            /* compressAlgorithm: deflate */
}

static void
fill_marker (guint8 m[SECTOR], guint64 sectors, guint32 type)
{
  memset (m, 0, SECTOR);
  put_le64 (m, sectors);
  put_le32 (m + 12, type);
}

static char *
descriptor_text (const KilnVmdkStreamSpec *spec, guint64 capacity_sectors)
{
  const char *adapter = spec->adapter_type ? spec->adapter_type : "lsilogic";
  guint64 heads = strcmp (adapter, "ide") == 0 ? 16 : 255;
  g_autofree char *base = g_path_get_basename (spec->dst);
  return g_strdup_printf (
      "# Disk DescriptorFile\n"
      "version=1\n"
      "CID=%08x\n"
      "parentCID=ffffffff\n"
      "createType=\"streamOptimized\"\n"
      "\n"
      "# Extent description\n"
      "RDONLY %" G_GUINT64_FORMAT " SPARSE \"%s\"\n"
      "\n"
      "# The Disk Data Base\n"
      "#DDB\n"
      "\n"
      "ddb.virtualHWVersion = \"%s\"\n"
      "ddb.geometry.cylinders = \"%" G_GUINT64_FORMAT "\"\n"
      "ddb.geometry.heads = \"%" G_GUINT64_FORMAT "\"\n"
      "ddb.geometry.sectors = \"63\"\n"
      "ddb.adapterType = \"%s\"\n"
      "ddb.toolsVersion = \"2147483647\"\n",
      g_random_int (), capacity_sectors, base,
      spec->hw_version ? spec->hw_version : "13",
      capacity_sectors / (heads * 63), heads, adapter);
}

/* --- reading: which grains hold data --- */

typedef struct {
  int fd;
  const char *path;
  guint64 size;
  /* the first data extent at or after an earlier query: [data_at, hole_at) */
  guint64 data_at, hole_at;
  gboolean no_more_data;
  gboolean no_seek_data;        /* filesystem without SEEK_DATA: read all */
} Source;

static gboolean
range_has_data (Source *s, guint64 off, guint64 len)
{
  if (s->no_seek_data)
    return TRUE;
  if (s->no_more_data)
    return FALSE;
  if (off + len <= s->data_at)
    return FALSE;
  if (off < s->hole_at)
    return TRUE;
  off_t d = lseek (s->fd, (off_t) off, SEEK_DATA);
  if (d < 0)
    {
      if (errno == ENXIO)
        s->no_more_data = TRUE;
      else
        s->no_seek_data = TRUE;
      return s->no_seek_data;
    }
  off_t h = lseek (s->fd, d, SEEK_HOLE);
  s->data_at = (guint64) d;
  s->hole_at = h < 0 ? s->size : (guint64) h;
  return (guint64) d < off + len;
}

static gboolean
read_grain (Source *s, guint64 off, guint8 *buf, GError **error)
{
  gsize want = (gsize) MIN ((guint64) GRAIN_BYTES, s->size - off);
  gsize got = 0;
  while (got < want)
    {
      ssize_t n = pread (s->fd, buf + got, want - got, (off_t) (off + got));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int e = n < 0 ? errno : EIO;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                       "cannot read %s at %" G_GUINT64_FORMAT ": %s",
                       s->path, off + got, n < 0 ? g_strerror (e)
                                                 : "unexpected end of file");
          return FALSE;
        }
      got += (gsize) n;
    }
  if (want < GRAIN_BYTES)
    memset (buf + want, 0, GRAIN_BYTES - want);  /* last grain: whole */
  return TRUE;
}

/* --- compressing: one batch is a quarter of a grain table's grains --- */

/* A quarter table (8 MiB of input, about as much output room) keeps
 * kiln's own memory small while two batches are in flight; 16 tasks a
 * batch still keep every core busy. */
#define BATCH_GRAINS (GTES_PER_GT / 4u)
#define GRAINS_PER_TASK 8u      /* 512 KiB of input per task */
#define TASKS_PER_BATCH (BATCH_GRAINS / GRAINS_PER_TASK)

typedef struct Batch Batch;

typedef struct {
  Batch *batch;
  guint first;                  /* its first grain */
} Task;

struct Batch {
  Task task[TASKS_PER_BATCH];
  guint8 *in;                   /* BATCH_GRAINS grains of GRAIN_BYTES */
  guint8 *out;                  /* BATCH_GRAINS slots of SLOT_BYTES */
  gboolean present[BATCH_GRAINS];   /* read (not a hole) */
  guint32 out_bytes[BATCH_GRAINS];  /* marker + data padded; 0 = zero grain */
  guint64 first_grain;          /* the batch's first grain in the disk */
  guint64 first_lba;            /* sector of the batch's first grain */
  guint n_grains;
  GMutex lock;
  GCond done;
  guint pending;                /* tasks not yet finished */
  gboolean failed;
};

static gboolean
all_zero (const guint8 *p, gsize n)
{
  const guint64 *w = (const guint64 *) p;
  for (gsize i = 0; i < n / 8; i++)
    if (w[i])
      return FALSE;
  return TRUE;
}

/* Deflates grains [first, first + GRAINS_PER_TASK) with the worker's own
 * stream (one per thread, reset per grain: no allocation per grain). */
static void
compress_task (Batch *b, z_stream *z, guint first)
{
  guint end = MIN (first + GRAINS_PER_TASK, b->n_grains);
  gboolean failed = FALSE;
  for (guint i = first; i < end; i++)
    {
      const guint8 *in = b->in + (gsize) i * GRAIN_BYTES;
      guint8 *slot = b->out + (gsize) i * SLOT_BYTES;
      b->out_bytes[i] = 0;
      if (!b->present[i] || all_zero (in, GRAIN_BYTES))
        continue;
      z->next_in = (Bytef *) in;
      z->avail_in = GRAIN_BYTES;
      z->next_out = slot + GRAIN_MARKER_BYTES;
      z->avail_out = SLOT_BYTES - GRAIN_MARKER_BYTES;
      int r = deflate (z, Z_FINISH);
      gsize len = z->total_out;
      if (deflateReset (z) != Z_OK || r != Z_STREAM_END)
        {
          failed = TRUE;
          continue;
        }
      put_le64 (slot, b->first_lba + (guint64) i * GRAIN_SECTORS);
      put_le32 (slot + 8, (guint32) len);
      gsize used = GRAIN_MARKER_BYTES + len;
      gsize padded = sectors_for (used) * SECTOR;
      memset (slot + used, 0, padded - used);
      b->out_bytes[i] = (guint32) padded;
    }
  g_mutex_lock (&b->lock);
  b->failed |= failed;
  if (--b->pending == 0)
    g_cond_signal (&b->done);
  g_mutex_unlock (&b->lock);
}

static Task stop_worker;        /* the task that ends a worker */

/* A compressing thread: takes tasks from the queue until stop_worker. */
static gpointer
compress_worker (gpointer data)
{
  GAsyncQueue *tasks = data;
  z_stream z = { 0 };
  /* zlib format (RFC 1950), what VMware and qemu read back */
  gboolean ready = deflateInit (&z, Z_DEFAULT_COMPRESSION) == Z_OK;
  for (;;)
    {
      Task *task = g_async_queue_pop (tasks);
      if (task == &stop_worker)
        break;
      Batch *b = task->batch;
      if (ready)
        compress_task (b, &z, task->first);
      else
        {
          g_mutex_lock (&b->lock);
          b->failed = TRUE;
          if (--b->pending == 0)
            g_cond_signal (&b->done);
          g_mutex_unlock (&b->lock);
        }
    }
  if (ready)
    deflateEnd (&z);
  return NULL;
}

/* --- writing --- */

typedef struct {
  int fd;
  const char *path;
  guint64 pos;                  /* bytes written, always whole sectors */
} Sink;

static gboolean
sink_write (Sink *k, const void *buf, gsize len, GError **error)
{
  const guint8 *p = buf;
  gsize done = 0;
  while (done < len)
    {
      ssize_t n = write (k->fd, p + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                       "cannot write %s: %s", k->path, g_strerror (e));
          return FALSE;
        }
      done += (gsize) n;
    }
  k->pos += len;
  return TRUE;
}

/* A metadata marker and its sectors (a grain table or directory of u32). */
static gboolean
write_table (Sink *k, guint32 type, const guint32 *entries, gsize n,
             guint64 *table_sector, GError **error)
{
  gsize sectors = sectors_for ((guint64) n * 4);
  g_autofree guint8 *buf = g_malloc0 (SECTOR + sectors * SECTOR);
  fill_marker (buf, sectors, type);
  for (gsize i = 0; i < n; i++)
    put_le32 (buf + SECTOR + i * 4, entries[i]);
  *table_sector = k->pos / SECTOR + 1;
  return sink_write (k, buf, SECTOR + sectors * SECTOR, error);
}

typedef struct {
  const KilnVmdkStreamSpec *spec;
  Source src;
  Sink out;
  GThread **workers;
  guint n_workers;
  GAsyncQueue *tasks;           /* Task*, for the workers */
  Batch batch[2];               /* one deflating while the other is read
                                   and written */
  guint64 capacity_sectors;
  guint64 total_grains;
  guint64 n_gts;
  guint64 n_batches;
  guint32 table[GTES_PER_GT];   /* the grain table being filled */
  guint32 *gd;                  /* sector of each grain table */
} Writer;

static gboolean
check_offset (Writer *w, GError **error)
{
  /* Table entries are 32-bit sector numbers: 2 TiB of output at most. */
  if (w->out.pos / SECTOR + SLOT_BYTES / SECTOR * GTES_PER_GT
      < G_MAXUINT32)
    return TRUE;
  g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
               "%s: a streamOptimized VMDK holds at most 2 TiB of "
               "compressed data", w->out.path);
  return FALSE;
}

/* Reads batch k's grains into b (holes are not read). */
static gboolean
read_batch (Writer *w, Batch *b, guint64 k, GError **error)
{
  guint64 first = k * BATCH_GRAINS;
  b->n_grains = (guint) MIN ((guint64) BATCH_GRAINS, w->total_grains - first);
  b->first_grain = first;
  b->first_lba = first * GRAIN_SECTORS;
  b->failed = FALSE;
  for (guint i = 0; i < b->n_grains; i++)
    {
      guint64 off = (first + i) * GRAIN_BYTES;
      b->present[i] = range_has_data (&w->src, off, GRAIN_BYTES);
      if (b->present[i]
          && !read_grain (&w->src, off, b->in + (gsize) i * GRAIN_BYTES,
                          error))
        return FALSE;
    }
  return TRUE;
}

static void
submit_batch (Writer *w, Batch *b)
{
  guint tasks = (b->n_grains + GRAINS_PER_TASK - 1) / GRAINS_PER_TASK;
  g_mutex_lock (&b->lock);
  b->pending = tasks;
  g_mutex_unlock (&b->lock);
  for (guint t = 0; t < tasks; t++)
    {
      b->task[t] = (Task){ b, t * GRAINS_PER_TASK };
      g_async_queue_push (w->tasks, &b->task[t]);
    }
}

/* Until no task of b is left (at once when none was submitted). */
static void
wait_batch (Batch *b)
{
  g_mutex_lock (&b->lock);
  while (b->pending > 0)
    g_cond_wait (&b->done, &b->lock);
  g_mutex_unlock (&b->lock);
}

/* Writes b's grains in order into the current grain table; after the
 * table's last grain (or the disk's), the table itself. */
static gboolean
write_batch (Writer *w, Batch *b, GError **error)
{
  if (b->failed)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "%s: zlib could not deflate a grain", w->out.path);
      return FALSE;
    }
  if (!check_offset (w, error))
    return FALSE;
  guint first_entry = (guint) (b->first_grain % GTES_PER_GT);
  for (guint i = 0; i < b->n_grains; i++)
    {
      if (!b->out_bytes[i])
        continue;
      /* the grain's marker */
      w->table[first_entry + i] = (guint32) (w->out.pos / SECTOR);
      if (!sink_write (&w->out, b->out + (gsize) i * SLOT_BYTES,
                       b->out_bytes[i], error))
        return FALSE;
    }
  guint64 end = b->first_grain + b->n_grains;
  if (end % GTES_PER_GT != 0 && end != w->total_grains)
    return TRUE;
  guint64 at = 0;
  if (!write_table (&w->out, MARKER_GT, w->table, GTES_PER_GT, &at, error))
    return FALSE;
  w->gd[b->first_grain / GTES_PER_GT] = (guint32) at;
  memset (w->table, 0, sizeof w->table);
  return TRUE;
}

static gboolean
write_stream (Writer *w, KilnVmdkProgressFn progress, gpointer user_data,
              GCancellable *cancellable, GError **error)
{
  /* header, descriptor, zeros up to the first grain */
  g_autofree guint8 *head = g_malloc0 (OVERHEAD_SECTORS * SECTOR);
  fill_header (head, w->capacity_sectors, GD_AT_END);
  g_autofree char *desc = descriptor_text (w->spec, w->capacity_sectors);
  if (strlen (desc) > DESC_SECTORS * SECTOR)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "%s: the VMDK descriptor does not fit in %u sectors",
                   w->out.path, DESC_SECTORS);
      return FALSE;
    }
  memcpy (head + SECTOR, desc, strlen (desc));
  if (!sink_write (&w->out, head, OVERHEAD_SECTORS * SECTOR, error))
    return FALSE;

  /* Batch k deflates while k + 1 is read and k - 1 written.  On failure
   * the caller waits for both batches before freeing them. */
  Batch *cur = &w->batch[0], *next = &w->batch[1];
  if (g_cancellable_set_error_if_cancelled (cancellable, error)
      || !read_batch (w, cur, 0, error))
    return FALSE;
  submit_batch (w, cur);
  for (guint64 k = 0; k < w->n_batches; k++)
    {
      gboolean more = k + 1 < w->n_batches;
      if (more && (g_cancellable_set_error_if_cancelled (cancellable, error)
                   || !read_batch (w, next, k + 1, error)))
        return FALSE;
      wait_batch (cur);
      if (more)
        submit_batch (w, next);
      if (!write_batch (w, cur, error))
        return FALSE;
      if (progress)
        progress ((double) (k + 1) / (double) w->n_batches, user_data);
      Batch *t = cur;
      cur = next;
      next = t;
    }

  guint64 gd_sector = 0;
  if (!write_table (&w->out, MARKER_GD, w->gd, w->n_gts, &gd_sector, error))
    return FALSE;
  /* footer marker, the header with the directory's offset, end of stream */
  guint8 tail[3 * SECTOR];
  fill_marker (tail, 1, MARKER_FOOTER);
  fill_header (tail + SECTOR, w->capacity_sectors, gd_sector);
  fill_marker (tail + 2 * SECTOR, 0, MARKER_EOS);
  /* durability is the caller's (the distribute stage syncs before it
   * moves artifacts into place) */
  return sink_write (&w->out, tail, sizeof tail, error);
}

gboolean
kiln_vmdk_stream_write (const KilnVmdkStreamSpec *spec,
                        KilnVmdkProgressFn progress, gpointer user_data,
                        GCancellable *cancellable, GError **error)
{
  g_autofree char *part = g_strconcat (spec->dst, ".part", NULL);
  Writer w = { .spec = spec };
  w.src.path = spec->src;
  w.out.path = part;
  w.out.fd = -1;
  w.src.fd = open (spec->src, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (w.src.fd < 0 || fstat (w.src.fd, &st) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   "cannot open %s: %s", spec->src, g_strerror (e));
      if (w.src.fd >= 0)
        close (w.src.fd);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode) || st.st_size == 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "%s: expected a raw image file, found %s", spec->src,
                   S_ISREG (st.st_mode) ? "an empty file"
                                        : "no regular file");
      close (w.src.fd);
      return FALSE;
    }
  w.src.size = (guint64) st.st_size;
  w.capacity_sectors = sectors_for (w.src.size);
  guint64 grains = (w.capacity_sectors + GRAIN_SECTORS - 1) / GRAIN_SECTORS;
  w.n_gts = MAX ((guint64) 1, (grains + GTES_PER_GT - 1) / GTES_PER_GT);
  w.total_grains = grains;
  w.n_batches = (grains + BATCH_GRAINS - 1) / BATCH_GRAINS;

  w.out.fd = open (part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (w.out.fd < 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   "cannot create %s: %s", part, g_strerror (e));
      close (w.src.fd);
      return FALSE;
    }

  w.gd = g_new0 (guint32, w.n_gts);
  for (guint k = 0; k < 2; k++)
    {
      w.batch[k].in = g_malloc ((gsize) BATCH_GRAINS * GRAIN_BYTES);
      w.batch[k].out = g_malloc ((gsize) BATCH_GRAINS * SLOT_BYTES);
      g_mutex_init (&w.batch[k].lock);
      g_cond_init (&w.batch[k].done);
    }
  w.tasks = g_async_queue_new ();
  w.n_workers = spec->threads ? spec->threads : g_get_num_processors ();
  w.workers = g_new0 (GThread *, w.n_workers);
  for (guint i = 0; i < w.n_workers; i++)
    w.workers[i] = g_thread_new ("kiln-deflate", compress_worker, w.tasks);

  gboolean ok = write_stream (&w, progress, user_data, cancellable, error);

  /* no task left behind (a failure may leave one batch deflating) */
  wait_batch (&w.batch[0]);
  wait_batch (&w.batch[1]);
  for (guint i = 0; i < w.n_workers; i++)
    g_async_queue_push (w.tasks, &stop_worker);
  for (guint i = 0; i < w.n_workers; i++)
    g_thread_join (w.workers[i]);
  g_free (w.workers);
  g_async_queue_unref (w.tasks);
  for (guint k = 0; k < 2; k++)
    {
      g_mutex_clear (&w.batch[k].lock);
      g_cond_clear (&w.batch[k].done);
      g_free (w.batch[k].in);
      g_free (w.batch[k].out);
    }
  g_free (w.gd);
  close (w.src.fd);
  if (close (w.out.fd) != 0 && ok)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   "cannot write %s: %s", part, g_strerror (e));
      ok = FALSE;
    }
  if (ok && g_rename (part, spec->dst) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   "cannot rename %s to %s: %s", part, spec->dst,
                   g_strerror (e));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (part);
  return ok;
}
