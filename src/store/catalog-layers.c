/* catalog-layers.c - per-component layers in the catalog
 * (catalog-layers.h) */
#include "catalog-layers.h"

#include "catalog-private.h"
#include "common/kiln.h"

const char kiln_catalog_layers_schema[] =
  "CREATE TABLE IF NOT EXISTS layers ("
  "  id INTEGER PRIMARY KEY, key TEXT NOT NULL,"
  "  build_id INTEGER NOT NULL, component_index INTEGER NOT NULL,"
  "  component TEXT NOT NULL, path TEXT NOT NULL, below INTEGER,"
  "  size INTEGER, created TEXT NOT NULL);"
  "CREATE INDEX IF NOT EXISTS layers_by_key ON layers (key);"
  "CREATE TABLE IF NOT EXISTS layer_uses ("
  "  build_id INTEGER NOT NULL REFERENCES builds(id) ON DELETE CASCADE,"
  "  layer_id INTEGER NOT NULL REFERENCES layers(id) ON DELETE CASCADE,"
  "  PRIMARY KEY (build_id, layer_id));";

/* a build that still needs its layers */
#define LIVE_STATES "('pending', 'building', 'testing', 'distributing', " \
                    "'available')"
#define LAYER_COLUMNS "l.id, l.key, l.build_id, l.component_index, " \
                      "l.component, l.path, l.below, l.size, l.created, " \
                      "(SELECT b.name || '/' || b.version || '/' || " \
                      "b.build_number FROM builds b WHERE b.id = l.build_id)"
/* A layer stays while a build that keeps layers uses it: a live build, or
 * a failed or cancelled one that no later build of its recipe (name and
 * version) has ended after, so that the retry of a fixed component starts
 * from the layers before it; the next build to end lets them go. */
#define IS_LIVE "EXISTS (SELECT 1 FROM layer_uses u JOIN builds b ON " \
                "b.id = u.build_id WHERE u.layer_id = l.id AND (b.state IN " \
                LIVE_STATES " OR (b.state IN ('failed', 'cancelled') AND " \
                "NOT EXISTS (SELECT 1 FROM builds n WHERE n.name = b.name " \
                "AND n.version = b.version AND n.id > b.id AND n.state " \
                "NOT IN " LIVE_STATES "))))"

void
kiln_layer_record_free (KilnLayerRecord *l)
{
  if (!l)
    return;
  g_free (l->key);
  g_free (l->component);
  g_free (l->path);
  g_free (l->created);
  g_free (l->cut_by);
  g_free (l);
}

static KilnLayerRecord *
layer_from_row (sqlite3_stmt *st)
{
  KilnLayerRecord *l = g_new0 (KilnLayerRecord, 1);
  l->id = sqlite3_column_int64 (st, 0);
  l->key = kiln_catalog_column_text (st, 1);
  l->build_id = sqlite3_column_int64 (st, 2);
  l->component_index = sqlite3_column_int64 (st, 3);
  l->component = kiln_catalog_column_text (st, 4);
  l->path = kiln_catalog_column_text (st, 5);
  l->below = sqlite3_column_int64 (st, 6);
  l->size = (guint64) sqlite3_column_int64 (st, 7);
  l->created = kiln_catalog_column_text (st, 8);
  l->cut_by = kiln_catalog_column_text (st, 9);
  return l;
}

static gboolean
use_layer (KilnCatalog *cat, gint64 build_id, gint64 layer_id, GError **error)
{
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "INSERT OR IGNORE INTO layer_uses (build_id, layer_id) "
           "VALUES (?, ?)", error);
  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, build_id);
  sqlite3_bind_int64 (st, 2, layer_id);
  if (sqlite3_step (st) != SQLITE_DONE)
    return kiln_catalog_fail (cat, "record a layer's use", error);
  return TRUE;
}

static gboolean
begin (KilnCatalog *cat, GError **error)
{
  return kiln_catalog_exec (cat, "BEGIN IMMEDIATE", error);
}

static gboolean
commit (KilnCatalog *cat, gboolean ok, GError **error)
{
  if (ok && kiln_catalog_exec (cat, "COMMIT", error))
    return TRUE;
  kiln_catalog_exec (cat, "ROLLBACK", NULL);
  return FALSE;
}

gint64
kiln_catalog_add_layer (KilnCatalog *cat, gint64 build_id, const char *key,
                        gint64 component_index, const char *component,
                        const char *path, gint64 below, guint64 size,
                        GError **error)
{
  if (!begin (cat, error))
    return 0;
  g_autofree char *now = kiln_catalog_now ();
  gint64 id = 0;
  {
    g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
        cat, "INSERT INTO layers (key, build_id, component_index, "
             "component, path, below, size, created) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);
    if (st)
      {
        sqlite3_bind_text (st, 1, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64 (st, 2, build_id);
        sqlite3_bind_int64 (st, 3, component_index);
        sqlite3_bind_text (st, 4, component, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (st, 5, path, -1, SQLITE_TRANSIENT);
        if (below > 0)
          sqlite3_bind_int64 (st, 6, below);
        else
          sqlite3_bind_null (st, 6);
        sqlite3_bind_int64 (st, 7, (sqlite3_int64) size);
        sqlite3_bind_text (st, 8, now, -1, SQLITE_TRANSIENT);
        if (sqlite3_step (st) == SQLITE_DONE)
          id = sqlite3_last_insert_rowid (kiln_catalog_db (cat));
        else
          kiln_catalog_fail (cat, "record a layer", error);
      }
  }
  if (!commit (cat, id > 0 && use_layer (cat, build_id, id, error), error))
    return 0;
  return id;
}

static KilnLayerRecord *
get_layer (KilnCatalog *cat, gint64 id, GError **error)
{
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "SELECT " LAYER_COLUMNS " FROM layers l WHERE l.id = ?", error);
  if (!st)
    return NULL;
  sqlite3_bind_int64 (st, 1, id);
  if (sqlite3_step (st) != SQLITE_ROW)
    return NULL;
  return layer_from_row (st);
}

KilnLayerRecord *
kiln_catalog_take_layer (KilnCatalog *cat, gint64 build_id, const char *key,
                         GError **error)
{
  if (!begin (cat, error))
    return NULL;
  g_autoptr (KilnLayerRecord) found = NULL;
  {
    g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
        cat, "SELECT " LAYER_COLUMNS " FROM layers l WHERE l.key = ? AND "
             IS_LIVE " ORDER BY l.id DESC LIMIT 1", error);
    if (!st)
      {
        commit (cat, FALSE, NULL);
        return NULL;
      }
    sqlite3_bind_text (st, 1, key, -1, SQLITE_TRANSIENT);
    if (sqlite3_step (st) == SQLITE_ROW)
      found = layer_from_row (st);
  }
  gboolean ok = TRUE;
  /* the chain below it: each a row, each used by build_id; a chain is at
   * most as long as a recipe's list of components */
  for (gint64 id = found ? found->id : 0; ok && id > 0;)
    {
      g_autoptr (KilnLayerRecord) l = get_layer (cat, id, error);
      ok = l != NULL && use_layer (cat, build_id, id, error);
      if (l == NULL && error && *error == NULL)
        g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                     "catalog: layer %" G_GINT64_FORMAT " is below another "
                     "and has no row", id);
      id = l ? l->below : 0;
    }
  if (!commit (cat, ok, error))
    return NULL;
  return g_steal_pointer (&found);
}

static GPtrArray *
list_layers (KilnCatalog *cat, const char *sql, gint64 build_id,
             GError **error)
{
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (cat, sql, error);
  if (!st)
    return NULL;
  if (build_id > 0)
    sqlite3_bind_int64 (st, 1, build_id);
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_layer_record_free);
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (out, layer_from_row (st));
  if (rc != SQLITE_DONE)
    {
      g_ptr_array_unref (out);
      kiln_catalog_fail (cat, "list layers", error);
      return NULL;
    }
  return out;
}

GPtrArray *
kiln_catalog_build_layers (KilnCatalog *cat, gint64 build_id, GError **error)
{
  return list_layers (cat, "SELECT " LAYER_COLUMNS " FROM layers l JOIN "
                           "layer_uses u ON u.layer_id = l.id WHERE "
                           "u.build_id = ? ORDER BY l.component_index, l.id",
                      build_id, error);
}

GPtrArray *
kiln_catalog_take_dead_layers (KilnCatalog *cat, GError **error)
{
  if (!begin (cat, error))
    return NULL;
  g_autoptr (GPtrArray) dead = list_layers (
      cat, "SELECT " LAYER_COLUMNS " FROM layers l WHERE NOT " IS_LIVE
           " ORDER BY l.id DESC", 0, error);
  gboolean ok = dead != NULL;
  for (guint i = 0; ok && i < dead->len; i++)
    {
      const KilnLayerRecord *l = dead->pdata[i];
      g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
          cat, "DELETE FROM layers WHERE id = ?", error);
      ok = st != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (st, 1, l->id);
          ok = sqlite3_step (st) == SQLITE_DONE
               || kiln_catalog_fail (cat, "delete a layer", error);
        }
    }
  if (!commit (cat, ok, error))
    return NULL;
  return g_steal_pointer (&dead);
}

gboolean
kiln_catalog_layer_path_known (KilnCatalog *cat, const char *path)
{
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "SELECT 1 FROM layers WHERE path = ?", NULL);
  if (!st)
    return TRUE;   /* unreadable: never a reason to remove a file */
  sqlite3_bind_text (st, 1, path, -1, SQLITE_TRANSIENT);
  return sqlite3_step (st) == SQLITE_ROW;
}

gboolean
kiln_catalog_build_is_live (KilnCatalog *cat, gint64 build_id)
{
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "SELECT 1 FROM builds WHERE id = ? AND state IN " LIVE_STATES,
      NULL);
  if (!st)
    return TRUE;
  sqlite3_bind_int64 (st, 1, build_id);
  return sqlite3_step (st) == SQLITE_ROW;
}
