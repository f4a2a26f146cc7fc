/* catalog-layers.h - per-component layers in the catalog (docs/layers.md)
 *
 * A layer is a qcow2 file: the disk of a build boot after component
 * component_index (1-based, as the recipe lists them), a delta over the
 * layer below it (below; 0: over the parent image).  Its key is the layer
 * key of those components (kiln_build_prefix_keys, src/build/job.h).
 *
 * Two tables, added to catalogs of any age on open: `layers` (one row per
 * file, with the build that cut it) and `layer_uses` (which builds use
 * which layers: the build that cut it, and every build that started from
 * it or from a layer above it).  A layer is live while a build that uses
 * it keeps it: one pending, running or available, or one failed or
 * cancelled that no later build of its recipe has ended after (the retry
 * of a fixed component starts from its layers); the others are taken away
 * by kiln_catalog_take_dead_layers (their files are then the store's to
 * remove: store/layers.h).
 */
#pragma once

#include <gio/gio.h>

#include "catalog.h"

typedef struct {
  gint64 id;
  char *key;
  gint64 build_id;           /* the build that cut it */
  gint64 component_index;    /* the layer is the disk after this one */
  char *component;           /* its reference in the recipe */
  char *path;
  gint64 below;              /* the layer under it, 0: the parent */
  guint64 size;              /* bytes on the host when it was kept */
  char *created;
  char *cut_by;              /* "NAME/VERSION/N" of build_id, or NULL */
} KilnLayerRecord;

void kiln_layer_record_free (KilnLayerRecord *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnLayerRecord, kiln_layer_record_free)

/* Records a layer build_id cut (and that build_id uses it): its id, or 0
 * with error. */
gint64 kiln_catalog_add_layer (KilnCatalog *cat, gint64 build_id,
                               const char *key, gint64 component_index,
                               const char *component, const char *path,
                               gint64 below, guint64 size, GError **error);

/* In one transaction: the newest live layer with key, recorded as used by
 * build_id together with every layer below it, so that no removal takes
 * them while build_id runs.  NULL (error unset) when there is none. */
KilnLayerRecord *kiln_catalog_take_layer (KilnCatalog *cat, gint64 build_id,
                                          const char *key, GError **error);

/* The layers build_id uses (cut or started from), by component index;
 * KilnLayerRecord*. */
GPtrArray *kiln_catalog_build_layers (KilnCatalog *cat, gint64 build_id,
                                      GError **error);

/* Whether a layer row names path. */
gboolean kiln_catalog_layer_path_known (KilnCatalog *cat, const char *path);

/* Whether build_id is pending, running or available (a layer file of
 * its that no row names yet may still be recorded). */
gboolean kiln_catalog_build_is_live (KilnCatalog *cat, gint64 build_id);

/* In one transaction: the layers no build keeps, their rows deleted;
 * KilnLayerRecord* (their files are the caller's to remove). */
GPtrArray *kiln_catalog_take_dead_layers (KilnCatalog *cat, GError **error);
