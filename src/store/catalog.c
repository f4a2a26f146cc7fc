/* catalog.c - the SQLite catalog of builds, their states and artifacts */
#include "catalog.h"

#include <gio/gio.h>
#include <sqlite3.h>

#include "catalog-private.h"
#include <string.h>
#include <sys/stat.h>

#include "base/owner.h"
#include "common/kiln.h"

struct KilnCatalog {
  sqlite3 *db;
  char *path;
};

static const char schema[] =
  "PRAGMA journal_mode=WAL;"
  "CREATE TABLE IF NOT EXISTS builds ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL, version TEXT NOT NULL, build_number INTEGER NOT NULL,"
  "  state TEXT NOT NULL, recipe_path TEXT, build_key TEXT, parent TEXT,"
  "  parent_digest TEXT, image_path TEXT, image_digest TEXT, log_path TEXT,"
  "  failure TEXT, started TEXT NOT NULL, finished TEXT,"
  "  UNIQUE (name, version, build_number));"
  "CREATE TABLE IF NOT EXISTS build_states ("
  "  build_id INTEGER NOT NULL REFERENCES builds(id) ON DELETE CASCADE,"
  "  state TEXT NOT NULL, at TEXT NOT NULL, detail TEXT);"
  "CREATE TABLE IF NOT EXISTS artifacts ("
  "  build_id INTEGER NOT NULL REFERENCES builds(id) ON DELETE CASCADE,"
  "  format TEXT NOT NULL, path TEXT NOT NULL, size INTEGER, sha256 TEXT);"
  "CREATE TABLE IF NOT EXISTS digests ("
  "  path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha256 TEXT);"
  /* added for lifecycle policies: a table of its own, so a catalog made
   * before it gains it on open and nothing else changes */
  "CREATE TABLE IF NOT EXISTS deprecations ("
  "  build_id INTEGER PRIMARY KEY REFERENCES builds(id) ON DELETE CASCADE,"
  "  at TEXT NOT NULL, detail TEXT);";

/* Columns added after the first release, to catalogs of any age: the
 * process that runs a build (owner.h) and the stage it is in, so that a
 * build whose kiln was killed can be told from one still running; and
 * what such a build may have left outside $KILN_HOME, for the kiln that
 * recovers it (recover.h): the libvirt URI its domains ran on when not
 * the embedded driver, the tag in its domains' names, its output
 * directory once distribute began. */
static const struct {
  const char *name;
  const char *type;
} added_columns[] = {
  { "owner_pid", "INTEGER" },
  { "owner_start", "INTEGER" },
  { "stage", "TEXT" },
  { "connect_uri", "TEXT" },
  { "domain_tag", "TEXT" },
  { "output_dir", "TEXT" },
};

static gboolean
sql_fail (KilnCatalog *cat, const char *what, GError **error)
{
  g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "catalog %s: %s: %s",
               cat->path, what, sqlite3_errmsg (cat->db));
  return FALSE;
}

static char *
now_iso (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format_iso8601 (now);
}

static gboolean
has_column (sqlite3 *db, const char *name)
{
  sqlite3_stmt *st = NULL;
  gboolean found = FALSE;
  if (sqlite3_prepare_v2 (db, "PRAGMA table_info(builds)", -1, &st, NULL)
      != SQLITE_OK)
    return FALSE;
  while (!found && sqlite3_step (st) == SQLITE_ROW)
    found = g_strcmp0 ((const char *) sqlite3_column_text (st, 1), name) == 0;
  sqlite3_finalize (st);
  return found;
}

/* One transaction, so two kiln processes opening an old catalog at once
 * add each column once. */
static gboolean
add_missing_columns (KilnCatalog *cat, GError **error)
{
  gboolean missing = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (added_columns); i++)
    missing |= !has_column (cat->db, added_columns[i].name);
  if (!missing)
    return TRUE;
  if (sqlite3_exec (cat->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return sql_fail (cat, "begin", error);
  for (guint i = 0; i < G_N_ELEMENTS (added_columns); i++)
    {
      if (has_column (cat->db, added_columns[i].name))
        continue;
      g_autofree char *sql = g_strdup_printf (
          "ALTER TABLE builds ADD COLUMN %s %s", added_columns[i].name,
          added_columns[i].type);
      if (sqlite3_exec (cat->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        {
          sql_fail (cat, "add a column", error);
          sqlite3_exec (cat->db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }
  if (sqlite3_exec (cat->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      sql_fail (cat, "commit", error);
      sqlite3_exec (cat->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

KilnCatalog *
kiln_catalog_open (const char *path, GError **error)
{
  g_autoptr (KilnCatalog) cat = g_new0 (KilnCatalog, 1);
  g_autofree char *dir = g_path_get_dirname (path);
  char *msg = NULL;

  cat->path = g_strdup (path);
  if (g_mkdir_with_parents (dir, 0755) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "cannot create %s: %s", dir, g_strerror (errno));
      return NULL;
    }
  if (sqlite3_open_v2 (path, &cat->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
      != SQLITE_OK)
    {
      sql_fail (cat, "open", error);
      return NULL;
    }
  sqlite3_busy_timeout (cat->db, 30000);
  if (sqlite3_exec (cat->db, "PRAGMA foreign_keys=ON;", NULL, NULL, NULL)
          != SQLITE_OK
      || sqlite3_exec (cat->db, schema, NULL, NULL, &msg) != SQLITE_OK
      || sqlite3_exec (cat->db, kiln_catalog_pipelines_schema, NULL, NULL,
                       &msg) != SQLITE_OK
      || sqlite3_exec (cat->db, kiln_catalog_layers_schema, NULL, NULL,
                       &msg) != SQLITE_OK)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "catalog %s: cannot create the schema: %s", path,
                   msg ? msg : sqlite3_errmsg (cat->db));
      sqlite3_free (msg);
      return NULL;
    }
  if (!add_missing_columns (cat, error))
    return NULL;
  return g_steal_pointer (&cat);
}

void
kiln_catalog_close (KilnCatalog *cat)
{
  if (!cat)
    return;
  if (cat->db)
    sqlite3_close (cat->db);
  g_free (cat->path);
  g_free (cat);
}

static sqlite3_stmt *
prepare (KilnCatalog *cat, const char *sql, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (cat->db, sql, -1, &st, NULL) != SQLITE_OK)
    {
      sql_fail (cat, "prepare", error);
      return NULL;
    }
  return st;
}

gint64
kiln_catalog_begin_build (KilnCatalog *cat, const char *name,
                          const char *version, const char *recipe_path,
                          gint64 *build_number, GError **error)
{
  g_autofree char *now = now_iso ();
  gint64 number = 1;

  if (sqlite3_exec (cat->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    {
      sql_fail (cat, "begin", error);
      return 0;
    }
  {
    g_autoptr (sqlite3_stmt) st = prepare (
        cat, "SELECT COALESCE(MAX(build_number), 0) + 1 FROM builds "
             "WHERE name = ? AND version = ?", error);
    if (!st)
      goto fail;
    sqlite3_bind_text (st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (st, 2, version, -1, SQLITE_TRANSIENT);
    if (sqlite3_step (st) == SQLITE_ROW)
      number = sqlite3_column_int64 (st, 0);
  }
  {
    g_autoptr (sqlite3_stmt) st = prepare (
        cat, "INSERT INTO builds (name, version, build_number, state, "
             "recipe_path, started, owner_pid, owner_start) "
             "VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)", error);
    if (!st)
      goto fail;
    KilnOwner self = kiln_owner_self ();
    sqlite3_bind_text (st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (st, 2, version, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (st, 3, number);
    sqlite3_bind_text (st, 4, recipe_path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (st, 5, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (st, 6, self.pid);
    sqlite3_bind_int64 (st, 7, (sqlite3_int64) self.start);
    if (sqlite3_step (st) != SQLITE_DONE)
      {
        sql_fail (cat, "insert build", error);
        goto fail;
      }
  }
  gint64 id = sqlite3_last_insert_rowid (cat->db);
  {
    g_autoptr (sqlite3_stmt) st = prepare (
        cat, "INSERT INTO build_states (build_id, state, at) "
             "VALUES (?, 'pending', ?)", error);
    if (!st)
      goto fail;
    sqlite3_bind_int64 (st, 1, id);
    sqlite3_bind_text (st, 2, now, -1, SQLITE_TRANSIENT);
    if (sqlite3_step (st) != SQLITE_DONE)
      {
        sql_fail (cat, "insert state", error);
        goto fail;
      }
  }
  if (sqlite3_exec (cat->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      sql_fail (cat, "commit", error);
      goto fail;
    }
  if (build_number)
    *build_number = number;
  return id;

fail:
  sqlite3_exec (cat->db, "ROLLBACK", NULL, NULL, NULL);
  return 0;
}

/* The UPDATE and the INSERT of a state change; with only_if_abandoned
 * the row changes only while it is unfinished and still owned by owner
 * (*changed says whether it did). */
static gboolean
change_state (KilnCatalog *cat, gint64 build_id, const char *state,
              const char *detail, const KilnOwner *only_if_abandoned,
              gboolean *changed, GError **error)
{
  g_autofree char *now = now_iso ();
  gboolean final = g_str_equal (state, "available")
                   || g_str_equal (state, "failed")
                   || g_str_equal (state, "cancelled");
  g_autoptr (sqlite3_stmt) up = prepare (
      cat, "UPDATE builds SET state = ?1, finished = CASE WHEN ?3 THEN ?2 "
           "ELSE finished END, failure = CASE WHEN ?5 THEN ?6 ELSE failure "
           "END WHERE id = ?4 AND (NOT ?5 OR (state IN ('pending', "
           "'building', 'testing', 'distributing') AND owner_pid IS ?7 AND "
           "owner_start IS ?8))", error);
  if (!up)
    return FALSE;
  sqlite3_bind_text (up, 1, state, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (up, 2, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (up, 3, final);
  sqlite3_bind_int64 (up, 4, build_id);
  sqlite3_bind_int (up, 5, only_if_abandoned != NULL);
  sqlite3_bind_text (up, 6, detail, -1, SQLITE_TRANSIENT);
  if (only_if_abandoned && only_if_abandoned->pid > 0)
    sqlite3_bind_int64 (up, 7, only_if_abandoned->pid);
  if (only_if_abandoned && only_if_abandoned->pid > 0)
    sqlite3_bind_int64 (up, 8, (sqlite3_int64) only_if_abandoned->start);
  if (sqlite3_step (up) != SQLITE_DONE)
    return sql_fail (cat, "update state", error);
  *changed = sqlite3_changes (cat->db) > 0;
  if (!*changed)
    return TRUE;

  g_autoptr (sqlite3_stmt) ins = prepare (
      cat, "INSERT INTO build_states (build_id, state, at, detail) "
           "VALUES (?, ?, ?, ?)", error);
  if (!ins)
    return FALSE;
  sqlite3_bind_int64 (ins, 1, build_id);
  sqlite3_bind_text (ins, 2, state, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (ins, 3, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (ins, 4, detail, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (ins) != SQLITE_DONE)
    return sql_fail (cat, "insert state", error);
  return TRUE;
}

/* A state change is one transaction: after a crash the catalog has both
 * the build's state and its history entry, or neither. */
static gboolean
state_transaction (KilnCatalog *cat, gint64 build_id, const char *state,
                   const char *detail, const KilnOwner *only_if_abandoned,
                   gboolean *changed, GError **error)
{
  if (sqlite3_exec (cat->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return sql_fail (cat, "begin", error);
  if (!change_state (cat, build_id, state, detail, only_if_abandoned,
                     changed, error))
    {
      sqlite3_exec (cat->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (sqlite3_exec (cat->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      sql_fail (cat, "commit", error);
      sqlite3_exec (cat->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

gboolean
kiln_catalog_set_state (KilnCatalog *cat, gint64 build_id, const char *state,
                        const char *detail, GError **error)
{
  gboolean changed;
  return state_transaction (cat, build_id, state, detail, NULL, &changed,
                            error);
}

gboolean
kiln_catalog_fail_abandoned (KilnCatalog *cat, const KilnBuildRecord *r,
                             const char *detail, gboolean *changed,
                             GError **error)
{
  KilnOwner owner = { .pid = r->owner_pid, .start = r->owner_start };
  return state_transaction (cat, r->id, "failed", detail, &owner, changed,
                            error);
}

gboolean
kiln_catalog_set (KilnCatalog *cat, gint64 build_id, const char *column,
                  const char *value, GError **error)
{
  static const char *const columns[] = {
    "build_key", "parent", "parent_digest", "image_path", "image_digest",
    "log_path", "failure", "stage", "connect_uri", "domain_tag",
    "output_dir", NULL
  };
  /* column is never user text, but keep the SQL closed anyway */
  if (!g_strv_contains (columns, column))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "catalog: unknown column %s", column);
      return FALSE;
    }
  g_autofree char *sql
      = g_strdup_printf ("UPDATE builds SET %s = ? WHERE id = ?", column);
  g_autoptr (sqlite3_stmt) st = prepare (cat, sql, error);
  if (!st)
    return FALSE;
  sqlite3_bind_text (st, 1, value, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 2, build_id);
  if (sqlite3_step (st) != SQLITE_DONE)
    return sql_fail (cat, "update", error);
  return TRUE;
}

gboolean
kiln_catalog_add_artifact (KilnCatalog *cat, gint64 build_id,
                           const char *format, const char *path, guint64 size,
                           const char *sha256, GError **error)
{
  g_autoptr (sqlite3_stmt) st = prepare (
      cat, "INSERT INTO artifacts (build_id, format, path, size, sha256) "
           "VALUES (?, ?, ?, ?, ?)", error);
  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, build_id);
  sqlite3_bind_text (st, 2, format, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 3, path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 4, (sqlite3_int64) size);
  sqlite3_bind_text (st, 5, sha256, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (st) != SQLITE_DONE)
    return sql_fail (cat, "insert artifact", error);
  return TRUE;
}

GPtrArray *
kiln_catalog_artifact_paths (KilnCatalog *cat, gint64 build_id,
                             GError **error)
{
  g_autoptr (sqlite3_stmt) st = prepare (
      cat, "SELECT path FROM artifacts WHERE build_id = ? ORDER BY rowid", error);
  if (!st)
    return NULL;
  sqlite3_bind_int64 (st, 1, build_id);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (paths, g_strdup ((const char *) sqlite3_column_text (st, 0)));
  if (rc != SQLITE_DONE)
    {
      g_ptr_array_unref (paths);
      sql_fail (cat, "list artifacts", error);
      return NULL;
    }
  return paths;
}

void
kiln_build_record_free (KilnBuildRecord *r)
{
  if (!r)
    return;
  g_free (r->name);
  g_free (r->version);
  g_free (r->state);
  g_free (r->build_key);
  g_free (r->parent);
  g_free (r->parent_digest);
  g_free (r->image_path);
  g_free (r->image_digest);
  g_free (r->log_path);
  g_free (r->failure);
  g_free (r->started);
  g_free (r->finished);
  g_free (r->stage);
  g_free (r->deprecated);
  g_free (r->connect_uri);
  g_free (r->domain_tag);
  g_free (r->output_dir);
  g_free (r);
}

#define RECORD_COLUMNS                                                        \
  "id, name, version, build_number, state, build_key, parent, "              \
  "parent_digest, image_path, image_digest, log_path, failure, started, "    \
  "finished, owner_pid, owner_start, stage, "                                \
  "(SELECT at FROM deprecations WHERE build_id = builds.id), "               \
  "connect_uri, domain_tag, output_dir"

static char *
col_text (sqlite3_stmt *st, int i)
{
  const unsigned char *t = sqlite3_column_text (st, i);
  return t ? g_strdup ((const char *) t) : NULL;
}

static KilnBuildRecord *
record_from_row (sqlite3_stmt *st)
{
  KilnBuildRecord *r = g_new0 (KilnBuildRecord, 1);
  r->id = sqlite3_column_int64 (st, 0);
  r->name = col_text (st, 1);
  r->version = col_text (st, 2);
  r->build_number = sqlite3_column_int64 (st, 3);
  r->state = col_text (st, 4);
  r->build_key = col_text (st, 5);
  r->parent = col_text (st, 6);
  r->parent_digest = col_text (st, 7);
  r->image_path = col_text (st, 8);
  r->image_digest = col_text (st, 9);
  r->log_path = col_text (st, 10);
  r->failure = col_text (st, 11);
  r->started = col_text (st, 12);
  r->finished = col_text (st, 13);
  r->owner_pid = sqlite3_column_int64 (st, 14);
  r->owner_start = (guint64) sqlite3_column_int64 (st, 15);
  r->stage = col_text (st, 16);
  r->deprecated = col_text (st, 17);
  r->connect_uri = col_text (st, 18);
  r->domain_tag = col_text (st, 19);
  r->output_dir = col_text (st, 20);
  return r;
}

KilnBuildRecord *
kiln_catalog_get_build (KilnCatalog *cat, gint64 build_id, GError **error)
{
  g_autoptr (sqlite3_stmt) st
      = prepare (cat, "SELECT " RECORD_COLUMNS " FROM builds WHERE id = ?",
                 error);
  if (!st)
    return NULL;
  sqlite3_bind_int64 (st, 1, build_id);
  if (sqlite3_step (st) != SQLITE_ROW)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "no build with id %" G_GINT64_FORMAT, build_id);
      return NULL;
    }
  return record_from_row (st);
}

GPtrArray *
kiln_catalog_list_builds (KilnCatalog *cat, const char *name, GError **error)
{
  g_autoptr (sqlite3_stmt) st = prepare (
      cat, "SELECT " RECORD_COLUMNS " FROM builds WHERE ?1 IS NULL OR "
           "name = ?1 ORDER BY id DESC", error);
  if (!st)
    return NULL;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_TRANSIENT);
  GPtrArray *out
      = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_build_record_free);
  while (sqlite3_step (st) == SQLITE_ROW)
    g_ptr_array_add (out, record_from_row (st));
  return out;
}

GPtrArray *
kiln_catalog_recipe_paths (KilnCatalog *cat, GError **error)
{
  g_autoptr (sqlite3_stmt) st = prepare (
      cat, "SELECT name, recipe_path FROM builds b WHERE recipe_path IS NOT "
           "NULL AND id = (SELECT MAX(id) FROM builds WHERE name = b.name "
           "AND recipe_path IS NOT NULL) ORDER BY name", error);
  if (!st)
    return NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      g_ptr_array_add (out, col_text (st, 0));
      g_ptr_array_add (out, col_text (st, 1));
    }
  return out;
}

KilnBuildRecord *
kiln_catalog_find_by_key (KilnCatalog *cat, const char *name, const char *key,
                          GError **error)
{
  g_autoptr (sqlite3_stmt) st = prepare (
      cat, "SELECT " RECORD_COLUMNS " FROM builds WHERE name = ? AND "
           "build_key = ? AND state = 'available' ORDER BY id DESC LIMIT 1",
      error);
  if (!st)
    return NULL;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 2, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (st) != SQLITE_ROW)
    return NULL;
  return record_from_row (st);
}

gboolean
kiln_catalog_delete_build (KilnCatalog *cat, gint64 build_id, GError **error)
{
  g_autoptr (sqlite3_stmt) st
      = prepare (cat, "DELETE FROM builds WHERE id = ?", error);
  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, build_id);
  if (sqlite3_step (st) != SQLITE_DONE)
    return sql_fail (cat, "delete", error);
  return TRUE;
}

static char *
sha256_file (const char *path, GCancellable *cancellable, GError **error)
{
  g_autoptr (GFile) f = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) in = g_file_read (f, cancellable, error);
  if (!in)
    return NULL;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buf = g_malloc (1 << 20);
  for (;;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (in), buf, 1 << 20,
                                      cancellable, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      g_checksum_update (sum, buf, n);
    }
  return g_strdup (g_checksum_get_string (sum));
}

char *
kiln_catalog_file_digest (KilnCatalog *cat, const char *path,
                          GCancellable *cancellable, GError **error)
{
  struct stat st;
  if (stat (path, &st) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: %s", path,
                   g_strerror (errno));
      return NULL;
    }
  gint64 mtime_ns = (gint64) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
  {
    g_autoptr (sqlite3_stmt) q = prepare (
        cat, "SELECT sha256 FROM digests WHERE path = ? AND size = ? AND "
             "mtime_ns = ?", error);
    if (!q)
      return NULL;
    sqlite3_bind_text (q, 1, path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (q, 2, st.st_size);
    sqlite3_bind_int64 (q, 3, mtime_ns);
    if (sqlite3_step (q) == SQLITE_ROW)
      return col_text (q, 0);
  }
  char *digest = sha256_file (path, cancellable, error);
  if (!digest)
    return NULL;
  g_autoptr (sqlite3_stmt) ins = prepare (
      cat, "INSERT OR REPLACE INTO digests (path, size, mtime_ns, sha256) "
           "VALUES (?, ?, ?, ?)", error);
  if (ins)
    {
      sqlite3_bind_text (ins, 1, path, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (ins, 2, st.st_size);
      sqlite3_bind_int64 (ins, 3, mtime_ns);
      sqlite3_bind_text (ins, 4, digest, -1, SQLITE_TRANSIENT);
      sqlite3_step (ins);
    }
  return digest;
}

GPtrArray *
kiln_catalog_list_unfinished (KilnCatalog *cat, GError **error)
{
  g_autoptr (sqlite3_stmt) st = prepare (
      cat, "SELECT " RECORD_COLUMNS " FROM builds WHERE state IN "
           "('pending', 'building', 'testing', 'distributing') ORDER BY id",
      error);
  if (!st)
    return NULL;
  GPtrArray *out
      = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_build_record_free);
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (out, record_from_row (st));
  if (rc != SQLITE_DONE)
    {
      g_ptr_array_unref (out);
      sql_fail (cat, "list unfinished builds", error);
      return NULL;
    }
  return out;
}

gboolean
kiln_catalog_set_deprecated (KilnCatalog *cat, gint64 build_id,
                             gboolean deprecated, const char *detail,
                             GError **error)
{
  g_autofree char *now = now_iso ();
  g_autoptr (sqlite3_stmt) st = prepare (
      cat, deprecated ? "INSERT OR IGNORE INTO deprecations (build_id, at, "
                        "detail) VALUES (?1, ?2, ?3)"
                      : "DELETE FROM deprecations WHERE build_id = ?1",
      error);
  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, build_id);
  if (deprecated)
    {
      sqlite3_bind_text (st, 2, now, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (st, 3, detail, -1, SQLITE_TRANSIENT);
    }
  if (sqlite3_step (st) != SQLITE_DONE)
    return sql_fail (cat, deprecated ? "deprecate" : "undeprecate", error);
  return TRUE;
}

void
kiln_artifact_record_free (KilnArtifactRecord *a)
{
  if (!a)
    return;
  g_free (a->format);
  g_free (a->path);
  g_free (a->sha256);
  g_free (a);
}

GPtrArray *
kiln_catalog_list_artifacts (KilnCatalog *cat, gint64 build_id,
                             GError **error)
{
  g_autoptr (sqlite3_stmt) st = prepare (
      cat, "SELECT format, path, size, sha256 FROM artifacts "
           "WHERE build_id = ? ORDER BY rowid", error);
  if (!st)
    return NULL;
  sqlite3_bind_int64 (st, 1, build_id);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_artifact_record_free);
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      KilnArtifactRecord *a = g_new0 (KilnArtifactRecord, 1);
      a->format = col_text (st, 0);
      a->path = col_text (st, 1);
      a->size = (guint64) sqlite3_column_int64 (st, 2);
      a->sha256 = col_text (st, 3);
      g_ptr_array_add (out, a);
    }
  if (rc != SQLITE_DONE)
    {
      sql_fail (cat, "list artifacts", error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* --- for the catalog's other files (catalog-private.h) ---------------- */

sqlite3_stmt *
kiln_catalog_prepare (KilnCatalog *cat, const char *sql, GError **error)
{
  return prepare (cat, sql, error);
}

gboolean
kiln_catalog_fail (KilnCatalog *cat, const char *what, GError **error)
{
  return sql_fail (cat, what, error);
}

gboolean
kiln_catalog_exec (KilnCatalog *cat, const char *sql, GError **error)
{
  if (sqlite3_exec (cat->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return sql_fail (cat, sql, error);
  return TRUE;
}

sqlite3 *
kiln_catalog_db (KilnCatalog *cat)
{
  return cat->db;
}

char *
kiln_catalog_now (void)
{
  return now_iso ();
}

char *
kiln_catalog_column_text (sqlite3_stmt *st, int i)
{
  return col_text (st, i);
}
