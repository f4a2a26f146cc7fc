/* component.h - AWSTOE component documents (schemaVersion 1.0)
 *
 * kiln_component_load() parses and fully validates a component: top-level
 * keys, parameters and constants, phases, steps, each action's inputs,
 * loops, conditions and every {{ variable }} reference.  The returned model
 * keeps the document alive so every part still has its line:column.
 */
#pragma once

#include <glib.h>

#include "base/diag.h"
#include "yamldoc.h"

typedef struct {
  char *name;
  char *type;               /* "string" */
  char *default_value;      /* NULL when the parameter has no default */
  char *description;        /* may be NULL */
  char **allowed_values;    /* allowedValues, or NULL when not declared */
  const KilnNode *node;     /* the parameter's entry */
} KilnParam;

typedef struct {
  char *name;
  char *type;
  char *value;              /* scalars are stringified (value: 1 -> "1") */
  const KilnNode *node;
} KilnConstant;

typedef struct {
  char *name;
  char *action;
  gint64 timeout_seconds;   /* default 7200; -1 = no limit */
  char *on_failure;         /* "Abort" (default), "Continue", "Ignore" */
  gint64 max_attempts;      /* default 1 */
  const KilnNode *inputs;   /* NULL when absent */
  const KilnNode *loop;     /* NULL when absent */
  const KilnNode *if_expr;  /* NULL when absent */
  const KilnNode *node;     /* the step mapping */
} KilnStep;

typedef struct {
  char *name;               /* unique; "build", "validate", "test" or any
                             * other name (run only when asked for) */
  GPtrArray *steps;         /* KilnStep* */
  const KilnNode *node;
} KilnPhase;

typedef struct {
  KilnDoc *doc;             /* owns every KilnNode referenced below */
  char *path;               /* as given */
  char *name;               /* may be NULL (optional in AWSTOE) */
  char *description;
  char *schema_version;     /* "1.0" */
  GPtrArray *parameters;    /* KilnParam* */
  GPtrArray *constants;     /* KilnConstant* */
  GPtrArray *phases;        /* KilnPhase*, document order */
} KilnComponent;

/* Parse and validate.  On any error returns NULL; every problem is in diags.
 * Warnings may be added while still returning a component. */
KilnComponent *kiln_component_load (const char *path, KilnDiags *diags);
/* Takes ownership of doc (freed on failure too). */
KilnComponent *kiln_component_from_doc (KilnDoc *doc, KilnDiags *diags);
void kiln_component_free (KilnComponent *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnComponent, kiln_component_free)

const KilnPhase *kiln_component_get_phase (const KilnComponent *c,
                                           const char *name);
const KilnParam *kiln_component_get_param (const KilnComponent *c,
                                           const char *name);
/* A document that looks like a component: has 'phases' and 'schemaVersion'. */
gboolean kiln_component_doc_looks_like (const KilnDoc *doc);
