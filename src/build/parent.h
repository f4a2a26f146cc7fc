/* parent.h - find the image a recipe's `parent` names
 *
 * A path: the file itself.  `name@1.x`: the newest available build of that
 * recipe in the catalog whose version matches.  A template name: the stored
 * image of that template (built on demand by `kiln template build`).
 */
#pragma once

#include <glib.h>

#include "documents/recipe.h"

/* *path: the image file; *format: its format when known, else NULL. */
gboolean kiln_parent_resolve (const KilnParentRef *ref, char **path,
                              char **format, GError **error);
