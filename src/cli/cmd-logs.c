/* cmd-logs.c - kiln logs BUILD: the log a build wrote
 * ($KILN_HOME/logs/NAME/VERSION/N.log), found through the catalog. */
#include <stdio.h>
#include <string.h>

#include "store/build-ref.h"
#include "store/catalog.h"
#include "store/store.h"
#include "commands.h"
#include "common/kiln.h"
#include "base/escape.h"
#include "base/paths.h"

static const char usage_text[] =
  "Usage: kiln logs BUILD [--path]\n"
  "\n"
  "Print the log of a build: every stage, step and guest line kiln\n"
  "recorded, failed builds included.  BUILD is NAME (its newest build),\n"
  "NAME/VERSION or NAME/VERSION/NUMBER, as kiln build prints it.\n"
  "\n"
  "  --path      print the log file's path instead\n"
  "  -h, --help  show this help\n";

static int
fail (int code, const char *message)
{
  fprintf (stderr, "kiln logs: %s\n", message);
  return code;
}

int
kiln_cmd_logs (int argc, char **argv)
{
  gboolean path_only = FALSE;
  GOptionEntry entries[] = {
    { "path", 0, 0, G_OPTION_ARG_NONE, &path_only, "print the path", NULL },
    { NULL },
  };
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0)
      {
        fputs (usage_text, stdout);
        return KILN_EXIT_OK;
      }
  g_autoptr (GOptionContext) ctx = g_option_context_new ("BUILD");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_help_enabled (ctx, FALSE);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return fail (KILN_EXIT_BAD_INPUT, error->message);
  if (argc != 2)
    return fail (KILN_EXIT_BAD_INPUT, "expected one BUILD (kiln logs "
                 "web-golden/1.2.0/7); run 'kiln logs --help' for usage");

  g_auto (KilnBuildRef) ref = { 0 };
  if (!kiln_build_ref_parse (argv[1], &ref, &error))
    return fail (KILN_EXIT_BAD_INPUT, error->message);
  g_autofree char *db = g_build_filename (kiln_home (), "catalog.db", NULL);
  if (!g_file_test (db, G_FILE_TEST_EXISTS))
    {
      g_autofree char *msg = g_strdup_printf (
          "no build of '%s': kiln has not built anything yet (no %s)",
          ref.name, db);
      return fail (KILN_EXIT_BAD_INPUT, msg);
    }
  g_autoptr (KilnStore) store = kiln_store_open (kiln_home (), &error);
  if (!store)
    return fail (KILN_EXIT_HOST, error->message);
  g_autoptr (KilnBuildRecord) r
      = kiln_build_ref_find (kiln_store_catalog (store), &ref, &error);
  if (!r)
    return fail (kiln_exit_code_for_error (error), error->message);
  g_autofree char *build = kiln_build_record_ref (r);
  if (!r->log_path)
    {
      g_autofree char *msg = g_strdup_printf ("build %s has no log", build);
      return fail (KILN_EXIT_FAILED, msg);
    }
  /* the log is where the store's layout puts it, whatever the catalog
   * says (a file anyone may edit) */
  g_autofree char *path = kiln_store_log_path (store, r->name, r->version,
                                               r->build_number, &error);
  if (!path)
    return fail (KILN_EXIT_FAILED, error->message);
  if (path_only)
    {
      printf ("%s\n", path);
      return KILN_EXIT_OK;
    }
  gsize len = 0;
  g_autofree char *text = kiln_store_read_log (store, r, &len, &error);
  if (!text)
    {
      g_autofree char *msg = g_strdup_printf ("build %s: %s", build,
                                              error->message);
      return fail (KILN_EXIT_FAILED, msg);
    }
  /* the log holds what documents and guests printed */
  g_autofree char *safe = kiln_escape_text (text, (gssize) len);
  fputs (safe, stdout);
  return KILN_EXIT_OK;
}
