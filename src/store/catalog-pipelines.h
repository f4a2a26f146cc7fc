/* catalog-pipelines.h - pipelines and their runs in the catalog
 *
 * A pipeline is known by its name once it was run or installed: the file
 * it came from, whether kiln disabled it (and why), how many runs in a row
 * failed, and where its timer was installed.  Every run is recorded, the
 * skipped ones too: its trigger, its result (running, available, failed,
 * cancelled, skipped), why, the build it made, what it depended on (the
 * inputs, JSON) and the process that ran it.  The tables are additive: a
 * catalog made before them gains them when it is opened.
 */
#pragma once

#include <glib.h>

#include "catalog.h"

typedef struct {
  char *name;
  char *path;            /* the pipeline file, absolute */
  char *disabled;        /* why kiln disabled it; NULL: enabled */
  char *disabled_at;
  guint failures;        /* failed runs in a row */
  char *installed;       /* where its schedule went (a unit directory, or
                          * "crontab"); NULL: not installed */
} KilnPipelineRecord;

void kiln_pipeline_record_free (KilnPipelineRecord *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnPipelineRecord, kiln_pipeline_record_free)

typedef struct {
  gint64 id;
  gint64 number;         /* 1, 2, ... per pipeline */
  char *pipeline;
  char *trigger;         /* "schedule" or "manual" */
  char *state;           /* running available failed cancelled skipped */
  char *reason;          /* why it was skipped, or how it failed */
  gint64 build_id;       /* 0: none (or forgotten since) */
  char *build;           /* NAME/VERSION/NUMBER, kept when the build goes */
  char *inputs;          /* JSON (automation/inputs.h), or NULL */
  gint64 pid;
  char *started;
  char *finished;
} KilnRunRecord;

void kiln_run_record_free (KilnRunRecord *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnRunRecord, kiln_run_record_free)

/* The pipeline name from path: added, or its path updated. */
gboolean kiln_catalog_register_pipeline (KilnCatalog *cat, const char *name,
                                         const char *path, GError **error);
/* NULL without an error when the catalog does not know name. */
KilnPipelineRecord *kiln_catalog_get_pipeline (KilnCatalog *cat,
                                               const char *name,
                                               GError **error);
/* Every known pipeline, by name.  KilnPipelineRecord*. */
GPtrArray *kiln_catalog_list_pipelines (KilnCatalog *cat, GError **error);
/* why NULL: enabled again (and the failure count back to 0). */
gboolean kiln_catalog_set_pipeline_disabled (KilnCatalog *cat,
                                             const char *name,
                                             const char *why, GError **error);
/* where NULL: uninstalled. */
gboolean kiln_catalog_set_pipeline_installed (KilnCatalog *cat,
                                              const char *name,
                                              const char *where,
                                              GError **error);
/* Forget the pipeline (its runs stay, for the record). */
gboolean kiln_catalog_forget_pipeline (KilnCatalog *cat, const char *name,
                                       GError **error);

/* A new run: state "running" (finished later) or already final
 * ("skipped").  Returns its id, 0 on error; *number its number. */
gint64 kiln_catalog_begin_run (KilnCatalog *cat, const char *pipeline,
                               const char *trigger, const char *state,
                               const char *reason, gint64 pid,
                               gint64 *number, GError **error);
/* The run's result.  failed adds one to the pipeline's failures in a row,
 * available sets them to 0, the others leave them; *failures (may be NULL)
 * is the count after it. */
gboolean kiln_catalog_finish_run (KilnCatalog *cat, gint64 run_id,
                                  const char *state, const char *reason,
                                  gint64 build_id, const char *build,
                                  const char *inputs, guint *failures,
                                  GError **error);
/* Runs still "running": marked cancelled, "interrupted".  Only for a
 * caller that holds the pipeline's lock: then no run of it is going, and a
 * run left "running" belonged to a process that was killed. */
gboolean kiln_catalog_close_abandoned_runs (KilnCatalog *cat,
                                            const char *pipeline,
                                            GError **error);
/* Runs of pipeline, newest first, at most limit (0: all). */
GPtrArray *kiln_catalog_list_runs (KilnCatalog *cat, const char *pipeline,
                                   guint limit, GError **error);
/* The newest run of pipeline in state (NULL: any); NULL without an error
 * when there is none. */
KilnRunRecord *kiln_catalog_last_run (KilnCatalog *cat, const char *pipeline,
                                      const char *state, GError **error);
