/* outputs.c - the distribute stage: parallel conversions, OVA, checks,
 * sidecar files, rename into place, cleanup on every path */
#define _GNU_SOURCE /* renameat2, syncfs */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "checksums.h"
#include "config.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "base/confine.h"
#include "base/paths.h"
#include "outputs.h"
#include "ova.h"
#include "ovf.h"
#include "vmdk-stream.h"
#include "backends/qemu-img.h"

#define TMP_PREFIX ".kiln-distribute."

const char *
kiln_artifact_phase_name (KilnArtifactPhase phase)
{
  switch (phase)
    {
    case KILN_ARTIFACT_WAITING:
      return "waiting";
    case KILN_ARTIFACT_CONVERTING:
      return "converting";
    case KILN_ARTIFACT_PACKING:
      return "packing";
    case KILN_ARTIFACT_CHECKSUMMING:
      return "checksumming";
    case KILN_ARTIFACT_DONE:
      return "done";
    default:
      return "failed";
    }
}

void
kiln_distribute_result_free (KilnDistributeResult *r)
{
  if (!r)
    return;
  g_free (r->output_dir);
  g_ptr_array_unref (r->artifacts);
  g_ptr_array_unref (r->files);
  g_ptr_array_unref (r->findings);
  g_free (r);
}

gboolean
kiln_artifact_name_valid (const char *name, GError **error)
{
  gboolean ok = name && *name && strlen (name) <= 200 && name[0] != '.'
                && name[0] != '-';
  for (const char *p = name; ok && *p; p++)
    ok = g_ascii_isalnum (*p) || strchr ("._+-", *p);
  if (!ok)
    g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                 "artifact name '%s': expected letters, digits, '.', '_', "
                 "'+' or '-' (not first), at most 200 characters",
                 name ? name : "");
  return ok;
}

/* --- jobs --- */

typedef struct Dist Dist;
typedef struct Job Job;

/* One progress update waiting for the caller's main context. */
typedef struct {
  KilnArtifactPhase phase;
  double fraction;
} ProgressUpdate;
#define KILN_PROGRESS_QUEUE 8   /* more than the phases of one job */

typedef enum {
  JOB_DISK,                     /* one disk format: qemu-img convert, or
                                   kiln's streamOptimized VMDK writer */
  JOB_OVA,                      /* OVF + tar around a streamOptimized VMDK */
} JobKind;

struct Job {
  Dist *d;
  JobKind kind;
  KilnFormat *format;           /* the published format, or the disk of an OVA */
  KilnFormatProfile *profile;   /* JOB_DISK */
  char *file;                   /* final file name, or the OVA member name */
  char *tmp_path;
  gboolean publish;             /* an artifact (not only an OVA's input) */
  Job *needs;                   /* JOB_OVA: its VMDK; a streamOptimized
                                   VMDK: the raw job it reads, if any */
  GPtrArray *dependents;        /* Job* started when this one is done */
  const char *progress_name;    /* the artifact its progress is shown for */

  /* progress, guarded by d->lock: the updates not yet delivered, one per
   * phase in order (fractions within a phase are coalesced) */
  ProgressUpdate unreported[KILN_PROGRESS_QUEUE];
  guint n_unreported;
  gboolean queued_any;
  KilnArtifactPhase last_phase; /* the last one queued */
  double last_fraction;
  gboolean progress_pending;
  double convert_from;          /* this step's share of the converting phase */
  double convert_span;

  /* results, written by the worker before it reports done */
  guint64 virtual_size;
  guint64 file_size;
  guint64 allocated;
  char *sha256;
  GError *error;
  gboolean finished;
};

struct Dist {
  const KilnDistributeSpec *spec;
  GMainContext *ctx;
  GCancellable *cancel;         /* internal: cancelled on first failure */
  GMutex lock;
  GThreadPool *pool;
  GPtrArray *jobs;              /* Job*, owned */
  guint finished;
  gint pending_idles;           /* progress callbacks scheduled, not yet run */
  GError *first_error;
  char *tmp_dir;
  guint64 source_size;          /* virtual size of the source */
  const char *vmdk_adapter;     /* ddb.adapterType, agreeing with the OVF */
  char *vmdk_hw;                /* ddb.virtualHWVersion */
  gint64 started_us;
};

static void
job_free (Job *j)
{
  kiln_format_free (j->format);
  kiln_format_profile_free (j->profile);
  g_free (j->file);
  g_free (j->tmp_path);
  g_ptr_array_unref (j->dependents);
  g_free (j->sha256);
  g_clear_error (&j->error);
  g_free (j);
}

/* Progress is coalesced: the worker queues the latest fraction of each
 * phase and schedules one idle callback in the caller's context until that
 * one has run.  A phase is never skipped, however short (an OVA's packing
 * can be over before the main loop runs). */
static gboolean
progress_idle (gpointer data)
{
  Job *j = data;
  Dist *d = j->d;
  ProgressUpdate updates[KILN_PROGRESS_QUEUE];
  g_mutex_lock (&d->lock);
  guint n = j->n_unreported;
  memcpy (updates, j->unreported, n * sizeof *updates);
  j->n_unreported = 0;
  j->progress_pending = FALSE;
  g_mutex_unlock (&d->lock);
  for (guint i = 0; i < n && d->spec->progress; i++)
    d->spec->progress (j->progress_name, updates[i].phase,
                       updates[i].fraction, d->spec->progress_data);
  g_atomic_int_dec_and_test (&d->pending_idles);
  return G_SOURCE_REMOVE;
}

static void
set_progress (Job *j, KilnArtifactPhase phase, double fraction)
{
  Dist *d = j->d;
  if (!d->spec->progress)
    return;
  g_mutex_lock (&d->lock);
  ProgressUpdate *last = j->n_unreported
                             ? &j->unreported[j->n_unreported - 1] : NULL;
  gboolean changed = !j->queued_any || phase != j->last_phase;
  if (changed || fraction - j->last_fraction >= 0.005 || fraction >= 1.0)
    {
      if (last && last->phase == phase)
        last->fraction = fraction;
      else if (j->n_unreported < KILN_PROGRESS_QUEUE)
        j->unreported[j->n_unreported++] = (ProgressUpdate){ phase, fraction };
      else /* more phases than a job has: keep the newest */
        j->unreported[KILN_PROGRESS_QUEUE - 1] = (ProgressUpdate){ phase,
                                                                  fraction };
      j->queued_any = TRUE;
      j->last_phase = phase;
      j->last_fraction = fraction;
    }
  gboolean schedule = j->n_unreported > 0 && !j->progress_pending;
  if (schedule)
    {
      j->progress_pending = TRUE;
      g_atomic_int_inc (&d->pending_idles);
    }
  g_mutex_unlock (&d->lock);
  if (schedule)
    g_main_context_invoke_full (d->ctx, G_PRIORITY_DEFAULT, progress_idle, j,
                                NULL);
}

static void
on_convert_progress (double fraction, gpointer user_data)
{
  Job *j = user_data;
  set_progress (j, KILN_ARTIFACT_CONVERTING,
                j->convert_from + j->convert_span * fraction);
}

static void
on_checksum_progress (double fraction, gpointer user_data)
{
  set_progress (user_data, KILN_ARTIFACT_CHECKSUMMING, fraction);
}

static void
on_pack_progress (double fraction, gpointer user_data)
{
  set_progress (user_data, KILN_ARTIFACT_PACKING, fraction);
}

static gboolean
stat_sizes (Job *j, GError **error)
{
  struct stat st;
  if (stat (j->tmp_path, &st) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   "cannot stat %s: %s", j->tmp_path, g_strerror (e));
      return FALSE;
    }
  j->file_size = st.st_size;
  j->allocated = (guint64) st.st_blocks * 512;
  return TRUE;
}

/* qemu-img's own reading of the result, plus kiln's header checks. */
static gboolean
verify_disk (Job *j, guint64 expected_size, GError **error)
{
  g_autoptr (KilnImageInfo) info = kiln_qemu_img_info (
      j->tmp_path, j->profile->qemu_format, error);
  if (!info)
    return FALSE;
  if (g_strcmp0 (info->format, j->profile->qemu_format) != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "%s: qemu-img reads it as %s, expected %s", j->file,
                   info->format, j->profile->qemu_format);
      return FALSE;
    }
  if (info->virtual_size < expected_size)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "%s: virtual size %" G_GUINT64_FORMAT " is smaller than "
                   "the source's %" G_GUINT64_FORMAT, j->file,
                   info->virtual_size, expected_size);
      return FALSE;
    }
  j->virtual_size = info->virtual_size;
  if (j->format->kind == KILN_FORMAT_QCOW2 || j->format->kind == KILN_FORMAT_VHDX
      || (j->format->kind == KILN_FORMAT_VMDK
          && g_strcmp0 (j->format->subformat, "monolithicSparse") == 0))
    if (!kiln_qemu_img_check (j->tmp_path, j->profile->qemu_format, error))
      return FALSE;
  return kiln_format_check_headers (j->format, j->tmp_path, expected_size,
                                    error);
}

static gboolean
is_stream_vmdk (const KilnFormat *f)
{
  return f->kind == KILN_FORMAT_VMDK
         && g_strcmp0 (f->subformat, "streamOptimized") == 0;
}

/* A streamOptimized VMDK by kiln's writer, which deflates on every core
 * (qemu-img's uses one).  It reads a raw image: the source when it is
 * raw, else the raw artifact of the same run, else a sparse raw copy made
 * here by qemu-img and removed on every path. */
static gboolean
write_stream_vmdk (Job *j, GError **error)
{
  Dist *d = j->d;
  const KilnDistributeSpec *spec = d->spec;
  const char *raw = NULL;
  g_autofree char *tmp_raw = NULL;
  if (j->needs)
    raw = j->needs->tmp_path;
  else if (g_strcmp0 (spec->source_format, "raw") == 0
           && g_file_test (spec->source, G_FILE_TEST_IS_REGULAR))
    raw = spec->source;
  else
    {
      tmp_raw = g_strconcat (j->tmp_path, ".src.raw", NULL);
      KilnConvertSpec cs = {
        .src = spec->source,
        .src_format = spec->source_format,
        .dst = tmp_raw,
        .dst_format = "raw",
        .out_of_order = TRUE,
      };
      j->convert_span = 0.1;
      if (!kiln_qemu_img_convert (&cs, on_convert_progress, j, d->cancel,
                                  error))
        return FALSE;
      raw = tmp_raw;
      j->convert_from = 0.1;
      j->convert_span = 0.9;
    }
  KilnVmdkStreamSpec vs = {
    .src = raw,
    .dst = j->tmp_path,
    .adapter_type = d->vmdk_adapter,
    .hw_version = d->vmdk_hw,
  };
  gboolean ok = kiln_vmdk_stream_write (&vs, on_convert_progress, j,
                                        d->cancel, error);
  if (tmp_raw)
    g_unlink (tmp_raw);
  return ok;
}

static gboolean convert_disk (Job *j, const char *src,
                              const char *src_format, GError **error);

static gboolean
run_disk (Job *j, GError **error)
{
  Dist *d = j->d;
  const KilnDistributeSpec *spec = d->spec;
  const char *src = spec->source;
  const char *src_format = spec->source_format;
  g_autofree char *overlay = NULL;
  guint64 size = d->source_size;

  /* A whole-MiB virtual size (Azure) without touching the source: convert
   * from a qcow2 overlay that is only larger. */
  if (j->profile->align_mib && kiln_round_up_mib (size) != size)
    {
      size = kiln_round_up_mib (size);
      overlay = g_strconcat (j->tmp_path, ".pad.qcow2", NULL);
      if (!kiln_qemu_img_create_overlay (src, src_format, overlay, size,
                                         error))
        return FALSE;
      src = overlay;
      src_format = "qcow2";
    }

  set_progress (j, KILN_ARTIFACT_CONVERTING, 0);
  gboolean ok = is_stream_vmdk (j->format)
                    ? write_stream_vmdk (j, error)
                    : convert_disk (j, src, src_format, error);
  if (overlay)
    g_unlink (overlay);
  if (!ok || !verify_disk (j, size, error) || !stat_sizes (j, error))
    return FALSE;
  set_progress (j, KILN_ARTIFACT_CHECKSUMMING, 0);
  j->sha256 = kiln_sha256_file (j->tmp_path, d->cancel, on_checksum_progress,
                                j, error);
  return j->sha256 != NULL;
}

/* qemu-img convert to the job's format. */
static gboolean
convert_disk (Job *j, const char *src, const char *src_format,
              GError **error)
{
  Dist *d = j->d;
  KilnConvertSpec cs = {
    .src = src,
    .src_format = src_format,
    .dst = j->tmp_path,
    .dst_format = j->profile->qemu_format,
    .options = (const char *const *) j->profile->options,
    .compress = j->profile->compress,
    .out_of_order = j->profile->out_of_order,
  };
  return kiln_qemu_img_convert (&cs, on_convert_progress, j, d->cancel,
                                error);
}

static char *
annotation_for (const KilnDistributeSpec *spec)
{
  const KilnManifestBuild *b = spec->build;
  if (!b || !b->recipe_name)
    return g_strdup_printf ("converted by kiln %s", PACKAGE_VERSION);
  GString *s = g_string_new (b->recipe_name);
  if (b->recipe_version)
    g_string_append_printf (s, " %s", b->recipe_version);
  if (b->build_number > 0)
    g_string_append_printf (s, " build %" G_GINT64_FORMAT, b->build_number);
  if (b->recipe_description)
    g_string_append_printf (s, ": %s", b->recipe_description);
  g_string_append_printf (s, " (built by kiln %s", PACKAGE_VERSION);
  if (b->parent_name)
    g_string_append_printf (s, " from %s", b->parent_name);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static gboolean
run_ova (Job *j, GError **error)
{
  Dist *d = j->d;
  const KilnDistributeSpec *spec = d->spec;
  const Job *disk = j->needs;
  const KilnOsInfo *os = spec->os;
  guint64 populated = 0;
  if (!kiln_vmdk_stream_populated_bytes (disk->tmp_path, &populated, error))
    return FALSE;

  g_autofree char *hw = g_strdup_printf ("vmx-%u", spec->vmware_hw_version
                                                       ? spec->vmware_hw_version
                                                       : 13);
  g_autofree char *annotation = annotation_for (spec);
  g_autofree char *disk_name = g_strdup_printf ("%s-disk1.vmdk",
                                                spec->base_name);
  KilnOvfSpec ovf = {
    .vm_name = spec->base_name,
    .annotation = annotation,
    .disk_file = disk_name,
    .disk_file_size = disk->file_size,
    .capacity = disk->virtual_size,
    .populated_size = populated,
    .distro = os ? os->distro : NULL,
    .major_version = os ? os->major_version : 0,
    .arch = os ? os->arch : NULL,
    .product_name = os ? os->product_name : NULL,
    .uefi = os && g_strcmp0 (os->firmware, "uefi") == 0,
    .cpus = spec->vm_cpus,
    .memory_mib = spec->vm_memory_mib,
    .controller = spec->vm_controller,
    .nic = spec->vm_nic,
    .network = spec->vm_network,
    .hw_family = hw,
  };
  g_autofree char *ovf_text = kiln_ovf_write (&ovf, error);
  if (!ovf_text)
    return FALSE;
  g_autofree char *ovf_name = g_strdup_printf ("%s.ovf", spec->base_name);
  KilnOvaSpec ova = {
    .path = j->tmp_path,
    .ovf_name = ovf_name,
    .ovf_text = ovf_text,
    .disk_name = disk_name,
    .disk_path = disk->tmp_path,
    .disk_sha256 = disk->sha256,
  };
  set_progress (j, KILN_ARTIFACT_PACKING, 0);
  if (!kiln_ova_write (&ova, d->cancel, on_pack_progress, j, error))
    return FALSE;
  if (!stat_sizes (j, error))
    return FALSE;
  j->virtual_size = disk->virtual_size;
  set_progress (j, KILN_ARTIFACT_CHECKSUMMING, 0);
  j->sha256 = kiln_sha256_file (j->tmp_path, d->cancel, on_checksum_progress,
                                j, error);
  return j->sha256 != NULL;
}

static gboolean job_done_idle (gpointer data);

/* GThreadPool worker. */
static void
job_run (gpointer data, gpointer user_data)
{
  Job *j = data;
  GError *error = NULL;
  if (!g_cancellable_set_error_if_cancelled (j->d->cancel, &error))
    {
      if (j->kind == JOB_DISK)
        run_disk (j, &error);
      else
        run_ova (j, &error);
    }
  j->error = error;
  g_main_context_invoke_full (j->d->ctx, G_PRIORITY_DEFAULT, job_done_idle, j,
                              NULL);
}

static void
skip_dependents (Job *j)
{
  for (guint i = 0; i < j->dependents->len; i++)
    {
      Job *dep = j->dependents->pdata[i];
      if (dep->finished)
        continue;
      dep->finished = TRUE;
      j->d->finished++;
      skip_dependents (dep);
    }
}

static gboolean
job_done_idle (gpointer data)
{
  Job *j = data;
  Dist *d = j->d;
  j->finished = TRUE;
  d->finished++;
  if (j->error)
    {
      if (!d->first_error)
        {
          /* The first real failure explains the others (cancellations). */
          d->first_error = g_error_copy (j->error);
          g_prefix_error (&d->first_error, "%s: ", j->progress_name);
        }
      g_cancellable_cancel (d->cancel);
      skip_dependents (j);
      if (d->spec->progress)
        d->spec->progress (j->progress_name, KILN_ARTIFACT_FAILED, 0,
                           d->spec->progress_data);
      return G_SOURCE_REMOVE;
    }
  if (d->spec->progress && j->publish)
    d->spec->progress (j->progress_name, KILN_ARTIFACT_DONE, 1.0,
                       d->spec->progress_data);
  for (guint i = 0; i < j->dependents->len; i++)
    g_thread_pool_push (d->pool, j->dependents->pdata[i], NULL);
  return G_SOURCE_REMOVE;
}

/* --- planning --- */

static char *
file_name (const KilnDistributeSpec *spec, const KilnFormat *f)
{
  return g_strdup_printf ("%s.%s", spec->base_name, kiln_format_extension (f));
}

static Job *
job_new (Dist *d, JobKind kind, const KilnFormat *f, gboolean publish)
{
  Job *j = g_new0 (Job, 1);
  j->d = d;
  j->kind = kind;
  j->format = kiln_format_disk_for (f);
  if (kind == JOB_OVA)
    {
      kiln_format_free (j->format);
      j->format = kiln_format_parse ("ova", NULL);
    }
  j->publish = publish;
  j->dependents = g_ptr_array_new ();
  j->convert_span = 1.0;
  g_ptr_array_add (d->jobs, j);
  return j;
}

static void plan_ova (Dist *d, const KilnFormat *ova,
                      const KilnFormatOptions *opts);
static void link_stream_vmdk_to_raw (Dist *d);

/* One disk job per distinct disk; an OVA reuses the vmdk job when the
 * user asked for the same streamOptimized VMDK. */
static void
plan (Dist *d)
{
  const KilnDistributeSpec *spec = d->spec;
  KilnFormatOptions opts = {
    .vmdk_adapter = kiln_ovf_vmdk_adapter_for (spec->vm_controller),
  };
  d->vmdk_adapter = opts.vmdk_adapter;
  d->vmdk_hw = g_strdup_printf ("%u", spec->vmware_hw_version
                                          ? spec->vmware_hw_version
                                          : 13);
  opts.vmdk_hwversion = d->vmdk_hw;

  const KilnFormat *ova = NULL;
  for (guint i = 0; i < spec->formats->len; i++)
    {
      const KilnFormat *f = spec->formats->pdata[i];
      if (f->kind == KILN_FORMAT_OVA)
        {
          ova = f;
          continue;
        }
      Job *j = job_new (d, JOB_DISK, f, TRUE);
      j->profile = kiln_format_profile (j->format, &opts);
      j->file = file_name (spec, f);
      j->tmp_path = g_build_filename (d->tmp_dir, j->file, NULL);
      j->progress_name = j->file;
    }
  if (ova)
    plan_ova (d, ova, &opts);
  link_stream_vmdk_to_raw (d);
}

/* A streamOptimized VMDK reads the raw artifact of the same run when
 * there is one (and the source is not raw already). */
static void
link_stream_vmdk_to_raw (Dist *d)
{
  Job *raw = NULL;
  for (guint i = 0; i < d->jobs->len; i++)
    {
      Job *j = d->jobs->pdata[i];
      if (j->kind == JOB_DISK && j->format->kind == KILN_FORMAT_RAW)
        raw = j;
    }
  if (!raw || g_strcmp0 (d->spec->source_format, "raw") == 0)
    return;
  for (guint i = 0; i < d->jobs->len; i++)
    {
      Job *j = d->jobs->pdata[i];
      if (j->kind == JOB_DISK && is_stream_vmdk (j->format))
        {
          j->needs = raw;
          g_ptr_array_add (raw->dependents, j);
        }
    }
}

static void
plan_ova (Dist *d, const KilnFormat *ova, const KilnFormatOptions *opts)
{
  const KilnDistributeSpec *spec = d->spec;
  Job *disk = NULL;
  g_autoptr (KilnFormat) want = kiln_format_disk_for (ova);
  for (guint i = 0; i < d->jobs->len; i++)
    {
      Job *j = d->jobs->pdata[i];
      if (j->kind == JOB_DISK && kiln_format_equal (j->format, want))
        disk = j;
    }
  Job *o = job_new (d, JOB_OVA, ova, TRUE);
  o->file = file_name (spec, ova);
  o->tmp_path = g_build_filename (d->tmp_dir, o->file, NULL);
  o->progress_name = o->file;
  if (!disk)
    {
      disk = job_new (d, JOB_DISK, want, FALSE);
      disk->profile = kiln_format_profile (disk->format, opts);
      disk->file = g_strdup_printf ("%s-disk1.vmdk", spec->base_name);
      disk->tmp_path = g_build_filename (d->tmp_dir, disk->file, NULL);
      disk->progress_name = o->file;
    }
  o->needs = disk;
  g_ptr_array_add (disk->dependents, o);
}

/* --- temporary directory --- */

static void
remove_dir (const char *dir)
{
  g_autoptr (GDir) gd = g_dir_open (dir, 0, NULL);
  const char *name;
  while (gd && (name = g_dir_read_name (gd)))
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      if (g_unlink (p) != 0)
        g_warning ("cannot remove %s: %s", p, g_strerror (errno));
    }
  if (g_rmdir (dir) != 0 && errno != ENOENT)
    g_warning ("cannot remove %s: %s", dir, g_strerror (errno));
}

/* The temporary directories of pid (any pid when 0) in out_dir; with
 * only_dead, those whose process is gone.  Removed below out_dir, never
 * through a link or into a mount (confine.h). */
static guint
remove_tmp_dirs (const char *out_dir, gint64 only_pid, GPtrArray *removed)
{
  g_autoptr (GDir) gd = g_dir_open (out_dir, 0, NULL);
  const char *name;
  guint found = 0;
  while (gd && (name = g_dir_read_name (gd)))
    {
      if (!g_str_has_prefix (name, TMP_PREFIX))
        continue;
      char *end = NULL;
      gint64 pid = g_ascii_strtoll (name + strlen (TMP_PREFIX), &end, 10);
      if (pid <= 0 || !end || *end != '.')
        continue;
      if (only_pid ? pid != only_pid
                   : pid == getpid ()
                         || !(kill ((pid_t) pid, 0) != 0 && errno == ESRCH))
        continue;
      g_autofree char *p = g_build_filename (out_dir, name, NULL);
      g_autoptr (GError) error = NULL;
      if (!kiln_remove_below (out_dir, p, &error))
        {
          g_warning ("%s", error->message);
          continue;
        }
      found++;
      if (removed)
        g_ptr_array_add (removed, g_steal_pointer (&p));
    }
  return found;
}

guint
kiln_distribute_remove_leftovers (const char *out_dir, gint64 pid,
                                  GPtrArray *removed)
{
  return pid > 0 ? remove_tmp_dirs (out_dir, pid, removed) : 0;
}

/* --- finishing --- */

static KilnArtifact *
artifact_from_job (const Job *j, const char *out_dir)
{
  KilnArtifact *a = kiln_artifact_new ();
  a->format = g_strdup (j->format->name);
  a->subformat = g_strdup (j->format->subformat);
  a->file = g_strdup (j->file);
  a->path = g_build_filename (out_dir, j->file, NULL);
  a->virtual_size = j->virtual_size;
  a->file_size = j->file_size;
  a->allocated_size = j->allocated;
  a->sha256 = g_strdup (j->sha256);
  return a;
}

/* Writes a sidecar file into the temporary directory and records it. */
static gboolean
write_sidecar (Dist *d, GPtrArray *files, const char *out_dir,
               const char *name, const char *text, GError **error)
{
  g_autofree char *tmp = g_build_filename (d->tmp_dir, name, NULL);
  if (!g_file_set_contents (tmp, text, -1, error))
    return FALSE;
  KilnArtifact *a = kiln_artifact_new ();
  a->file = g_strdup (name);
  a->path = g_build_filename (out_dir, name, NULL);
  a->file_size = strlen (text);
  a->allocated_size = a->file_size;
  a->sha256 = kiln_sha256_data (text, strlen (text));
  g_ptr_array_add (files, a);
  return TRUE;
}

static gboolean
target_exists (const char *out_dir, const char *name)
{
  g_autofree char *p = g_build_filename (out_dir, name, NULL);
  return g_file_test (p, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK);
}

/* Renames every file into out_dir; on any failure the ones already moved
 * are removed again, so the directory holds all of them or none. */
static gboolean
rename_all (Dist *d, GPtrArray *names, const char *out_dir, GError **error)
{
  /* kiln's umask made them private; artifacts are the user's and get the
   * user's umask (docs/outputs.md) */
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *from = g_build_filename (d->tmp_dir,
                                                (const char *) names->pdata[i],
                                                NULL);
      if (chmod (from, kiln_user_file_mode ()) < 0)
        {
          int e = errno;
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "chmod %s: %s",
                       from, g_strerror (e));
          return FALSE;
        }
    }
  /* Data on disk before the names appear. */
  int dfd = open (d->tmp_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    {
      syncfs (dfd);
      close (dfd);
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *from = g_build_filename (d->tmp_dir, name, NULL);
      g_autofree char *to = g_build_filename (out_dir, name, NULL);
      int r = d->spec->overwrite
                  ? rename (from, to)
                  : renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
      if (r != 0 && !d->spec->overwrite && errno == EINVAL)
        {
          /* Filesystem without RENAME_NOREPLACE: checked just before. */
          r = target_exists (out_dir, name) ? (errno = EEXIST, -1)
                                            : rename (from, to);
        }
      if (r != 0)
        {
          int e = errno;
          g_set_error (error, KILN_ERROR,
                       e == EEXIST ? KILN_ERROR_INPUT : KILN_ERROR_FAILED,
                       "cannot move %s into %s: %s%s", name, out_dir,
                       g_strerror (e),
                       e == EEXIST ? " (another run wrote it meanwhile)" : "");
          for (guint k = 0; k < i; k++)
            {
              g_autofree char *done = g_build_filename (
                  out_dir, (const char *) names->pdata[k], NULL);
              g_unlink (done);
            }
          return FALSE;
        }
    }
  dfd = open (out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    {
      fsync (dfd);
      close (dfd);
    }
  return TRUE;
}

static gboolean
ena_available (const KilnLintFacts *f)
{
  return f && (g_hash_table_contains (f->kernel_modules, "ena")
               || g_hash_table_contains (f->builtin_modules, "ena"));
}

/* Sidecars, SHA256SUMS, then the rename.  Fills result. */
static gboolean
finish (Dist *d, GPtrArray *findings, KilnDistributeResult *res,
        GError **error)
{
  const KilnDistributeSpec *spec = d->spec;
  const char *out_dir = res->output_dir;
  const KilnOsInfo *os = spec->os;

  for (guint i = 0; i < d->jobs->len; i++)
    {
      const Job *j = d->jobs->pdata[i];
      if (j->publish)
        g_ptr_array_add (res->artifacts, artifact_from_job (j, out_dir));
    }

  if (spec->packages)
    {
      KilnSbomInput sin = {
        .image_name = spec->base_name,
        .image_version = spec->build ? spec->build->recipe_version : NULL,
        .distro = os ? os->distro : NULL,
        .major_version = os ? os->major_version : 0,
        .minor_version = os ? os->minor_version : 0,
        .product_name = os ? os->product_name : NULL,
        .arch = os ? os->arch : NULL,
        .package_format = os ? os->package_format : NULL,
        .packages = spec->packages,
        .kiln_version = PACKAGE_VERSION,
      };
      g_autoptr (JsonNode) sbom = kiln_sbom_build (&sin);
      g_autofree char *text = kiln_json_to_text (sbom);
      if (!write_sidecar (d, res->files, out_dir, "sbom.cdx.json", text,
                          error))
        return FALSE;
    }

  KilnCloudImportInput cin = {
    .name = spec->base_name,
    .arch = os ? os->arch : NULL,
    .firmware = os ? os->firmware : NULL,
    .ena = ena_available (spec->facts),
    .artifacts = res->artifacts,
    .tags = spec->tags,
    .aws = spec->aws,
  };
  g_autoptr (GPtrArray) cloud = kiln_cloud_import_files (&cin);
  for (guint i = 0; i < cloud->len; i++)
    {
      const KilnCloudFile *cf = cloud->pdata[i];
      if (!write_sidecar (d, res->files, out_dir, cf->name, cf->text, error))
        return FALSE;
    }

  g_autofree char *source_abs = g_canonicalize_filename (spec->source, NULL);
  KilnStageTiming own = {
    "distribute",
    (g_get_monotonic_time () - d->started_us) / (double) G_USEC_PER_SEC
  };
  g_autoptr (GPtrArray) extra = g_ptr_array_new ();
  g_ptr_array_add (extra, &own);
  KilnManifestInput min = {
    .name = spec->base_name,
    .kiln_version = PACKAGE_VERSION,
    .build = spec->build,
    .source_path = spec->build ? NULL : source_abs,
    .source_format = spec->source_format,
    .source_virtual_size = d->source_size,
    .os = os,
    .kernel = spec->facts ? spec->facts->kernel : NULL,
    .packages = spec->packages,
    .tags = spec->tags,
    .lint_targets = spec->lint_targets,
    .findings = findings,
    .artifacts = res->artifacts,
    .files = res->files,
    .extra_timings = extra,
  };
  g_autoptr (JsonNode) manifest = kiln_manifest_build (&min);
  g_autofree char *mtext = kiln_json_to_text (manifest);
  if (!write_sidecar (d, res->files, out_dir, "manifest.json", mtext, error))
    return FALSE;

  g_autoptr (GPtrArray) sums = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_sum_entry_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  for (guint i = 0; i < res->artifacts->len; i++)
    {
      const KilnArtifact *a = res->artifacts->pdata[i];
      g_ptr_array_add (sums, kiln_sum_entry_new (a->file, a->sha256));
      g_ptr_array_add (names, a->file);
    }
  for (guint i = 0; i < res->files->len; i++)
    {
      const KilnArtifact *a = res->files->pdata[i];
      g_ptr_array_add (sums, kiln_sum_entry_new (a->file, a->sha256));
      g_ptr_array_add (names, a->file);
    }
  g_autofree char *sums_text = kiln_sha256sums_format (sums);
  if (!write_sidecar (d, res->files, out_dir, "SHA256SUMS", sums_text, error))
    return FALSE;
  g_ptr_array_add (names, "SHA256SUMS");

  for (guint i = 0; !spec->overwrite && i < names->len; i++)
    if (target_exists (out_dir, names->pdata[i]))
      {
        g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                     "%s/%s already exists (use another name or directory, "
                     "or overwrite)", out_dir, (const char *) names->pdata[i]);
        return FALSE;
      }
  return rename_all (d, names, out_dir, error);
}

/* Fail before hours of conversion when a name is already taken (checked
 * again at the rename), and never write over the source. */
static gboolean
check_free_names (const KilnDistributeSpec *spec, const char *out_dir,
                  GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < spec->formats->len; i++)
    g_ptr_array_add (names, file_name (spec, spec->formats->pdata[i]));
  g_ptr_array_add (names, g_strdup ("manifest.json"));
  g_ptr_array_add (names, g_strdup ("SHA256SUMS"));
  if (spec->packages)
    g_ptr_array_add (names, g_strdup ("sbom.cdx.json"));
  GStatBuf src;
  gboolean have_src = g_stat (spec->source, &src) == 0;
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *p = g_build_filename (out_dir,
                                             (const char *) names->pdata[i],
                                             NULL);
      GStatBuf st;
      if (have_src && g_stat (p, &st) == 0 && st.st_dev == src.st_dev
          && st.st_ino == src.st_ino)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "%s would replace the source image; choose another "
                       "name or output directory", p);
          return FALSE;
        }
      if (!spec->overwrite && target_exists (out_dir, names->pdata[i]))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "%s already exists (use another name or directory, "
                       "or overwrite)", p);
          return FALSE;
        }
    }
  return TRUE;
}

/* --- entry points --- */

static gboolean
targets_given (const KilnDistributeSpec *spec)
{
  return spec->lint_targets && spec->lint_targets->len > 0;
}

GPtrArray *
kiln_distribute_lint (const KilnDistributeSpec *spec)
{
  if (!spec->facts || !targets_given (spec))
    return g_ptr_array_new_with_free_func (
        (GDestroyNotify) kiln_lint_finding_free);
  KilnLintFacts *f = spec->facts;
  if (spec->vm_controller && !f->ovf_controller)
    f->ovf_controller = g_strdup (spec->vm_controller);
  if (spec->vm_nic && !f->ovf_nic)
    f->ovf_nic = g_strdup (spec->vm_nic);
  f->formats = spec->formats;
  GPtrArray *findings = kiln_lint_run (f, spec->lint_targets);
  f->formats = NULL; /* not owned: do not leave it behind */
  return findings;
}

static gboolean
check_spec (const KilnDistributeSpec *spec, GError **error)
{
  if (!spec->source || !spec->source_format)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "distribute: no source image or format");
      return FALSE;
    }
  if (!spec->formats || spec->formats->len == 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "distribute: no output format");
      return FALSE;
    }
  if (!spec->output_dir)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "distribute: no output directory");
      return FALSE;
    }
  if (targets_given (spec) && !spec->facts)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "distribute: lint targets given without inspection facts");
      return FALSE;
    }
  if (spec->vm_controller && !kiln_ovf_controller_known (spec->vm_controller))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "unknown VM disk controller '%s' (expected lsilogic, "
                   "lsilogicsas, pvscsi, buslogic, sata, nvme or ide)",
                   spec->vm_controller);
      return FALSE;
    }
  if (spec->vm_nic && !kiln_ovf_nic_known (spec->vm_nic))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "unknown VM network adapter '%s' (expected vmxnet3, e1000 "
                   "or e1000e)", spec->vm_nic);
      return FALSE;
    }
  return kiln_artifact_name_valid (spec->base_name, error);
}

static void
forward_cancel (GCancellable *outer, gpointer inner)
{
  g_cancellable_cancel (inner);
}

gboolean
kiln_distribute (const KilnDistributeSpec *spec,
                 KilnDistributeResult **result, GCancellable *cancellable,
                 GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  if (!check_spec (spec, error))
    return FALSE;

  g_autoptr (KilnImageInfo) src = kiln_qemu_img_info (spec->source,
                                                      spec->source_format,
                                                      error);
  if (!src)
    return FALSE;
  if (spec->facts && !spec->facts->virtual_size)
    spec->facts->virtual_size = src->virtual_size;

  g_autoptr (GPtrArray) findings = kiln_distribute_lint (spec);
  guint lint_errors = kiln_lint_count (findings, KILN_LINT_ERROR);
  if (lint_errors && !spec->allow_lint_errors)
    {
      g_autoptr (GString) s = g_string_new (NULL);
      for (guint i = 0; i < findings->len; i++)
        {
          const KilnLintFinding *x = findings->pdata[i];
          if (x->severity == KILN_LINT_ERROR)
            g_string_append_printf (s, "\n  [%s] %s: %s", x->target, x->id,
                                    x->message);
        }
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "the image is not ready for import (%u lint error%s; "
                   "--allow-lint-errors distributes anyway):%s",
                   lint_errors, lint_errors == 1 ? "" : "s", s->str);
      return FALSE;
    }

  g_autofree char *out_dir = g_canonicalize_filename (spec->output_dir, NULL);
  /* a failed distribute leaves the output directory as it found it: one
   * it created is removed again (when empty, as it then is) */
  gboolean made_out_dir = !g_file_test (out_dir, G_FILE_TEST_EXISTS);
  if (kiln_mkdir_for_user (out_dir) != 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "cannot create the output directory %s: %s", out_dir,
                   g_strerror (e));
      return FALSE;
    }
  remove_tmp_dirs (out_dir, 0, NULL); /* of earlier runs that were killed */
  if (!check_free_names (spec, out_dir, error))
    {
      if (made_out_dir)
        g_rmdir (out_dir);
      return FALSE;
    }

  Dist d = { 0 };
  d.spec = spec;
  d.source_size = src->virtual_size;
  d.started_us = t0;
  d.jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  g_mutex_init (&d.lock);
  g_autofree char *tmpl = g_strdup_printf ("%s/" TMP_PREFIX "%d.XXXXXX",
                                           out_dir, (int) getpid ());
  d.tmp_dir = g_mkdtemp (tmpl) ? g_strdup (tmpl) : NULL;
  if (!d.tmp_dir)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "cannot create a temporary directory in %s: %s", out_dir,
                   g_strerror (e));
      if (made_out_dir)
        g_rmdir (out_dir);
      g_ptr_array_unref (d.jobs);
      g_mutex_clear (&d.lock);
      return FALSE;
    }

  /* Workers report to the caller's context; a private one when the caller
   * cannot iterate its own (another thread owns it). */
  d.ctx = g_main_context_ref_thread_default ();
  gboolean pushed = FALSE;
  if (!g_main_context_acquire (d.ctx))
    {
      g_main_context_unref (d.ctx);
      d.ctx = g_main_context_new ();
      g_main_context_push_thread_default (d.ctx);
      g_main_context_acquire (d.ctx);
      pushed = TRUE;
    }
  d.cancel = g_cancellable_new ();
  gulong handler = cancellable
                       ? g_cancellable_connect (cancellable,
                                                G_CALLBACK (forward_cancel),
                                                d.cancel, NULL)
                       : 0;

  plan (&d);
  guint parallel = spec->parallel ? spec->parallel
                                  : (guint) MAX (2, g_get_num_processors ());
  d.pool = g_thread_pool_new (job_run, &d, (int) parallel, FALSE, NULL);
  if (spec->progress)
    for (guint i = 0; i < d.jobs->len; i++)
      {
        Job *j = d.jobs->pdata[i];
        if (j->publish)
          spec->progress (j->progress_name, KILN_ARTIFACT_WAITING, 0,
                          spec->progress_data);
      }
  for (guint i = 0; i < d.jobs->len; i++)
    {
      Job *j = d.jobs->pdata[i];
      if (!j->needs)
        g_thread_pool_push (d.pool, j, NULL);
    }
  while (d.finished < d.jobs->len)
    g_main_context_iteration (d.ctx, TRUE);
  /* Every pushed job has reported; wait for the threads to return. */
  g_thread_pool_free (d.pool, FALSE, TRUE);
  d.pool = NULL;
  /* Progress callbacks still queued refer to jobs about to be freed. */
  while (g_atomic_int_get (&d.pending_idles) > 0)
    g_main_context_iteration (d.ctx, TRUE);

  KilnDistributeResult *res = g_new0 (KilnDistributeResult, 1);
  res->output_dir = g_strdup (out_dir);
  res->artifacts = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_artifact_free);
  res->files = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_artifact_free);
  res->findings = g_ptr_array_ref (findings);

  gboolean ok = FALSE;
  if (d.first_error)
    {
      /* A cancellation by the caller reads better than "cancelled" from
       * the first job it hit. */
      if (g_cancellable_is_cancelled (cancellable))
        g_set_error (error, KILN_ERROR, KILN_ERROR_CANCELLED,
                     "distribute cancelled; no artifact was written");
      else
        g_propagate_error (error, g_steal_pointer (&d.first_error));
    }
  else if (g_cancellable_set_error_if_cancelled (cancellable, error))
    ;
  else
    ok = finish (&d, findings, res, error);

  if (cancellable)
    g_cancellable_disconnect (cancellable, handler);
  remove_dir (d.tmp_dir);
  g_clear_error (&d.first_error);
  g_ptr_array_unref (d.jobs);
  g_object_unref (d.cancel);
  g_free (d.tmp_dir);
  g_free (d.vmdk_hw);
  g_mutex_clear (&d.lock);
  g_main_context_release (d.ctx);
  if (pushed)
    g_main_context_pop_thread_default (d.ctx);
  g_main_context_unref (d.ctx);

  if (!ok)
    {
      kiln_distribute_result_free (res);
      if (made_out_dir)
        g_rmdir (out_dir);
      return FALSE;
    }
  res->seconds = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  if (result)
    *result = res;
  else
    kiln_distribute_result_free (res);
  return TRUE;
}
