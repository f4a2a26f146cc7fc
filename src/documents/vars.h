/* vars.h - {{ variable }} references in component documents
 *
 * AWSTOE documents refer to values with {{ ... }} (spaces inside the braces
 * are trimmed):
 *   {{ Name }}                          a parameter or constant
 *   {{ loop.index }} {{ loop.value }}   the current loop iteration
 *   {{ myLoop.index|value }}            the same through the loop's name
 *   {{ build.Step.outputs.stdout }}     chaining: a step's output
 *   {{ build.Step.inputs.path }}        chaining: a step's (map) input
 *   {{ build.Step.inputs[0].path }}     chaining: a step's (list) input
 * and kiln recipes use naming templates ({{ kiln:buildDate }},
 * {{ imagebuilder:buildVersion }}) that have no meaning in a component.
 *
 * kiln_vars_scan() finds and classifies references; kiln_vars_check_node()
 * checks them against a component; kiln_vars_substitute() expands the
 * parameter and constant references the host resolves before a build.
 */
#pragma once

#include <glib.h>

#include "component.h"
#include "base/diag.h"
#include "yamldoc.h"

typedef enum {
  KILN_VAR_NAME,     /* {{ Name }}: parameter or constant */
  KILN_VAR_LOOP,     /* {{ X.field }}: X is "loop" or a loop's name */
  KILN_VAR_CHAIN,    /* {{ phase.step.inputs[i].f }} / outputs.f */
  KILN_VAR_NAMING,   /* {{ kiln:x }}, {{ imagebuilder:x }} */
  KILN_VAR_INVALID,  /* shaped like a reference but malformed */
  KILN_VAR_FOREIGN,  /* not a kiln reference at all ({{.Go}} templates...):
                        left as literal text, never reported */
} KilnVarKind;

typedef struct {
  KilnVarKind kind;
  gsize start;         /* byte offset of "{{" in the scanned text */
  gsize end;           /* byte offset just past "}}" */
  char *text;          /* the whole "{{ ... }}" */
  char *expr;          /* the trimmed inside */
  char *scope;         /* LOOP: loop name or "loop"; CHAIN: phase;
                          NAMING: "kiln" / "imagebuilder" */
  char *step;          /* CHAIN: step name */
  gboolean output;     /* CHAIN: TRUE for outputs, FALSE for inputs */
  gint64 index;        /* CHAIN: inputs[i]; -1 when not indexed */
  char *field;         /* LOOP: "index"/"value"; CHAIN / NAMING: the field */
  const char *problem; /* INVALID: what is wrong (static text) */
} KilnVarRef;

void kiln_var_ref_free (KilnVarRef *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnVarRef, kiln_var_ref_free)

/* Every {{ ... }} of text in order (KilnVarRef*, owned by the array). */
GPtrArray *kiln_vars_scan (const char *text);

/* TRUE when text holds a reference kiln would report or resolve (anything
 * but FOREIGN). */
gboolean kiln_vars_has_refs (const char *text);

/* Replace every {{ Name }} whose Name is a key of values (name -> value)
 * with its value; everything else (loop variables, chaining, unknown
 * names, foreign text) stays as written.  Pure: no diagnostics. */
char *kiln_vars_substitute (const char *text, GHashTable *values);

/* The value text as a build would see it when only parameters and
 * constants are known: substituted, or NULL when a reference still depends
 * on run time (loop variables, chaining) or on a name values lacks. */
char *kiln_vars_resolve_static (const char *text, GHashTable *values);

/* Where a scalar sits, for the checks below. */
typedef enum {
  KILN_VARS_IN_INPUTS,     /* step inputs: chaining and loop variables */
  KILN_VARS_IN_LOOP_LIST,  /* forEach items / list: chaining, no loop vars */
  KILN_VARS_IN_LOOP_FOR,   /* for start/end/updateBy: names only (loop.c
                              reports chaining and loop variables there) */
  KILN_VARS_IN_CONDITION,  /* `if`: chaining; loop variables stay literal */
  KILN_VARS_IN_FIELD,      /* timeoutSeconds, maxAttempts, onFailure... */
} KilnVarsPlace;

/* Everything the checks need to know about the document. */
typedef struct KilnVarsScope KilnVarsScope;

/* doc_text may be NULL (positions then point at the scalar). */
KilnVarsScope *kiln_vars_scope_new (const KilnComponent *c,
                                    const char *doc_text, gsize doc_len);
void kiln_vars_scope_free (KilnVarsScope *scope);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnVarsScope, kiln_vars_scope_free)

/* Check every reference in every scalar below node, used by step
 * step_index of phase phase_index of the scope's component.  Errors and
 * warnings go to diags at the position of the "{{". */
void kiln_vars_check_node (KilnVarsScope *scope, guint phase_index,
                           guint step_index, const KilnNode *node,
                           KilnVarsPlace place, KilnDiags *diags);

/* The 1-based line and column of byte offset `offset` of scalar n's value
 * in the document text (falls back to the scalar's own position). */
void kiln_vars_locate (KilnVarsScope *scope, const KilnNode *n, gsize offset,
                       int *line, int *col);
