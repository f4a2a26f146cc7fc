/* kiln-s3-test - drive backends/s3.c from a shell, with the configuration
 * kiln_s3_config_resolve finds in this process's environment
 *
 *   kiln-s3-test get s3://BUCKET/KEY DEST [OWNER]
 *   kiln-s3-test put SRC s3://BUCKET/KEY [OWNER]
 *   kiln-s3-test list s3://BUCKET/PREFIX MAX [PAGE-SIZE]   one key a line
 *   kiln-s3-test config      what was resolved, as NAME=VALUE lines (the
 *                            keys only as set/unset)
 *
 * OWNER: the expected bucket owner ("-": none).  KILN_S3_TEST_VIRTUAL=1
 * addresses the bucket virtual-hosted (BUCKET.HOST) even at a configured
 * endpoint, which kiln never does: for the emulator's *.localhost names.  Exit codes as kiln's: 1
 * failed, 2 bad input, 3 host; the error on stderr as
 * "kiln-s3-test: MESSAGE".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/s3.h"
#include "base/s3-config.h"
#include "common/kiln.h"

static int
fail (GError *error)
{
  fprintf (stderr, "kiln-s3-test: %s\n", error->message);
  int code = kiln_exit_code_for_error (error);
  g_error_free (error);
  return code;
}

static int
usage (void)
{
  fprintf (stderr, "usage: kiln-s3-test get s3://BUCKET/KEY DEST [OWNER]\n"
                   "       kiln-s3-test put SRC s3://BUCKET/KEY [OWNER]\n"
                   "       kiln-s3-test list s3://BUCKET/PREFIX MAX "
                   "[PAGE-SIZE]\n"
                   "       kiln-s3-test config\n");
  return 2;
}

static const char *
owner_arg (int argc, char **argv, int i)
{
  return argc > i && strcmp (argv[i], "-") != 0 ? argv[i] : NULL;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    return usage ();
  const char *cmd = argv[1];
  GError *error = NULL;
  g_auto (GStrv) env = g_get_environ ();
  g_autoptr (KilnS3Config) c =
    kiln_s3_config_resolve ((const char *const *) env, &error);
  if (!c)
    return fail (error);
  if (g_strcmp0 (g_getenv ("KILN_S3_TEST_VIRTUAL"), "1") == 0)
    c->path_style = FALSE;

  if (strcmp (cmd, "config") == 0)
    {
      printf ("endpoint=%s\npath_style=%s\nregion=%s\ncredentials_from=%s\n"
              "session_token=%s\n", c->endpoint,
              c->path_style ? "yes" : "no", c->region, c->credentials_from,
              c->session_token ? "set" : "unset");
      return 0;
    }

  g_autofree char *bucket = NULL;
  g_autofree char *key = NULL;
  if (strcmp (cmd, "get") == 0 && (argc == 4 || argc == 5))
    {
      if (!kiln_s3_uri_parse (argv[2], &bucket, &key, &error)
          || !kiln_s3_get_object (c, bucket, key, owner_arg (argc, argv, 4),
                                  argv[3], &error))
        return fail (error);
      return 0;
    }
  if (strcmp (cmd, "put") == 0 && (argc == 4 || argc == 5))
    {
      if (!kiln_s3_uri_parse (argv[3], &bucket, &key, &error)
          || !kiln_s3_put_object (c, bucket, key, owner_arg (argc, argv, 4),
                                  argv[2], &error))
        return fail (error);
      return 0;
    }
  if (strcmp (cmd, "list") == 0 && (argc == 4 || argc == 5))
    {
      guint max = (guint) strtoul (argv[3], NULL, 10);
      guint page = argc == 5 ? (guint) strtoul (argv[4], NULL, 10) : 1000;
      g_autoptr (GPtrArray) keys = NULL;
      if (!kiln_s3_uri_parse (argv[2], &bucket, &key, &error)
          || !kiln_s3_list_objects_paged (c, bucket, key, NULL, max, page,
                                          &keys, &error))
        return fail (error);
      for (guint i = 0; i < keys->len; i++)
        printf ("%s\n", (const char *) keys->pdata[i]);
      return 0;
    }
  return usage ();
}
