/* params.h - binding supplied parameter values to a component's declarations */
#pragma once

#include <glib.h>

#include "component.h"
#include "base/diag.h"
#include "yamldoc.h"

typedef enum {
  /* Recipes: a name the component does not declare is an error (with a
   * "did you mean" suggestion). */
  KILN_PARAMS_STRICT,
  /* `kiln run --parameters`: like awstoe, undeclared names are ignored with
   * a warning. */
  KILN_PARAMS_LENIENT,
  /* Like STRICT, for values that may still hold {{ references }} to the
   * caller's parameters (ExecuteDocument's inputs before the plan substitutes
   * them): such values are checked against allowedValues later. */
  KILN_PARAMS_STRICT_UNRESOLVED,
} KilnParamsMode;

/* supplied: name -> value (strings).  `at` is where the values were given
 * (a recipe's component entry) for error positions; a supplied value's own
 * node may be looked up in supplied_nodes (name -> const KilnNode*), which may
 * be NULL.  Returns name -> value for every parameter and constant of c
 * (defaults filled in), or NULL with errors in diags (a required parameter
 * without a value, an unknown name in strict mode). */
GHashTable *kiln_params_bind (const KilnComponent *c, GHashTable *supplied,
                              GHashTable *supplied_nodes, const KilnNode *at,
                              KilnParamsMode mode, KilnDiags *diags);
/* The same, with value_nodes (name -> the value's const KilnNode*, may be
 * NULL) for the position of a value that is not one of its parameter's
 * allowedValues (else the name's node, else `at`). */
GHashTable *kiln_params_bind_at (const KilnComponent *c, GHashTable *supplied,
                                 GHashTable *supplied_nodes,
                                 GHashTable *value_nodes, const KilnNode *at,
                                 KilnParamsMode mode, KilnDiags *diags);

/* A parameter with allowedValues takes only one of them: reports at `at`
 * (may be NULL: the component's file) and returns FALSE otherwise.  `whose`
 * says where the value came from ("its default", "the value given"). */
gboolean kiln_params_check_allowed (const KilnParam *p, const char *value,
                                    const KilnNode *at, const char *whose,
                                    KilnDiags *diags);
