/* test-recover.c - crash safety: a state change is one transaction, a
 * build records its owner and stage, and the next kiln to open the store
 * recovers the builds, work directories and socket directories a killed
 * kiln left (a real child process that "dies" mid-build, a real SQLite
 * catalog, real files under a temporary KILN_HOME). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/owner.h"
#include "base/paths.h"
#include "base/workspace.h"
#include "common/kiln.h"
#include "store/recover.h"
#include "store/store.h"

/* kiln_home() is read once per process: one home for every test, each
 * test with its own recipe name. */
static char *home;

static gboolean
exists (const char *path)
{
  GStatBuf st;
  return g_lstat (path, &st) == 0;
}

static void
collect (const char *message, gpointer data)
{
  g_ptr_array_add (data, g_strdup (message));
}

static gboolean
any_contains (GPtrArray *lines, const char *text)
{
  for (guint i = 0; i < lines->len; i++)
    if (strstr (lines->pdata[i], text))
      return TRUE;
  return FALSE;
}

/* What a kiln killed during stage leaves: a build of name in state
 * building with that stage, a half-written image in the store, a work
 * directory and a socket directory.  Made by a real child process that
 * then exits without cleaning up, as SIGKILL would leave it. */
typedef struct {
  gint64 build_id;
  char work_dir[512];
  char sock_dir[512];
  char store_dir[512];
} Left;

/* What it also records outside $KILN_HOME (NULL: nothing): the URI its
 * domains ran on, and an output directory where distribute had begun
 * (a hidden temporary directory with half an artifact in it). */
static const char *left_uri;
static const char *left_out_dir;

static void
killed_during (const char *name, const char *stage, Left *left)
{
  int fds[2];
  assert_int_equal (pipe (fds), 0);
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      close (fds[0]);
      Left l = { 0 };
      KilnStore *store = kiln_store_open (home, NULL);
      gint64 number = 0;
      l.build_id = kiln_store_begin_build (store, name, "1.0", "r.yaml",
                                           &number, NULL);
      KilnCatalog *cat = kiln_store_catalog (store);
      kiln_catalog_set_state (cat, l.build_id, "building", NULL, NULL);
      kiln_catalog_set (cat, l.build_id, "stage", stage, NULL);
      kiln_catalog_set (cat, l.build_id, "domain_tag", "0badc0de", NULL);
      if (left_uri)
        kiln_catalog_set (cat, l.build_id, "connect_uri", left_uri, NULL);
      if (left_out_dir)
        {
          kiln_catalog_set (cat, l.build_id, "output_dir", left_out_dir,
                            NULL);
          g_autofree char *t = g_strdup_printf (
              "%s/.kiln-distribute.%d.Ab12Cd", left_out_dir, (int) getpid ());
          g_mkdir_with_parents (t, 0700);
          g_autofree char *part = g_build_filename (t, "x.raw", NULL);
          g_file_set_contents (part, "half an artifact", -1, NULL);
        }
      g_autofree char *dir = kiln_store_build_dir (store, name, "1.0", number,
                                                   NULL);
      g_mkdir_with_parents (dir, 0755);
      g_autofree char *tmp = g_build_filename (dir, ".image.qcow2.tmp", NULL);
      g_file_set_contents (tmp, "half an image", -1, NULL);
      KilnWorkspace *ws = kiln_workspace_new (name, NULL);
      g_autofree char *sock = g_build_filename (ws->sock_dir, "agent.sock",
                                                NULL);
      g_strlcpy (l.work_dir, ws->dir, sizeof l.work_dir);
      g_strlcpy (l.sock_dir, ws->sock_dir, sizeof l.sock_dir);
      g_strlcpy (l.store_dir, dir, sizeof l.store_dir);
      if (write (fds[1], &l, sizeof l) != sizeof l)
        _exit (1);
      _exit (0); /* no cleanup: as if killed */
    }
  close (fds[1]);
  assert_int_equal (read (fds[0], left, sizeof *left), sizeof *left);
  close (fds[0]);
  int status;
  assert_int_equal (waitpid (pid, &status, 0), pid);
  assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  assert_true (left->build_id > 0);
  assert_true (exists (left->work_dir));
  assert_true (exists (left->sock_dir));
}

static void
test_a_killed_build_is_recovered_by_the_next_kiln (void **state)
{
  (void) state;
  Left left;
  killed_during ("killed", "build boot", &left);

  g_autoptr (GError) error = NULL;
  g_autoptr (KilnStore) store = kiln_store_open (home, &error);
  assert_non_null (store);
  /* recovered while opening: the build failed, naming the stage */
  g_autoptr (KilnBuildRecord) r = kiln_catalog_get_build (
      kiln_store_catalog (store), left.build_id, &error);
  assert_non_null (r);
  assert_string_equal (r->state, "failed");
  assert_string_equal (r->failure, "kiln was killed during build boot");
  assert_string_equal (r->stage, "build boot");
  assert_non_null (r->finished);
  assert_false (exists (left.store_dir));
  assert_false (exists (left.work_dir));
  assert_false (exists (left.sock_dir));
  /* nothing left for the next one */
  g_autoptr (GPtrArray) said = g_ptr_array_new_with_free_func (g_free);
  assert_int_equal (kiln_store_recover (store, home, collect, said), 0);
}

/* Killed during distribute: its temporary directory in the output
 * directory goes, and the directory with it when nothing else is there;
 * another process's temporary directory stays.  A recorded URI with a
 * transport is never connected to (it would run a program). */
static void
test_what_a_killed_build_left_outside_home_is_removed (void **state)
{
  (void) state;
  g_autofree char *out = g_build_filename (home, "..", "out", "b-1", NULL);
  g_autofree char *out_abs = g_canonicalize_filename (out, NULL);
  g_autofree char *canary = g_build_filename (home, "..", "ran", NULL);
  g_autofree char *uri = g_strdup_printf (
      "qemu+ext:///system?command=/bin/touch%%20%s", canary);
  g_mkdir_with_parents (out_abs, 0755);
  left_uri = uri;
  left_out_dir = out_abs;
  Left left;
  killed_during ("outside", "distribute", &left);
  left_uri = left_out_dir = NULL;
  g_autofree char *parent_dir = g_path_get_dirname (out_abs);
  g_autofree char *others = g_strdup_printf (
      "%s/.kiln-distribute.%d.Zz99Yy", parent_dir, (int) getpid ());
  assert_int_equal (g_mkdir (others, 0700), 0);

  g_autoptr (GError) error = NULL;
  g_autoptr (KilnStore) store = kiln_store_open_existing (home, &error);
  assert_non_null (store);
  g_autoptr (KilnBuildRecord) r = kiln_catalog_get_build (
      kiln_store_catalog (store), left.build_id, &error);
  assert_string_equal (r->state, "failed");
  assert_string_equal (r->connect_uri, uri);
  assert_string_equal (r->domain_tag, "0badc0de");
  assert_string_equal (r->output_dir, out_abs);
  assert_false (exists (out_abs)); /* its temporary directory, then it */
  assert_true (exists (others));   /* not the build's */
  assert_false (exists (canary));  /* the transport never ran */
  g_rmdir (others);
  g_rmdir (parent_dir);
}

static void
test_a_running_build_is_left_alone (void **state)
{
  (void) state;
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnStore) store = kiln_store_open (home, &error);
  KilnCatalog *cat = kiln_store_catalog (store);
  gint64 number = 0;
  gint64 id = kiln_store_begin_build (store, "alive", "1.0", "r.yaml",
                                      &number, &error);
  assert_true (kiln_catalog_set_state (cat, id, "testing", NULL, &error));
  g_autoptr (KilnWorkspace) ws = kiln_workspace_new ("alive", &error);
  assert_non_null (ws);
  g_autoptr (GPtrArray) said = g_ptr_array_new_with_free_func (g_free);
  kiln_store_recover (store, home, collect, said);
  g_autoptr (KilnBuildRecord) r = kiln_catalog_get_build (cat, id, &error);
  assert_string_equal (r->state, "testing");
  KilnOwner self = kiln_owner_self ();
  assert_int_equal (r->owner_pid, self.pid);
  assert_true (r->owner_start == self.start);
  assert_true (exists (ws->dir));
  assert_false (any_contains (said, "alive"));
  assert_true (kiln_catalog_set_state (cat, id, "failed", "done", &error));
}

static void
test_recovery_happens_once (void **state)
{
  (void) state;
  Left left;
  killed_during ("twice", "distribute", &left);
  g_autoptr (GError) error = NULL;
  g_autofree char *db = g_build_filename (home, "catalog.db", NULL);
  /* two kiln processes find it at once: one changes it */
  g_autoptr (KilnCatalog) a = kiln_catalog_open (db, &error);
  g_autoptr (KilnCatalog) b = kiln_catalog_open (db, &error);
  g_autoptr (KilnBuildRecord) r = kiln_catalog_get_build (a, left.build_id,
                                                          &error);
  gboolean changed_a = FALSE, changed_b = FALSE;
  assert_true (kiln_catalog_fail_abandoned (a, r, "kiln was killed during "
                                            "distribute", &changed_a,
                                            &error));
  assert_true (kiln_catalog_fail_abandoned (b, r, "again", &changed_b,
                                            &error));
  assert_true (changed_a);
  assert_false (changed_b);
  g_autoptr (KilnBuildRecord) after = kiln_catalog_get_build (
      b, left.build_id, &error);
  assert_string_equal (after->failure, "kiln was killed during distribute");
  /* the rest (work and socket directories) is still recovered */
  g_autoptr (KilnStore) store = kiln_store_open (home, &error);
  assert_false (exists (left.work_dir));
  assert_false (exists (left.sock_dir));
}

/* The UPDATE of the build and the INSERT of its history are one
 * transaction: when the INSERT fails, the state did not change. */
static void
test_a_state_change_is_one_transaction (void **state)
{
  (void) state;
  g_autoptr (GError) error = NULL;
  g_autofree char *db = g_build_filename (home, "catalog.db", NULL);
  g_autoptr (KilnCatalog) cat = kiln_catalog_open (db, &error);
  gint64 number = 0;
  gint64 id = kiln_catalog_begin_build (cat, "atomic", "1.0", "r.yaml",
                                        &number, &error);
  assert_true (kiln_catalog_set_state (cat, id, "building", NULL, &error));
  sqlite3 *raw = NULL;
  assert_int_equal (sqlite3_open (db, &raw), SQLITE_OK);
  sqlite3_busy_timeout (raw, 5000);
  assert_int_equal (
      sqlite3_exec (raw, "CREATE TRIGGER refuse_testing BEFORE INSERT ON "
                    "build_states WHEN NEW.state = 'testing' BEGIN SELECT "
                    "RAISE(ABORT, 'refused by the test'); END;", NULL, NULL,
                    NULL), SQLITE_OK);
  assert_false (kiln_catalog_set_state (cat, id, "testing", NULL, &error));
  g_clear_error (&error);
  g_autoptr (KilnBuildRecord) r = kiln_catalog_get_build (cat, id, &error);
  assert_string_equal (r->state, "building");
  assert_int_equal (sqlite3_exec (raw, "DROP TRIGGER refuse_testing", NULL,
                                  NULL, NULL), SQLITE_OK);
  sqlite3_close (raw);
  assert_true (kiln_catalog_set_state (cat, id, "failed", "done", &error));
}

/* A catalog made before builds had owners: the columns are added, and a
 * build left unfinished by an older kiln (no owner) is recovered. */
static void
test_an_old_catalog_gets_owner_columns (void **state)
{
  (void) state;
  g_autofree char *dir = g_dir_make_tmp ("kiln-old-catalog-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "catalog.db", NULL);
  sqlite3 *raw = NULL;
  assert_int_equal (sqlite3_open (db, &raw), SQLITE_OK);
  assert_int_equal (
      sqlite3_exec (raw,
                    "CREATE TABLE builds (id INTEGER PRIMARY KEY, name TEXT "
                    "NOT NULL, version TEXT NOT NULL, build_number INTEGER "
                    "NOT NULL, state TEXT NOT NULL, recipe_path TEXT, "
                    "build_key TEXT, parent TEXT, parent_digest TEXT, "
                    "image_path TEXT, image_digest TEXT, log_path TEXT, "
                    "failure TEXT, started TEXT NOT NULL, finished TEXT, "
                    "UNIQUE (name, version, build_number));"
                    "INSERT INTO builds (name, version, build_number, state, "
                    "started) VALUES ('old', '1.0', 1, 'building', 'then');",
                    NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close (raw);
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnStore) store = kiln_store_open (dir, &error);
  assert_non_null (store);
  g_autoptr (KilnBuildRecord) r
      = kiln_catalog_get_build (kiln_store_catalog (store), 1, &error);
  assert_non_null (r);
  assert_string_equal (r->state, "failed");
  assert_non_null (strstr (r->failure, "killed"));
  kiln_store_free (g_steal_pointer (&store));
  kiln_remove_tree (dir);
}

int
main (void)
{
  g_autofree char *top = g_dir_make_tmp ("kiln-recover-XXXXXX", NULL);
  home = g_build_filename (top, "home", NULL);
  g_setenv ("KILN_HOME", home, TRUE);
  assert_string_equal (kiln_home (), home);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_a_killed_build_is_recovered_by_the_next_kiln),
    cmocka_unit_test (test_a_running_build_is_left_alone),
    cmocka_unit_test (test_recovery_happens_once),
    cmocka_unit_test (test_what_a_killed_build_left_outside_home_is_removed),
    cmocka_unit_test (test_a_state_change_is_one_transaction),
    cmocka_unit_test (test_an_old_catalog_gets_owner_columns),
  };
  int rc = cmocka_run_group_tests (tests, NULL, NULL);
  kiln_remove_tree (top);
  g_free (home);
  return rc;
}
