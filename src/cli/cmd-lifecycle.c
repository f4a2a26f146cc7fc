/* cmd-lifecycle.c - kiln lifecycle run [--dry-run] [FILE...]
 *
 * Applies lifecycle rules now (automation/lifecycle-run.h), to builds and
 * to the parents cached on libvirt daemons (lifecycle-parents.h).  The
 * rules are the `lifecycle:` sections of the recipes and pipelines given;
 * without FILE, those of every recipe the catalog has builds of (the
 * recipe file its newest build was made from, as kiln build recorded it)
 * and of every pipeline kiln has run (the file it was run from).  Given
 * files are all read and validated before anything changes: one bad file,
 * exit 2 and nothing done.  A file the catalog names that is gone or no
 * longer valid is skipped with a warning; the others' rules still apply.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "automation/lifecycle-run.h"
#include "base/diag.h"
#include "base/escape.h"
#include "base/paths.h"
#include "common/kiln.h"
#include "documents/doc.h"
#include "documents/pipeline.h"
#include "documents/recipe.h"
#include "store/catalog-pipelines.h"
#include "store/store.h"

static const char usage_text[] =
  "Usage: kiln lifecycle run [--dry-run] [FILE...]\n"
  "\n"
  "Applies the lifecycle rules of recipes and pipelines now: deprecates and\n"
  "deletes their recipes' builds as the rules say, one line per build, and\n"
  "with resource: cached-parents deletes the parents their builds left on\n"
  "libvirt daemons, one line per parent.\n"
  "Without FILE: the rules of every recipe kiln has built (the recipe file\n"
  "its newest build was made from) and of every pipeline kiln has run.\n"
  "Never touched: the newest available build of a recipe; never deleted: a\n"
  "build another available build names as its parent.\n"
  "\n"
  "  --dry-run   print what a real run would do, change nothing\n"
  "  -h, --help  show this help\n";

static int
usage_error (const char *msg)
{
  kiln_print_text (stderr, "kiln lifecycle: %s\nRun 'kiln lifecycle --help' "
                   "for usage.\n", msg);
  return KILN_EXIT_BAD_INPUT;
}

/* The documents the rules belong to (they own the rules the set borrows). */
typedef struct {
  GPtrArray *recipes;     /* KilnRecipe* */
  GPtrArray *pipelines;   /* KilnPipeline* */
} Documents;

static void
documents_clear (Documents *d)
{
  g_clear_pointer (&d->recipes, g_ptr_array_unref);
  g_clear_pointer (&d->pipelines, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Documents, documents_clear)

/* Reads path as a recipe or a pipeline, fully validated, and adds its
 * rules to set; FALSE after adding every problem to diags. */
static gboolean
load_document (const char *path, Documents *docs, KilnLifecycleRules *set,
               KilnDiags *diags)
{
  g_autoptr (KilnDoc) doc = kiln_doc_load_file (path, diags);
  if (!doc)
    return FALSE;
  KilnDocKind kind = kiln_doc_detect_kind (doc);
  if (kind == KILN_DOC_KIND_RECIPE)
    {
      KilnRecipe *r = kiln_recipe_from_doc (g_steal_pointer (&doc), diags);
      if (!r)
        return FALSE;
      g_ptr_array_add (docs->recipes, r);
      kiln_lifecycle_rules_add_recipe (set, r);
      return TRUE;
    }
  if (kind == KILN_DOC_KIND_PIPELINE)
    {
      KilnPipeline *p = kiln_pipeline_from_doc (g_steal_pointer (&doc),
                                                diags);
      if (!p)
        return FALSE;
      g_ptr_array_add (docs->pipelines, p);
      kiln_lifecycle_rules_add_pipeline (set, p);
      return TRUE;
    }
  kiln_diags_add (diags, KILN_DIAG_ERROR, path, 1, 1,
                  "expected a recipe or a pipeline (their `lifecycle:` "
                  "rules), found %s",
                  kind == KILN_DOC_KIND_COMPONENT ? "a component"
                                                  : "neither");
  return FALSE;
}

/* A file the catalog names: a problem is a warning, the file skipped. */
static void
load_known (const char *path, const char *what, Documents *docs,
            KilnLifecycleRules *set)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      kiln_print_text (stderr, "kiln lifecycle: warning: %s: %s is gone; "
                       "its rules were not applied\n", what, path);
      return;
    }
  if (load_document (path, docs, set, diags))
    return;
  kiln_diags_sort (diags);
  kiln_diags_print (diags, stderr);
  kiln_print_text (stderr, "kiln lifecycle: warning: %s: %s is not valid "
                   "(above); its rules were not applied\n", what, path);
}

/* Every recipe the catalog has builds of and every pipeline kiln ran. */
static gboolean
load_from_catalog (KilnStore *store, Documents *docs,
                   KilnLifecycleRules *set, GError **error)
{
  KilnCatalog *cat = kiln_store_catalog (store);
  g_autoptr (GPtrArray) pipelines = kiln_catalog_list_pipelines (cat, error);
  if (!pipelines)
    return FALSE;
  g_autoptr (GPtrArray) recipes = kiln_catalog_recipe_paths (cat, error);
  if (!recipes)
    return FALSE;
  for (guint i = 0; i < pipelines->len; i++)
    {
      const KilnPipelineRecord *p = pipelines->pdata[i];
      g_autofree char *what = g_strdup_printf ("pipeline %s", p->name);
      load_known (p->path, what, docs, set);
    }
  for (guint i = 0; i + 1 < recipes->len; i += 2)
    {
      g_autofree char *what = g_strdup_printf ("recipe %s",
                                               (char *) recipes->pdata[i]);
      load_known (recipes->pdata[i + 1], what, docs, set);
    }
  return TRUE;
}

static int
cmd_run (char **files, gboolean dry_run)
{
  g_auto (Documents) docs = {
    .recipes = g_ptr_array_new_with_free_func (
        (GDestroyNotify) kiln_recipe_free),
    .pipelines = g_ptr_array_new_with_free_func (
        (GDestroyNotify) kiln_pipeline_free),
  };
  g_autoptr (KilnLifecycleRules) set = kiln_lifecycle_rules_new ();
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  for (char **f = files; f && *f; f++)
    load_document (*f, &docs, set, diags);
  kiln_diags_sort (diags);
  kiln_diags_print (diags, stderr);
  if (kiln_diags_error_count (diags))
    return KILN_EXIT_BAD_INPUT;

  g_autoptr (GError) error = NULL;
  g_autoptr (KilnStore) store = kiln_store_open_existing (kiln_home (),
                                                          &error);
  if (!store)
    {
      if (error)
        {
          kiln_print_text (stderr, "kiln lifecycle: %s\n", error->message);
          return kiln_exit_code_for_error (error);
        }
      kiln_print_text (stdout, "No builds yet.\n");
      return KILN_EXIT_OK;
    }
  if (!files && !load_from_catalog (store, &docs, set, &error))
    {
      kiln_print_text (stderr, "kiln lifecycle: %s\n", error->message);
      return kiln_exit_code_for_error (error);
    }
  guint rules = kiln_lifecycle_rules_count (set);
  if (rules == 0)
    {
      kiln_print_text (stdout, "No lifecycle rules%s.\n",
                       files ? " in these files" : " in the recipes and "
                       "pipelines kiln knows");
      return KILN_EXIT_OK;
    }
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  guint actions = 0;
  int rc = kiln_lifecycle_run_rules (store, set, dry_run, now,
                                     "kiln lifecycle", &actions);
  if (actions == 0 && rc == KILN_EXIT_OK)
    kiln_print_text (stdout, "Nothing to do (%u lifecycle rule%s).\n", rules,
                     rules == 1 ? "" : "s");
  return rc;
}

int
kiln_cmd_lifecycle (int argc, char **argv)
{
  gboolean dry_run = FALSE;
  GOptionEntry entries[] = {
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
      "print what would be done, change nothing", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("run [FILE...]");
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
    return usage_error (error->message);
  if (argc < 2)
    return usage_error ("expected run");
  if (strcmp (argv[1], "run") != 0)
    {
      g_autofree char *msg = g_strdup_printf (
          "unknown subcommand '%s' (expected run)", argv[1]);
      return usage_error (msg);
    }
  return cmd_run (argc > 2 ? argv + 2 : NULL, dry_run);
}
