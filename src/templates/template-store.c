/* template-store.c - built template images: find, build once, reuse
 *
 * Layout: $KILN_HOME/templates/NAME/DIGEST/{image.qcow2,template.json,
 * build.log}.  A directory is complete when template.json is there: a build
 * writes into DIGEST.part-PID and renames it into place.  The catalog's
 * `templates` table mirrors the directories so image listings can show
 * parents; the directories are the truth.
 */
#include "template.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/accel-decide.h"
#include "apt-sources.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "store/lock.h"
#include "base/paths.h"
#include "backends/template-build.h"
#include "base/workspace.h"

void
kiln_template_image_free (KilnTemplateImage *img)
{
  if (!img)
    return;
  g_free (img->name);
  g_free (img->digest);
  g_free (img->template_path);
  g_free (img->image_path);
  g_free (img->image_format);
  g_free (img->firmware);
  g_free (img->mirror);
  g_free (img->built);
  g_clear_pointer (&img->timings, json_object_unref);
  g_free (img);
}

char *
kiln_template_store_dir (const char *name, const char *digest)
{
  return g_build_filename (kiln_home (), "templates", name, digest, NULL);
}

/* Reads DIR/template.json; NULL when the directory is not a complete
 * build (no error) or the file is unreadable (error). */
static KilnTemplateImage *
read_image_dir (const char *dir, GError **error)
{
  g_autofree char *json_path = g_build_filename (dir, "template.json", NULL);
  g_autofree char *image = g_build_filename (dir, "image.qcow2", NULL);
  if (!g_file_test (json_path, G_FILE_TEST_IS_REGULAR)
      || !g_file_test (image, G_FILE_TEST_IS_REGULAR))
    return NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  if (!json_parser_load_from_file (p, json_path, error))
    {
      g_prefix_error (error, "%s: ", json_path);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (p);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "%s: expected a JSON object", json_path);
      return NULL;
    }
  JsonObject *o = json_node_get_object (root);
  KilnTemplateImage *img = g_new0 (KilnTemplateImage, 1);
  img->name = g_strdup (kiln_json_member_string (o, "name"));
  img->digest = g_strdup (kiln_json_member_string (o, "digest"));
  img->template_path = g_strdup (kiln_json_member_string (o, "template"));
  img->image_path = g_steal_pointer (&image);
  img->image_format = g_strdup ("qcow2");
  img->firmware = g_strdup (kiln_json_member_string (o, "firmware"));
  img->mirror = g_strdup (kiln_json_member_string (o, "mirror"));
  img->built = g_strdup (kiln_json_member_string (o, "built"));
  img->virtual_size = kiln_json_member_uint (o, "virtualSize");
  img->file_size = kiln_json_member_uint (o, "fileSize");
  img->allocated_size = kiln_json_member_uint (o, "allocatedSize");
  JsonNode *tn = json_object_get_member (o, "timings");
  if (tn && JSON_NODE_HOLDS_OBJECT (tn))
    img->timings = json_object_ref (json_node_get_object (tn));
  return img;
}

KilnTemplateImage *
kiln_template_lookup (const KilnTemplate *t, GError **error)
{
  g_autofree char *dir = kiln_template_store_dir (t->name, t->digest);
  return read_image_dir (dir, error);
}

char *
kiln_template_image_firmware (const char *image_path)
{
  g_autofree char *dir = g_path_get_dirname (image_path);
  g_autoptr (KilnTemplateImage) img = read_image_dir (dir, NULL);
  if (!img || g_strcmp0 (img->image_path, image_path) != 0)
    return NULL;
  return g_strdup (img->firmware);
}

static gint
newest_first (gconstpointer a, gconstpointer b)
{
  const KilnTemplateImage *x = *(KilnTemplateImage *const *) a;
  const KilnTemplateImage *y = *(KilnTemplateImage *const *) b;
  return -g_strcmp0 (x->built, y->built);
}

GPtrArray *
kiln_template_list_built (const char *name, GError **error)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_template_image_free);
  g_autofree char *top = g_build_filename (kiln_home (), "templates", NULL);
  g_autoptr (GDir) d = g_dir_open (top, 0, NULL);
  const char *n;
  while (d && (n = g_dir_read_name (d)))
    {
      if (name && strcmp (n, name) != 0)
        continue;
      g_autofree char *ndir = g_build_filename (top, n, NULL);
      g_autoptr (GDir) dd = g_dir_open (ndir, 0, NULL);
      const char *dg;
      while (dd && (dg = g_dir_read_name (dd)))
        {
          if (strlen (dg) != 64)
            continue;
          g_autofree char *dir = g_build_filename (ndir, dg, NULL);
          g_autoptr (GError) err = NULL;
          KilnTemplateImage *img = read_image_dir (dir, &err);
          if (img)
            g_ptr_array_add (out, img);
          else if (err)
            g_warning ("%s", err->message);
        }
    }
  g_ptr_array_sort (out, newest_first);
  return out;
}

/* ------------------------------------------------------------------ */
/* the catalog's templates table                                       */

static void
record_in_catalog (const KilnTemplateImage *img, KilnReporter *r)
{
  g_autofree char *db_path = g_build_filename (kiln_home (), "catalog.db",
                                               NULL);
  sqlite3 *db = NULL;
  const char *sql_schema =
      "CREATE TABLE IF NOT EXISTS templates ("
      "  name TEXT NOT NULL, digest TEXT NOT NULL, template_path TEXT,"
      "  image_path TEXT NOT NULL, firmware TEXT, mirror TEXT,"
      "  built TEXT NOT NULL, virtual_size INTEGER, allocated_size INTEGER,"
      "  PRIMARY KEY (name, digest));";
  const char *sql_insert =
      "INSERT OR REPLACE INTO templates (name, digest, template_path,"
      " image_path, firmware, mirror, built, virtual_size, allocated_size)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9);";
  sqlite3_stmt *st = NULL;
  gboolean ok = sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE
                                 | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK;
  if (ok)
    {
      sqlite3_busy_timeout (db, 30000);
      ok = sqlite3_exec (db, sql_schema, NULL, NULL, NULL) == SQLITE_OK
           && sqlite3_prepare_v2 (db, sql_insert, -1, &st, NULL) == SQLITE_OK;
    }
  if (ok)
    {
      sqlite3_bind_text (st, 1, img->name, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (st, 2, img->digest, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (st, 3, img->template_path, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (st, 4, img->image_path, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (st, 5, img->firmware, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (st, 6, img->mirror, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (st, 7, img->built, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (st, 8, (sqlite3_int64) img->virtual_size);
      sqlite3_bind_int64 (st, 9, (sqlite3_int64) img->allocated_size);
      ok = sqlite3_step (st) == SQLITE_DONE;
    }
  if (!ok && r)
    kiln_reporter_warn (r, "could not record template %s in %s: %s",
                        img->name, db_path,
                        db ? sqlite3_errmsg (db) : "cannot open");
  sqlite3_finalize (st);
  sqlite3_close (db);
}

/* ------------------------------------------------------------------ */
/* building                                                            */

char *
kiln_template_mirror (const KilnTemplate *t, const char *mirror_override,
                      gboolean security)
{
  if (!security && mirror_override)
    return g_strdup (mirror_override);
  const char *own = security ? t->security_mirror : t->mirror;
  if (own)
    return g_strdup (own);
  g_autoptr (GPtrArray) host = kiln_apt_sources_read_host (
      g_getenv ("KILN_APT_ROOT"));
  char *found = kiln_apt_sources_find_mirror (host, t->distribution, t->suite,
                                              security);
  return found ? found
               : g_strdup (kiln_apt_default_mirror (t->distribution,
                                                    security));
}

/* The apt lines the image is built from (and keeps). */
static GPtrArray *
resolve_sources (const KilnTemplate *t, const char *mirror_override,
                 char **mirror_out)
{
  g_autofree char *mirror = kiln_template_mirror (t, mirror_override, FALSE);
  g_autofree char *sec = kiln_template_mirror (t, NULL, TRUE);

  g_autoptr (GString) areas_s = g_string_new (NULL);
  for (guint i = 0; i < t->areas->len; i++)
    g_string_append_printf (areas_s, "%s%s", i ? " " : "",
                            (char *) t->areas->pdata[i]);
  const char *areas = areas_s->str;
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (lines, g_strdup_printf ("deb %s %s %s", mirror, t->suite,
                                           areas));
  if (t->updates)
    g_ptr_array_add (lines, g_strdup_printf ("deb %s %s-updates %s", mirror,
                                             t->suite, areas));
  if (t->security)
    g_ptr_array_add (lines, g_strdup_printf ("deb %s %s-security %s", sec,
                                             t->suite, areas));
  g_ptr_array_add (lines, NULL);
  *mirror_out = g_steal_pointer (&mirror);
  return lines;
}

static void
on_build_step (const char *step, const char *message, gpointer data)
{
  KilnReporter *r = data;
  if (!r)
    return;
  kiln_reporter_stage (r, step);
  kiln_reporter_info (r, "%s", message);
}

static char *
diags_text (KilnDiags *diags)
{
  GString *s = g_string_new (NULL);
  kiln_diags_sort (diags);
  for (guint i = 0; i < kiln_diags_count (diags); i++)
    {
      g_autofree char *line = kiln_diag_format (kiln_diags_get (diags, i));
      g_string_append (s, line);
    }
  if (s->len && s->str[s->len - 1] == '\n')
    g_string_truncate (s, s->len - 1);
  return g_string_free (s, FALSE);
}

static gboolean
write_image_json (const char *dir, const KilnTemplate *t, const char *mirror,
                  const KilnTemplateBuildStats *stats, GError **error)
{
  g_autofree char *image = g_build_filename (dir, "image.qcow2", NULL);
  struct stat st;
  if (stat (image, &st) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s: %s", image,
                   g_strerror (errno));
      return FALSE;
    }
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *built = g_date_time_format_iso8601 (now);
  g_autofree char *canon = kiln_template_canonical_text (t);
  g_autofree char *abs_template = g_canonicalize_filename (t->path, NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, t->name);
  json_builder_set_member_name (b, "digest");
  json_builder_add_string_value (b, t->digest);
  json_builder_set_member_name (b, "template");
  json_builder_add_string_value (b, abs_template);
  json_builder_set_member_name (b, "canonical");
  json_builder_add_string_value (b, canon);
  json_builder_set_member_name (b, "image");
  json_builder_add_string_value (b, "image.qcow2");
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, "qcow2");
  json_builder_set_member_name (b, "firmware");
  json_builder_add_string_value (b, kiln_template_firmware_name (t->firmware));
  json_builder_set_member_name (b, "mirror");
  json_builder_add_string_value (b, mirror);
  json_builder_set_member_name (b, "rootUuid");
  json_builder_add_string_value (b, stats->root_uuid);
  json_builder_set_member_name (b, "built");
  json_builder_add_string_value (b, built);
  json_builder_set_member_name (b, "virtualSize");
  json_builder_add_int_value (b, (gint64) t->size);
  json_builder_set_member_name (b, "fileSize");
  json_builder_add_int_value (b, (gint64) st.st_size);
  json_builder_set_member_name (b, "allocatedSize");
  json_builder_add_int_value (b, (gint64) st.st_blocks * 512);
  json_builder_set_member_name (b, "treeSize");
  json_builder_add_int_value (b, (gint64) stats->tree_bytes);
  json_builder_set_member_name (b, "timings");
  json_builder_begin_object (b);
  const struct { const char *k; double v; } tm[] = {
    { "bootstrap", stats->bootstrap_s }, { "configure", stats->configure_s },
    { "filesystem", stats->filesystem_s }, { "partition", stats->partition_s },
    { "bootloader", stats->bootloader_s }, { "convert", stats->convert_s },
    { "total", stats->total_s },
  };
  for (guint i = 0; i < G_N_ELEMENTS (tm); i++)
    {
      json_builder_set_member_name (b, tm[i].k);
      json_builder_add_double_value (b, ((gint64) (tm[i].v * 10 + 0.5)) / 10.0);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = kiln_json_to_text (root);
  g_autofree char *path = g_build_filename (dir, "template.json", NULL);
  return g_file_set_contents (path, text, -1, error);
}

/* Removal in the template store stays in it (src/base/confine.h). */
static void
remove_in_store (const char *path)
{
  g_autofree char *root = g_build_filename (kiln_home (), "templates", NULL);
  g_autoptr (GError) error = NULL;
  if (!kiln_remove_below (root, path, &error))
    g_warning ("%s", error->message);
}

/* DIGEST.part-PID directories of builds that were killed: with the
 * template's lock held, every one but ours is stale. */
static void
remove_stale_parts (const char *final_dir, const char *ours)
{
  g_autofree char *name_dir = g_path_get_dirname (final_dir);
  g_autoptr (GDir) d = g_dir_open (name_dir, 0, NULL);
  const char *n;
  while (d && (n = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (name_dir, n, NULL);
      if (strstr (n, ".part-") && strcmp (p, ours) != 0)
        remove_in_store (p);
    }
}

static gboolean
build_into_store (const KilnTemplate *t, const KilnTemplateBuildOptions *opts,
                  GCancellable *cancellable, GError **error)
{
  KilnReporter *r = opts ? opts->reporter : NULL;
  g_autofree char *mirror = NULL;
  g_autoptr (GPtrArray) sources = resolve_sources (
      t, opts ? opts->mirror : NULL, &mirror);
  g_autofree char *final_dir = kiln_template_store_dir (t->name, t->digest);
  g_autofree char *part_dir = g_strdup_printf ("%s.part-%d", final_dir,
                                               (int) getpid ());
  g_autofree char *store_root = g_build_filename (kiln_home (), "templates",
                                                  NULL);
  remove_stale_parts (final_dir, part_dir);
  remove_in_store (part_dir);
  if (!kiln_mkdir_below (store_root, part_dir, 0755, error))
    return FALSE;
  g_autoptr (KilnWorkspace) ws = kiln_workspace_new ("template", error);
  if (!ws)
    return FALSE;
  g_autofree char *log_path = g_build_filename (part_dir, "build.log", NULL);
  g_autofree char *output = g_build_filename (part_dir, "image.qcow2", NULL);
  if (r)
    {
      kiln_reporter_info (r, "building template %s (%s %s) from %s",
                          t->name, t->distribution, t->suite, mirror);
      for (guint i = 0; sources->pdata[i]; i++)
        kiln_reporter_log (r, "apt source: %s", (char *) sources->pdata[i]);
    }

  /* The bootloader step launches a libguestfs appliance: it must get the
   * same accelerator decision as every other appliance and domain. */
  KilnAccel accel = kiln_accel_decide (NULL, r, error);
  if (accel == KILN_ACCEL_AUTO)
    {
      remove_in_store (part_dir);
      return FALSE;
    }

  KilnTemplateBuildSpec spec = {
    .name = t->name,
    .distribution = t->distribution,
    .suite = t->suite,
    .architecture = t->architecture,
    .variant = t->variant,
    .sources = (const char *const *) sources->pdata,
    .packages = (const char *const *) t->packages->pdata,
    .size = t->size,
    .gpt = g_str_equal (t->partition_table, "gpt"),
    .uefi = t->firmware == KILN_FIRMWARE_UEFI,
    .esp_size = t->esp_size,
    .root_label = t->root_label,
    .hostname = t->hostname,
    .timezone = t->timezone,
    .locale = t->locale,
    .kernel_cmdline = t->kernel_cmdline,
    .datasources = (const char *const *) t->datasources->pdata,
    .compress = t->compress,
    .work_dir = ws->dir,
    .output = output,
    .log_path = log_path,
    .force_tcg = accel != KILN_ACCEL_KVM,
  };
  /* packages and datasources are GPtrArrays: NULL-terminate them */
  g_autoptr (GPtrArray) pkgs = g_ptr_array_new ();
  for (guint i = 0; i < t->packages->len; i++)
    g_ptr_array_add (pkgs, t->packages->pdata[i]);
  g_ptr_array_add (pkgs, NULL);
  g_autoptr (GPtrArray) ds = g_ptr_array_new ();
  for (guint i = 0; i < t->datasources->len; i++)
    g_ptr_array_add (ds, t->datasources->pdata[i]);
  g_ptr_array_add (ds, NULL);
  spec.packages = (const char *const *) pkgs->pdata;
  spec.datasources = (const char *const *) ds->pdata;

  KilnTemplateBuildStats stats;
  if (!kiln_template_build_image (&spec, on_build_step, r, &stats,
                                  cancellable, error)
      || !write_image_json (part_dir, t, mirror, &stats, error))
    {
      /* keep the log where the user can read it */
      g_autofree char *failed_log = g_build_filename (
          kiln_home (), "templates", t->name, "failed-build.log", NULL);
      if (rename (log_path, failed_log) == 0 && error && *error)
        g_prefix_error (error, "(full log: %s) ", failed_log);
      remove_in_store (part_dir);
      return FALSE;
    }
  if (r)
    {
      kiln_reporter_info (r, "times: bootstrap %.0f s, configure %.0f s, "
                          "filesystem %.0f s, partition %.0f s, bootloader "
                          "%.0f s, convert %.0f s, total %.0f s",
                          stats.bootstrap_s, stats.configure_s,
                          stats.filesystem_s, stats.partition_s,
                          stats.bootloader_s, stats.convert_s, stats.total_s);
    }
  remove_in_store (final_dir);
  if (rename (part_dir, final_dir) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot rename %s: %s",
                   part_dir, g_strerror (errno));
      remove_in_store (part_dir);
      return FALSE;
    }
  return TRUE;
}

gboolean
kiln_template_built_before (const char *built, GDateTime *now, gint64 max_age)
{
  g_autoptr (GDateTime) when = built ? g_date_time_new_from_iso8601 (built,
                                                                     NULL)
                                     : NULL;
  if (when == NULL)
    return TRUE;
  return g_date_time_difference (now, when) > max_age * G_TIME_SPAN_SECOND;
}

/* "7d", "12h", "5400s": a refresh period as a recipe writes it */
static char *
period_text (gint64 seconds)
{
  if (seconds % 86400 == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "d", seconds / 86400);
  if (seconds % 3600 == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "h", seconds / 3600);
  return g_strdup_printf ("%" G_GINT64_FORMAT "s", seconds);
}

/* opts->max_age: whether img is too old to keep, said on the reporter */
static gboolean
too_old (const KilnTemplateImage *img, const KilnTemplateBuildOptions *opts)
{
  if (!opts || opts->max_age <= 0)
    return FALSE;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  gboolean old = kiln_template_built_before (img->built, now, opts->max_age);
  g_autofree char *period = period_text (opts->max_age);
  if (opts->reporter)
    kiln_reporter_info (opts->reporter, "template %s was built %s, %s than "
                        "refresh: %s ago%s", img->name,
                        img->built ? img->built : "at an unknown time",
                        old ? "longer" : "less", period,
                        old ? ": rebuilding it from its mirror" : "");
  return old;
}

/* Lock per template name: concurrent callers build once. */
static int
lock_template (const char *name, KilnReporter *r, GError **error)
{
  g_autofree char *path = g_build_filename (kiln_home (), "templates", name,
                                            ".lock", NULL);
  g_autofree char *busy = g_strdup_printf ("waiting for another build of "
                                           "template %s", name);
  return kiln_lock_take (path, KILN_LOCK_WAIT, r, busy, error);
}

KilnTemplateImage *
kiln_template_ensure (const char *name_or_path,
                      const KilnTemplateBuildOptions *opts, GError **error)
{
  KilnReporter *r = opts ? opts->reporter : NULL;
  g_autofree char *path = kiln_template_find (name_or_path);
  if (!path)
    {
      g_autoptr (GPtrArray) names = kiln_template_list_names ();
      g_ptr_array_add (names, NULL);
      g_autofree char *known = g_strjoinv (", ", (char **) names->pdata);
      g_autofree char *dir = kiln_templates_dir ();
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "no template named '%s' (templates in %s: %s)",
                   name_or_path, dir, *known ? known : "none");
      return NULL;
    }
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnTemplate) t = kiln_template_load (path, diags);
  if (!t)
    {
      g_autofree char *text = diags_text (diags);
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s", text);
      return NULL;
    }
  if (r && kiln_diags_count (diags))
    {
      g_autofree char *text = diags_text (diags);
      kiln_reporter_warn (r, "%s", text);
    }
  if (opts && opts->mirror && !g_regex_match_simple (
                                  "^(https?|file)://[^\\s\"'\\\\]+$",
                                  opts->mirror, 0, 0))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "--mirror: expected an http://, https:// or file:// URL, "
                   "found '%s'", opts->mirror);
      return NULL;
    }

  int lock_fd = lock_template (t->name, r, error);
  if (lock_fd < 0)
    return NULL;
  KilnTemplateImage *img = kiln_template_lookup (t, error);
  if (!img && error && *error)
    {
      close (lock_fd);
      return NULL;
    }
  gboolean mirror_differs = img && opts && opts->mirror
                            && g_strcmp0 (img->mirror, opts->mirror) != 0;
  if (img && !(opts && opts->refresh) && !mirror_differs && !too_old (img, opts))
    {
      img->cache_hit = TRUE;
      close (lock_fd);
      return img;
    }
  g_clear_pointer (&img, kiln_template_image_free);

  gboolean ok = build_into_store (t, opts, opts ? opts->cancellable : NULL,
                                  error);
  if (ok)
    img = kiln_template_lookup (t, error);
  close (lock_fd);
  if (!img)
    {
      if (ok && error && !*error)
        g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                     "template %s: the built image is missing", t->name);
      return NULL;
    }
  record_in_catalog (img, r);
  return img;
}

gboolean
kiln_template_ensure_built (const char *name_or_path, gboolean refresh,
                            KilnReporter *reporter, char **image_path,
                            GError **error)
{
  KilnTemplateBuildOptions opts = { .refresh = refresh,
                                    .reporter = reporter };
  g_autoptr (KilnTemplateImage) img = kiln_template_ensure (name_or_path,
                                                            &opts, error);
  if (!img)
    return FALSE;
  if (image_path)
    *image_path = g_strdup (img->image_path);
  return TRUE;
}
