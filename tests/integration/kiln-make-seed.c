/* kiln-make-seed - write a NoCloud seed volume with backends/seed.c, for
 * tests that boot an image by hand:
 *   kiln-make-seed OUT.img INSTANCE-ID HOSTNAME [EXTRA-USER-DATA-FILE] */
#include <stdio.h>

#include "backends/seed.h"

int
main (int argc, char **argv)
{
  if (argc < 4 || argc > 5)
    {
      fprintf (stderr, "usage: %s OUT INSTANCE-ID HOSTNAME [EXTRA-USER-DATA]\n",
               argv[0]);
      return 2;
    }
  g_autofree char *extra = NULL;
  g_autoptr (GError) error = NULL;
  if (argc == 5 && !g_file_get_contents (argv[4], &extra, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  KilnSeedSpec spec = { .instance_id = argv[2], .hostname = argv[3],
                        .extra_user_data = extra };
  if (!kiln_seed_create (&spec, argv[1], &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  return 0;
}
