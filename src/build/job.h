/* job.h - one run of kiln's stages: a build, a `kiln run` or a `kiln test`
 *
 * build: resolve, prepare, inject, build boot (build + validate phases),
 *        generalize, test boot on a fresh overlay (test phases), distribute.
 * run:   prepare, inject, one boot running the chosen phases (like
 *        `awstoe run`), optionally write the result (no generalization).
 * test:  prepare, inject the test plan, test boot.
 * The parent image is only ever a read-only backing file.  On every path
 * the domains, overlays and temporary files are removed (with
 * keep_on_failure a failed job keeps its overlay and says how to boot it).
 */
#pragma once

#include <glib.h>

#include "plan.h"
#include "documents/recipe.h"

typedef enum {
  KILN_JOB_BUILD,
  KILN_JOB_RUN,
  KILN_JOB_TEST,
} KilnJobKind;

/* How a job ended, for whoever ran it (a pipeline run, a notification):
 * filled by kiln_job_execute when KilnJob.outcome is set. */
typedef struct {
  char *state;               /* available failed cancelled, or up-to-date
                              * (an identical build is in the store) */
  gint64 build_id;           /* the build in the catalog, 0 for none (an
                              * up-to-date build gives its number back) */
  gint64 build_number;
  char *up_to_date;          /* up-to-date: the identical build */
  char *log_path;
  char *failed_stage;        /* failed or cancelled: where */
  char *failed_component;    /* ... and, when a boot ran a step, which */
  char *failed_phase;
  char *failed_step;
  char *message;             /* the error */
  double seconds;
  GPtrArray *timings;        /* KilnJobTiming*, in stage order */
} KilnJobOutcome;

typedef struct {
  char *stage;
  double seconds;
} KilnJobTiming;

void kiln_job_outcome_clear (KilnJobOutcome *o);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KilnJobOutcome, kiln_job_outcome_clear)

typedef struct {
  KilnJobKind kind;
  char *name;                /* image name (recipe name) */
  char *version;             /* recipe version */
  char *recipe_path;         /* for the catalog; may be NULL */
  char *description;         /* recipe description, may be NULL */
  char *parent_ref;          /* the recipe's parent as written */
  char *parent;              /* parent image path */
  char *parent_format;       /* NULL: from qemu-img info */
  guint64 disk_size;         /* 0: keep the parent's size */
  GPtrArray *components;     /* KilnPlanComponent*, owned */
  GPtrArray *owned;          /* anything else to free with the job */
  guint memory_mib;
  guint vcpus;
  char *accel;               /* "auto", "kvm", "tcg" */
  gboolean network_user;
  gint64 timeout_seconds;    /* per boot stage */
  char *connect;             /* NULL or "embed": embedded driver; else URI */
  char *pool;                /* a daemon's storage pool for the disks (NULL:
                              * kiln's own, target-disks.h) */
  char **formats;            /* build: artifact formats */
  char *output_dir;          /* build: where artifacts go */
  char *output_name_template;/* build: outputs.name (naming.h templates) */
  const KilnOutputSettings *outputs; /* build: borrowed format options */
  char *output_path;         /* run: write the resulting image here */
  char *log_directory;       /* run: leave the run log folder here
                              * (toe-log.h), NULL for none */
  char *execution_id;        /* run: the folder's executionId */
  char **phases;             /* run: phases to run (NULL = all) */
  gboolean force;            /* build even when the build key is unchanged */
  gboolean allow_lint_errors;
  gboolean keep_on_failure;
  gboolean json;
  KilnJobOutcome *outcome;   /* borrowed, may be NULL: filled at the end */
} KilnJob;

KilnJob *kiln_job_new (KilnJobKind kind);
void kiln_job_free (KilnJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnJob, kiln_job_free)

/* Add a component with its bound parameters and the set of parameter names
 * marked secret (NULL for none); all three are owned by the job. */
void kiln_job_add_component (KilnJob *job, KilnComponent *component,
                             GHashTable *params, GHashTable *secret,
                             const char *ref);

/* The build key (docs/design.md): an HMAC-SHA256 keyed with secret (the
 * home's kiln_build_secret_load(), store/build-secret.h) over the parent's
 * digest, each component's text and bound parameters (components:
 * KilnPlanComponent*), the agent's digest and the recipe's disk size
 * (disk_size; 0, no disk: in the recipe, adds nothing), so the key, which
 * the catalog, the log and the manifest show, says nothing about parameter
 * values.  kiln build looks for an identical build by it
 * (stage-resolve.c). */
char *kiln_build_key (GBytes *secret, const char *parent_digest,
                      guint64 disk_size, GPtrArray *components,
                      const char *agent_path, GError **error);
/* The layer keys (docs/layers.md): element i (char*) is the key of the disk
 * after components 0..i, an HMAC keyed with the same secret over the same
 * inputs as the build key for those components only (and the agent), and
 * the disk's size (disk_size, 0 for the parent's) and whether the boot
 * has a network card (the agent's start-up differs), with its own label: a
 * component changes its own key and every later one, never an earlier
 * one, and no layer key is ever a build key.  NULL with error when the
 * agent cannot be read. */
GPtrArray *kiln_build_prefix_keys (GBytes *secret, const char *parent_digest,
                                   guint64 disk_size, gboolean network_user,
                                   GPtrArray *components,
                                   const char *agent_path, GError **error);

/* Runs the job; prints progress; returns the process exit code. */
int kiln_job_execute (KilnJob *job);
