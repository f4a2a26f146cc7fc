/* cmd-validate.c - kiln validate FILE... */
#include <stdio.h>

#include "commands.h"
#include "diag.h"
#include "kiln.h"
#include "yamldoc.h"

int
kiln_cmd_validate (int argc, char **argv)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  if (argc < 2)
    {
      fprintf (stderr, "Usage: kiln validate FILE...\n");
      return KILN_EXIT_BAD_INPUT;
    }
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (KilnDoc) doc = kiln_doc_load_file (argv[i], diags);
      (void) doc;
    }
  kiln_diags_print (diags, stderr);
  return kiln_diags_error_count (diags) ? KILN_EXIT_BAD_INPUT : KILN_EXIT_OK;
}
