/* plan.h - compile components and their bound parameters into the plan the
 * guest agent runs (docs/agent-protocol.md). */
#pragma once

#include <glib.h>

#include "build/s3-transfers.h"
#include "documents/component.h"

typedef struct {
  KilnComponent *component;   /* borrowed */
  GHashTable *params;         /* name -> value: parameters and constants */
  GHashTable *secret;         /* parameter names the recipe marked secret
                               * (a set, or NULL): redacted in the manifest,
                               * masked in what the agent and kiln report */
  char *ref;                  /* how the recipe named it ("update-os") */
  gboolean offline;           /* `offline: true`: build and validate in the
                               * libguestfs appliance (docs/offline.md) */
} KilnPlanComponent;

/* Frees a KilnPlanComponent and what it owns (a GPtrArray's free func). */
void kiln_plan_component_free (gpointer pc);

/* Fetches the document at an s3:// URI (expected_owner may be NULL) to a
 * local file: *path (free it) on TRUE. */
typedef gboolean (*KilnPlanFetchDocument) (gpointer data, const char *uri,
                                           const char *expected_owner,
                                           char **path, GError **error);

typedef struct {
  const char *run_id;         /* e.g. "web-golden-1.2.0-7-build" */
  const char *stage;          /* "build" or "test" */
  const char *const *phases;  /* phase names to run, NULL-terminated;
                               * NULL: every phase, in document order */
  gboolean poweroff;          /* the agent powers the guest off when done */
  KilnS3Transfers *s3;        /* registers the S3 steps' transfers (their
                               * ids go in the plan); NULL refuses them */
  KilnPlanFetchDocument fetch_document;  /* ExecuteDocument of an s3://
                                          * document; NULL refuses it */
  gpointer fetch_data;
  /* layers (docs/layers.md): components before first_component are left
   * out (the build starts from a layer that has them), and layers, when
   * not NULL, gives each component's document its "layer" member (one
   * gint64 per component, 0: none) */
  guint first_component;
  const gint64 *layers;
} KilnPlanOptions;

/* Returns the plan as JSON text, or NULL with error (KILN_ERROR_INPUT) when
 * a step cannot run (an S3 step with opts->s3 NULL, or whose S3 URI is
 * known only at run time).  *n_steps (may be NULL) counts the
 * steps included, so a stage with nothing to run can be skipped. */
char *kiln_plan_compile (GPtrArray *components /* KilnPlanComponent* */,
                         const KilnPlanOptions *opts, guint *n_steps,
                         GError **error);

/* The values of the secret parameters of all components (marked secret in
 * the recipe, or named like a secret: outputs/manifest.h), each once; a
 * NULL-terminated list, empty when there is none.  The plan carries them
 * (KILN_PLAN_KEY_SECRETS) so the agent masks them; the host masks them in
 * the build log, on screen and in the failure report. */
char **kiln_plan_secret_values (GPtrArray *components);

/* The plan's waitForCloudInit member (FALSE when absent or unreadable). */
gboolean kiln_plan_waits_for_cloud_init (const char *plan_json);

/* Does any selected phase (NULL: any) of any component have steps? */
gboolean kiln_plan_has_steps (GPtrArray *components,
                              const char *const *phases);
