/* catalog-private.h - what the catalog's own files share (catalog.c and
 * catalog-pipelines.c); nothing outside src/store/ includes it. */
#pragma once

#include <sqlite3.h>

#include "catalog.h"

sqlite3_stmt *kiln_catalog_prepare (KilnCatalog *cat, const char *sql,
                                    GError **error);
/* Sets a KILN_ERROR_HOST error naming the catalog, what failed and
 * SQLite's message; returns FALSE. */
gboolean kiln_catalog_fail (KilnCatalog *cat, const char *what,
                            GError **error);
/* Runs sql (no result rows); FALSE with an error. */
gboolean kiln_catalog_exec (KilnCatalog *cat, const char *sql,
                            GError **error);
/* The current time as catalogs record it (ISO 8601, UTC). */
char *kiln_catalog_now (void);
/* Column i as a new string, NULL for NULL. */
char *kiln_catalog_column_text (sqlite3_stmt *st, int i);

/* catalog-pipelines.c: its tables, created on open with the others. */
extern const char kiln_catalog_pipelines_schema[];
/* catalog-layers.c: the same */
extern const char kiln_catalog_layers_schema[];
/* The SQLite handle (owned by the catalog). */
sqlite3 *kiln_catalog_db (KilnCatalog *cat);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)
