/* job.c - one run of kiln's stages (DESIGN.md §2)
 *
 * The stages are small functions over a JobRun; kiln_job_execute strings
 * them together and owns cleanup.  Every state change of a build is written
 * to the catalog before the stage acts on it.
 */
#include "job.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accel-decide.h"
#include "boot.h"
#include "store/catalog.h"
#include "backends/guestfs.h"
#include "common/kiln.h"
#include "backends/libvirt.h"
#include "store/lock.h"
#include "documents/naming.h"
#include "outputs/guest-facts.h"
#include "outputs/outputs.h"
#include "base/paths.h"
#include "backends/qemu-img.h"
#include "base/reporter.h"
#include "backends/seed.h"
#include "base/signals.h"
#include "base/workspace.h"

#define STEP_GRACE_S 30
#define SHUTDOWN_TIMEOUT_S 120
#define BOOT_TIMEOUT_MAX_S 600

static void
plan_component_free (gpointer p)
{
  KilnPlanComponent *pc = p;
  kiln_component_free (pc->component);
  if (pc->params)
    g_hash_table_unref (pc->params);
  if (pc->secret)
    g_hash_table_unref (pc->secret);
  g_free (pc->ref);
  g_free (pc);
}

KilnJob *
kiln_job_new (KilnJobKind kind)
{
  KilnJob *job = g_new0 (KilnJob, 1);
  job->kind = kind;
  job->components = g_ptr_array_new_with_free_func (plan_component_free);
  job->owned = g_ptr_array_new_with_free_func (g_free);
  job->memory_mib = 1024;
  job->vcpus = 2;
  job->accel = g_strdup ("auto");
  job->timeout_seconds = 60 * 60;
  return job;
}

void
kiln_job_free (KilnJob *job)
{
  if (!job)
    return;
  g_ptr_array_unref (job->components);
  g_ptr_array_unref (job->owned);
  g_free (job->name);
  g_free (job->version);
  g_free (job->recipe_path);
  g_free (job->description);
  g_free (job->parent_ref);
  g_free (job->parent);
  g_free (job->parent_format);
  g_free (job->accel);
  g_free (job->connect);
  g_strfreev (job->formats);
  g_free (job->output_dir);
  g_free (job->output_name_template);
  g_free (job->output_path);
  g_strfreev (job->phases);
  g_free (job);
}

void
kiln_job_add_component (KilnJob *job, KilnComponent *component,
                        GHashTable *params, GHashTable *secret,
                        const char *ref)
{
  KilnPlanComponent *pc = g_new0 (KilnPlanComponent, 1);
  pc->component = component;
  pc->params = params;
  pc->secret = secret;
  pc->ref = g_strdup (ref);
  g_ptr_array_add (job->components, pc);
}

/* ------------------------------------------------------------------ */

typedef struct {
  KilnJob *job;
  KilnReporter *r;
  GCancellable *cancellable;
  KilnWorkspace *ws;
  KilnCatalog *catalog;
  gint64 build_id;
  gint64 build_number;
  int lock_fd;

  char *parent_format;
  char *parent_digest;
  char *build_key;
  char *agent_path;
  char *build_plan;            /* JSON, NULL when no build-boot steps */
  char *test_plan;             /* JSON, NULL when no test steps */
  guint build_steps;
  guint test_steps;

  KilnHypervisor *hv;
  KilnAccel accel;
  char *overlay;               /* the image being built */
  char *test_overlay;
  char *console_log;           /* of the last boot */

  /* what failed, for the summary */
  char *failed_stage;
  KilnBootResult boot;
  char *store_image;
  GPtrArray *artifacts;        /* char* paths written */

  /* what the generalize stage found, for distribute */
  KilnOsInfo *os;
  GPtrArray *packages;         /* KilnPackage* */
  KilnLintFacts *facts;
  GPtrArray *timings;          /* KilnStageTiming*, stage names owned */
  char *up_to_date;            /* an identical build exists: which */
  char *timing_stage;
  gint64 timing_start;
} JobRun;

/* Enter a stage: reported, and its duration recorded for the manifest. */
static void
stage_enter (JobRun *run, const char *stage)
{
  gint64 now = g_get_monotonic_time ();
  if (run->timing_stage)
    {
      KilnStageTiming *t = g_new0 (KilnStageTiming, 1);
      t->stage = run->timing_stage; /* owned by the array's free func */
      t->seconds = (now - run->timing_start) / 1e6;
      g_ptr_array_add (run->timings, t);
    }
  run->timing_stage = stage ? g_strdup (stage) : NULL;
  run->timing_start = now;
  if (stage)
    kiln_reporter_stage (run->r, stage);
}

static void
timing_free (gpointer p)
{
  KilnStageTiming *t = p;
  g_free ((char *) t->stage);
  g_free (t);
}

static const char *const build_phases[] = { "build", "validate", NULL };
static const char *const test_phases[] = { "test", NULL };
static const char *const all_phases[] = { "build", "validate", "test", NULL };

static gboolean
set_state (JobRun *run, const char *state, const char *detail)
{
  g_autoptr (GError) error = NULL;
  if (!run->catalog || run->build_id <= 0)
    return TRUE;
  if (!kiln_catalog_set_state (run->catalog, run->build_id, state, detail,
                               &error))
    {
      kiln_reporter_warn (run->r, "%s", error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_cancelled (JobRun *run, GError **error)
{
  return !g_cancellable_set_error_if_cancelled (run->cancellable, error);
}

/* --- resolve ------------------------------------------------------- */

static char *
compute_build_key (JobRun *run, GError **error)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *agent_digest = NULL;
  g_autoptr (GFile) agent = g_file_new_for_path (run->agent_path);
  g_autofree char *agent_bytes = NULL;
  gsize agent_len = 0;

  if (!g_file_load_contents (agent, NULL, &agent_bytes, &agent_len, NULL,
                             error))
    return NULL;
  agent_digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                              (guchar *) agent_bytes,
                                              agent_len);
  g_checksum_update (sum, (guchar *) "kiln-build-key-1\n", -1);
  g_checksum_update (sum, (guchar *) run->parent_digest, -1);
  g_checksum_update (sum, (guchar *) "\n", 1);
  for (guint i = 0; i < run->job->components->len; i++)
    {
      const KilnPlanComponent *pc = run->job->components->pdata[i];
      const KilnDoc *doc = pc->component->doc;
      g_autofree char *text_digest = g_compute_checksum_for_data (
          G_CHECKSUM_SHA256, (guchar *) doc->text, doc->text_len);
      g_autofree char *head = g_strdup_printf ("component %s %s\n", pc->ref,
                                               text_digest);
      g_checksum_update (sum, (guchar *) head, -1);
      if (pc->params)
        {
          g_autoptr (GList) keys = g_hash_table_get_keys (pc->params);
          keys = g_list_sort (keys, (GCompareFunc) strcmp);
          for (GList *l = keys; l; l = l->next)
            {
              g_autofree char *kv = g_strdup_printf (
                  "param %s=%s\n", (char *) l->data,
                  (char *) g_hash_table_lookup (pc->params, l->data));
              g_checksum_update (sum, (guchar *) kv, -1);
            }
        }
    }
  g_autofree char *tail = g_strdup_printf ("agent %s\n", agent_digest);
  g_checksum_update (sum, (guchar *) tail, -1);
  return g_strdup (g_checksum_get_string (sum));
}


/* An identical build counts as up to date only while everything it wrote
 * (artifacts, SHA256SUMS, manifest) is still there, under the output
 * directory this build would write to: asked for elsewhere, or deleted,
 * the outputs are built again. */
static gboolean
outputs_still_there (JobRun *run, const KilnBuildRecord *same)
{
  g_autoptr (GPtrArray) paths
      = kiln_catalog_artifact_paths (run->catalog, same->id, NULL);
  if (!paths || paths->len == 0)
    return FALSE;
  g_autofree char *root = g_canonicalize_filename (
      run->job->output_dir ? run->job->output_dir : ".", NULL);
  g_autofree char *prefix = g_strconcat (root, G_DIR_SEPARATOR_S, NULL);
  for (guint i = 0; i < paths->len; i++)
    {
      g_autofree char *p = g_canonicalize_filename (paths->pdata[i], NULL);
      if (!g_str_has_prefix (p, prefix) || g_access (p, R_OK) != 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
stage_resolve (JobRun *run, GError **error)
{
  KilnJob *job = run->job;
  KilnPlanOptions opts = { 0 };
  g_autofree char *run_id = NULL;

  stage_enter (run, "resolve");
  run->agent_path = kiln_agent_path ();
  if (g_access (run->agent_path, R_OK) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "the kiln guest agent %s is missing (build kiln with "
                   "`make`, or set KILN_AGENT)", run->agent_path);
      return FALSE;
    }

  /* Compile plans first: a document problem must stop us before any disk
   * is touched. */
  run_id = g_strdup_printf ("%s-%s-%" G_GINT64_FORMAT, job->name,
                            job->version ? job->version : "0",
                            run->build_number);
  opts.run_id = run_id;
  opts.poweroff = TRUE;
  if (job->kind == KILN_JOB_BUILD || job->kind == KILN_JOB_RUN)
    {
      opts.stage = "build";
      opts.phases = job->kind == KILN_JOB_RUN
                        ? (job->phases ? (const char *const *) job->phases
                                       : all_phases)
                        : build_phases;
      run->build_plan = kiln_plan_compile (job->components, &opts,
                                           &run->build_steps, error);
      if (!run->build_plan)
        return FALSE;
    }
  if (job->kind == KILN_JOB_BUILD || job->kind == KILN_JOB_TEST)
    {
      opts.stage = "test";
      opts.phases = test_phases;
      run->test_plan = kiln_plan_compile (job->components, &opts,
                                          &run->test_steps, error);
      if (!run->test_plan)
        return FALSE;
    }

  /* The parent: a file we only ever read. */
  {
    g_autoptr (KilnImageInfo) info
        = kiln_qemu_img_info (job->parent, job->parent_format, error);
    if (!info)
      return FALSE;
    run->parent_format = g_strdup (info->format);
    if (job->disk_size && job->disk_size < info->virtual_size)
      {
        g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                     "disk size %" G_GUINT64_FORMAT " bytes is smaller than "
                     "the parent image's %" G_GUINT64_FORMAT " bytes; kiln "
                     "only grows disks", job->disk_size, info->virtual_size);
        return FALSE;
      }
    kiln_reporter_info (run->r, "parent %s (%s, %.1f GiB virtual)",
                        job->parent, info->format,
                        info->virtual_size / (double) (1 << 30));
  }
  if (run->catalog)
    {
      run->parent_digest
          = kiln_catalog_file_digest (run->catalog, job->parent, error);
      if (!run->parent_digest)
        return FALSE;
      run->build_key = compute_build_key (run, error);
      if (!run->build_key)
        return FALSE;
      kiln_catalog_set (run->catalog, run->build_id, "parent", job->parent,
                        NULL);
      kiln_catalog_set (run->catalog, run->build_id, "parent_digest",
                        run->parent_digest, NULL);
      kiln_catalog_set (run->catalog, run->build_id, "build_key",
                        run->build_key, NULL);
      kiln_reporter_log (run->r, "build key %s", run->build_key);

      /* The cache: an identical build (same parent, components,
       * parameters, agent) that is still in the store needs no rebuild. */
      g_autoptr (KilnBuildRecord) same = NULL;
      if (job->kind == KILN_JOB_BUILD && !job->force)
        same = kiln_catalog_find_by_key (run->catalog, job->name,
                                         run->build_key, NULL);
      if (same && same->image_path && g_access (same->image_path, R_OK) == 0
          && outputs_still_there (run, same))
        {
          run->up_to_date = g_strdup_printf (
              "%s/%s/%" G_GINT64_FORMAT " (image %s)", same->name,
              same->version, same->build_number, same->image_path);
          return TRUE;
        }
    }
  return TRUE;
}

/* --- hypervisor and accel ------------------------------------------ */

static gboolean
open_hypervisor (JobRun *run, GError **error)
{
  g_autofree char *embed_root = g_build_filename (kiln_home (), "libvirt", NULL);
  const char *uri = run->job->connect;

  if (uri && g_str_equal (uri, "embed"))
    uri = NULL;
  run->hv = kiln_hypervisor_open (uri, embed_root, error);
  if (!run->hv)
    return FALSE;
  run->accel = kiln_accel_decide_on (run->hv, run->job->accel, run->r, error);
  return run->accel != KILN_ACCEL_AUTO;
}

/* --- prepare --------------------------------------------------------- */

static gboolean
stage_prepare (JobRun *run, GError **error)
{
  stage_enter (run, "prepare");
  run->overlay = kiln_workspace_path (run->ws, "disk.qcow2");
  if (!kiln_qemu_img_create_overlay (run->job->parent, run->parent_format,
                                     run->overlay, run->job->disk_size, error))
    return FALSE;
  kiln_reporter_log (run->r, "overlay %s on read-only parent %s",
                     run->overlay, run->job->parent);
  return TRUE;
}

/* --- inject ---------------------------------------------------------- */

static KilnGuest *
open_guest (JobRun *run, const char *disk, GError **error)
{
  g_autofree char *log = kiln_workspace_path (run->ws, "guestfs.log");
  KilnGuestOptions opts = {
    .readonly = FALSE,
    .network = FALSE,
    .force_tcg = run->accel != KILN_ACCEL_KVM,
    .log_path = log,
  };
  double t0 = kiln_reporter_elapsed (run->r);
  KilnGuest *g = kiln_guest_open (disk, "qcow2", &opts, error);
  if (g)
    {
      const KilnOsInfo *os = kiln_guest_os (g);
      kiln_reporter_log (run->r, "libguestfs appliance up in %.1f s: %s %s "
                         "%d.%d %s (%s, %s)",
                         kiln_reporter_elapsed (run->r) - t0, os->type,
                         os->distro, os->major_version, os->minor_version,
                         os->arch, os->firmware,
                         os->has_systemd ? "systemd" : "no systemd");
    }
  return g;
}

static gboolean
inject (JobRun *run, const char *disk, const char *plan, const char *what,
        GError **error)
{
  g_autoptr (KilnGuest) g = open_guest (run, disk, error);
  if (!g)
    return FALSE;
  if (!kiln_guest_install_agent (g, run->agent_path, plan, error))
    return FALSE;
  kiln_reporter_info (run->r, "injected the kiln agent and the %s plan",
                      what);
  return kiln_guest_close (g_steal_pointer (&g), error);
}

/* --- boots ----------------------------------------------------------- */

static gboolean
boot (JobRun *run, const char *disk, const char *what, GError **error)
{
  KilnJob *job = run->job;
  g_autofree char *console_name = g_strdup_printf ("console-%s.log", what);
  g_autofree char *sock = g_build_filename (run->ws->sock_dir, "agent.sock",
                                            NULL);
  g_autofree char *prefix = g_strdup_printf ("kiln-%s", what);
  KilnDomainSpec spec = {
    .name_prefix = prefix,
    .disk = disk,
    .disk_format = "qcow2",
    .memory_mib = job->memory_mib,
    .vcpus = job->vcpus,
    .accel = run->accel,
    .uefi = FALSE,
    .network_user = job->network_user,
    .channel_socket = sock,
  };
  KilnBootLimits limits = {
    .stage_timeout_s = job->timeout_seconds,
    .boot_timeout_s = MIN (job->timeout_seconds, BOOT_TIMEOUT_MAX_S),
    .step_grace_s = STEP_GRACE_S,
    .shutdown_timeout_s = SHUTDOWN_TIMEOUT_S,
  };
  g_autofree char *title = NULL;
  gboolean ok;

  /* a NoCloud seed so images with cloud-init finish booting at once */
  g_autofree char *seed_name = g_strdup_printf ("seed-%s.img", what);
  g_autofree char *seed = kiln_workspace_path (run->ws, seed_name);
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *instance = g_strdup_printf ("kiln-%s-%s-%" G_GINT64_FORMAT
                                               "-%s", job->name, what,
                                               run->build_number, uuid);
  KilnSeedSpec seed_spec = { .instance_id = instance, .hostname = NULL };
  if (!kiln_seed_create (&seed_spec, seed, error))
    return FALSE;
  spec.seed_disk = seed;
  spec.seed_format = "raw";

  g_free (run->console_log);
  run->console_log = kiln_workspace_path (run->ws, console_name);
  spec.console_log = run->console_log;
  g_unlink (sock);

  kiln_boot_result_clear (&run->boot);
  ok = kiln_boot_run (run->hv, &spec, &limits, run->r, run->cancellable,
                      &run->boot, error);
  title = g_strdup_printf ("guest console of the %s boot", what);
  kiln_reporter_append_file (run->r, title, run->console_log);
  if (!ok)
    return FALSE;
  kiln_reporter_info (run->r, "%s boot finished in %.1f s (%u steps, %u "
                      "reboots)", what, run->boot.seconds,
                      run->boot.steps_ended, run->boot.reboots);
  if (!run->boot.success)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s",
                   run->boot.failure_message ? run->boot.failure_message
                                             : "a step failed");
      return FALSE;
    }
  return TRUE;
}

/* --- generalize ------------------------------------------------------ */

static gboolean
stage_generalize (JobRun *run, GError **error)
{
  stage_enter (run, "generalize");
  g_autoptr (KilnGuest) g = open_guest (run, run->overlay, error);
  if (!g)
    return FALSE;
  g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func (g_free);
  if (!kiln_guest_remove_agent (g, error))
    return FALSE;
  if (!kiln_guest_generalize (g, actions, error))
    return FALSE;
  for (guint i = 0; i < actions->len; i++)
    kiln_reporter_log (run->r, "generalize: %s", (char *) actions->pdata[i]);
  kiln_reporter_info (run->r, "generalized: %u actions (listed in the build "
                      "log)", actions->len);
  if (!kiln_guest_zero_free_space (g, error))
    return FALSE;

  /* What distribute needs (manifest, SBOM, readiness lint), read in the
   * same appliance launch from the generalized image. */
  run->os = kiln_os_info_copy (kiln_guest_os (g));
  {
    g_autoptr (GError) perr = NULL;
    run->packages = kiln_guest_packages (g, &perr);
    if (!run->packages)
      kiln_reporter_warn (run->r, "cannot list the guest's packages: %s",
                          perr->message);
    g_autoptr (GError) ferr = NULL;
    run->facts = kiln_guest_lint_facts (g, &ferr);
    if (!run->facts)
      kiln_reporter_warn (run->r, "cannot read the import-readiness facts: "
                          "%s", ferr->message);
  }
  return kiln_guest_close (g_steal_pointer (&g), error);
}

/* --- distribute (qcow2 into the store and the output directory) ------ */

static void
on_progress (double fraction, gpointer data)
{
  JobRun *run = data;
  kiln_reporter_progress (run->r, "image store", fraction);
}

static void
on_artifact_progress (const char *artifact, KilnArtifactPhase phase,
                      double fraction, gpointer data)
{
  JobRun *run = data;
  g_autofree char *task = g_strdup_printf ("%s (%s)", artifact,
                                           kiln_artifact_phase_name (phase));
  kiln_reporter_progress (run->r, task, fraction);
}

/* outputs.name with its naming templates expanded for this build */
static char *
artifact_base_name (JobRun *run, GError **error)
{
  KilnJob *job = run->job;
  if (!job->output_name_template)
    return g_strdup (job->name);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  KilnNamingContext ctx = { job->name, job->version, run->build_number, now };
  return kiln_naming_expand (job->output_name_template, &ctx, error);
}

/* "vmdk" + outputs.vmdk.subformat -> "vmdk:monolithicSparse" etc. */
static GStrv
format_texts (const KilnJob *job)
{
  const KilnOutputSettings *o = job->outputs;
  GPtrArray *texts = g_ptr_array_new ();
  for (guint i = 0; job->formats && job->formats[i]; i++)
    {
      const char *f = job->formats[i];
      const char *sub = NULL;
      if (o && g_str_equal (f, "vmdk"))
        sub = o->vmdk_subformat;
      else if (o && g_str_equal (f, "vhd"))
        sub = o->vhd_subformat;
      else if (o && g_str_equal (f, "vhdx"))
        sub = o->vhdx_subformat;
      else if (o && g_str_equal (f, "qcow2") && o->qcow2_compress)
        sub = "compressed";
      g_ptr_array_add (texts, sub ? g_strdup_printf ("%s:%s", f, sub)
                                  : g_strdup (f));
    }
  g_ptr_array_add (texts, NULL);
  return (GStrv) g_ptr_array_free (texts, FALSE);
}

static void
manifest_component_free (gpointer p)
{
  KilnManifestComponent *mc = p;
  if (mc->parameters)
    g_ptr_array_unref (mc->parameters);
  g_free ((char *) mc->digest);
  g_free (mc);
}

/* The components with their bound parameters, for the manifest. */
static GPtrArray *
manifest_components (JobRun *run)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (manifest_component_free);
  for (guint i = 0; i < run->job->components->len; i++)
    {
      const KilnPlanComponent *pc = run->job->components->pdata[i];
      const KilnDoc *doc = pc->component->doc;
      KilnManifestComponent *mc = g_new0 (KilnManifestComponent, 1);
      mc->name = pc->component->name ? pc->component->name : pc->ref;
      mc->source = pc->ref;
      mc->digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                (guchar *) doc->text,
                                                doc->text_len);
      mc->parameters = g_ptr_array_new_with_free_func (g_free);
      for (guint p = 0; p < pc->component->parameters->len; p++)
        {
          const KilnParam *param = pc->component->parameters->pdata[p];
          KilnManifestParam *mp = g_new0 (KilnManifestParam, 1);
          mp->name = param->name;
          mp->value = pc->params ? g_hash_table_lookup (pc->params,
                                                        param->name) : NULL;
          mp->secret = pc->secret
                       && g_hash_table_contains (pc->secret, param->name);
          g_ptr_array_add (mc->parameters, mp);
        }
      g_ptr_array_add (out, mc);
    }
  return out;
}

/* outputs.retain: the newest N available builds stay in the store. */
static void
apply_retention (JobRun *run)
{
  const KilnOutputSettings *o = run->job->outputs;
  if (!o || o->retain == 0 || !run->catalog)
    return;
  g_autoptr (GPtrArray) builds
      = kiln_catalog_list_builds (run->catalog, run->job->name, NULL);
  guint kept = 0;
  for (guint i = 0; builds && i < builds->len; i++)
    {
      const KilnBuildRecord *b = builds->pdata[i];
      if (g_strcmp0 (b->state, "available") != 0 && b->id != run->build_id)
        continue;
      if (++kept <= o->retain)
        continue;
      if (b->image_path)
        {
          g_autofree char *dir = g_path_get_dirname (b->image_path);
          kiln_remove_tree (dir);
        }
      kiln_catalog_set_state (run->catalog, b->id, "deleted",
                              "outputs.retain", NULL);
      kiln_reporter_info (run->r, "retain %u: removed build %s/%s/%"
                          G_GINT64_FORMAT " from the image store", o->retain,
                          b->name, b->version, b->build_number);
    }
}

/* The stored copy of the image: flattened (no backing file), in the image
 * store, so later recipes can use it as `parent: name@version`. */
static gboolean
store_image (JobRun *run, GError **error)
{
  KilnJob *job = run->job;
  g_autofree char *store_dir = g_strdup_printf (
      "%s/images/%s/%s/%" G_GINT64_FORMAT, kiln_home (), job->name,
      job->version, run->build_number);
  if (g_mkdir_with_parents (store_dir, 0755) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   store_dir, g_strerror (errno));
      return FALSE;
    }
  g_autofree char *store_tmp = g_build_filename (store_dir, ".image.qcow2.tmp",
                                                 NULL);
  run->store_image = g_build_filename (store_dir, "image.qcow2", NULL);
  KilnConvertSpec spec = {
    .src = run->overlay,
    .src_format = "qcow2",
    .dst = store_tmp,
    .dst_format = "qcow2",
  };
  if (!kiln_qemu_img_convert (&spec, on_progress, run, run->cancellable,
                              error))
    return FALSE;
  if (g_rename (store_tmp, run->store_image) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "rename %s: %s",
                   store_tmp, g_strerror (errno));
      g_unlink (store_tmp);
      return FALSE;
    }
  g_autofree char *digest
      = kiln_catalog_file_digest (run->catalog, run->store_image, error);
  if (!digest)
    return FALSE;
  kiln_catalog_set (run->catalog, run->build_id, "image_path",
                    run->store_image, NULL);
  kiln_catalog_set (run->catalog, run->build_id, "image_digest", digest, NULL);
  return TRUE;
}

static gboolean
stage_distribute (JobRun *run, GError **error)
{
  KilnJob *job = run->job;
  const KilnOutputSettings *o = job->outputs;

  stage_enter (run, "distribute");
  g_autofree char *base = artifact_base_name (run, error);
  if (!base || !kiln_artifact_name_valid (base, error))
    return FALSE;
  g_auto (GStrv) texts = format_texts (job);
  g_autoptr (GPtrArray) formats
      = kiln_format_list_parse ((const char *const *) texts, error);
  if (!formats)
    return FALSE;
  g_autoptr (GPtrArray) targets = kiln_lint_targets_parse (
      o ? (const char *const *) o->targets : NULL, error);
  if (!targets)
    return FALSE;
  if (!store_image (run, error))
    return FALSE;
  /* each build's artifacts and sidecars (SHA256SUMS, manifest.json...) in
   * a directory of their own */
  g_autofree char *outdir = g_build_filename (
      job->output_dir ? job->output_dir : ".", base, NULL);

  g_autofree char *parent_digest
      = g_strdup_printf ("sha256:%s", run->parent_digest);
  g_autoptr (GPtrArray) components = manifest_components (run);
  KilnManifestBuild build = {
    .build_key = run->build_key,
    .recipe_name = job->name,
    .recipe_version = job->version,
    .build_number = run->build_number,
    .recipe_description = job->description,
    .parent_name = job->parent_ref ? job->parent_ref : job->parent,
    .parent_digest = parent_digest,
    .components = components,
    .timings = run->timings,
  };
  KilnAwsOptions aws = {
    .bucket = o ? o->aws_bucket : NULL,
    .key_prefix = o ? o->aws_prefix : NULL,
  };
  KilnDistributeSpec spec = {
    .source = run->store_image,
    .source_format = "qcow2",
    .formats = formats,
    .output_dir = outdir,
    .base_name = base,
    .overwrite = TRUE,
    .os = run->os,
    .packages = run->packages,
    .facts = run->facts,
    .lint_targets = targets,
    .allow_lint_errors = job->allow_lint_errors,
    .build = &build,
    .tags = o ? o->tags : NULL,
    .aws = &aws,
    .vm_cpus = job->vcpus,
    .vm_memory_mib = job->memory_mib,
    .progress = on_artifact_progress,
    .progress_data = run,
  };
  if (targets->len && !run->facts)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "the import-readiness lint for %s needs facts the "
                   "generalize stage could not read", o->targets[0]);
      return FALSE;
    }
  g_autoptr (KilnDistributeResult) result = NULL;
  if (!kiln_distribute (&spec, &result, run->cancellable, error))
    return FALSE;

  for (guint i = 0; i < result->findings->len; i++)
    {
      g_autoptr (GPtrArray) one = g_ptr_array_new ();
      g_ptr_array_add (one, result->findings->pdata[i]);
      g_autofree char *text = kiln_lint_findings_format (one);
      g_strchomp (text);
      kiln_reporter_info (run->r, "lint: %s", text);
    }
  GPtrArray *lists[] = { result->artifacts, result->files };
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        const KilnArtifact *a = lists[l]->pdata[i];
        kiln_catalog_add_artifact (run->catalog, run->build_id,
                                   a->format ? a->format : "file", a->path,
                                   a->file_size, a->sha256, NULL);
        if (a->format)
          kiln_reporter_info (run->r, "artifact %s (%s%s%s, %.1f MiB)",
                              a->path, a->format, a->subformat ? " " : "",
                              a->subformat ? a->subformat : "",
                              a->file_size / 1048576.0);
      }
  kiln_reporter_info (run->r, "artifacts, SHA256SUMS and manifest.json are "
                      "in %s", result->output_dir);
  apply_retention (run);
  return TRUE;
}

/* --- kiln run --output ----------------------------------------------- */

static gboolean
write_run_output (JobRun *run, GError **error)
{
  const char *out = run->job->output_path;
  g_autofree char *dir = g_path_get_dirname (out);
  g_autofree char *name = g_path_get_basename (out);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.tmp", dir, name);
  KilnConvertSpec spec = {
    .src = run->overlay,
    .src_format = "qcow2",
    .dst = tmp,
    .dst_format = "qcow2",
  };
  stage_enter (run, "output");
  /* the agent must not start again when the result boots */
  {
    g_autoptr (KilnGuest) g = open_guest (run, run->overlay, error);
    if (!g || !kiln_guest_remove_agent (g, error)
        || !kiln_guest_close (g_steal_pointer (&g), error))
      return FALSE;
  }
  if (!kiln_qemu_img_convert (&spec, on_progress, run, run->cancellable,
                              error))
    return FALSE;
  if (g_rename (tmp, out) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "rename %s: %s", tmp,
                   g_strerror (errno));
      g_unlink (tmp);
      return FALSE;
    }
  kiln_reporter_info (run->r, "wrote %s", out);
  return TRUE;
}

/* --- lock ------------------------------------------------------------ */

static gboolean
take_lock (JobRun *run, GError **error)
{
  g_autofree char *path = kiln_recipe_lock_path (run->job->name);
  g_autofree char *busy = g_strdup_printf ("waiting for another build of %s "
                                           "to finish", run->job->name);
  run->lock_fd = kiln_lock_take (path, KILN_LOCK_WAIT, run->r, busy, error);
  return run->lock_fd >= 0;
}

/* --- failure summary ------------------------------------------------- */

static char *
file_tail (const char *path, guint max_lines)
{
  g_autofree char *text = NULL;
  if (!path || !g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines);
  while (n > 0 && lines[n - 1][0] == '\0')
    n--;
  GString *s = g_string_new ("");
  for (guint i = n > max_lines ? n - max_lines : 0; i < n; i++)
    {
      /* console logs carry \r and escape sequences */
      g_strdelimit (lines[i], "\r", ' ');
      g_string_append_printf (s, "  | %s\n", lines[i]);
    }
  return g_string_free (s, FALSE);
}

static void
report_failure (JobRun *run, const GError *error)
{
  GString *s = g_string_new ("");
  const char *what = run->job->kind == KILN_JOB_BUILD ? "build"
                     : run->job->kind == KILN_JOB_RUN ? "run" : "test";
  g_string_append_printf (s, "%s failed in stage '%s'", what,
                          run->failed_stage ? run->failed_stage : "?");
  if (run->boot.failed_step)
    g_string_append_printf (s, ": component '%s', phase '%s', step '%s'",
                            run->boot.failed_document
                                ? run->boot.failed_document : "?",
                            run->boot.failed_phase ? run->boot.failed_phase
                                                   : "?",
                            run->boot.failed_step);
  g_string_append_printf (s, "\n  %s\n", error ? error->message : "");
  g_autofree char *step_tail = kiln_reporter_step_tail (run->r, 15);
  if (*step_tail && run->boot.failed_step)
    {
      g_string_append (s, "last output of the step:\n");
      g_auto (GStrv) lines = g_strsplit (step_tail, "\n", -1);
      for (guint i = 0; lines[i] && lines[i][0]; i++)
        g_string_append_printf (s, "  | %s\n", lines[i]);
    }
  if (run->console_log && g_access (run->console_log, R_OK) == 0)
    {
      g_autofree char *tail = file_tail (run->console_log, 15);
      if (*tail)
        g_string_append_printf (s, "last lines of the guest console:\n%s",
                                tail);
    }
  if (kiln_reporter_log_path (run->r))
    g_string_append_printf (s, "build log: %s",
                            kiln_reporter_log_path (run->r));
  kiln_reporter_result (run->r, FALSE, s->str);
  g_string_free (s, TRUE);
}

static void
report_keep (JobRun *run)
{
  const char *disk = run->test_overlay && g_access (run->test_overlay, F_OK) == 0
                         ? run->test_overlay : run->overlay;
  if (!disk || g_access (disk, F_OK) < 0)
    return;
  kiln_reporter_info (run->r,
                      "kept the work directory %s; boot the failed image "
                      "with:\n  qemu-system-x86_64 -machine accel=%s -cpu max "
                      "-m %u -smp %u -nographic -drive file=%s,if=virtio,"
                      "format=qcow2", run->ws->dir,
                      run->accel == KILN_ACCEL_KVM ? "kvm" : "tcg",
                      run->job->memory_mib, run->job->vcpus, disk);
}

/* --- the whole job ----------------------------------------------------- */

static gboolean
fail_in (JobRun *run, const char *stage)
{
  g_free (run->failed_stage);
  run->failed_stage = g_strdup (stage);
  return FALSE;
}

static gboolean
execute_stages (JobRun *run, GError **error)
{
  KilnJob *job = run->job;

  if (!stage_resolve (run, error))
    return fail_in (run, "resolve");
  if (run->up_to_date)
    return TRUE;
  if (job->kind == KILN_JOB_BUILD && run->build_steps == 0
      && run->test_steps == 0)
    kiln_reporter_warn (run->r, "the components have no build, validate or "
                        "test steps");
  if (!check_cancelled (run, error))
    return fail_in (run, "resolve");

  if (!stage_prepare (run, error))
    return fail_in (run, "prepare");
  if (!open_hypervisor (run, error))
    return fail_in (run, "prepare");

  if (job->kind == KILN_JOB_BUILD || job->kind == KILN_JOB_RUN)
    {
      set_state (run, "building", NULL);
      if (run->build_steps > 0)
        {
          stage_enter (run, "inject");
          if (!inject (run, run->overlay, run->build_plan, "build", error))
            return fail_in (run, "inject");
          if (!check_cancelled (run, error))
            return fail_in (run, "inject");
          stage_enter (run, "build boot");
          if (!boot (run, run->overlay, "build", error))
            return fail_in (run, "build boot");
        }
      else
        kiln_reporter_info (run->r, "no build or validate steps: skipping "
                            "the build boot");
    }
  if (job->kind == KILN_JOB_RUN)
    {
      if (job->output_path && !write_run_output (run, error))
        return fail_in (run, "output");
      return TRUE;
    }
  if (job->kind == KILN_JOB_BUILD)
    {
      if (!check_cancelled (run, error) || !stage_generalize (run, error))
        return fail_in (run, "generalize");
    }

  /* test boot on a throw-away overlay of the (generalized) image */
  if (run->test_steps > 0)
    {
      set_state (run, "testing", NULL);
      stage_enter (run, "test inject");
      run->test_overlay = kiln_workspace_path (run->ws, "test.qcow2");
      if (!kiln_qemu_img_create_overlay (run->overlay, "qcow2",
                                         run->test_overlay, 0, error))
        return fail_in (run, "test inject");
      if (!inject (run, run->test_overlay, run->test_plan, "test", error))
        return fail_in (run, "test inject");
      if (!check_cancelled (run, error))
        return fail_in (run, "test inject");
      stage_enter (run, "test boot");
      if (!boot (run, run->test_overlay, "test", error))
        return fail_in (run, "test boot");
      g_unlink (run->test_overlay);
    }
  else if (job->kind == KILN_JOB_TEST)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "the components have no test phase steps to run");
      return fail_in (run, "resolve");
    }
  else
    kiln_reporter_info (run->r, "no test steps: skipping the test boot");

  if (job->kind == KILN_JOB_BUILD)
    {
      set_state (run, "distributing", NULL);
      if (!check_cancelled (run, error) || !stage_distribute (run, error))
        return fail_in (run, "distribute");
    }
  return TRUE;
}

static void
remove_partial_outputs (JobRun *run)
{
  if (run->store_image)
    {
      g_autofree char *dir = g_path_get_dirname (run->store_image);
      kiln_remove_tree (dir);
    }
  for (guint i = 0; i < run->artifacts->len; i++)
    g_unlink (run->artifacts->pdata[i]);
}

int
kiln_job_execute (KilnJob *job)
{
  g_autoptr (KilnReporter) reporter = kiln_reporter_new (job->json);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  JobRun run = { 0 };
  gboolean ok = FALSE;
  int code;

  run.job = job;
  run.r = reporter;
  run.cancellable = cancellable;
  run.lock_fd = -1;
  run.artifacts = g_ptr_array_new_with_free_func (g_free);
  run.timings = g_ptr_array_new_with_free_func (timing_free);

  g_autoptr (KilnSignalWatch) signals = kiln_signal_watch_new (cancellable);

  if (job->kind == KILN_JOB_BUILD)
    {
      g_autofree char *db = g_build_filename (kiln_home (), "catalog.db", NULL);
      if (!take_lock (&run, &error))
        goto done;
      run.catalog = kiln_catalog_open (db, &error);
      if (!run.catalog)
        goto done;
      run.build_id = kiln_catalog_begin_build (run.catalog, job->name,
                                               job->version, job->recipe_path,
                                               &run.build_number, &error);
      if (run.build_id <= 0)
        goto done;
      g_autofree char *logdir = g_strdup_printf ("%s/logs/%s/%s", kiln_home (),
                                                 job->name, job->version);
      g_mkdir_with_parents (logdir, 0755);
      g_autofree char *log = g_strdup_printf ("%s/%" G_GINT64_FORMAT ".log",
                                              logdir, run.build_number);
      if (!kiln_reporter_open_log (reporter, log, &error))
        goto done;
      kiln_catalog_set (run.catalog, run.build_id, "log_path", log, NULL);
      kiln_reporter_info (reporter, "build %s/%s/%" G_GINT64_FORMAT
                          " (log %s)", job->name, job->version,
                          run.build_number, log);
    }

  run.ws = kiln_workspace_new (job->name ? job->name : "job", &error);
  if (!run.ws)
    goto done;
  if (job->kind != KILN_JOB_BUILD)
    {
      g_autofree char *log = kiln_workspace_path (run.ws, "kiln.log");
      kiln_reporter_open_log (reporter, log, NULL);
    }

  ok = execute_stages (&run, &error);

done:
  if (!ok && !error)
    g_set_error (&error, KILN_ERROR, KILN_ERROR_FAILED, "failed");
  if (!ok && kiln_signal_watch_fired (signals))
    {
      g_clear_error (&error);
      g_set_error (&error, KILN_ERROR, KILN_ERROR_CANCELLED,
                   "interrupted by signal %d", kiln_signal_watch_fired (signals));
    }
  if (ok && run.up_to_date)
    {
      /* nothing was built: give the build number back, and its log */
      kiln_catalog_delete_build (run.catalog, run.build_id, NULL);
      if (kiln_reporter_log_path (reporter))
        g_unlink (kiln_reporter_log_path (reporter));
      g_autofree char *msg = g_strdup_printf (
          "up to date: identical to build %s (same parent, components, "
          "parameters and agent), its artifacts are still in %s; --force "
          "builds again", run.up_to_date,
          job->output_dir ? job->output_dir : ".");
      kiln_reporter_result (reporter, TRUE, msg);
    }
  else if (ok)
    {
      set_state (&run, "available", NULL);
      if (job->kind == KILN_JOB_BUILD)
        {
          g_autofree char *msg = g_strdup_printf (
              "build %s/%s/%" G_GINT64_FORMAT " succeeded in %.0f s",
              job->name, job->version, run.build_number,
              kiln_reporter_elapsed (reporter));
          kiln_reporter_result (reporter, TRUE, msg);
        }
      else
        kiln_reporter_result (reporter, TRUE, job->kind == KILN_JOB_RUN
                                                  ? "run succeeded"
                                                  : "tests passed");
    }
  else
    {
      remove_partial_outputs (&run);
      set_state (&run, error->code == KILN_ERROR_CANCELLED && error->domain
                           == KILN_ERROR ? "cancelled" : "failed",
                 error->message);
      if (run.catalog && run.build_id > 0)
        kiln_catalog_set (run.catalog, run.build_id, "failure",
                          error->message, NULL);
      report_failure (&run, error);
      if (job->keep_on_failure && run.ws)
        {
          run.ws->keep = TRUE;
          report_keep (&run);
        }
    }
  code = ok ? KILN_EXIT_OK : kiln_exit_code_for_error (error);

  /* cleanup, in order: domains (owned by boots, already gone), the
   * hypervisor connection, the work directory, the lock */
  if (run.hv)
    kiln_hypervisor_close (run.hv);
  kiln_workspace_free (run.ws);
  kiln_catalog_close (run.catalog);
  if (run.lock_fd >= 0)
    close (run.lock_fd);
  kiln_boot_result_clear (&run.boot);
  g_ptr_array_unref (run.artifacts);
  g_ptr_array_unref (run.timings);
  g_free (run.timing_stage);
  kiln_os_info_free (run.os);
  if (run.packages)
    g_ptr_array_unref (run.packages);
  kiln_lint_facts_free (run.facts);
  g_free (run.parent_format);
  g_free (run.parent_digest);
  g_free (run.build_key);
  g_free (run.agent_path);
  g_free (run.build_plan);
  g_free (run.test_plan);
  g_free (run.overlay);
  g_free (run.test_overlay);
  g_free (run.console_log);
  g_free (run.failed_stage);
  g_free (run.up_to_date);
  g_free (run.store_image);
  return code;
}
