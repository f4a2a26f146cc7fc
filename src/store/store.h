/* store.h - the image store: what kiln keeps of its builds under $KILN_HOME
 *
 *   HOME/catalog.db                         every build and its state
 *                                           (catalog.h)
 *   HOME/images/NAME/VERSION/N/image.qcow2  build N's flattened image, the
 *                                           parent of recipes that say
 *                                           `parent: NAME@VERSION`
 *   HOME/logs/NAME/VERSION/N.log            build N's log
 *   HOME/layers/ID-C.qcow2                  the layer build ID cut after
 *                                           its component C (layers.h)
 *
 * The store writes an image under a temporary name and renames it, and
 * records images, artifacts and logs in the catalog.  Everything that
 * removes a build's image goes through here: `kiln images rm` and `prune`
 * and a recipe's outputs.retain use kiln_store_remove() and
 * kiln_store_retain(); lifecycle rules (lifecycle-plan.h) use
 * kiln_store_delete().  The store deletes, creates and reads only the
 * layout paths above, walking down from HOME/images (or HOME/logs) one
 * directory at a time without following symbolic links or crossing a mount
 * (src/base/confine.h), so neither a link or a mount inside the store nor
 * a catalog entry can make it delete or read anything elsewhere.  Artifacts in
 * output directories belong to the user and are never touched, unless a
 * lifecycle delete rule says `artifacts: true`.
 *
 * Layers are shared between builds: the catalog counts who uses one
 * (catalog-layers.h), and every removal above ends by removing the layers
 * no live build uses any more (kiln_store_gc_layers, layers.h).
 */
#pragma once

#include <gio/gio.h>

#include "catalog.h"

typedef struct KilnStore KilnStore;

/* The store under home; creates the catalog when there is none.  What a
 * kiln that was killed left behind is recovered first (recover.h), with a
 * line on stderr for each thing recovered. */
KilnStore *kiln_store_open (const char *home, GError **error);
/* The same, but NULL without an error when nothing was ever built there
 * (no catalog): commands that only read or remove must not create one. */
KilnStore *kiln_store_open_existing (const char *home, GError **error);
void kiln_store_free (KilnStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnStore, kiln_store_free)

/* The store's catalog (owned by the store). */
KilnCatalog *kiln_store_catalog (KilnStore *store);
/* HOME/layers */
const char *kiln_store_layers_dir (KilnStore *store);

/* The layout.  KILN_ERROR_INPUT when a name or version is not a plain
 * file name ("", ".", "..", or with a '/'). */
char *kiln_store_build_dir (KilnStore *store, const char *name,
                            const char *version, gint64 number,
                            GError **error);
char *kiln_store_log_path (KilnStore *store, const char *name,
                           const char *version, gint64 number,
                           GError **error);

/* A new build of name/version in the catalog, in state pending, with the
 * next build number for that name and version in *number. */
gint64 kiln_store_begin_build (KilnStore *store, const char *name,
                               const char *version, const char *recipe_path,
                               gint64 *number, GError **error);
/* Where build_id's log goes, its directory created; the caller records it
 * with kiln_store_record_log() once the log is open. */
char *kiln_store_prepare_log (KilnStore *store, gint64 build_id,
                              GError **error);
gboolean kiln_store_record_log (KilnStore *store, gint64 build_id,
                                const char *log_path, GError **error);
/* The text of r's log (NUL-terminated; *len without the NUL), read from its
 * layout path below HOME/logs, never from a path the catalog names: a
 * link or a mount there is refused (confine.h). */
char *kiln_store_read_log (KilnStore *store, const KilnBuildRecord *r,
                           gsize *len, GError **error);
gboolean kiln_store_record_artifact (KilnStore *store, gint64 build_id,
                                     const char *format, const char *path,
                                     guint64 size, const char *sha256,
                                     GError **error);

/* Same signature as the qemu-img backend's progress callback. */
typedef void (*KilnStoreProgressFn) (double fraction, gpointer data);

/* Store build_id's image: src (with any backing chain) flattened into one
 * qcow2 at the build's layout path, written under a temporary name and
 * renamed, its path and digest recorded in the catalog.  Returns the
 * image's path; on failure nothing of it is left in the store. */
char *kiln_store_put_image (KilnStore *store, gint64 build_id,
                            const char *src, const char *src_format,
                            KilnStoreProgressFn progress, gpointer data,
                            GCancellable *cancellable, GError **error);

/* Remove build_id's directory from the store, leaving the catalog alone
 * (a build that failed after its image was stored). */
gboolean kiln_store_discard_image (KilnStore *store, gint64 build_id,
                                   GError **error);

/* The newest available build of name with build key key whose image and
 * every recorded artifact (under output_dir, NULL for the current
 * directory) are still there; NULL when there is none. */
KilnBuildRecord *kiln_store_find_identical (KilnStore *store,
                                            const char *name,
                                            const char *key,
                                            const char *output_dir);

/* Remove r's image from the store and mark r deleted, why as the detail;
 * its catalog entry and its log stay (`kiln logs` still works). */
gboolean kiln_store_remove (KilnStore *store, const KilnBuildRecord *r,
                            const char *why, GError **error);
/* Delete r for a lifecycle rule: its image in the store (and what later
 * keeps per build, such as layers), its log, and with with_artifacts the
 * files its catalog entry lists in the output directory (the one time
 * kiln removes a user's files: only when the rule says so); r is marked
 * deleted with why.  The catalog entry stays, so the run that made it can
 * still be found. */
gboolean kiln_store_delete (KilnStore *store, const KilnBuildRecord *r,
                            gboolean with_artifacts, const char *why,
                            GError **error);
/* Forget build_id: its catalog entry and its log. */
gboolean kiln_store_forget (KilnStore *store, gint64 build_id,
                            GError **error);

/* Retention: which of one recipe's builds stay. */
typedef struct {
  guint keep;              /* available builds kept, newest first */
  gint64 in_progress;      /* a build about to become available: counted
                            * among the kept ones, never removed (0: none) */
  gboolean forget_failed;  /* also forget failed and cancelled builds */
  gboolean dry_run;        /* change nothing; report what would go */
  const char *why;         /* the detail recorded with state deleted */
} KilnRetainPolicy;

typedef enum {
  KILN_STORE_REMOVED,      /* image removed from the store, marked deleted */
  KILN_STORE_FORGOTTEN,    /* a failed or cancelled build and its log */
} KilnStoreAction;

/* Called for each build that went (error NULL), would go in a dry run
 * (error NULL), or could not go (error set). */
typedef void (*KilnStoreRetainFn) (const KilnBuildRecord *r,
                                   KilnStoreAction action,
                                   const GError *error, gpointer data);

/* Apply policy to the builds of name, newest first.  FALSE with error only
 * when the catalog cannot be read; a build that could not be removed is
 * reported to fn and the others are still tried. */
gboolean kiln_store_retain (KilnStore *store, const char *name,
                            const KilnRetainPolicy *policy,
                            KilnStoreRetainFn fn, gpointer data,
                            GError **error);
