/* paths.c - where kiln finds its data and keeps its state */
#include "paths.h"

#include <string.h>
#include <unistd.h>

gboolean
kiln_running_uninstalled (void)
{
  static gsize once = 0;
  static gboolean uninstalled = FALSE;
  if (g_once_init_enter (&once))
    {
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
      if (exe)
        {
          g_autofree char *dir = g_path_get_dirname (exe);
          g_autofree char *real_build = realpath (KILN_BUILDDIR, NULL);
          uninstalled = real_build && g_strcmp0 (dir, real_build) == 0;
          /* unit tests live in tests/unit/ of the build tree; a sibling
           * such as BUILDDIR-prefix/bin is not inside it */
          if (!uninstalled && real_build && g_str_has_prefix (dir, real_build)
              && dir[strlen (real_build)] == '/')
            uninstalled = TRUE;
        }
      g_once_init_leave (&once, 1);
    }
  return uninstalled;
}

const char *
kiln_home (void)
{
  static char *home;
  if (!home)
    {
      const char *env = g_getenv ("KILN_HOME");
      if (env && *env)
        home = g_strdup (env);
      else if (geteuid () == 0)
        home = g_strdup ("/var/lib/kiln");
      else
        home = g_build_filename (g_get_user_data_dir (), "kiln", NULL);
    }
  return home;
}

const char *
kiln_datadir (void)
{
  const char *env = g_getenv ("KILN_DATADIR");
  if (env && *env)
    return env;
  return kiln_running_uninstalled () ? KILN_SRCDIR : KILN_PKGDATADIR;
}

char *
kiln_components_dir (void)
{
  return g_build_filename (kiln_datadir (), "components", NULL);
}

char *
kiln_templates_dir (void)
{
  return g_build_filename (kiln_datadir (), "templates", NULL);
}

char *
kiln_agent_path (void)
{
  const char *env = g_getenv ("KILN_AGENT");
  if (env && *env)
    return g_strdup (env);
  if (kiln_running_uninstalled ())
    return g_build_filename (KILN_BUILDDIR, "agent", "kiln-agent", NULL);
  return g_build_filename (KILN_PKGLIBEXECDIR, "kiln-agent", NULL);
}
