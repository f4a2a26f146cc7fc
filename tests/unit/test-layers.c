/* test-layers.c - per-component layers' pure parts (docs/layers.md): the
 * layer keys, the plan's "layer" members and left-out components, the
 * catalog's rows (who uses a layer, which are dead) with real SQLite, and
 * the store keeping and removing layer files with the real qemu-img. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "backends/qemu-img.h"
#include "base/workspace.h"
#include "build/job.h"
#include "build/plan.h"
#include "common/kiln.h"
#include "common/kiln-protocol.h"
#include "documents/params.h"
#include "store/catalog-layers.h"
#include "store/layers.h"
#include "store/store.h"

typedef struct {
  char *dir;
  char *agent;
  GPtrArray *components;
} Fixture;

static const char component_text[] =
  "name: %s\n"
  "schemaVersion: 1.0\n"
  "parameters:\n"
  "  - Who:\n"
  "      type: string\n"
  "      default: world\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: Say\n"
  "        action: ExecuteBash\n"
  "        inputs:\n"
  "          commands:\n"
  "            - echo %s {{ Who }}\n";

/* components[i] replaced (or appended) by name saying what, with Who */
static void
put (Fixture *f, guint i, const char *name, const char *what, const char *who)
{
  g_autofree char *path = g_strdup_printf ("%s/%s-%s.yaml", f->dir, name,
                                           what);
  g_autofree char *text = g_strdup_printf (component_text, name, what);
  assert_true (g_file_set_contents (path, text, -1, NULL));
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  KilnComponent *c = kiln_component_load (path, diags);
  if (!c)
    {
      kiln_diags_print (diags, stderr);
      fail ();
    }
  g_autoptr (GHashTable) supplied = g_hash_table_new (g_str_hash, g_str_equal);
  if (who)
    g_hash_table_insert (supplied, "Who", (gpointer) who);
  KilnPlanComponent *pc = g_new0 (KilnPlanComponent, 1);
  pc->component = c;
  pc->params = kiln_params_bind (c, supplied, NULL, NULL, KILN_PARAMS_STRICT,
                                 diags);
  assert_non_null (pc->params);
  pc->ref = g_strdup (name);
  if (i < f->components->len)
    {
      kiln_plan_component_free (f->components->pdata[i]);
      f->components->pdata[i] = pc;
    }
  else
    g_ptr_array_add (f->components, pc);
}

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->dir = g_dir_make_tmp ("kiln-layers-XXXXXX", NULL);
  f->agent = g_build_filename (f->dir, "kiln-agent", NULL);
  assert_true (g_file_set_contents (f->agent, "agent v1", -1, NULL));
  f->components = g_ptr_array_new_with_free_func (kiln_plan_component_free);
  put (f, 0, "base", "a", NULL);
  put (f, 1, "web", "b", "ops");
  put (f, 2, "app", "c", NULL);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  g_ptr_array_unref (f->components);
  kiln_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->agent);
  g_free (f);
  return 0;
}

static GBytes *
secret (guint8 fill)
{
  guint8 b[32];
  memset (b, fill, sizeof b);
  return g_bytes_new (b, sizeof b);
}

static GPtrArray *
keys (Fixture *f, GBytes *s)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *k = kiln_build_prefix_keys (s, "parentdigest", 0, FALSE,
                                         f->components, f->agent, &error);
  assert_non_null (k);
  assert_int_equal (k->len, f->components->len);
  return k;
}

/* A component changes its own layer key and the later ones, never an
 * earlier one; no layer key is the build key; the secret keys them. */
static void
test_prefix_keys (void **state)
{
  Fixture *f = *state;
  g_autoptr (GBytes) s = secret (7);
  g_autoptr (GPtrArray) k1 = keys (f, s);
  g_autoptr (GPtrArray) again = keys (f, s);
  for (guint i = 0; i < 3; i++)
    {
      assert_string_equal (k1->pdata[i], again->pdata[i]);
      assert_int_equal (strlen (k1->pdata[i]), 64);
    }
  assert_string_not_equal (k1->pdata[0], k1->pdata[1]);
  assert_string_not_equal (k1->pdata[1], k1->pdata[2]);

  g_autoptr (GError) error = NULL;
  g_autofree char *build_key = kiln_build_key (s, "parentdigest", 0,
                                               f->components, f->agent,
                                               &error);
  assert_non_null (build_key);
  for (guint i = 0; i < 3; i++)
    assert_string_not_equal (build_key, k1->pdata[i]);
  /* the recipe's disk: size is another image, so another build key; the
   * same size, the same key */
  g_autofree char *sized = kiln_build_key (s, "parentdigest", 8ULL << 30,
                                           f->components, f->agent, &error);
  g_autofree char *sized_again = kiln_build_key (s, "parentdigest",
                                                 8ULL << 30, f->components,
                                                 f->agent, &error);
  g_autofree char *bigger = kiln_build_key (s, "parentdigest", 9ULL << 30,
                                            f->components, f->agent, &error);
  assert_non_null (sized);
  assert_non_null (bigger);
  assert_string_not_equal (build_key, sized);
  assert_string_not_equal (sized, bigger);
  assert_string_equal (sized, sized_again);

  /* the last component's text changes: only the last key */
  put (f, 2, "app", "c2", NULL);
  g_autoptr (GPtrArray) k2 = keys (f, s);
  assert_string_equal (k1->pdata[0], k2->pdata[0]);
  assert_string_equal (k1->pdata[1], k2->pdata[1]);
  assert_string_not_equal (k1->pdata[2], k2->pdata[2]);

  /* the second one's parameter: the second and third */
  put (f, 1, "web", "b", "dev");
  g_autoptr (GPtrArray) k3 = keys (f, s);
  assert_string_equal (k2->pdata[0], k3->pdata[0]);
  assert_string_not_equal (k2->pdata[1], k3->pdata[1]);
  assert_string_not_equal (k2->pdata[2], k3->pdata[2]);

  /* a prefix of the recipe has the same keys as the whole recipe's first
   * ones: keys do not depend on what comes after */
  g_autoptr (GPtrArray) two = g_ptr_array_new ();
  g_ptr_array_add (two, f->components->pdata[0]);
  g_ptr_array_add (two, f->components->pdata[1]);
  g_autoptr (GPtrArray) k4 = kiln_build_prefix_keys (s, "parentdigest", 0,
                                                     FALSE, two, f->agent,
                                                     &error);
  assert_non_null (k4);
  assert_string_equal (k3->pdata[0], k4->pdata[0]);
  assert_string_equal (k3->pdata[1], k4->pdata[1]);

  /* another parent, another agent, another secret: all keys change */
  g_autoptr (GPtrArray) kp = kiln_build_prefix_keys (s, "otherparent", 0,
                                                     FALSE, f->components,
                                                     f->agent, &error);
  assert_string_not_equal (k3->pdata[0], kp->pdata[0]);
  /* another disk size: another disk */
  g_autoptr (GPtrArray) kd = kiln_build_prefix_keys (s, "parentdigest",
                                                     8ull << 30, FALSE,
                                                     f->components, f->agent,
                                                     &error);
  assert_string_not_equal (k3->pdata[0], kd->pdata[0]);
  /* a boot with a network card: the agent in the layer starts otherwise */
  g_autoptr (GPtrArray) kn = kiln_build_prefix_keys (s, "parentdigest", 0,
                                                     TRUE, f->components,
                                                     f->agent, &error);
  assert_string_not_equal (k3->pdata[0], kn->pdata[0]);
  assert_true (g_file_set_contents (f->agent, "agent v2", -1, NULL));
  g_autoptr (GPtrArray) ka = keys (f, s);
  assert_string_not_equal (k3->pdata[0], ka->pdata[0]);
  g_autoptr (GBytes) s2 = secret (8);
  g_autoptr (GPtrArray) ks = keys (f, s2);
  assert_string_not_equal (ka->pdata[0], ks->pdata[0]);

  /* no agent: an error, no keys */
  g_autofree char *missing = g_build_filename (f->dir, "none", NULL);
  g_clear_error (&error);
  assert_null (kiln_build_prefix_keys (s, "p", 0, FALSE, f->components,
                                       missing, &error));
  assert_non_null (error);
}

/* The build plan of a build that starts from the layer after component 1
 * leaves it out; the documents after which a layer is cut say which. */
static void
test_plan_layers (void **state)
{
  Fixture *f = *state;
  const char *const phases[] = { "build", "validate", NULL };
  gint64 layers[] = { 0, 2, 0 };
  KilnPlanOptions opts = { "run-1", "build", phases, TRUE, NULL };
  opts.first_component = 1;
  opts.layers = layers;
  g_autoptr (GError) error = NULL;
  guint n = 0;
  g_autofree char *text = kiln_plan_compile (f->components, &opts, &n, &error);
  assert_non_null (text);
  assert_int_equal (n, 2);
  g_autoptr (JsonNode) root = json_from_string (text, NULL);
  JsonArray *docs = json_object_get_array_member (
      json_node_get_object (root), KILN_PLAN_KEY_DOCUMENTS);
  assert_int_equal (json_array_get_length (docs), 2);
  JsonObject *d0 = json_array_get_object_element (docs, 0);
  JsonObject *d1 = json_array_get_object_element (docs, 1);
  assert_string_equal (json_object_get_string_member (d0, "name"), "web");
  assert_int_equal (json_object_get_int_member (d0, KILN_DOCUMENT_KEY_LAYER),
                    2);
  assert_false (json_object_has_member (d1, KILN_DOCUMENT_KEY_LAYER));

  /* without layers the plan is what it always was: every document, no
   * layer member */
  KilnPlanOptions plain = { "run-1", "build", phases, TRUE, NULL };
  g_autofree char *all = kiln_plan_compile (f->components, &plain, &n, &error);
  assert_non_null (all);
  assert_int_equal (n, 3);
  assert_null (strstr (all, "\"" KILN_DOCUMENT_KEY_LAYER "\""));
}

static gint64
new_build (KilnCatalog *cat, const char *state)
{
  gint64 n = 0;
  g_autoptr (GError) error = NULL;
  gint64 id = kiln_catalog_begin_build (cat, "web", "1.0", "r.yaml", &n,
                                        &error);
  assert_true (id > 0);
  if (state)
    assert_true (kiln_catalog_set_state (cat, id, state, NULL, &error));
  return id;
}

static KilnCatalog *
open_catalog (Fixture *f, const char *name)
{
  g_autofree char *db = g_build_filename (f->dir, name, NULL);
  g_autoptr (GError) error = NULL;
  KilnCatalog *cat = kiln_catalog_open (db, &error);
  assert_non_null (cat);
  return cat;
}

/* A build of web/1.0, still building, that cut layer k1 (PREFIX-1, after
 * component 1) and k2 over it (PREFIX-2): their ids in *l1 and *l2. */
static gint64
new_build_cutting_two (KilnCatalog *cat, const char *prefix, gint64 *l1,
                       gint64 *l2)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *p1 = g_strdup_printf ("%s-1", prefix);
  g_autofree char *p2 = g_strdup_printf ("%s-2", prefix);
  gint64 b = new_build (cat, "building");
  *l1 = kiln_catalog_add_layer (cat, b, "k1", 1, "base", p1, 0, 100, &error);
  *l2 = kiln_catalog_add_layer (cat, b, "k2", 2, "web", p2, *l1, 200,
                                &error);
  assert_true (*l1 > 0 && *l2 > *l1);
  return b;
}

static guint
dead_count (KilnCatalog *cat)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) dead = kiln_catalog_take_dead_layers (cat, &error);
  assert_non_null (dead);
  return dead->len;
}

/* Who uses a layer: the build that cut it, and the builds that started
 * from it or above it; a layer goes when none of them is live. */
static void
test_catalog_rows (void **state)
{
  Fixture *f = *state;
  g_autoptr (KilnCatalog) cat = open_catalog (f, "catalog.db");
  g_autoptr (GError) error = NULL;

  /* build A cuts layers 1 and 2 and becomes available */
  gint64 l1, l2;
  gint64 a = new_build_cutting_two (cat, "/l/a", &l1, &l2);
  assert_true (kiln_catalog_set_state (cat, a, "available", NULL, &error));
  assert_int_equal (dead_count (cat), 0);

  /* no live layer of an unknown key */
  gint64 b = new_build (cat, "building");
  assert_null (kiln_catalog_take_layer (cat, b, "nope", &error));
  assert_null (error);

  /* B starts from layer 2: it uses layers 2 and 1 */
  g_autoptr (KilnLayerRecord) got = kiln_catalog_take_layer (cat, b, "k2",
                                                             &error);
  assert_non_null (got);
  assert_int_equal (got->id, l2);
  assert_int_equal (got->below, l1);
  assert_int_equal (got->component_index, 2);
  assert_string_equal (got->path, "/l/a-2");
  assert_string_equal (got->cut_by, "web/1.0/1");
  g_autoptr (GPtrArray) used = kiln_catalog_build_layers (cat, b, &error);
  assert_int_equal (used->len, 2);
  assert_int_equal (((KilnLayerRecord *) used->pdata[0])->id, l1);
  assert_int_equal (((KilnLayerRecord *) used->pdata[1])->id, l2);

  /* B cuts layer 3 over A's layer 2 */
  gint64 l3 = kiln_catalog_add_layer (cat, b, "k3", 3, "app", "/l/b-3", l2,
                                      300, &error);
  assert_true (l3 > 0);

  /* A is deleted while B runs: B keeps A's layers alive */
  assert_true (kiln_catalog_set_state (cat, a, "deleted", NULL, &error));
  assert_int_equal (dead_count (cat), 0);
  /* ...and still finds them by key (a third build would too) */
  gint64 c = new_build (cat, "building");
  g_autoptr (KilnLayerRecord) via_b = kiln_catalog_take_layer (cat, c, "k1",
                                                               &error);
  assert_non_null (via_b);
  assert_int_equal (via_b->id, l1);
  assert_true (kiln_catalog_set_state (cat, c, "failed", NULL, &error));

  /* B fails after C did: C, the last build of the recipe to end, keeps
   * what it uses (layer 1, for a retry); B's layers 2 and 3 go, once */
  assert_true (kiln_catalog_set_state (cat, b, "failed", NULL, &error));
  g_autoptr (GPtrArray) dead = kiln_catalog_take_dead_layers (cat, &error);
  assert_non_null (dead);
  assert_int_equal (dead->len, 2);
  assert_int_equal (((KilnLayerRecord *) dead->pdata[0])->id, l3);
  assert_int_equal (((KilnLayerRecord *) dead->pdata[1])->id, l2);
  assert_int_equal (dead_count (cat), 0);
  /* what B still uses: layer 1 alone, which C keeps */
  g_autoptr (GPtrArray) left_b = kiln_catalog_build_layers (cat, b, &error);
  assert_int_equal (left_b->len, 1);
  assert_int_equal (((KilnLayerRecord *) left_b->pdata[0])->id, l1);
  /* the retry finds layer 1; once it is deleted nobody keeps layer 1 */
  gint64 h = new_build (cat, "building");
  g_autoptr (KilnLayerRecord) retry = kiln_catalog_take_layer (cat, h, "k1",
                                                               &error);
  assert_non_null (retry);
  assert_int_equal (retry->id, l1);
  assert_true (kiln_catalog_set_state (cat, h, "available", NULL, &error));
  assert_int_equal (dead_count (cat), 0);
  assert_true (kiln_catalog_set_state (cat, h, "deleted", NULL, &error));
  assert_int_equal (dead_count (cat), 1);
  assert_null (kiln_catalog_take_layer (cat, new_build (cat, "building"),
                                        "k1", &error));

  /* the newest live layer of a key is the one found */
  gint64 d = new_build (cat, "available");
  gint64 e = new_build (cat, "available");
  gint64 ld = kiln_catalog_add_layer (cat, d, "k1", 1, "base", "/l/d-1", 0,
                                      1, &error);
  gint64 le = kiln_catalog_add_layer (cat, e, "k1", 1, "base", "/l/e-1", 0,
                                      1, &error);
  gint64 g = new_build (cat, "building");
  g_autoptr (KilnLayerRecord) newest = kiln_catalog_take_layer (cat, g, "k1",
                                                                &error);
  assert_int_equal (newest->id, le);
  /* a build forgotten (its row deleted) uses nothing any more */
  assert_true (kiln_catalog_delete_build (cat, e, &error));
  assert_true (kiln_catalog_set_state (cat, g, "deleted", NULL, &error));
  g_autoptr (GPtrArray) gone = kiln_catalog_take_dead_layers (cat, &error);
  assert_int_equal (gone->len, 1);
  assert_int_equal (((KilnLayerRecord *) gone->pdata[0])->id, le);
  g_autoptr (KilnLayerRecord) left = kiln_catalog_take_layer (
      cat, new_build (cat, "building"), "k1", &error);
  assert_int_equal (left->id, ld);
}

static gint64
new_build_of (KilnCatalog *cat, const char *name, const char *state)
{
  gint64 n = 0;
  g_autoptr (GError) error = NULL;
  gint64 id = kiln_catalog_begin_build (cat, name, "1.0", "r.yaml", &n,
                                        &error);
  assert_true (id > 0);
  assert_true (kiln_catalog_set_state (cat, id, state, NULL, &error));
  return id;
}

/* A failed (or cancelled) build keeps the layers it cut until a later
 * build of its recipe ends: the retry of a fixed component starts from
 * them; builds of other recipes change nothing. */
static void
test_failed_build_keeps_layers (void **state)
{
  Fixture *f = *state;
  g_autoptr (KilnCatalog) cat = open_catalog (f, "kept.db");
  g_autoptr (GError) error = NULL;

  gint64 l1, l2;
  gint64 first = new_build_cutting_two (cat, "/l/f", &l1, &l2);
  assert_true (kiln_catalog_set_state (cat, first, "failed", NULL, &error));
  assert_int_equal (dead_count (cat), 0);
  /* another recipe's builds end: still kept */
  new_build_of (cat, "db", "failed");
  new_build_of (cat, "db", "available");
  assert_int_equal (dead_count (cat), 0);

  /* the retry starts from layer 2 and fails in turn: it keeps both (it
   * uses them), the first build no longer counts */
  gint64 retry = new_build (cat, "building");
  g_autoptr (KilnLayerRecord) got = kiln_catalog_take_layer (cat, retry, "k2",
                                                             &error);
  assert_non_null (got);
  assert_int_equal (got->id, l2);
  gint64 l3 = kiln_catalog_add_layer (cat, retry, "k3", 3, "app", "/l/r-3",
                                      l2, 100, &error);
  assert_true (l3 > 0);
  assert_true (kiln_catalog_set_state (cat, retry, "cancelled", NULL,
                                       &error));
  assert_int_equal (dead_count (cat), 0);

  /* a later build of the recipe that used none of them ends: they go */
  gint64 other = new_build (cat, "building");
  assert_int_equal (dead_count (cat), 0);    /* not ended yet */
  assert_true (kiln_catalog_set_state (cat, other, "failed", NULL, &error));
  assert_int_equal (dead_count (cat), 3);
}

/* The store keeps a layer file (renaming its backing file to the layer
 * below's store path without reading data) and removes it when no live
 * build uses it, only below HOME/layers. */
static void
test_store_files (void **state)
{
  Fixture *f = *state;
  g_autofree char *home = g_build_filename (f->dir, "home", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnStore) store = kiln_store_open (home, &error);
  assert_non_null (store);
  KilnCatalog *cat = kiln_store_catalog (store);
  gint64 n = 0;
  gint64 id = kiln_store_begin_build (store, "web", "1.0", "r.yaml", &n,
                                      &error);
  assert_true (id > 0);

  /* a parent, then two deltas as a boot leaves them in its work dir */
  g_autofree char *work = g_build_filename (f->dir, "work", NULL);
  g_mkdir (work, 0700);
  g_autofree char *parent = g_build_filename (work, "parent.qcow2", NULL);
  g_autofree char *d1 = g_build_filename (work, "disk.qcow2", NULL);
  g_autofree char *d2 = g_build_filename (work, "disk-after-1.qcow2", NULL);
  const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", parent,
                         "1M", NULL };
  gint status = -1;
  assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH,
                             NULL, NULL, NULL, NULL, &status, NULL));
  assert_int_equal (status, 0);
  assert_true (kiln_qemu_img_create_overlay (parent, "qcow2", d1, 0, &error));
  assert_true (kiln_qemu_img_create_overlay (d1, "qcow2", d2, 0, &error));

  g_autofree char *kept1 = NULL, *kept2 = NULL;
  gint64 l1 = kiln_store_keep_layer (store, id, d1, "k1", 1, "base", 0, NULL,
                                     &kept1, &error);
  assert_true (l1 > 0);
  gint64 l2 = kiln_store_keep_layer (store, id, d2, "k2", 2, "web", l1,
                                     kept1, &kept2, &error);
  assert_true (l2 > 0);
  g_autofree char *want1 = kiln_store_layer_path (store, id, 1);
  assert_string_equal (kept1, want1);
  assert_true (g_str_has_prefix (kept2, kiln_store_layers_dir (store)));
  assert_false (g_file_test (d1, G_FILE_TEST_EXISTS));
  assert_false (g_file_test (d2, G_FILE_TEST_EXISTS));
  g_autoptr (KilnImageInfo) info = kiln_qemu_img_info (kept2, "qcow2",
                                                       &error);
  assert_non_null (info);
  assert_string_equal (info->backing_file, kept1);
  g_autoptr (KilnImageInfo) info1 = kiln_qemu_img_info (kept1, "qcow2",
                                                        &error);
  assert_string_equal (info1->backing_file, parent);

  /* a row that names a file outside HOME/layers never removes it */
  gint64 other = kiln_store_begin_build (store, "web", "1.0", "r.yaml", &n,
                                         &error);
  assert_true (kiln_catalog_add_layer (cat, other, "kx", 1, "base", parent,
                                       0, 0, &error) > 0);
  assert_true (kiln_catalog_set_state (cat, other, "deleted", NULL, &error));

  /* the build is available: nothing goes */
  assert_true (kiln_catalog_set_state (cat, id, "available", NULL, &error));
  g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  g_clear_error (&error);
  assert_false (kiln_store_gc_layers (store, removed, &error));
  assert_non_null (error);     /* the outside path is refused */
  assert_int_equal (removed->len, 0);
  assert_true (g_file_test (parent, G_FILE_TEST_EXISTS));
  assert_true (g_file_test (kept1, G_FILE_TEST_EXISTS));

  /* a file no row names: kept while its build is live, removed after */
  g_autofree char *orphan = kiln_store_layer_path (store, other, 2);
  assert_true (g_file_set_contents (orphan, "x", -1, NULL));
  g_autofree char *stray = g_build_filename (kiln_store_layers_dir (store),
                                             "notes.txt", NULL);
  assert_true (g_file_set_contents (stray, "x", -1, NULL));
  g_autofree char *live_orphan = kiln_store_layer_path (store, id, 9);
  assert_true (g_file_set_contents (live_orphan, "x", -1, NULL));
  g_clear_error (&error);
  assert_true (kiln_store_gc_layers (store, removed, &error));
  assert_false (g_file_test (orphan, G_FILE_TEST_EXISTS));
  assert_true (g_file_test (stray, G_FILE_TEST_EXISTS));
  assert_true (g_file_test (live_orphan, G_FILE_TEST_EXISTS));
  assert_int_equal (removed->len, 1);

  /* kiln images rm: the build's layers go with it */
  g_autoptr (KilnBuildRecord) r = kiln_catalog_get_build (cat, id, &error);
  g_clear_error (&error);
  assert_true (kiln_store_remove (store, r, "test", &error));
  assert_false (g_file_test (kept1, G_FILE_TEST_EXISTS));
  assert_false (g_file_test (kept2, G_FILE_TEST_EXISTS));
  assert_false (g_file_test (live_orphan, G_FILE_TEST_EXISTS));
  assert_true (g_file_test (parent, G_FILE_TEST_EXISTS));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_prefix_keys, setup, teardown),
    cmocka_unit_test_setup_teardown (test_failed_build_keeps_layers, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_plan_layers, setup, teardown),
    cmocka_unit_test_setup_teardown (test_catalog_rows, setup, teardown),
    cmocka_unit_test_setup_teardown (test_store_files, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
