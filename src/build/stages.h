/* stages.h - the stages of one job and what they hand each other
 *
 * kiln_job_execute (job.c) runs them in this order, one file each:
 *
 *   resolve      stage-resolve.c     documents -> plans, the parent, the
 *                                    build key, the cache check
 *   prepare      stage-prepare.c     an overlay over the read-only parent;
 *                                    the hypervisor and the accelerator;
 *                stage-s3.c          S3Download's objects fetched
 *   inject       stage-inject.c      the agent and the build plan, offline
 *   build boot   stage-boot.c        the guest runs the build plan
 *   generalize   stage-generalize.c  the agent out, the image generalized,
 *                                    the facts distribute reports read
 *   test inject  stage-inject.c      a throw-away overlay, the test plan
 *   test boot    stage-boot.c        the guest runs the test plan
 *                stage-s3.c          after each boot: S3Upload's files put
 *   distribute   stage-distribute.c  the image into the store, artifacts,
 *                                    manifest, retention
 *   output       stage-output.c      `kiln run --output-image`
 *
 * and failure-report.c says what failed and how to look at it.  Each stage
 * keeps its state in its own struct, freed by its own function on every
 * path; a stage reads only the job context and what earlier stages hand
 * on.  Every state change of a build is written to the catalog before the
 * stage acts on it.
 */
#pragma once

#include <gio/gio.h>

#include "boot.h"
#include "job.h"
#include "s3-transfers.h"
#include "common/kiln-types.h"
#include "base/reporter.h"
#include "base/workspace.h"
#include "outputs/lint.h"
#include "store/catalog-layers.h"
#include "store/store.h"
#include "store/target-claims.h"

/* What every stage of one job shares; job.c owns it. */
typedef struct {
  KilnJob *job;                /* borrowed */
  KilnReporter *r;
  GCancellable *cancellable;   /* cancelled by SIGINT/SIGTERM/SIGHUP */
  KilnWorkspace *ws;           /* overlays, console logs, sockets */
  KilnStore *store;            /* kiln build only; NULL for run and test */
  gint64 build_id;             /* the build in the store's catalog, or 0 */
  gint64 build_number;
  /* in the names of the job's domains (kiln-TAG-build-...), recorded in
   * the catalog: how a later kiln finds them on a daemon (recover.h) */
  char *domain_tag;
  /* the parent's digest once resolve read it (borrowed from KilnResolved;
   * NULL for kiln run and test): names its cached copy on a daemon */
  const char *parent_digest;
  GPtrArray *timings;          /* KilnStageTiming*, for the manifest */
  char *timing_stage;          /* the stage being timed */
  gint64 timing_start;
} KilnJobContext;

/* Enter a stage: reported, and its duration recorded for the manifest. */
void kiln_stage_enter (KilnJobContext *ctx, const char *stage);
/* The build's state in the catalog (a warning when it cannot be written);
 * nothing without a store. */
void kiln_stage_set_state (KilnJobContext *ctx, const char *state,
                           const char *detail);
gboolean kiln_stage_check_cancelled (KilnJobContext *ctx, GError **error);
/* The image-store progress bar (storing an image, writing run's output). */
void kiln_stage_image_progress (double fraction, gpointer ctx);

/* --- resolve ----------------------------------------------------------- */

typedef struct {
  char *agent_path;            /* the static guest agent */
  char *build_plan;            /* JSON; NULL when the job has no build boot */
  guint build_steps;
  char *test_plan;             /* JSON; NULL when the job has no test boot */
  guint test_steps;
  char *parent_format;         /* from qemu-img info */
  char *parent_digest;         /* kiln build only */
  char *build_key;             /* kiln build only */
  char *up_to_date;            /* an identical build is in the store: which */
  gboolean offline_build;      /* every component with build or validate
                                * steps is offline: no build boot */
  KilnS3Transfers *s3;         /* the S3 steps' transfers, both plans */
  char *s3_staged;             /* the fetched objects' folder ("s3"), or
                                * NULL: copied in with the agent */
  /* layers (stage-layers.c, docs/layers.md) */
  GPtrArray *layer_keys;       /* the key after each component, or NULL */
  gboolean cut_layers;         /* the build boot cuts layers */
  gint64 *layer_after;         /* per component: its document's "layer"
                                * member in the build plan (0: none) */
  guint start_after;           /* components 1..start_after are in the
                                * start layer and not in the build plan */
  KilnLayerRecord *start_layer;  /* that layer, or NULL */
} KilnResolved;

void kiln_resolved_free (KilnResolved *res);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnResolved, kiln_resolved_free)

/* --- layers (stage-layers.c, layer-cut.c; docs/layers.md) -------------- */

/* kiln build, before the plans are compiled: the layer keys, whether the
 * build boot cuts layers (the embedded driver, no offline component),
 * and, unless --force, the newest live layer of the longest unchanged
 * run of components to start from (recorded as used by this build). */
gboolean kiln_stage_layers_decide (KilnJobContext *ctx, KilnResolved *res,
                                   GError **error);

/* The layers one build boot cuts: the disk the guest writes moves to a new
 * overlay at each cut, and the old one is the layer. */
typedef struct {
  gint64 component;            /* 1-based: the layer is the disk after it */
  char *ref;
  char *key;
  char *path;                  /* in the work directory */
} KilnLayerCut;

typedef struct {
  KilnJobContext *ctx;         /* borrowed */
  const KilnResolved *res;     /* borrowed: the keys */
  char *top;                   /* the disk the guest writes now */
  GPtrArray *cuts;             /* KilnLayerCut*, in order */
} KilnLayerCutter;

KilnLayerCutter *kiln_layer_cutter_new (KilnJobContext *ctx,
                                        const KilnResolved *res,
                                        const char *disk);
void kiln_layer_cutter_free (KilnLayerCutter *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnLayerCutter, kiln_layer_cutter_free)
/* A KilnBootLayerFn (boot.h): data is the cutter. */
gboolean kiln_layer_cutter_cut (gpointer data, KilnDomain *dom, gint64 layer,
                                const char *document);

/* After distribute: the layers cut move into the store and get their rows
 * (store/layers.h).  A layer that cannot be kept is a warning, and so are
 * those above it; the build stays a success. */
void kiln_stage_keep_layers (KilnJobContext *ctx, const KilnResolved *res,
                             const KilnLayerCutter *cutter);

/* Compiles the plans before any disk is touched, reads the parent, and for
 * a build computes the build key and looks for an identical build. */
KilnResolved *kiln_stage_resolve (KilnJobContext *ctx, GError **error);

/* --- prepare ----------------------------------------------------------- */

/* The qcow2 overlay the job builds in, over the read-only parent. */
char *kiln_stage_prepare_overlay (KilnJobContext *ctx,
                                  const KilnResolved *res, GError **error);

typedef struct {
  KilnHypervisor *hv;
  KilnPool *pool;              /* a daemon target's storage pool, else NULL */
  KilnAccel accel;             /* decided once for the boots and appliances */
  KilnTargetClaim *claim;      /* the build's names on a daemon target
                                * (store/target-claims.h), else NULL */
} KilnMachine;

void kiln_machine_free (KilnMachine *m);   /* closes the hypervisor */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnMachine, kiln_machine_free)

KilnMachine *kiln_stage_open_machine (KilnJobContext *ctx, GError **error);

/* A libguestfs appliance on disk, with the job's accelerator decision. */
KilnGuest *kiln_stage_open_guest (KilnJobContext *ctx, const KilnMachine *m,
                                  const char *disk, GError **error);
/* The same with the appliance's network (user-mode) on or off. */
KilnGuest *kiln_stage_open_guest_net (KilnJobContext *ctx,
                                      const KilnMachine *m, const char *disk,
                                      gboolean network, GError **error);

/* --- inject ------------------------------------------------------------ */

/* The agent and plan into disk; what ("build", "test") for the report. */
gboolean kiln_stage_inject (KilnJobContext *ctx, const KilnMachine *m,
                            const KilnResolved *res, const char *disk,
                            const char *plan, const char *what,
                            GError **error);
/* The objects S3Download steps need (kiln_stage_s3_fetch) into the guest
 * g, when there are any. */
gboolean kiln_stage_copy_in_s3 (KilnGuest *g, const KilnResolved *res,
                                GError **error);
/* The test boot's throw-away overlay of the built image. */
char *kiln_stage_test_overlay (KilnJobContext *ctx, const char *overlay,
                               GError **error);

/* --- boots ------------------------------------------------------------- */

typedef struct {
  char *what;                  /* "build", "test" */
  char *console_log;           /* the guest console, once the boot starts */
  KilnBootResult result;       /* which step failed, how long it took */
  /* set when the agent and its plan ride on the boot's NoCloud seed
   * instead of being injected (agent-seed.h): host paths */
  char *seed_agent;
  char *seed_plan;
  KilnS3Transfers *s3;         /* borrowed: takes the upload events */
  KilnLayerCutter *layers;     /* borrowed: cuts layers, or NULL */
  /* set when the boot starts from a layer and its agent gets the plan over
   * the channel instead of an inject (kiln_stage_plan_over_channel) */
  char *plan_line;
  char *run_id;
} KilnBootStage;

KilnBootStage *kiln_boot_stage_new (const char *what);
/* TRUE when the agent's plan passed; else FALSE with its failure message
 * (a boot's and an offline build's result alike). */
gboolean kiln_boot_stage_passed (const KilnBootStage *b, GError **error);
void kiln_boot_stage_free (KilnBootStage *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnBootStage, kiln_boot_stage_free)

/* The agent and a plan on b's NoCloud seed instead of injected (the
 * generalize launch found the image able to start it: agent-seed.h). */
gboolean kiln_stage_seed_agent (KilnJobContext *ctx, const KilnResolved *res,
                                const char *plan, KilnBootStage *b,
                                GError **error);

/* A build that starts from a layer: the agent there (it asks the host at
 * each start, ask-host.h in the agent) gets the build plan over the
 * channel, so no appliance launch writes it in.  Sets b->plan_line and
 * b->run_id when it can; when it cannot, the log says why and the inject
 * stage runs instead.  FALSE with error only when the plan is not JSON. */
gboolean kiln_stage_plan_over_channel (KilnJobContext *ctx,
                                       const KilnResolved *res,
                                       KilnBootStage *b, GError **error);

/* Boots disk until the agent is done with its plan; b keeps what the
 * failure report needs, on every path. */
gboolean kiln_stage_boot (KilnJobContext *ctx, const KilnMachine *m,
                          const char *disk, KilnBootStage *b,
                          GError **error);

/* --- S3 transfers (stage-s3.c) ------------------------------------------ */

/* Resolves the S3 credentials and endpoint when the plans have S3 steps
 * (a KILN_ERROR_INPUT error when there are none to be found), and fetches
 * every S3Download entry's objects into the workspace (res->s3_staged). */
gboolean kiln_stage_s3_fetch (KilnJobContext *ctx, KilnResolved *res,
                              GError **error);
/* ExecuteDocument of an s3:// document: fetched once per job into the
 * workspace (KilnPlanFetchDocument; data: a KilnS3DocumentFetch). */
typedef struct {
  KilnJobContext *ctx;
  KilnS3Transfers *s3;
} KilnS3DocumentFetch;
gboolean kiln_stage_s3_fetch_document (gpointer data, const char *uri,
                                       const char *expected_owner,
                                       char **path, GError **error);
/* Puts the upload files a boot received; FALSE when one fails or the
 * guest sent a bad upload. */
gboolean kiln_stage_s3_put (KilnJobContext *ctx, KilnS3Transfers *t,
                            GError **error);

/* --- offline build ----------------------------------------------------- */

/* The build plan run by the agent inside a libguestfs appliance on disk, no
 * boot; b gets the result as a boot's would.  On success *guest is the
 * appliance, still up, for the generalize stage. */
gboolean kiln_stage_offline (KilnJobContext *ctx, const KilnMachine *m,
                             const KilnResolved *res, const char *disk,
                             KilnBootStage *b, KilnGuest **guest,
                             GError **error);

/* --- generalize -------------------------------------------------------- */

/* Read from the generalized image, for distribute's manifest, SBOM and
 * readiness lint. */
typedef struct {
  KilnOsInfo *os;
  GPtrArray *packages;         /* KilnPackage*; NULL when unreadable */
  KilnLintFacts *facts;        /* NULL when unreadable */
  /* kiln build: NULL when the test boot can take its agent from its seed,
   * else why not (agent-seed.h) */
  char *agent_seed_refusal;
} KilnGeneralized;

void kiln_generalized_free (KilnGeneralized *gen);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnGeneralized, kiln_generalized_free)

KilnGeneralized *kiln_stage_generalize (KilnJobContext *ctx,
                                        const KilnMachine *m,
                                        const char *overlay, GError **error);
/* The same in an appliance already up (the offline build's); takes g. */
KilnGeneralized *kiln_stage_generalize_in (KilnJobContext *ctx, KilnGuest *g,
                                           GError **error);

/* --- distribute and output --------------------------------------------- */

/* The overlay into the image store, the artifacts, SHA256SUMS and manifest
 * into the output directory, then outputs.retain.  On failure nothing of
 * this build is left in the store. */
gboolean kiln_stage_distribute (KilnJobContext *ctx, const KilnResolved *res,
                                const KilnGeneralized *gen,
                                const char *overlay, GError **error);

/* `kiln run --output-image`: the agent out, the overlay flattened to the path. */
gboolean kiln_stage_output (KilnJobContext *ctx, const KilnMachine *m,
                            const char *overlay, GError **error);

/* --- when it fails (failure-report.c) ---------------------------------- */

/* What failed (stage, and the step when a boot ran one), its output, the
 * console's last lines and where the build log is. */
void kiln_report_failure (KilnJobContext *ctx, const char *failed_stage,
                          const KilnBootStage *last_boot,
                          const GError *error);
/* --keep-on-failure: where the work directory is and how to boot disk. */
void kiln_report_keep (KilnJobContext *ctx, const KilnMachine *m,
                       const char *disk);
