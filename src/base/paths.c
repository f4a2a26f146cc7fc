/* paths.c - where kiln finds its data and keeps its state */
#include "paths.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/kiln.h"

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

gboolean
kiln_home_make_private (GError **error)
{
  const char *home = kiln_home ();
  struct stat st;
  if (g_mkdir_with_parents (home, 0700) < 0 || stat (home, &st) < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   home, g_strerror (e));
      return FALSE;
    }
  if (st.st_uid == geteuid () && (st.st_mode & 077)
      && chmod (home, st.st_mode & 07700) < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot make %s "
                   "private (chmod 700): %s", home, g_strerror (e));
      return FALSE;
    }
  /* what an older kiln, without the private umask, left readable */
  static const char *const inside[] = { "catalog.db", "logs" };
  for (guint i = 0; i < G_N_ELEMENTS (inside); i++)
    {
      g_autofree char *p = g_build_filename (home, inside[i], NULL);
      if (lstat (p, &st) == 0 && !S_ISLNK (st.st_mode)
          && st.st_uid == geteuid () && (st.st_mode & 077))
        chmod (p, st.st_mode & 07700);
    }
  return TRUE;
}

int
kiln_mkdir_for_user (const char *path)
{
  mode_t mode = 0777 & ~kiln_user_umask ();
  g_autofree char *dir = g_canonicalize_filename (path, NULL);
  for (char *p = dir + 1;; p++)
    {
      if (*p != '/' && *p != '\0')
        continue;
      char saved = *p;
      *p = '\0';
      if (mkdir (dir, mode) == 0)
        {
          /* kiln's own umask took bits away from mode */
          if (chmod (dir, mode) < 0)
            return -1;
        }
      else if (errno != EEXIST)
        return -1;
      *p = saved;
      if (!saved)
        break;
    }
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      errno = ENOTDIR;
      return -1;
    }
  return 0;
}

mode_t
kiln_user_file_mode (void)
{
  return 0666 & ~kiln_user_umask ();
}
