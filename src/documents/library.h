/* library.h - the built-in component library and component references
 *
 * A reference is a built-in name ("update-os": no '/', no .yaml/.yml
 * suffix) found as components/NAME.yaml in kiln's data directory, or a path
 * (relative to base_dir when given, else to the current directory).
 */
#pragma once

#include <glib.h>

gboolean kiln_library_ref_is_builtin (const char *ref);

/* Sorted names of the built-in components, NULL-terminated. */
GStrv kiln_library_names (void);

/* The file a reference names, or NULL with *why set to "expected ...,
 * found ..." (with a did-you-mean over the built-in names). */
char *kiln_library_locate (const char *ref, const char *base_dir, char **why);
