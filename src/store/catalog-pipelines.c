/* catalog-pipelines.c - pipelines and their runs in the catalog
 * (catalog-pipelines.h) */
#include "catalog-pipelines.h"

#include "catalog-private.h"
#include "common/kiln.h"

const char kiln_catalog_pipelines_schema[] =
  "CREATE TABLE IF NOT EXISTS pipelines ("
  "  name TEXT PRIMARY KEY, path TEXT NOT NULL,"
  "  disabled TEXT, disabled_at TEXT, failures INTEGER NOT NULL DEFAULT 0,"
  "  installed TEXT, installed_at TEXT);"
  "CREATE TABLE IF NOT EXISTS pipeline_runs ("
  "  id INTEGER PRIMARY KEY, pipeline TEXT NOT NULL, number INTEGER NOT NULL,"
  "  trigger TEXT NOT NULL, state TEXT NOT NULL, reason TEXT,"
  "  build_id INTEGER REFERENCES builds(id) ON DELETE SET NULL, build TEXT,"
  "  inputs TEXT, pid INTEGER, started TEXT NOT NULL, finished TEXT,"
  "  UNIQUE (pipeline, number));";

void
kiln_pipeline_record_free (KilnPipelineRecord *p)
{
  if (!p)
    return;
  g_free (p->name);
  g_free (p->path);
  g_free (p->disabled);
  g_free (p->disabled_at);
  g_free (p->installed);
  g_free (p);
}

void
kiln_run_record_free (KilnRunRecord *r)
{
  if (!r)
    return;
  g_free (r->pipeline);
  g_free (r->trigger);
  g_free (r->state);
  g_free (r->reason);
  g_free (r->build);
  g_free (r->inputs);
  g_free (r->started);
  g_free (r->finished);
  g_free (r);
}

/* One statement that changes rows; FALSE with an error. */
static gboolean
step_done (KilnCatalog *cat, sqlite3_stmt *st, const char *what,
           GError **error)
{
  if (sqlite3_step (st) != SQLITE_DONE)
    return kiln_catalog_fail (cat, what, error);
  return TRUE;
}

gboolean
kiln_catalog_register_pipeline (KilnCatalog *cat, const char *name,
                                const char *path, GError **error)
{
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "INSERT INTO pipelines (name, path) VALUES (?1, ?2) "
           "ON CONFLICT (name) DO UPDATE SET path = ?2", error);
  if (!st)
    return FALSE;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 2, path, -1, SQLITE_TRANSIENT);
  return step_done (cat, st, "register pipeline", error);
}

#define PIPELINE_COLUMNS "name, path, disabled, disabled_at, failures, installed"

static KilnPipelineRecord *
pipeline_from_row (sqlite3_stmt *st)
{
  KilnPipelineRecord *p = g_new0 (KilnPipelineRecord, 1);
  p->name = kiln_catalog_column_text (st, 0);
  p->path = kiln_catalog_column_text (st, 1);
  p->disabled = kiln_catalog_column_text (st, 2);
  p->disabled_at = kiln_catalog_column_text (st, 3);
  p->failures = (guint) sqlite3_column_int64 (st, 4);
  p->installed = kiln_catalog_column_text (st, 5);
  return p;
}

KilnPipelineRecord *
kiln_catalog_get_pipeline (KilnCatalog *cat, const char *name, GError **error)
{
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "SELECT " PIPELINE_COLUMNS " FROM pipelines WHERE name = ?",
      error);
  if (!st)
    return NULL;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    return pipeline_from_row (st);
  if (rc != SQLITE_DONE)
    kiln_catalog_fail (cat, "read pipeline", error);
  return NULL;
}

GPtrArray *
kiln_catalog_list_pipelines (KilnCatalog *cat, GError **error)
{
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "SELECT " PIPELINE_COLUMNS " FROM pipelines ORDER BY name", error);
  if (!st)
    return NULL;
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_pipeline_record_free);
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (out, pipeline_from_row (st));
  if (rc != SQLITE_DONE)
    {
      kiln_catalog_fail (cat, "list pipelines", error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

gboolean
kiln_catalog_set_pipeline_disabled (KilnCatalog *cat, const char *name,
                                    const char *why, GError **error)
{
  g_autofree char *now = kiln_catalog_now ();
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, why ? "UPDATE pipelines SET disabled = ?2, disabled_at = ?3 "
                 "WHERE name = ?1"
               : "UPDATE pipelines SET disabled = NULL, disabled_at = NULL, "
                 "failures = 0 WHERE name = ?1", error);
  if (!st)
    return FALSE;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_TRANSIENT);
  if (why)
    {
      sqlite3_bind_text (st, 2, why, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (st, 3, now, -1, SQLITE_TRANSIENT);
    }
  return step_done (cat, st, why ? "disable pipeline" : "enable pipeline",
                    error);
}

gboolean
kiln_catalog_set_pipeline_installed (KilnCatalog *cat, const char *name,
                                     const char *where, GError **error)
{
  g_autofree char *now = kiln_catalog_now ();
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "UPDATE pipelines SET installed = ?2, installed_at = ?3 "
           "WHERE name = ?1", error);
  if (!st)
    return FALSE;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 2, where, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 3, where ? now : NULL, -1, SQLITE_TRANSIENT);
  return step_done (cat, st, "record installation", error);
}

gboolean
kiln_catalog_forget_pipeline (KilnCatalog *cat, const char *name,
                              GError **error)
{
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "DELETE FROM pipelines WHERE name = ?", error);
  if (!st)
    return FALSE;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_TRANSIENT);
  return step_done (cat, st, "forget pipeline", error);
}

gint64
kiln_catalog_begin_run (KilnCatalog *cat, const char *pipeline,
                        const char *trigger, const char *state,
                        const char *reason, gint64 pid, gint64 *number,
                        GError **error)
{
  g_autofree char *now = kiln_catalog_now ();
  gboolean final = g_strcmp0 (state, "running") != 0;
  if (!kiln_catalog_exec (cat, "BEGIN IMMEDIATE", error))
    return 0;
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "INSERT INTO pipeline_runs (pipeline, number, trigger, state, "
           "reason, pid, started, finished) VALUES (?1, (SELECT "
           "COALESCE(MAX(number), 0) + 1 FROM pipeline_runs WHERE "
           "pipeline = ?1), ?2, ?3, ?4, ?5, ?6, CASE WHEN ?7 THEN ?6 END)",
      error);
  if (!st)
    {
      kiln_catalog_exec (cat, "ROLLBACK", NULL);
      return 0;
    }
  sqlite3_bind_text (st, 1, pipeline, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 2, trigger, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 3, state, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 4, reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 5, pid);
  sqlite3_bind_text (st, 6, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (st, 7, final);
  if (!step_done (cat, st, "insert run", error))
    {
      kiln_catalog_exec (cat, "ROLLBACK", NULL);
      return 0;
    }
  gint64 id = sqlite3_last_insert_rowid (sqlite3_db_handle (st));
  g_autoptr (sqlite3_stmt) q = kiln_catalog_prepare (
      cat, "SELECT number FROM pipeline_runs WHERE id = ?", error);
  if (q)
    {
      sqlite3_bind_int64 (q, 1, id);
      if (sqlite3_step (q) == SQLITE_ROW && number)
        *number = sqlite3_column_int64 (q, 0);
    }
  g_clear_pointer (&q, sqlite3_finalize);
  g_clear_pointer (&st, sqlite3_finalize);
  if (!kiln_catalog_exec (cat, "COMMIT", error))
    {
      kiln_catalog_exec (cat, "ROLLBACK", NULL);
      return 0;
    }
  return id;
}

gboolean
kiln_catalog_finish_run (KilnCatalog *cat, gint64 run_id, const char *state,
                         const char *reason, gint64 build_id,
                         const char *build, const char *inputs,
                         guint *failures, GError **error)
{
  g_autofree char *now = kiln_catalog_now ();
  if (!kiln_catalog_exec (cat, "BEGIN IMMEDIATE", error))
    return FALSE;
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "UPDATE pipeline_runs SET state = ?2, reason = ?3, "
           "build_id = ?4, build = ?5, inputs = ?6, finished = ?7 "
           "WHERE id = ?1", error);
  g_autoptr (sqlite3_stmt) count = kiln_catalog_prepare (
      cat, "UPDATE pipelines SET failures = CASE ?2 WHEN 'failed' THEN "
           "failures + 1 WHEN 'available' THEN 0 ELSE failures END "
           "WHERE name = (SELECT pipeline FROM pipeline_runs WHERE id = ?1)",
      error);
  g_autoptr (sqlite3_stmt) read = kiln_catalog_prepare (
      cat, "SELECT failures FROM pipelines WHERE name = (SELECT pipeline "
           "FROM pipeline_runs WHERE id = ?1)", error);
  gboolean ok = st && count && read;
  if (ok)
    {
      sqlite3_bind_int64 (st, 1, run_id);
      sqlite3_bind_text (st, 2, state, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (st, 3, reason, -1, SQLITE_TRANSIENT);
      if (build_id > 0)
        sqlite3_bind_int64 (st, 4, build_id);
      sqlite3_bind_text (st, 5, build, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (st, 6, inputs, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (st, 7, now, -1, SQLITE_TRANSIENT);
      ok = step_done (cat, st, "finish run", error);
    }
  if (ok)
    {
      sqlite3_bind_int64 (count, 1, run_id);
      sqlite3_bind_text (count, 2, state, -1, SQLITE_TRANSIENT);
      ok = step_done (cat, count, "count failures", error);
    }
  if (ok)
    {
      sqlite3_bind_int64 (read, 1, run_id);
      if (sqlite3_step (read) == SQLITE_ROW && failures)
        *failures = (guint) sqlite3_column_int64 (read, 0);
    }
  g_clear_pointer (&st, sqlite3_finalize);
  g_clear_pointer (&count, sqlite3_finalize);
  g_clear_pointer (&read, sqlite3_finalize);
  if (ok && kiln_catalog_exec (cat, "COMMIT", error))
    return TRUE;
  kiln_catalog_exec (cat, "ROLLBACK", NULL);
  return FALSE;
}

gboolean
kiln_catalog_close_abandoned_runs (KilnCatalog *cat, const char *pipeline,
                                   GError **error)
{
  g_autofree char *now = kiln_catalog_now ();
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "UPDATE pipeline_runs SET state = 'cancelled', finished = ?2, "
           "reason = 'interrupted: kiln (pid ' || COALESCE(pid, '?') || "
           "') ended before the run did' WHERE pipeline = ?1 AND "
           "state = 'running'", error);
  if (!st)
    return FALSE;
  sqlite3_bind_text (st, 1, pipeline, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 2, now, -1, SQLITE_TRANSIENT);
  return step_done (cat, st, "close abandoned runs", error);
}

#define RUN_COLUMNS                                                           \
  "id, number, pipeline, trigger, state, reason, build_id, build, inputs, "  \
  "pid, started, finished"

static KilnRunRecord *
run_from_row (sqlite3_stmt *st)
{
  KilnRunRecord *r = g_new0 (KilnRunRecord, 1);
  r->id = sqlite3_column_int64 (st, 0);
  r->number = sqlite3_column_int64 (st, 1);
  r->pipeline = kiln_catalog_column_text (st, 2);
  r->trigger = kiln_catalog_column_text (st, 3);
  r->state = kiln_catalog_column_text (st, 4);
  r->reason = kiln_catalog_column_text (st, 5);
  r->build_id = sqlite3_column_int64 (st, 6);
  r->build = kiln_catalog_column_text (st, 7);
  r->inputs = kiln_catalog_column_text (st, 8);
  r->pid = sqlite3_column_int64 (st, 9);
  r->started = kiln_catalog_column_text (st, 10);
  r->finished = kiln_catalog_column_text (st, 11);
  return r;
}

GPtrArray *
kiln_catalog_list_runs (KilnCatalog *cat, const char *pipeline, guint limit,
                        GError **error)
{
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "SELECT " RUN_COLUMNS " FROM pipeline_runs WHERE pipeline = ?1 "
           "ORDER BY id DESC LIMIT ?2", error);
  if (!st)
    return NULL;
  sqlite3_bind_text (st, 1, pipeline, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 2, limit ? (gint64) limit : -1);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_run_record_free);
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (out, run_from_row (st));
  if (rc != SQLITE_DONE)
    {
      kiln_catalog_fail (cat, "list runs", error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

KilnRunRecord *
kiln_catalog_last_run (KilnCatalog *cat, const char *pipeline,
                       const char *state, GError **error)
{
  g_autoptr (sqlite3_stmt) st = kiln_catalog_prepare (
      cat, "SELECT " RUN_COLUMNS " FROM pipeline_runs WHERE pipeline = ?1 "
           "AND (?2 IS NULL OR state = ?2) ORDER BY id DESC LIMIT 1", error);
  if (!st)
    return NULL;
  sqlite3_bind_text (st, 1, pipeline, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 2, state, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    return run_from_row (st);
  if (rc != SQLITE_DONE)
    kiln_catalog_fail (cat, "read run", error);
  return NULL;
}
