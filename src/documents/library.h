/* library.h - the built-in component library and component references
 *
 * A reference is a built-in name ("update-os": no '/', no .yaml/.yml
 * suffix) found as components/NAME.yaml in kiln's data directory, or a path
 * (relative to base_dir when given, else to the current directory).  This
 * module is the one place that lists the library and says why a reference
 * names no component (recipes, kiln run/test, kiln components).
 */
#pragma once

#include <glib.h>

gboolean kiln_library_ref_is_builtin (const char *ref);

/* The names (file stems) of the components in the library folder dir:
 * every NAME.yaml but hidden files, sorted, NULL-terminated.  NULL with
 * error when dir cannot be read. */
GStrv kiln_library_list (const char *dir, GError **error);

/* The file a reference names, or NULL with *why set to "expected ...,
 * found ..." (with a did-you-mean over the built-in names). */
char *kiln_library_locate (const char *ref, const char *base_dir, char **why);

/* NULL when path (what ref resolved to) is a regular file, else why it
 * names no component file. */
char *kiln_library_check_file (const char *ref, const char *path);
