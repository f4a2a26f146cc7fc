/* cmd-validate.c - kiln validate [--kind K] [--json] FILE...
 *
 * Reads every file, detects its kind (or takes --kind), validates it fully
 * and reports every problem as FILE:LINE:COL: error: ... on stderr, sorted
 * by position.  Exit 0 when every file is valid, 2 otherwise.  Nothing on
 * disk changes.
 */
#include <stdio.h>

#include "commands.h"
#include "base/diag.h"
#include "documents/doc.h"
#include "common/kiln.h"
#include "common/kiln-json.h"

static const char summary[] =
  "Checks AWSTOE components, kiln recipes and pipelines without touching any\n"
  "disk.  Every problem is printed as FILE:LINE:COL: error: MESSAGE (or\n"
  "warning:), sorted by position.  The kind of each document is detected\n"
  "from its top-level keys unless --kind says it.\n"
  "\n"
  "Exit status: 0 when every file is valid (warnings allowed), 2 otherwise.";

int
kiln_cmd_validate (int argc, char **argv)
{
  g_autofree char *kind_name = NULL;
  gboolean json = FALSE;
  g_auto (GStrv) files = NULL;
  GOptionEntry entries[] = {
    { "kind", 'k', 0, G_OPTION_ARG_STRING, &kind_name,
      "validate every FILE as this kind: component, recipe or pipeline",
      "KIND" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "print one JSON document with every file's verdict and diagnostics",
      NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL,
      "FILE..." },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr (GError) err = NULL;
  KilnDocKind forced = KILN_DOC_KIND_UNKNOWN;

  g_option_context_set_summary (ctx, "Check documents for errors.");
  g_option_context_set_description (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_set_prgname ("kiln validate");
  if (!g_option_context_parse (ctx, &argc, &argv, &err))
    {
      fprintf (stderr, "kiln validate: %s\n", err->message);
      return KILN_EXIT_BAD_INPUT;
    }
  if (kind_name && !kiln_doc_kind_from_name (kind_name, &forced))
    {
      fprintf (stderr, "kiln validate: expected --kind component, recipe or "
               "pipeline, found '%s'\n", kind_name);
      return KILN_EXIT_BAD_INPUT;
    }
  if (!files || !files[0])
    {
      fprintf (stderr, "Usage: kiln validate [--kind KIND] [--json] FILE...\n"
               "Run 'kiln validate --help' for more.\n");
      return KILN_EXIT_BAD_INPUT;
    }

  gboolean all_valid = TRUE;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; files[i]; i++)
    {
      g_autoptr (KilnDiags) diags = kiln_diags_new ();
      KilnDocKind kind = forced;
      gboolean valid = kiln_doc_validate_file (files[i], forced, &kind,
                                               diags);
      all_valid &= valid;
      kiln_diags_sort (diags);
      if (json)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "file");
          json_builder_add_string_value (b, files[i]);
          json_builder_set_member_name (b, "kind");
          if (kind == KILN_DOC_KIND_UNKNOWN)
            json_builder_add_null_value (b);
          else
            json_builder_add_string_value (b, kiln_doc_kind_name (kind));
          json_builder_set_member_name (b, "valid");
          json_builder_add_boolean_value (b, valid);
          json_builder_set_member_name (b, "diagnostics");
          json_builder_add_value (b, kiln_diags_to_json (diags));
          json_builder_end_object (b);
          continue;
        }
      kiln_diags_print (diags, stderr);
      if (valid)
        printf ("%s: valid %s\n", files[i], kiln_doc_kind_name (kind));
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "valid");
  json_builder_add_boolean_value (b, all_valid);
  json_builder_end_object (b);

  if (json)
    {
      g_autoptr (JsonNode) root = json_builder_get_root (b);
      g_autofree char *text = kiln_json_to_text (root);
      fputs (text, stdout);
    }
  fflush (stdout);
  return all_valid ? KILN_EXIT_OK : KILN_EXIT_BAD_INPUT;
}
