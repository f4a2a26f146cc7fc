/* workspace.c - a job's private temporary directories */
#include "workspace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/kiln.h"
#include "owner.h"
#include "paths.h"

#define OWNER_FILE "owner"
/* what an owner file holds: "PID START\nSOCKET-DIR\n" */
#define OWNER_MAX 4096

static char *
work_root (const char *home)
{
  return g_build_filename (home, "work", NULL);
}

/* Records who owns ws (and where its sockets are), or with owner NULL
 * that nobody does any more (kept for --keep-on-failure). */
static gboolean
write_owner (KilnWorkspace *ws, const KilnOwner *owner, GError **error)
{
  g_autofree char *path = kiln_workspace_path (ws, OWNER_FILE);
  g_autofree char *who = owner ? kiln_owner_format (owner) : g_strdup ("kept");
  g_autofree char *text = g_strdup_printf ("%s\n%s\n", who,
                                           ws->sock_dir ? ws->sock_dir : "");
  return g_file_set_contents (path, text, -1, error);
}

KilnWorkspace *
kiln_workspace_new (const char *prefix, GError **error)
{
  g_autofree char *root = work_root (kiln_home ());
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
  KilnOwner self = kiln_owner_self ();
  ws->sock_dir = g_dir_make_tmp ("kiln-XXXXXX", error);
  if (!ws->sock_dir || !write_owner (ws, &self, error))
    {
      kiln_workspace_free (ws);
      return NULL;
    }
  return ws;
}

/* The socket directory holds only the agent's socket: removed only when
 * it is a real directory named as kiln names them holding nothing but
 * sockets (its path comes from a file, so it must prove it is kiln's). */
static void
remove_sock_dir (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *parent = g_path_get_dirname (path);
  if (!g_path_is_absolute (path) || !g_str_has_prefix (base, "kiln-")
      || strlen (base) != strlen ("kiln-XXXXXX"))
    return;
  int pfd = open (parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pfd < 0)
    return;
  int fd = openat (pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
  if (!dir && fd >= 0)
    close (fd);
  gboolean only_sockets = dir != NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  struct dirent *d;
  while (dir && (d = readdir (dir)))
    {
      if (strcmp (d->d_name, ".") == 0 || strcmp (d->d_name, "..") == 0)
        continue;
      struct stat st;
      if (fstatat (dirfd (dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0
          || !S_ISSOCK (st.st_mode))
        only_sockets = FALSE;
      g_ptr_array_add (names, g_strdup (d->d_name));
    }
  for (guint i = 0; only_sockets && i < names->len; i++)
    unlinkat (dirfd (dir), names->pdata[i], 0);
  if (dir)
    closedir (dir);
  if (only_sockets)
    unlinkat (pfd, base, AT_REMOVEDIR);
  close (pfd);
}

void
kiln_workspace_free (KilnWorkspace *ws)
{
  if (!ws)
    return;
  if (ws->sock_dir)
    kiln_remove_tree (ws->sock_dir);
  if (ws->dir && ws->keep)
    write_owner (ws, NULL, NULL);
  else if (ws->dir)
    {
      g_autofree char *root = work_root (kiln_home ());
      g_autoptr (GError) error = NULL;
      if (!kiln_remove_below (root, ws->dir, &error))
        g_warning ("%s", error->message);
    }
  g_free (ws->dir);
  g_free (ws->sock_dir);
  g_free (ws);
}

char *
kiln_workspace_path (KilnWorkspace *ws, const char *name)
{
  return g_build_filename (ws->dir, name, NULL);
}

/* The owner file of one work directory: FALSE when it has none that can
 * be read (being created, kept, or not kiln's), else its owner and its
 * socket directory. */
static gboolean
read_owner (const char *root, const char *dir, KilnOwner *owner,
            char **sock_dir)
{
  g_autofree char *path = g_build_filename (dir, OWNER_FILE, NULL);
  int fd = kiln_open_below (root, path, O_RDONLY, 0, NULL);
  if (fd < 0)
    return FALSE;
  char buf[OWNER_MAX + 1];
  ssize_t n = read (fd, buf, OWNER_MAX);
  close (fd);
  if (n <= 0)
    return FALSE;
  buf[n] = '\0';
  g_auto (GStrv) lines = g_strsplit (buf, "\n", 3);
  if (!lines[0] || !kiln_owner_parse (lines[0], owner))
    return FALSE;
  *sock_dir = lines[1] && *lines[1] ? g_strdup (lines[1]) : NULL;
  return TRUE;
}

guint
kiln_workspace_reap (const char *home, GPtrArray *removed)
{
  g_autofree char *root = work_root (home);
  g_autoptr (GDir) d = g_dir_open (root, 0, NULL);
  const char *name;
  guint found = 0;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *dir = g_build_filename (root, name, NULL);
      KilnOwner owner;
      g_autofree char *sock_dir = NULL;
      if (!read_owner (root, dir, &owner, &sock_dir)
          || kiln_owner_alive (&owner))
        continue;
      found++;
      if (sock_dir)
        remove_sock_dir (sock_dir);
      g_autoptr (GError) error = NULL;
      if (!kiln_remove_below (root, dir, &error))
        g_warning ("%s", error->message);
      else if (removed)
        g_ptr_array_add (removed, g_strdup (dir));
    }
  return found;
}
