/* workspace.c - a job's private temporary directories */
#define _XOPEN_SOURCE 700
#include "workspace.h"

#include <errno.h>
#include <ftw.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#include "common/kiln.h"
#include "paths.h"

static int
remove_entry (const char *path, const struct stat *st, int flag,
              struct FTW *ftw)
{
  (void) st;
  (void) flag;
  (void) ftw;
  if (remove (path) < 0 && errno != ENOENT)
    g_warning ("cannot remove %s: %s", path, g_strerror (errno));
  return 0;
}

gboolean
kiln_remove_tree (const char *path)
{
  if (!path || g_access (path, F_OK) < 0)
    return TRUE;
  nftw (path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return g_access (path, F_OK) < 0;
}

KilnWorkspace *
kiln_workspace_new (const char *prefix, GError **error)
{
  g_autofree char *root = g_build_filename (kiln_home (), "work", NULL);
  g_autofree char *tmpl = NULL;
  KilnWorkspace *ws;

  if (!kiln_home_make_private (error))
    return NULL;
  if (g_mkdir_with_parents (root, 0700) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "cannot create %s: %s", root, g_strerror (errno));
      return NULL;
    }
  ws = g_new0 (KilnWorkspace, 1);
  tmpl = g_strdup_printf ("%s/%s-XXXXXX", root, prefix);
  ws->dir = g_mkdtemp (g_steal_pointer (&tmpl));
  if (!ws->dir)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "cannot create a work directory in %s: %s", root,
                   g_strerror (errno));
      kiln_workspace_free (ws);
      return NULL;
    }
  ws->sock_dir = g_dir_make_tmp ("kiln-XXXXXX", error);
  if (!ws->sock_dir)
    {
      kiln_workspace_free (ws);
      return NULL;
    }
  return ws;
}

void
kiln_workspace_free (KilnWorkspace *ws)
{
  if (!ws)
    return;
  if (ws->sock_dir)
    kiln_remove_tree (ws->sock_dir);
  if (ws->dir && !ws->keep)
    kiln_remove_tree (ws->dir);
  g_free (ws->dir);
  g_free (ws->sock_dir);
  g_free (ws);
}

char *
kiln_workspace_path (KilnWorkspace *ws, const char *name)
{
  return g_build_filename (ws->dir, name, NULL);
}
