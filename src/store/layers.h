/* layers.h - the layer files in the store: HOME/layers (docs/layers.md)
 *
 * A build keeps the layers it cut once it is available, failed or
 * cancelled: each file moves from its work directory to
 * HOME/layers/BUILDID-C.qcow2 (C: the component it is the disk after),
 * its backing file renamed to the store's copy of the layer below, and
 * gets its row in the catalog (catalog-layers.h).
 * Files are removed only through kiln_store_gc_layers, below HOME/layers
 * (confine.h), when no build keeps them (catalog-layers.h).
 */
#pragma once

#include <gio/gio.h>

#include "catalog-layers.h"
#include "store.h"

/* The path build_id's layer after component c has in the store. */
char *kiln_store_layer_path (KilnStore *store, gint64 build_id, gint64 c);

/* Moves the layer file src (a qcow2 delta) into the store as build_id's
 * layer after component c, with key; below_path (NULL: leave its backing
 * file alone) becomes its backing file, the layer below's store path;
 * records it (below: that layer's id, 0 for none).  Its id, or 0 with
 * error, and then nothing of it is left in the store. */
gint64 kiln_store_keep_layer (KilnStore *store, gint64 build_id,
                              const char *src, const char *key, gint64 c,
                              const char *component, gint64 below,
                              const char *below_path, char **kept_path,
                              GError **error);

/* Removes the layers no build keeps: their rows, then their files
 * (whose paths are appended to removed, which may be NULL); and the files
 * BUILD-C.qcow2 in HOME/layers that no row names, of a build that is not
 * live (a kiln killed between moving a layer in and recording it).  FALSE with
 * error when the catalog could not be read or a file not removed (the
 * others are still removed). */
gboolean kiln_store_gc_layers (KilnStore *store, GPtrArray *removed,
                               GError **error);
