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
