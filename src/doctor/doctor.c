/* doctor.c - gather the facts kiln doctor judges, in the order a build
 * meets them
 *
 * The KVM probe and the test domain run on an embedded libvirt driver
 * rooted in a scratch directory under the temporary directory (removed at
 * the end), so $KILN_HOME changes only in cache/, where the probe's fresh
 * answer replaces the cached one.
 */
#include "doctor.h"

#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "backends/host-facts.h"
#include "backends/libvirt.h"
#include "backends/qemu-img.h"
#include "backends/template-build.h"
#include "base/paths.h"
#include "base/workspace.h"
#include "backends/libvirt-pool.h"
#include "build/accel-decide.h"
#include "build/target-disks.h"
#include "store/recover.h"
#include "store/target-claims.h"
#include "templates/template.h"

/* A test domain under TCG reaches userland in ~8 s on an idle machine;
 * allow for a loaded one. */
#define DOMAIN_TIMEOUT_TCG 180
#define DOMAIN_TIMEOUT_KVM 60
/* The mirror answers in well under a second when it answers at all. */
#define MIRROR_TIMEOUT 15

#define GiB (G_GUINT64_CONSTANT (1) << 30)
#define MiB (G_GUINT64_CONSTANT (1) << 20)
/* Without a template file to measure: debian-12's disk size. */
#define FALLBACK_TEMPLATE_SIZE (3 * GiB)
/* libguestfs's appliance (~700 MiB unpacked) is made on its first launch. */
#define APPLIANCE_NEED GiB
#define TMP_NEED (256 * MiB)
#define TMP_MINIMUM (64 * MiB)
/* Builds run libvirt's embedded driver in $KILN_HOME/libvirt (or a sibling
 * libvirt-2 ... libvirt-16), and libvirt puts each domain's monitor socket
 * at ROOT/lib/qemu/domain-ID-NAME/monitor.sock (NAME cut to 20
 * characters): a unix socket path has 108 bytes, NUL included. */
#define KILN_HOME_MAX_PATH \
  (107 - (int) strlen ("/libvirt-16/lib/qemu/domain-99-") - 20 \
   - (int) strlen ("/monitor.sock"))

typedef struct {
  KilnDoctorFn fn;
  gpointer user_data;
  GPtrArray *checks;
} Run;

static void
add (Run *run, KilnCheck *c)
{
  g_ptr_array_add (run->checks, c);
  if (run->fn)
    run->fn (c, run->user_data);
}

static char *
error_text (const GError *e)
{
  return e ? g_strdup (e->message) : NULL;
}

/* path, or its nearest existing parent; whether that can be written and
 * how much it has free. */
static void
space_facts (KilnSpaceFacts *f, const char *role, const char *path,
             guint64 need, guint64 minimum, const char *need_for,
             char **existing_out)
{
  g_autofree char *existing = g_canonicalize_filename (path, NULL);
  while (!g_file_test (existing, G_FILE_TEST_EXISTS)
         && strcmp (existing, "/") != 0)
    {
      char *parent = g_path_get_dirname (existing);
      g_free (existing);
      existing = parent;
    }
  f->role = role;
  f->path = path;
  f->need = need;
  f->minimum = minimum;
  f->need_for = need_for;
  /* access() says yes to root on a read-only mount: ask the mount too */
  struct statvfs vfs;
  gboolean have_vfs = statvfs (existing, &vfs) == 0;
  f->write_errno = access (existing, W_OK) == 0 ? 0 : errno;
  if (f->write_errno == 0 && have_vfs && (vfs.f_flag & ST_RDONLY))
    f->write_errno = EROFS;
  f->free_bytes = have_vfs ? (guint64) vfs.f_bavail * vfs.f_frsize : 0;
  f->existing = existing;
  *existing_out = g_steal_pointer (&existing);
}

/* Copies every regular file of from into to (made when missing). */
static gboolean
copy_files (const char *from, const char *to)
{
  if (g_mkdir_with_parents (to, 0755) < 0)
    return FALSE;
  g_autoptr (GDir) d = g_dir_open (from, 0, NULL);
  if (!d)
    return FALSE;
  gboolean ok = TRUE;
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);
      g_autofree char *text = NULL;
      gsize len = 0;
      if (!g_file_test (src, G_FILE_TEST_IS_REGULAR))
        continue;
      ok = g_file_get_contents (src, &text, &len, NULL)
           && g_file_set_contents (dst, text, (gssize) len, NULL) && ok;
    }
  return ok;
}

/* The KVM probe every build starts with (kiln_accel_resolve: the /dev/kvm
 * check, then a probe guest under KVM), run now whatever the cache says:
 * resolved against an empty scratch cache, whose answer then replaces the
 * cached one in cache_dir (*cached: that worked).  KVM or TCG with
 * *reason; KILN_ACCEL_AUTO and error when no probe could run. */
static KilnAccel
probe_now (KilnHypervisor *hv, KilnPool *pool, const char *probe_init,
           const char *cache_dir,
           char **reason, gboolean *cached, GError **error)
{
  *reason = NULL;
  *cached = FALSE;
  g_autofree char *scratch = g_dir_make_tmp ("kiln-accel-XXXXXX", error);
  if (!scratch)
    return KILN_ACCEL_AUTO;
  KilnAccel accel = kiln_accel_resolve (hv, pool, KILN_ACCEL_AUTO, probe_init,
                                        scratch, NULL, reason, error);
  g_autoptr (GDir) d = g_dir_open (scratch, 0, NULL);
  gboolean wrote = d && g_dir_read_name (d) != NULL;
  if (accel != KILN_ACCEL_AUTO && wrote && cache_dir)
    *cached = copy_files (scratch, cache_dir);
  kiln_remove_tree (scratch);
  return accel;
}

static gboolean
template_is_built (const KilnTemplate *t)
{
  if (!t)
    return FALSE;
  g_autoptr (KilnTemplateImage) img = kiln_template_lookup (t, NULL);
  return img != NULL;
}

static KilnCheck *
check_mirror (const KilnTemplate *t, gboolean built)
{
  if (!t)
    {
      KilnCheck *c = kiln_check_new ("mirror");
      c->status = built ? KILN_CHECK_WARN : KILN_CHECK_FAIL;
      c->found = g_strdup_printf ("no %s template in %s: cannot tell which "
                                  "mirror it uses", KILN_DOCTOR_TEMPLATE,
                                  kiln_datadir ());
      c->advice = g_strdup ("reinstall kiln, or set KILN_DATADIR");
      return c;
    }
  const struct { gboolean security; const char *suffix; } kinds[] = {
    { FALSE, "" }, { TRUE, "-security" },
  };
  KilnMirrorFacts m[2] = { 0 };
  KilnHttpAnswer answers[2] = { 0 };
  char *mirrors[2] = { NULL, NULL };
  char *urls[2] = { NULL, NULL };
  char *errors[2] = { NULL, NULL };
  guint n = t->security ? 2 : 1;
  for (guint i = 0; i < n; i++)
    {
      mirrors[i] = kiln_template_mirror (t, NULL, kinds[i].security);
      urls[i] = g_strdup_printf ("%s/dists/%s%s/InRelease", mirrors[i],
                                 t->suite, kinds[i].suffix);
      g_autoptr (GError) e = NULL;
      m[i].mirror = mirrors[i];
      m[i].url = urls[i];
      if (kiln_http_head (urls[i], MIRROR_TIMEOUT, &answers[i], &e))
        m[i].answer = &answers[i];
      else
        m[i].error = errors[i] = error_text (e);
    }
  KilnCheck *c = kiln_judge_mirror (t->name, m, n, built);
  for (guint i = 0; i < n; i++)
    {
      kiln_http_answer_clear (&answers[i]);
      g_free (mirrors[i]);
      g_free (urls[i]);
      g_free (errors[i]);
    }
  return c;
}

/* Whether kiln may write volumes into pool: a one-byte volume is sent
 * and deleted again. */
static gboolean
pool_writable (KilnHypervisor *hv, KilnPool *pool, GError **error)
{
  g_autofree char *dir = g_dir_make_tmp ("kiln-pool-XXXXXX", error);
  if (dir == NULL)
    return FALSE;
  g_autofree char *file = g_build_filename (dir, "write-check", NULL);
  g_autofree char *base = g_path_get_basename (dir);
  g_autofree char *vol = g_strdup_printf ("%s-write-check", base);
  g_autofree char *prefix = g_strdup_printf ("%s-", base);
  g_autoptr (KilnTargetClaim) claim
      = kiln_target_claim_new (kiln_hypervisor_uri (hv), prefix, error);
  g_autofree char *at = NULL;
  if (claim && g_file_set_contents (file, "k", 1, error))
    at = kiln_pool_upload (pool, file, vol, error);
  if (at)
    kiln_pool_delete (pool, vol, NULL);
  g_unlink (file);
  g_rmdir (dir);
  return at != NULL;
}

/* The connection the probe and the test domain use: connect, else a
 * scratch embedded root (*scratch, removed by the caller). */
static KilnHypervisor *
open_target (const char *connect, char **scratch, GError **error)
{
  *scratch = NULL;
  if (connect)
    return kiln_hypervisor_open (connect, NULL, error);
  /* the root itself: libvirt's monitor socket path under it is long */
  *scratch = g_dir_make_tmp ("kiln-XXXXXX", error);
  if (*scratch == NULL)
    return NULL;
  return kiln_hypervisor_open (NULL, *scratch, error);
}

GPtrArray *
kiln_doctor_run (const char *connect, KilnDoctorFn fn, gpointer user_data)
{
  Run run = { fn, user_data,
              g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_check_free) };
  g_autofree char *agent = kiln_agent_path ();
  g_autofree char *cache = g_build_filename (kiln_home (), "cache", NULL);
  if (connect && g_str_equal (connect, "embed"))
    connect = NULL;

  /* kvm: the device, then the probe on the target (a scratch embedded
   * driver unless --connect named one) */
  KilnKvmDeviceFacts kvm;
  kiln_kvm_device_facts ("/dev/kvm", &kvm);
  g_autoptr (GError) open_error = NULL;
  g_autofree char *scratch = NULL;
  g_autoptr (KilnHypervisor) hv = open_target (connect, &scratch,
                                               &open_error);
  /* a daemon's QEMU finds the probe's files in kiln's pool there */
  gboolean on_daemon = hv && kiln_hypervisor_target_kind (hv)
                                 != KILN_TARGET_EMBEDDED;
  g_autoptr (KilnPool) pool = NULL;
  g_autoptr (GError) pool_error = NULL;
  guint64 pool_free = 0;
  /* connected there anyway: what killed kilns left goes first */
  if (on_daemon)
    kiln_target_recover (hv, NULL, NULL);
  if (on_daemon
      && !(kiln_target_pool_open (hv, NULL, &pool, &pool_error)
           && pool_writable (hv, pool, &pool_error)
           && kiln_pool_space (pool, &pool_free, &pool_error)))
    g_clear_pointer (&pool, kiln_pool_close);
  g_autofree char *probe_reason = NULL;
  g_autoptr (GError) probe_error = NULL;
  gboolean probe_cached = FALSE;
  KilnAccel probe = KILN_ACCEL_AUTO;
  if (hv)
    probe = probe_now (hv, pool, agent, cache, &probe_reason, &probe_cached,
                       &probe_error);
  else
    g_set_error (&probe_error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "%s (see the libvirt line)",
                 connect ? "the target did not answer"
                         : "the embedded libvirt driver did not start");
  KilnKvmEvidence ev = {
    .device = &kvm,
    .probe = probe,
    .probe_reason = probe_reason,
    .probe_error = probe_error ? probe_error->message : NULL,
    .probe_cached = probe_cached,
    .requested = g_getenv ("KILN_ACCEL"),
    .remote = hv && kiln_hypervisor_target_kind (hv) == KILN_TARGET_REMOTE,
  };
  add (&run, kiln_judge_kvm (&ev));
  KilnAccel accel = kiln_doctor_accel (&ev);

  /* appliance */
  KilnApplianceFacts app;
  g_autoptr (GError) app_error = NULL;
  gboolean have_app = kiln_appliance_check (accel != KILN_ACCEL_KVM, &app,
                                            &app_error);
  g_autofree char *app_error_text = error_text (app_error);
  add (&run, kiln_judge_appliance (have_app ? &app : NULL,
                                   accel != KILN_ACCEL_KVM, app_error_text));

  /* libvirt: versions, and a domain that starts, runs and stops */
  KilnHypervisorFacts hvf = { 0 };
  g_autoptr (GError) hvf_error = NULL;
  gboolean have_hvf = hv && kiln_hypervisor_facts (hv, &hvf, &hvf_error);
  KilnDomainCheckFacts dom = { 0 };
  g_autoptr (GError) dom_error = NULL;
  KilnAccel dom_accel = accel == KILN_ACCEL_KVM ? KILN_ACCEL_KVM
                                                : KILN_ACCEL_TCG;
  gboolean have_dom = have_hvf
      && kiln_domain_check (hv, pool, dom_accel, agent,
                            dom_accel == KILN_ACCEL_KVM ? DOMAIN_TIMEOUT_KVM
                                                        : DOMAIN_TIMEOUT_TCG,
                            &dom, &dom_error);
  g_autofree char *hv_error_text = error_text (open_error ? open_error
                                                          : hvf_error);
  g_autofree char *dom_error_text = error_text (dom_error);
  add (&run, kiln_judge_libvirt (connect, have_hvf ? &hvf : NULL,
                                 hv_error_text,
                                 have_dom ? &dom : NULL, dom_error_text,
                                 dom_accel));
  g_autofree char *pool_path = pool ? g_strdup (kiln_pool_path (pool)) : NULL;
  /* the pool's handle belongs to the connection: closed first */
  g_clear_pointer (&pool, kiln_pool_close);
  g_clear_pointer (&hv, kiln_hypervisor_close);
  if (scratch)
    {
      kiln_remove_tree (scratch);
      /* kiln_hypervisor_open's lock file beside the root (ROOT.lock,
       * backends/libvirt.c): doctor changes nothing on disk, and leaves
       * nothing in $TMPDIR */
      g_autofree char *lock = g_strconcat (scratch, ".lock", NULL);
      g_unlink (lock);
    }

  /* QEMU and its image tool */
  const char *img = kiln_qemu_img_program ();
  g_autoptr (GError) img_error = NULL;
  g_autofree char *img_line = kiln_program_version_line (img, &img_error);
  g_autofree char *img_error_text = error_text (img_error);
  const char *qemu = have_app && app.hv ? app.hv : "qemu-system-x86_64";
  g_autoptr (GError) q_error = NULL;
  g_autofree char *q_line = kiln_program_version_line (qemu, &q_error);
  g_autofree char *q_error_text = error_text (q_error);
  KilnProgramFacts qf = { qemu, q_line, q_error_text };
  KilnProgramFacts imgf = { img, img_line, img_error_text };
  add (&run, kiln_judge_qemu (&qf, &imgf, have_hvf ? &hvf : NULL));

  /* space: $KILN_HOME against a build of the default template, the
   * temporary directories against the appliance and sockets */
  g_autofree char *tpath = kiln_template_find (KILN_DOCTOR_TEMPLATE);
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnTemplate) t = tpath ? kiln_template_load (tpath, diags)
                                     : NULL;
  gboolean built = template_is_built (t);
  guint64 tsize = t ? t->size : FALLBACK_TEMPLATE_SIZE;
  g_autofree char *need_for = g_strdup_printf ("a %s template build",
                                               KILN_DOCTOR_TEMPLATE);
  g_autofree char *home_existing = NULL;
  KilnSpaceFacts home;
  /* the tree, the raw disk and the stored image: about twice the disk
   * size at the peak; less than the disk size cannot work */
  space_facts (&home, "$KILN_HOME", kiln_home (), 2 * tsize, tsize, need_for,
               &home_existing);
  home.max_path = KILN_HOME_MAX_PATH;
  add (&run, kiln_judge_space ("kiln-home", &home, 1));
  if (on_daemon)
    {
      /* the parent once, and the overlay up and back: about the disk */
      KilnPoolFacts pf = {
        .name = KILN_TARGET_POOL_NAME,
        .path = pool_path,
        .available = pool_free,
        .need = 2 * tsize,
        .minimum = tsize,
        .need_for = need_for,
      };
      add (&run, kiln_judge_pool (connect, pool_path ? &pf : NULL,
                                  pool_error ? pool_error->message : NULL));
    }

  KilnSpaceFacts tmp[2];
  char *tmp_existing[2] = { NULL, NULL };
  guint n_tmp = 0;
  space_facts (&tmp[n_tmp], "the temporary directory", g_get_tmp_dir (),
               TMP_NEED, TMP_MINIMUM, "kiln (sockets, scratch files)",
               &tmp_existing[n_tmp]);
  n_tmp++;
  if (have_app && app.cachedir && strcmp (app.cachedir, g_get_tmp_dir ()))
    {
      space_facts (&tmp[n_tmp], "libguestfs's cache", app.cachedir,
                   APPLIANCE_NEED, APPLIANCE_NEED / 2, "its appliance",
                   &tmp_existing[n_tmp]);
      n_tmp++;
    }
  add (&run, kiln_judge_space ("tmp", tmp, n_tmp));
  for (guint i = 0; i < n_tmp; i++)
    g_free (tmp_existing[i]);

  /* the mirror the default template downloads from */
  add (&run, check_mirror (t, built));

  /* the guest agent */
  g_autoptr (GError) agent_error = NULL;
  g_autofree char *agent_line = kiln_program_version_line (agent,
                                                           &agent_error);
  g_autofree char *agent_error_text = error_text (agent_error);
  add (&run, kiln_judge_agent (agent, agent_line, agent_error_text));

  /* the template build's tools */
  g_autofree char *missing = kiln_template_build_missing_tools (
      t && t->firmware == KILN_FIRMWARE_UEFI);
  add (&run, kiln_judge_template_tools (missing, KILN_DOCTOR_TEMPLATE,
                                        built));

  /* permissions */
  struct passwd *pw = getpwuid (geteuid ());
  add (&run, kiln_judge_permissions (geteuid (), pw ? pw->pw_name : NULL,
                                     &kvm));

  kiln_kvm_device_facts_clear (&kvm);
  if (have_app)
    kiln_appliance_facts_clear (&app);
  kiln_hypervisor_facts_clear (&hvf);
  kiln_domain_check_facts_clear (&dom);
  return run.checks;
}

gboolean
kiln_doctor_can_build (GPtrArray *checks)
{
  for (guint i = 0; i < checks->len; i++)
    if (((KilnCheck *) checks->pdata[i])->status == KILN_CHECK_FAIL)
      return FALSE;
  return TRUE;
}
