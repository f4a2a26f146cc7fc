/* pkgmgr.c - UpdateOS: which package manager the guest has and what to run */
#include "pkgmgr.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static const char *const tool_dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" };

char *
pkgmgr_tool_path (const char *root, const char *tool)
{
  for (size_t i = 0; i < ARRAY_LEN (tool_dirs); i++)
    {
      char *p = xasprintf ("%s%s/%s", root ? root : "", tool_dirs[i], tool);
      struct stat st;
      if (stat (p, &st) == 0 && S_ISREG (st.st_mode) && (st.st_mode & 0111))
        return p;
      free (p);
    }
  return NULL;
}

pkg_manager
pkgmgr_detect (const char *root)
{
  static const struct { const char *tool; pkg_manager m; } order[] = {
    { "apt-get", PKG_APT }, { "dnf", PKG_DNF }, { "yum", PKG_YUM }, { "zypper", PKG_ZYPPER }, { "apk", PKG_APK },
  };
  for (size_t i = 0; i < ARRAY_LEN (order); i++)
    {
      char *p = pkgmgr_tool_path (root, order[i].tool);
      if (p)
        {
          free (p);
          return order[i].m;
        }
    }
  return PKG_NONE;
}

const char *
pkgmgr_name (pkg_manager m)
{
  static const char *const names[] = { "none", "apt-get", "dnf", "yum", "zypper", "apk" };
  return names[m];
}

/* ---- building argv vectors --------------------------------------- */

typedef struct
{
  char **v;
  size_t n;
} argv_builder;

static void
arg (argv_builder *b, const char *s)
{
  b->v = xrealloc (b->v, (b->n + 2) * sizeof *b->v);
  b->v[b->n++] = xstrdup (s);
  b->v[b->n] = NULL;
}

static void
args (argv_builder *b, ...)
{
  va_list ap;
  va_start (ap, b);
  for (const char *s; (s = va_arg (ap, const char *));)
    arg (b, s);
  va_end (ap);
}

static void
add_command (pkg_command **cmds, size_t *n, argv_builder *b, bool always)
{
  *cmds = xrealloc (*cmds, (*n + 1) * sizeof **cmds);
  memset (&(*cmds)[*n], 0, sizeof **cmds);
  (*cmds)[*n].argv = b->v;
  (*cmds)[*n].always = always;
  (*n)++;
  b->v = NULL;
  b->n = 0;
}

static bool
listed (char **list, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp (list[i], s))
      return true;
  return false;
}

pkg_command *
pkgmgr_commands (pkg_manager m, char **include, size_t n_include, char **exclude, size_t n_exclude,
                 size_t *n_commands, char **err)
{
  *n_commands = 0;
  pkg_command *cmds = NULL;
  argv_builder b = { 0 };
  /* include minus exclude */
  char **wanted = xcalloc (n_include + 1, sizeof *wanted);
  size_t n_wanted = 0;
  for (size_t i = 0; i < n_include; i++)
    if (!listed (exclude, n_exclude, include[i]))
      wanted[n_wanted++] = include[i];
  if (n_include && !n_wanted)
    {
      free (wanted);
      return xcalloc (1, sizeof *cmds); /* everything included is excluded: nothing to do */
    }
  /* With an include list the excludes are already applied. */
  size_t n_ex = n_include ? 0 : n_exclude;
  switch (m)
    {
    case PKG_NONE:
      *err = xstrdup ("UpdateOS: no supported package manager (apt-get, dnf, yum, zypper, apk) in the guest");
      free (wanted);
      return NULL;
    case PKG_APT:
      args (&b, "apt-get", "update", NULL);
      add_command (&cmds, n_commands, &b, false);
      if (n_ex)
        {
          args (&b, "apt-mark", "hold", NULL);
          for (size_t i = 0; i < n_ex; i++)
            arg (&b, exclude[i]);
          add_command (&cmds, n_commands, &b, false);
        }
      args (&b, "apt-get", "-y", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold",
            NULL);
      if (n_wanted)
        {
          args (&b, "install", "--only-upgrade", NULL);
          for (size_t i = 0; i < n_wanted; i++)
            arg (&b, wanted[i]);
        }
      else
        args (&b, "upgrade", "--with-new-pkgs", NULL);
      add_command (&cmds, n_commands, &b, false);
      if (n_ex)
        {
          args (&b, "apt-mark", "unhold", NULL);
          for (size_t i = 0; i < n_ex; i++)
            arg (&b, exclude[i]);
          add_command (&cmds, n_commands, &b, true);
        }
      break;
    case PKG_DNF:
    case PKG_YUM:
      args (&b, m == PKG_DNF ? "dnf" : "yum", "-y", m == PKG_DNF ? "upgrade" : "update", NULL);
      for (size_t i = 0; i < n_wanted; i++)
        arg (&b, wanted[i]);
      for (size_t i = 0; i < n_ex; i++)
        {
          char *e = xasprintf ("--exclude=%s", exclude[i]);
          arg (&b, e);
          free (e);
        }
      add_command (&cmds, n_commands, &b, false);
      break;
    case PKG_ZYPPER:
      args (&b, "zypper", "--non-interactive", "refresh", NULL);
      add_command (&cmds, n_commands, &b, false);
      if (n_ex)
        {
          args (&b, "zypper", "--non-interactive", "addlock", NULL);
          for (size_t i = 0; i < n_ex; i++)
            arg (&b, exclude[i]);
          add_command (&cmds, n_commands, &b, false);
        }
      args (&b, "zypper", "--non-interactive", "update", NULL);
      for (size_t i = 0; i < n_wanted; i++)
        arg (&b, wanted[i]);
      add_command (&cmds, n_commands, &b, false);
      /* 102: reboot needed, 103: restart of zypper needed - both updated */
      cmds[*n_commands - 1].ok_codes[0] = 102;
      cmds[*n_commands - 1].ok_codes[1] = 103;
      if (n_ex)
        {
          args (&b, "zypper", "--non-interactive", "removelock", NULL);
          for (size_t i = 0; i < n_ex; i++)
            arg (&b, exclude[i]);
          add_command (&cmds, n_commands, &b, true);
        }
      break;
    case PKG_APK:
      if (n_ex)
        {
          *err = xstrdup ("UpdateOS: apk cannot keep packages back; use include instead of exclude on this guest");
          free (wanted);
          return NULL;
        }
      args (&b, "apk", "update", NULL);
      add_command (&cmds, n_commands, &b, false);
      args (&b, "apk", "upgrade", NULL);
      for (size_t i = 0; i < n_wanted; i++)
        arg (&b, wanted[i]);
      add_command (&cmds, n_commands, &b, false);
      break;
    }
  free (wanted);
  return cmds;
}

void
pkgmgr_commands_free (pkg_command *cmds, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      for (char **p = cmds[i].argv; p && *p; p++)
        free (*p);
      free (cmds[i].argv);
    }
  free (cmds);
}
