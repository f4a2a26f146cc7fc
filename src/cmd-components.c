/* cmd-components.c - kiln components list|show NAME */
#include <stdio.h>

#include "commands.h"
#include "kiln.h"

int
kiln_cmd_components (int argc, char **argv)
{
  fprintf (stderr, "kiln components: not implemented yet\n");
  return KILN_EXIT_HOST;
}
