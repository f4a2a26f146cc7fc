/* pipeline.c - pipeline documents */
#include "pipeline.h"

#include <string.h>

#include "schema.h"
#include "units.h"
#include "base/suggest.h"
#include "documents/tables.h"

static const char *const top_keys[] = {
  "pipeline", "description", "recipe", "schedule", "when", "timezone",
  "enabled", "disable_after", "refresh", "lifecycle", "notify", NULL
};

#define DEFAULT_DISABLE_AFTER 5
#define MIN_REFRESH 3600
#define MAX_REFRESH (365 * 86400)
static const char *const when_names[] = { "changed", "always", NULL };

const char *
kiln_pipeline_when_name (KilnPipelineWhen when)
{
  return when_names[when];
}

void
kiln_pipeline_free (KilnPipeline *p)
{
  if (!p)
    return;
  kiln_doc_free (p->doc);
  g_free (p->path);
  g_free (p->name);
  g_free (p->description);
  g_free (p->recipe_ref);
  g_free (p->recipe_path);
  kiln_recipe_free (p->recipe);
  kiln_cron_free (p->schedule);
  g_free (p->timezone);
  g_clear_pointer (&p->tz, g_time_zone_unref);
  g_clear_pointer (&p->lifecycle, g_ptr_array_unref);
  g_clear_pointer (&p->notify, g_ptr_array_unref);
  g_free (p);
}

static const char *
zoneinfo_dir (void)
{
  const char *env = g_getenv ("TZDIR");
  return env && *env ? env : "/usr/share/zoneinfo";
}

gboolean
kiln_timezone_is_valid (const char *name)
{
  if (!name || !*name)
    return FALSE;
  if (strcmp (name, "UTC") == 0)
    return TRUE;
  /* an IANA name: Area/Location, letters digits _ + - /, no "..", not a
   * POSIX rule like "EST5EDT,M3.2.0" (GTimeZone would take those too) */
  if (!g_ascii_isalpha (name[0]) || strstr (name, "..") || strchr (name, ','))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("_+-/", *p))
      return FALSE;
  g_autofree char *file = g_build_filename (zoneinfo_dir (), name, NULL);
  if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  GTimeZone *tz = g_time_zone_new_identifier (name);
  if (!tz)
    return FALSE;
  g_time_zone_unref (tz);
  return TRUE;
}

/* Zone names from zone1970.tab and zone.tab, for "did you mean". */
static GPtrArray *
zone_names (void)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *tabs[] = { "zone1970.tab", "zone.tab" };
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_ptr_array_add (names, g_strdup ("UTC"));
  for (guint t = 0; t < G_N_ELEMENTS (tabs); t++)
    {
      g_autofree char *path = g_build_filename (zoneinfo_dir (), tabs[t], NULL);
      g_autofree char *text = NULL;
      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      for (char **l = lines; *l; l++)
        {
          if (**l == '#' || !**l)
            continue;
          g_auto (GStrv) cols = g_strsplit (*l, "\t", 4);
          if (g_strv_length (cols) < 3 || g_hash_table_contains (seen, cols[2]))
            continue;
          char *z = g_strdup (cols[2]);
          g_hash_table_add (seen, z);
          g_ptr_array_add (names, z);
        }
    }
  g_ptr_array_add (names, NULL);
  return names;
}

static void
parse_timezone (KilnPipeline *p, const KilnNode *n, KilnDiags *diags)
{
  if (!kiln_schema_expect_scalar (diags, n, "'timezone'"))
    return;
  if (!kiln_timezone_is_valid (n->scalar))
    {
      g_autoptr (GPtrArray) names = zone_names ();
      g_autofree char *q = kiln_quote_for_message (n->scalar);
      g_autofree char *hint = kiln_suggest_suffix (
          n->scalar, (const char *const *) names->pdata);
      kiln_schema_error (diags, n, "expected a time zone like UTC or "
                         "Europe/Berlin for 'timezone', found %s%s", q, hint);
      return;
    }
  p->timezone = g_strdup (n->scalar);
  g_clear_pointer (&p->tz, g_time_zone_unref);
  p->tz = g_time_zone_new_identifier (n->scalar);
}

static void
parse_recipe_ref (KilnPipeline *p, const KilnNode *n, KilnDiags *diags)
{
  if (!kiln_schema_expect_scalar (diags, n, "'recipe'"))
    return;
  p->recipe_ref = g_strdup (n->scalar);
  p->recipe_path = kiln_path_relative_to_file (p->path, n->scalar);
  g_autofree char *q = kiln_quote_for_message (n->scalar);
  if (!g_file_test (p->recipe_path, G_FILE_TEST_IS_REGULAR))
    {
      kiln_schema_error (diags, n, "expected a recipe file for 'recipe', "
                         "found %s at %s", g_file_test (p->recipe_path,
                                                         G_FILE_TEST_EXISTS)
                         ? "a directory or special file" : "nothing",
                         p->recipe_path);
      return;
    }
  KilnDoc *doc = kiln_doc_load_file (p->recipe_path, diags);
  if (!doc)
    return;
  const char *other = NULL;
  if (!kiln_node_map_get (doc->root, "parent"))
    other = kiln_node_map_get (doc->root, "phases") ? "a component"
            : kiln_node_map_get (doc->root, "pipeline") ? "a pipeline" : NULL;
  if (other)
    {
      kiln_schema_error (diags, n, "expected a recipe for 'recipe', found %s, "
                         "which is %s", q, other);
      kiln_doc_free (doc);
      return;
    }
  p->recipe = kiln_recipe_from_doc (doc, diags);
}

/* refresh: only a template parent has a mirror to be rebuilt from */
static void
parse_refresh (KilnPipeline *p, const KilnNode *n, KilnDiags *diags)
{
  if (!kiln_schema_duration (diags, n, "'refresh'", MIN_REFRESH, MAX_REFRESH,
                             &p->refresh))
    return;
  if (p->recipe && p->recipe->parent.kind != KILN_PARENT_TEMPLATE)
    {
      g_autofree char *q = kiln_quote_for_message (p->recipe->parent.text);
      kiln_schema_error (diags, n, "expected 'refresh' only for a recipe "
                         "whose parent is a template, found parent %s, %s",
                         q, p->recipe->parent.kind == KILN_PARENT_IMAGE
                              ? "an image file" : "another recipe's build");
      p->refresh = 0;
    }
}

KilnPipeline *
kiln_pipeline_from_doc (KilnDoc *doc, KilnDiags *diags)
{
  g_autoptr (KilnPipeline) p = g_new0 (KilnPipeline, 1);
  guint errors = kiln_diags_error_count (diags);
  p->doc = doc;
  p->path = g_strdup (doc->file);
  p->when = KILN_WHEN_CHANGED;
  p->enabled = TRUE;
  p->disable_after = DEFAULT_DISABLE_AFTER;
  p->tz = g_time_zone_new_utc ();

  const KilnNode *root = doc->root;
  if (!root)
    {
      kiln_diags_add (diags, KILN_DIAG_ERROR, doc->file, 1, 1, "expected a "
                      "pipeline (pipeline, recipe, schedule), found an empty "
                      "document");
      return NULL;
    }
  if (!kiln_schema_expect_map (diags, root, "a pipeline")
      || !kiln_schema_has_known_key (diags, root, "a pipeline (pipeline, "
                                     "recipe, schedule)", top_keys))
    return NULL;
  kiln_schema_check_keys (diags, root, "a pipeline", top_keys);

  const KilnNode *v;
  if ((v = kiln_schema_require (diags, root, "pipeline", "a pipeline"))
      && kiln_schema_name (diags, v, "'pipeline'"))
    p->name = g_strdup (v->scalar);
  if ((v = kiln_node_map_get (root, "description")) && !kiln_node_is_null (v)
      && kiln_schema_expect_scalar (diags, v, "'description'"))
    p->description = g_strdup (v->scalar);
  if ((v = kiln_node_map_get (root, "timezone")) && !kiln_node_is_null (v))
    parse_timezone (p, v, diags);
  if ((v = kiln_schema_require (diags, root, "schedule", "a pipeline")))
    p->schedule = kiln_schema_cron (diags, doc, v, "schedule");
  guint idx;
  if ((v = kiln_node_map_get (root, "when"))
      && kiln_schema_enum (diags, v, "'when'", when_names, &idx))
    p->when = (KilnPipelineWhen) idx;
  if ((v = kiln_node_map_get (root, "enabled")))
    kiln_schema_bool (diags, v, "'enabled'", &p->enabled);
  if ((v = kiln_node_map_get (root, "disable_after")))
    {
      gint64 n;
      if (kiln_schema_int (diags, v, "'disable_after'", 0, 1000, &n))
        p->disable_after = (guint) n;
    }
  if ((v = kiln_schema_require (diags, root, "recipe", "a pipeline")))
    parse_recipe_ref (p, v, diags);
  if ((v = kiln_node_map_get (root, "refresh")))
    parse_refresh (p, v, diags);
  g_autofree char *dir = g_path_get_dirname (p->path);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *base = g_canonicalize_filename (dir, cwd);
  p->lifecycle = kiln_lifecycle_parse (kiln_node_map_get (root, "lifecycle"),
                                       diags);
  p->notify = kiln_notify_parse (kiln_node_map_get (root, "notify"), base,
                                 diags);

  if (kiln_diags_error_count (diags) != errors)
    return NULL;
  return g_steal_pointer (&p);
}

KilnPipeline *
kiln_pipeline_load (const char *path, KilnDiags *diags)
{
  KilnDoc *doc = kiln_doc_load_file (path, diags);
  if (!doc)
    return NULL;
  return kiln_pipeline_from_doc (doc, diags);
}

GDateTime *
kiln_pipeline_next_run (const KilnPipeline *p, GDateTime *after)
{
  return kiln_cron_next (p->schedule, after, p->tz);
}

char **
kiln_pipeline_oncalendar (const KilnPipeline *p, GError **error)
{
  return kiln_cron_to_oncalendar (p->schedule, p->timezone, error);
}

const KilnDocTable kiln_pipeline_tables[] = {
  { "pipeline", top_keys },
  { "pipeline.when", when_names },
  { NULL, NULL }
};
