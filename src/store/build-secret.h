/* build-secret.h - the per-$KILN_HOME random key of the build key
 *
 * The build key (src/build/stage-resolve.c) is an HMAC-SHA256 keyed with
 * KILN_BUILD_SECRET_LEN random bytes kept in $KILN_HOME/build-key.secret
 * (0600, made on first use, atomically: concurrent kiln processes end up
 * with one file).  The same inputs in the same home give the same build
 * key, so the cache works; the key, which the catalog, the log and the
 * manifest show, says nothing about the values hashed into it (secret
 * parameters included) to anyone without that file, so a weak secret
 * cannot be guessed offline from it.  Losing the file costs one rebuild.
 */
#pragma once

#include <glib.h>

#define KILN_BUILD_SECRET_LEN 32

/* The key of home, created when there is none.  KILN_ERROR_HOST when it
 * cannot be made or read, or when the file is not a regular file owned by
 * this user, readable by it only, of KILN_BUILD_SECRET_LEN bytes: such a
 * file is reported, never used or replaced. */
GBytes *kiln_build_secret_load (const char *home, GError **error);
