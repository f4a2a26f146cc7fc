/* cmd-images.c - kiln images list | show | rm | prune | deprecate |
 * undeprecate | parents | prune-parents
 *
 * What the image store keeps (src/store/store.h): the flattened qcow2 of
 * every available build, and the catalog of every build.  Removing a build
 * goes through the store: it empties the build's store directory and marks
 * it deleted (its log and its catalog entry stay, so `kiln logs` still
 * works); the artifacts in output directories belong to the user and are
 * never touched.  Deprecating marks an available build in the catalog (a
 * lifecycle rule's first step, or a user's word); the build stays usable.
 * The parents cached on a libvirt daemon's storage pool (target-disks.h)
 * are listed and removed here too.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "backends/libvirt-pool.h"
#include "backends/libvirt.h"
#include "build/target-disks.h"
#include "store/build-ref.h"
#include "store/catalog.h"
#include "store/recover.h"
#include "store/catalog-layers.h"
#include "store/store.h"
#include "commands.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "store/lock.h"
#include "outputs/manifest.h"
#include "base/escape.h"
#include "base/paths.h"

static const char usage_text[] =
  "Usage: kiln images list [NAME] [--all] [--json]\n"
  "       kiln images show BUILD [--json]\n"
  "       kiln images rm BUILD...\n"
  "       kiln images prune [NAME] [--keep N] [--dry-run]\n"
  "       kiln images deprecate|undeprecate BUILD...\n"
  "       kiln images parents|prune-parents --connect URI [--pool NAME]\n"
  "\n"
  "The builds kiln has made and the image store that keeps them.\n"
  "BUILD is NAME (its newest build), NAME/VERSION or NAME/VERSION/NUMBER,\n"
  "as kiln build prints it (web-golden/1.2.0/7).\n"
  "\n"
  "  list        builds, newest first (deleted ones only with --all)\n"
  "  show        one build: state, parent, image, log, artifacts\n"
  "  rm          remove builds' images from the store (the catalog entry\n"
  "              and the log stay; output directories are not touched)\n"
  "  prune       keep the newest N available builds of each recipe\n"
  "              (default 1) and forget failed and cancelled builds\n"
  "  deprecate   mark available builds deprecated (they stay usable;\n"
  "              list and show say so)\n"
  "  undeprecate remove the mark\n"
  "  parents     the parents cached in kiln's storage pool on a libvirt\n"
  "              daemon (--connect URI; --pool NAME, default kiln)\n"
  "  prune-parents\n"
  "              delete them (the next build there sends its parent again;\n"
  "              --dry-run says what would go)\n"
  "  --json      print JSON instead of text\n"
  "  -h, --help  show this help\n";

static int usage_error (const char *fmt, const char *arg) G_GNUC_PRINTF (1, 0);

static int
usage_error (const char *fmt, const char *arg)
{
  g_autofree char *msg = g_strdup_printf (fmt, arg);
  kiln_print_text (stderr, "kiln images: %s\nRun 'kiln images --help' for "
                   "usage.\n", msg);
  return KILN_EXIT_BAD_INPUT;
}

/* NULL without an error when kiln has never built anything (no catalog
 * file): reading must not create one. */
static KilnStore *
open_store (GError **error)
{
  return kiln_store_open_existing (kiln_home (), error);
}

/* The size of a build's image in the store; -1 when it is not there. */
static gint64
store_size (const KilnBuildRecord *r)
{
  GStatBuf st;
  if (g_strcmp0 (r->state, "deleted") == 0 || !r->image_path
      || g_stat (r->image_path, &st) != 0)
    return -1;
  return (gint64) st.st_size;
}

static void
print_json (JsonBuilder *b)
{
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = kiln_json_to_text (root);
  fputs (text, stdout);
}

/* The layers a build uses (docs/layers.md): those it cut and those it
 * started from. */
static void
layers_to_json (JsonBuilder *b, GPtrArray *layers)
{
  json_builder_set_member_name (b, "layers");
  json_builder_begin_array (b);
  for (guint i = 0; i < layers->len; i++)
    {
      const KilnLayerRecord *l = layers->pdata[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "afterComponent");
      json_builder_add_int_value (b, l->component_index);
      kiln_json_add_string_or_null (b, "component", l->component);
      kiln_json_add_string_or_null (b, "key", l->key);
      kiln_json_add_string_or_null (b, "path", l->path);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, (gint64) l->size);
      kiln_json_add_string_or_null (b, "cutBy", l->cut_by);
      json_builder_set_member_name (b, "present");
      json_builder_add_boolean_value (b, g_file_test (l->path,
                                                      G_FILE_TEST_EXISTS));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
record_to_json (JsonBuilder *b, const KilnBuildRecord *r,
                GPtrArray *artifacts, GPtrArray *layers)
{
  g_autofree char *ref = kiln_build_record_ref (r);
  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "build", ref);
  kiln_json_add_string_or_null (b, "name", r->name);
  kiln_json_add_string_or_null (b, "version", r->version);
  json_builder_set_member_name (b, "number");
  json_builder_add_int_value (b, r->build_number);
  kiln_json_add_string_or_null (b, "state", r->state);
  kiln_json_add_string_or_null (b, "started", r->started);
  kiln_json_add_string_or_null (b, "finished", r->finished);
  kiln_json_add_string_or_null (b, "parent", r->parent);
  kiln_json_add_string_or_null (b, "parentDigest", r->parent_digest);
  kiln_json_add_string_or_null (b, "buildKey", r->build_key);
  gint64 size = store_size (r);
  kiln_json_add_string_or_null (b, "image", size >= 0 ? r->image_path : NULL);
  json_builder_set_member_name (b, "imageSize");
  if (size >= 0)
    json_builder_add_int_value (b, size);
  else
    json_builder_add_null_value (b);
  kiln_json_add_string_or_null (b, "imageDigest", r->image_digest);
  kiln_json_add_string_or_null (b, "log", r->log_path);
  kiln_json_add_string_or_null (b, "failure", r->failure);
  kiln_json_add_string_or_null (b, "deprecated", r->deprecated);
  kiln_json_add_string_or_null (b, "connect", r->connect_uri);
  g_autofree char *domains
      = r->domain_tag ? g_strdup_printf ("kiln-%s-*", r->domain_tag) : NULL;
  kiln_json_add_string_or_null (b, "domains", domains);
  if (artifacts)
    {
      json_builder_set_member_name (b, "artifacts");
      json_builder_begin_array (b);
      for (guint i = 0; i < artifacts->len; i++)
        {
          const char *p = artifacts->pdata[i];
          json_builder_begin_object (b);
          kiln_json_add_string_or_null (b, "path", p);
          json_builder_set_member_name (b, "present");
          json_builder_add_boolean_value (b, g_file_test (p,
                                                          G_FILE_TEST_EXISTS));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  if (layers)
    layers_to_json (b, layers);
  json_builder_end_object (b);
}

/* "2026-11-23T05:22:14.509227Z" -> "2026-11-23 05:22:14" (UTC) */
static char *
short_time (const char *iso)
{
  if (!iso || strlen (iso) < 19)
    return g_strdup (iso ? iso : "-");
  char *t = g_strndup (iso, 19);
  t[10] = ' ';
  return t;
}

static int
cmd_list (const char *name, gboolean all, gboolean json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnStore) store = open_store (&error);
  if (error)
    {
      kiln_print_text (stderr, "kiln images: %s\n", error->message);
      return KILN_EXIT_HOST;
    }
  g_autoptr (GPtrArray) builds
      = store ? kiln_catalog_list_builds (kiln_store_catalog (store), name,
                                          &error)
              : g_ptr_array_new ();
  if (!builds)
    {
      kiln_print_text (stderr, "kiln images: %s\n", error->message);
      return KILN_EXIT_HOST;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "builds");
  json_builder_begin_array (b);
  guint shown = 0;
  for (guint i = 0; i < builds->len; i++)
    {
      const KilnBuildRecord *r = builds->pdata[i];
      if (!all && g_strcmp0 (r->state, "deleted") == 0)
        continue;
      if (json)
        {
          record_to_json (b, r, NULL, NULL);
          continue;
        }
      if (shown++ == 0)
        kiln_print_text (stdout, "%-32s %-12s %-20s %10s  %s\n", "BUILD", "STATE",
                "FINISHED (UTC)", "SIZE", "IMAGE");
      g_autofree char *ref = kiln_build_record_ref (r);
      gint64 size = store_size (r);
      g_autofree char *size_text = size >= 0 ? g_format_size (size)
                                             : g_strdup ("-");
      g_autofree char *finished = short_time (r->finished);
      /* an available build that is deprecated says so instead */
      const char *state = r->deprecated && g_strcmp0 (r->state, "available")
                                               == 0 ? "deprecated" : r->state;
      kiln_print_text (stdout, "%-32s %-12s %-20s %10s  %s\n", ref, state, finished,
              size_text,
              size >= 0 ? r->image_path : "-");
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  if (json)
    print_json (b);
  else if (shown == 0)
    kiln_print_text (stdout, name ? "No builds of %s.\n" : "No builds yet.\n", name);
  return KILN_EXIT_OK;
}

/* The store and the record a BUILD argument names; prints the error. */
static int
find_build (const char *text, KilnStore **store_out, KilnBuildRecord **out)
{
  g_autoptr (GError) error = NULL;
  g_auto (KilnBuildRef) ref = { 0 };
  if (!kiln_build_ref_parse (text, &ref, &error))
    {
      kiln_print_text (stderr, "kiln images: %s\n", error->message);
      return KILN_EXIT_BAD_INPUT;
    }
  g_autoptr (KilnStore) store = open_store (&error);
  if (!store && !error)
    g_set_error (&error, KILN_ERROR, KILN_ERROR_INPUT,
                 "no build of '%s': kiln has not built anything yet "
                 "(no %s/catalog.db)", ref.name, kiln_home ());
  KilnBuildRecord *r = store ? kiln_build_ref_find (kiln_store_catalog (store),
                                                    &ref, &error)
                             : NULL;
  if (!r)
    {
      kiln_print_text (stderr, "kiln images: %s\n", error->message);
      return kiln_exit_code_for_error (error);
    }
  *store_out = g_steal_pointer (&store);
  *out = r;
  return KILN_EXIT_OK;
}

static int
cmd_show (const char *text, gboolean json)
{
  g_autoptr (KilnStore) store = NULL;
  g_autoptr (KilnBuildRecord) r = NULL;
  int rc = find_build (text, &store, &r);
  if (rc != KILN_EXIT_OK)
    return rc;
  g_autoptr (GPtrArray) artifacts
      = kiln_catalog_artifact_paths (kiln_store_catalog (store), r->id, NULL);
  g_autoptr (GPtrArray) layers
      = kiln_catalog_build_layers (kiln_store_catalog (store), r->id, NULL);
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      record_to_json (b, r, artifacts, layers);
      print_json (b);
      return KILN_EXIT_OK;
    }
  g_autofree char *ref = kiln_build_record_ref (r);
  gint64 size = store_size (r);
  g_autofree char *size_text = size >= 0 ? g_format_size (size) : NULL;
  kiln_print_text (stdout, "build     %s\n", ref);
  kiln_print_text (stdout, "state     %s\n", r->state);
  kiln_print_text (stdout, "started   %s\n", r->started ? r->started : "-");
  kiln_print_text (stdout, "finished  %s\n", r->finished ? r->finished : "-");
  if (r->deprecated)
    kiln_print_text (stdout, "deprecated %s\n", r->deprecated);
  if (r->failure)
    kiln_print_text (stdout, "failure   %s\n", r->failure);
  kiln_print_text (stdout, "parent    %s%s%s\n", r->parent ? r->parent : "-",
          r->parent_digest ? " sha256:" : "",
          r->parent_digest ? r->parent_digest : "");
  if (size >= 0)
    kiln_print_text (stdout, "image     %s (%s)\n", r->image_path, size_text);
  else
    kiln_print_text (stdout, "image     - (not in the store)\n");
  if (r->build_key)
    kiln_print_text (stdout, "key       %s\n", r->build_key);
  kiln_print_text (stdout, "log       %s\n", r->log_path ? r->log_path : "-");
  /* where its domains ran and what they were called: what a user looks
   * for in `virsh list` */
  if (r->domain_tag)
    kiln_print_text (stdout, "domains   kiln-%s-* on %s\n", r->domain_tag,
                     r->connect_uri ? r->connect_uri
                                    : "kiln's embedded libvirt");
  for (guint i = 0; artifacts && i < artifacts->len; i++)
    {
      const char *p = artifacts->pdata[i];
      kiln_print_text (stdout, "%s %s%s\n", i == 0 ? "artifacts" : "         ", p,
              g_file_test (p, G_FILE_TEST_EXISTS) ? "" : " (gone)");
    }
  for (guint i = 0; layers && i < layers->len; i++)
    {
      const KilnLayerRecord *l = layers->pdata[i];
      g_autofree char *lsize = g_format_size (l->size);
      kiln_print_text (stdout, "%s after component %" G_GINT64_FORMAT
                       " (%s): %s (%s, key %.16s, %s%s)%s\n",
                       i == 0 ? "layers   " : "         ",
                       l->component_index, l->component, l->path, lsize,
                       l->key, l->build_id == r->id ? "cut by this build"
                                                    : "cut by build ",
                       l->build_id == r->id ? "" : (l->cut_by ? l->cut_by
                                                              : "?"),
                       g_file_test (l->path, G_FILE_TEST_EXISTS) ? ""
                                                                 : " (gone)");
    }
  return KILN_EXIT_OK;
}

/* The recipe's build lock (the one kiln build holds), without waiting: a
 * build that is running keeps its images. */
static int
lock_recipe (const char *name, GError **error)
{
  g_autofree char *path = kiln_recipe_lock_path (name);
  g_autofree char *busy = g_strdup_printf ("a build of %s is running; try "
                                           "again when it is done", name);
  return kiln_lock_take (path, KILN_LOCK_TRY, NULL, busy, error);
}

static int
cmd_rm (char **refs)
{
  int rc = KILN_EXIT_OK;
  for (char **t = refs; *t; t++)
    {
      g_autoptr (KilnStore) store = NULL;
      g_autoptr (KilnBuildRecord) r = NULL;
      g_autoptr (GError) error = NULL;
      int found = find_build (*t, &store, &r);
      if (found != KILN_EXIT_OK)
        {
          rc = MAX (rc, found);
          continue;
        }
      g_autofree char *ref = kiln_build_record_ref (r);
      int fd = lock_recipe (r->name, &error);
      if (fd < 0)
        {
          kiln_print_text (stderr, "kiln images: %s: %s\n", ref, error->message);
          rc = MAX (rc, kiln_exit_code_for_error (error));
          continue;
        }
      if (g_strcmp0 (r->state, "deleted") == 0)
        kiln_print_text (stdout, "%s: already removed\n", ref);
      else if (!kiln_store_remove (store, r, "kiln images rm", &error))
        {
          kiln_print_text (stderr, "kiln images: %s: %s\n", ref, error->message);
          rc = MAX (rc, kiln_exit_code_for_error (error));
        }
      else
        kiln_print_text (stdout, "%s: removed from the image store\n", ref);
      close (fd);
    }
  return rc;
}

/* deprecate or undeprecate: every BUILD is found before any changes, so
 * one bad BUILD changes nothing. */
static int
cmd_deprecate (char **refs, gboolean deprecate)
{
  const char *verb = deprecate ? "deprecate" : "undeprecate";
  g_autoptr (GPtrArray) stores
      = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_store_free);
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_build_record_free);
  for (char **t = refs; *t; t++)
    {
      KilnStore *store = NULL;
      KilnBuildRecord *r = NULL;
      int found = find_build (*t, &store, &r);
      if (found != KILN_EXIT_OK)
        return found;
      g_ptr_array_add (stores, store);
      g_ptr_array_add (records, r);
      if (deprecate && g_strcmp0 (r->state, "available") != 0)
        {
          g_autofree char *ref = kiln_build_record_ref (r);
          kiln_print_text (stderr, "kiln images: %s is %s: only an available "
                           "build can be deprecated\n", ref, r->state);
          return KILN_EXIT_BAD_INPUT;
        }
    }
  int rc = KILN_EXIT_OK;
  for (guint i = 0; i < records->len; i++)
    {
      const KilnBuildRecord *r = records->pdata[i];
      g_autoptr (GError) error = NULL;
      g_autofree char *ref = kiln_build_record_ref (r);
      if (deprecate && r->deprecated)
        kiln_print_text (stdout, "%s: already deprecated (%s)\n", ref,
                         r->deprecated);
      else if (!deprecate && !r->deprecated)
        kiln_print_text (stdout, "%s: not deprecated\n", ref);
      else if (!kiln_catalog_set_deprecated (
                   kiln_store_catalog (stores->pdata[i]), r->id, deprecate,
                   "kiln images deprecate", &error))
        {
          kiln_print_text (stderr, "kiln images: %s: could not %s it: %s\n",
                           ref, verb, error->message);
          rc = MAX (rc, kiln_exit_code_for_error (error));
        }
      else
        kiln_print_text (stdout, "%s: %sd\n", ref, verb);
    }
  return rc;
}

typedef struct {
  gboolean dry;
  guint removed;
  int rc;
} PruneReport;

static void
report_pruned (const KilnBuildRecord *r, KilnStoreAction action,
               const GError *error, gpointer data)
{
  PruneReport *p = data;
  g_autofree char *ref = kiln_build_record_ref (r);
  if (error)
    {
      kiln_print_text (stderr, "kiln images: %s: %s\n", ref, error->message);
      p->rc = KILN_EXIT_HOST;
      return;
    }
  if (action == KILN_STORE_REMOVED)
    kiln_print_text (stdout, p->dry ? "%s: would be removed from the image store\n"
                   : "%s: removed from the image store\n", ref);
  else
    kiln_print_text (stdout, p->dry ? "%s (%s): would be forgotten, with its log\n"
                   : "%s (%s): forgotten, with its log\n", ref, r->state);
  p->removed++;
}

/* One recipe: keep the newest `keep` available builds, forget failed and
 * cancelled ones. */
static void
prune_recipe (KilnStore *store, const char *name, guint keep,
              PruneReport *report)
{
  g_autoptr (GError) error = NULL;
  int fd = report->dry ? -1 : lock_recipe (name, &error);
  if (!report->dry && fd < 0)
    {
      kiln_print_text (stderr, "kiln images: %s: %s\n", name, error->message);
      report->rc = MAX (report->rc, kiln_exit_code_for_error (error));
      return;
    }
  KilnRetainPolicy policy = {
    .keep = keep,
    .forget_failed = TRUE,
    .dry_run = report->dry,
    .why = "kiln images prune",
  };
  if (!kiln_store_retain (store, name, &policy, report_pruned, report,
                          &error))
    {
      kiln_print_text (stderr, "kiln images: %s\n", error->message);
      report->rc = KILN_EXIT_HOST;
    }
  if (fd >= 0)
    close (fd);
}

static int
cmd_prune (const char *name, gint keep, gboolean dry)
{
  if (keep < 0)
    return usage_error ("%s", "--keep expects 0 or more builds to keep");
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnStore) store = open_store (&error);
  if (!store)
    {
      if (error)
        {
          kiln_print_text (stderr, "kiln images: %s\n", error->message);
          return KILN_EXIT_HOST;
        }
      kiln_print_text (stdout, "No builds yet.\n");
      return KILN_EXIT_OK;
    }
  g_autoptr (GPtrArray) builds
      = kiln_catalog_list_builds (kiln_store_catalog (store), name, &error);
  if (!builds)
    {
      kiln_print_text (stderr, "kiln images: %s\n", error->message);
      return KILN_EXIT_HOST;
    }
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  PruneReport report = { .dry = dry, .rc = KILN_EXIT_OK };
  for (guint i = 0; i < builds->len; i++)
    {
      const KilnBuildRecord *r = builds->pdata[i];
      if (g_hash_table_add (seen, r->name))
        prune_recipe (store, r->name, (guint) keep, &report);
    }
  if (report.removed == 0)
    kiln_print_text (stdout, "Nothing to prune.\n");
  return report.rc;
}

/* kiln images parents | prune-parents: the pool on the daemon at uri. */
static int
cmd_parents (const char *uri, const char *pool_name, gboolean prune,
             gboolean dry, gboolean json)
{
  if (uri == NULL || g_str_equal (uri, "embed"))
    return usage_error ("%s", "the parents are cached on a libvirt daemon: "
                        "name it with --connect URI (the embedded driver "
                        "caches none)");
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnHypervisor) hv = kiln_hypervisor_open (uri, NULL, &error);
  g_autoptr (KilnPool) pool = NULL;
  g_autoptr (GPtrArray) parents = NULL;
  if (hv && kiln_target_pool_open (hv, pool_name, &pool, &error))
    {
      /* connected there anyway: what killed kilns left goes first */
      kiln_target_recover (hv, NULL, NULL);
      parents = kiln_target_cached_parents (pool, &error);
    }
  if (!parents)
    {
      kiln_print_text (stderr, "kiln images: %s\n", error->message);
      g_clear_pointer (&pool, kiln_pool_close);
      return kiln_exit_code_for_error (error);
    }
  int rc = KILN_EXIT_OK;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "parents");
  json_builder_begin_array (b);
  if (!json && !prune && parents->len)
    kiln_print_text (stdout, "%-64s  %10s  %s\n", "PARENT (SHA-256)", "SIZE",
                     "STATE");
  for (guint i = 0; i < parents->len; i++)
    {
      const KilnCachedParent *p = parents->pdata[i];
      g_autofree char *size = g_format_size (p->bytes);
      const char *state = p->complete ? "complete" : "half-sent";
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "digest");
      json_builder_add_string_value (b, p->digest);
      json_builder_set_member_name (b, "volume");
      json_builder_add_string_value (b, p->volume);
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, (gint64) p->bytes);
      json_builder_set_member_name (b, "complete");
      json_builder_add_boolean_value (b, p->complete);
      json_builder_end_object (b);
      if (!prune)
        {
          if (!json)
            kiln_print_text (stdout, "%-64s  %10s  %s\n", p->digest, size,
                             state);
          continue;
        }
      g_autoptr (GError) drop_error = NULL;
      if (dry)
        kiln_print_text (stdout, "would delete %s (%s) on %s\n", p->volume,
                         size, uri);
      else if (kiln_target_drop_parent (pool, p, &drop_error))
        kiln_print_text (stdout, "deleted %s (%s) on %s\n", p->volume, size,
                         uri);
      else
        {
          kiln_print_text (stderr, "kiln images: %s\n", drop_error->message);
          rc = MAX (rc, kiln_exit_code_for_error (drop_error));
        }
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  if (json && !prune)
    print_json (b);
  else if (parents->len == 0)
    kiln_print_text (stdout, prune ? "Nothing to prune.\n"
                                   : "No parent is cached on %s.\n", uri);
  /* the pool's handle belongs to the connection: closed first */
  g_clear_pointer (&pool, kiln_pool_close);
  return rc;
}

int
kiln_cmd_images (int argc, char **argv)
{
  gboolean json = FALSE, all = FALSE, dry = FALSE;
  gint keep = 1;
  g_autofree char *connect = NULL;
  g_autofree char *pool = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON", NULL },
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "list deleted builds too",
      NULL },
    { "keep", 0, 0, G_OPTION_ARG_INT, &keep,
      "prune: available builds to keep per recipe (1)", "N" },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry,
      "prune: say what would go, remove nothing", NULL },
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &connect,
      "parents: the libvirt daemon", "URI" },
    { "pool", 0, 0, G_OPTION_ARG_STRING, &pool,
      "parents: its storage pool (kiln)", "NAME" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("list|show|rm|prune|deprecate|undeprecate|parents|prune-parents");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_help_enabled (ctx, FALSE);
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0)
      {
        fputs (usage_text, stdout);
        return KILN_EXIT_OK;
      }
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage_error ("%s", error->message);
  if (argc < 2)
    return usage_error ("%s", "expected list, show, rm, prune, deprecate, "
                        "undeprecate, parents or prune-parents");
  const char *sub = argv[1];
  if (strcmp (sub, "list") == 0 || strcmp (sub, "ls") == 0)
    {
      if (argc > 3)
        return usage_error ("list takes at most one NAME, found '%s'",
                            argv[3]);
      return cmd_list (argc == 3 ? argv[2] : NULL, all, json);
    }
  if (strcmp (sub, "show") == 0)
    {
      if (argc != 3)
        return usage_error ("%s", "show takes one BUILD");
      return cmd_show (argv[2], json);
    }
  if (strcmp (sub, "rm") == 0)
    {
      if (argc < 3)
        return usage_error ("%s", "rm takes one or more BUILDs");
      return cmd_rm (argv + 2);
    }
  if (strcmp (sub, "prune") == 0)
    {
      if (argc > 3)
        return usage_error ("prune takes at most one NAME, found '%s'",
                            argv[3]);
      return cmd_prune (argc == 3 ? argv[2] : NULL, keep, dry);
    }
  if (strcmp (sub, "deprecate") == 0 || strcmp (sub, "undeprecate") == 0)
    {
      if (argc < 3)
        return usage_error ("%s takes one or more BUILDs", sub);
      return cmd_deprecate (argv + 2, strcmp (sub, "deprecate") == 0);
    }
  if (strcmp (sub, "parents") == 0 || strcmp (sub, "prune-parents") == 0)
    {
      if (argc != 2)
        return usage_error ("%s takes no argument but --connect URI", sub);
      return cmd_parents (connect, pool, strcmp (sub, "prune-parents") == 0,
                          dry, json);
    }
  return usage_error ("unknown subcommand '%s' (expected list, show, rm, "
                      "prune, deprecate, undeprecate, parents or "
                      "prune-parents)", sub);
}
