/* doctor.h - kiln doctor: can kiln build on this host, and if not, why
 *
 * doctor.c gathers raw facts through the backends (backends/host-facts.h,
 * common/kiln-host-facts.h) the way a build meets them; judge.c turns each set of facts into one check: ok,
 * warn or fail, what was found and what to do.  Judging is pure (facts in,
 * verdict out) so the unit tests cover every verdict without the host
 * having to be broken in each way.
 *
 * kiln can build when no check fails; falling back to TCG is a warning.
 * Nothing on disk changes except the KVM probe's cache in $KILN_HOME/cache
 * (and libguestfs's own appliance cache, which any launch fills).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sys/types.h>

#include "common/kiln-host-facts.h"
#include "common/kiln-types.h"
#include "doctor/http-head.h"

typedef enum {
  KILN_CHECK_OK,
  KILN_CHECK_WARN,
  KILN_CHECK_FAIL,
} KilnCheckStatus;

typedef struct {
  char *name;              /* "kvm", "appliance", ... (stable, for --json) */
  KilnCheckStatus status;
  char *found;             /* what was found, one line */
  char *advice;            /* what to do; NULL when nothing */
  JsonObject *facts;       /* the raw facts, for --json */
} KilnCheck;

KilnCheck *kiln_check_new (const char *name);
void kiln_check_free (KilnCheck *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnCheck, kiln_check_free)
const char *kiln_check_status_name (KilnCheckStatus status);
JsonObject *kiln_check_to_json (const KilnCheck *c);

/* ---- judges (judge.c) ---------------------------------------------------- */

typedef struct {
  const KilnKvmDeviceFacts *device;
  KilnAccel probe;           /* KVM or TCG; AUTO when no probe ran */
  const char *probe_reason;  /* the probe's raw reason */
  const char *probe_error;   /* why no probe ran (probe == AUTO) */
  gboolean probe_cached;     /* its answer replaced the cached one */
  const char *requested;     /* $KILN_ACCEL, or NULL */
  gboolean remote;           /* the target is another host: device (this
                              * host's /dev/kvm) says nothing about it */
} KilnKvmEvidence;
KilnCheck *kiln_judge_kvm (const KilnKvmEvidence *e);

/* What kiln's builds would use, from the same evidence: KVM, TCG, or AUTO
 * when kiln could not decide (a build would stop). */
KilnAccel kiln_doctor_accel (const KilnKvmEvidence *e);

/* f NULL: no handle could be made (error says why). */
KilnCheck *kiln_judge_appliance (const KilnApplianceFacts *f,
                                 gboolean force_tcg, const char *error);

/* target: the URI `--connect` named, NULL for the embedded driver.  hv
 * NULL: the driver did not open or the target did not answer (open_error);
 * dom NULL: no domain was tried (dom_error). */
KilnCheck *kiln_judge_libvirt (const char *target,
                               const KilnHypervisorFacts *hv,
                               const char *open_error,
                               const KilnDomainCheckFacts *dom,
                               const char *dom_error, KilnAccel accel);

typedef struct {
  const char *path;          /* the program kiln runs */
  const char *version_line;  /* its --version, NULL when it did not run */
  const char *error;         /* why not */
} KilnProgramFacts;
/* qemu: the QEMU binary libguestfs runs; img: the image tool kiln runs
 * ($KILN_QEMU_IMG or configure's); hv: libvirt's view (may be NULL). */
KilnCheck *kiln_judge_qemu (const KilnProgramFacts *qemu,
                            const KilnProgramFacts *img,
                            const KilnHypervisorFacts *hv);

/* A daemon target's storage pool, the disks' way there (target-disks.h). */
typedef struct {
  const char *name;
  const char *path;          /* its directory on the target */
  guint64 available;         /* bytes free there */
  guint64 need;              /* below this: warn */
  guint64 minimum;           /* below this: fail */
  const char *need_for;      /* "a debian-12 template build" */
} KilnPoolFacts;
/* f NULL: the pool could not be made, opened or written (error says why). */
KilnCheck *kiln_judge_pool (const char *target, const KilnPoolFacts *f,
                            const char *error);

typedef struct {
  const char *role;          /* "$KILN_HOME", "temporary directory", ... */
  const char *path;
  const char *existing;      /* path, or its nearest existing parent */
  int write_errno;           /* 0: existing is writable */
  guint64 free_bytes;
  guint64 need;              /* below this: warn */
  guint64 minimum;           /* below this: fail */
  const char *need_for;      /* "a debian-12 template build" */
  int max_path;              /* longest path that works; 0: no limit */
} KilnSpaceFacts;
KilnCheck *kiln_judge_space (const char *name, const KilnSpaceFacts *dirs,
                             guint n_dirs);

typedef struct {
  const char *mirror;        /* the mirror */
  const char *url;           /* what was asked: MIRROR/dists/SUITE/InRelease */
  const KilnHttpAnswer *answer;
  const char *error;         /* nothing answered */
} KilnMirrorFacts;
KilnCheck *kiln_judge_mirror (const char *template_name,
                              const KilnMirrorFacts *mirrors, guint n,
                              gboolean template_built);

KilnCheck *kiln_judge_agent (const char *path, const char *version_line,
                             const char *error);

/* missing: kiln_template_build_missing_tools() (NULL: none). */
KilnCheck *kiln_judge_template_tools (const char *missing,
                                      const char *template_name,
                                      gboolean template_built);

KilnCheck *kiln_judge_permissions (uid_t uid, const char *user,
                                   const KilnKvmDeviceFacts *kvm);

/* ---- the run (doctor.c) -------------------------------------------------- */

/* The template the README's Quick start builds: what "can build" and the
 * space needs are measured against. */
#define KILN_DOCTOR_TEMPLATE "debian-12"

typedef void (*KilnDoctorFn) (const KilnCheck *check, gpointer user_data);

/* Runs every check in order, calling fn as each one is judged.  connect:
 * the libvirt URI builds would use (NULL or "embed": the embedded driver,
 * in a scratch root); the KVM probe and the test domain run there, the
 * other checks on this host (libguestfs, qemu-img and the files stay
 * here).  Returns the checks (KilnCheck*). */
GPtrArray *kiln_doctor_run (const char *connect, KilnDoctorFn fn,
                            gpointer user_data);

/* TRUE when no check failed. */
gboolean kiln_doctor_can_build (GPtrArray *checks);
