/* fsutil.c - file system helpers for kiln-agent */
#define _GNU_SOURCE
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static bool
fail_errno (char **err, const char *what, const char *path)
{
  if (err)
    *err = xasprintf ("%s %s: %s", what, path, strerror (errno));
  return false;
}

char *
read_file (const char *path, size_t max, size_t *len, char **err)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      fail_errno (err, "cannot open", path);
      return NULL;
    }
  size_t cap = 4096, n = 0;
  char *buf = xmalloc (cap + 1);
  for (;;)
    {
      if (n == cap)
        {
          if (cap >= max)
            {
              close (fd);
              free (buf);
              if (err)
                *err = xasprintf ("cannot read %s: larger than %zu bytes", path, max);
              return NULL;
            }
          cap = cap * 2 > max ? max : cap * 2;
          buf = xrealloc (buf, cap + 1);
        }
      ssize_t r = read (fd, buf + n, cap - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int e = errno;
          close (fd);
          free (buf);
          errno = e;
          fail_errno (err, "cannot read", path);
          return NULL;
        }
      if (r == 0)
        break;
      n += (size_t) r;
    }
  close (fd);
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

bool
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return false;
      p += w;
      len -= (size_t) w;
    }
  return true;
}

bool
write_file_atomic (const char *path, const void *data, size_t len, mode_t mode, char **err)
{
  char *tmp = xasprintf ("%s.tmp", path);
  int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    {
      fail_errno (err, "cannot create", tmp);
      free (tmp);
      return false;
    }
  if (!write_all (fd, data, len) || fsync (fd) < 0)
    {
      int e = errno;
      close (fd);
      unlink (tmp);
      errno = e;
      fail_errno (err, "cannot write", tmp);
      free (tmp);
      return false;
    }
  close (fd);
  if (rename (tmp, path) < 0)
    {
      int e = errno;
      unlink (tmp);
      errno = e;
      fail_errno (err, "cannot rename to", path);
      free (tmp);
      return false;
    }
  free (tmp);
  /* Make the rename itself durable. */
  char *dir = path_dirname (path);
  int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    {
      fsync (dfd);
      close (dfd);
    }
  free (dir);
  return true;
}

bool
mkdir_p (const char *path, mode_t mode, char **err)
{
  if (!*path)
    {
      if (err)
        *err = xstrdup ("cannot create folder: empty path");
      return false;
    }
  if (path_is_dir (path))
    return true;
  char *copy = xstrdup (path);
  size_t n = strlen (copy);
  while (n > 1 && copy[n - 1] == '/')
    copy[--n] = '\0';
  for (char *p = copy + 1; ; p++)
    {
      if (*p != '/' && *p != '\0')
        continue;
      char saved = *p;
      *p = '\0';
      if (mkdir (copy, mode) < 0)
        {
          int e = errno;
          if (e != EEXIST || !path_is_dir (copy))
            {
              errno = e == EEXIST ? ENOTDIR : e;
              fail_errno (err, "cannot create folder", copy);
              free (copy);
              return false;
            }
        }
      *p = saved;
      if (!saved)
        break;
    }
  free (copy);
  return true;
}

bool
mkdir_parent (const char *path, char **err)
{
  char *dir = path_dirname (path);
  bool ok = mkdir_p (dir, 0755, err);
  free (dir);
  return ok;
}

bool
remove_tree (const char *path, char **err)
{
  struct stat st;
  if (lstat (path, &st) < 0)
    return fail_errno (err, "cannot remove", path);
  if (!S_ISDIR (st.st_mode))
    {
      if (unlink (path) < 0)
        return fail_errno (err, "cannot remove", path);
      return true;
    }
  DIR *d = opendir (path);
  if (!d)
    return fail_errno (err, "cannot open folder", path);
  struct dirent *e;
  bool ok = true;
  while (ok && (e = readdir (d)))
    {
      if (!strcmp (e->d_name, ".") || !strcmp (e->d_name, ".."))
        continue;
      char *child = path_join (path, e->d_name);
      ok = remove_tree (child, err);
      free (child);
    }
  closedir (d);
  if (ok && rmdir (path) < 0)
    return fail_errno (err, "cannot remove folder", path);
  return ok;
}

bool
copy_file (const char *src, const char *dst, char **err)
{
  int in = open (src, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return fail_errno (err, "cannot open", src);
  struct stat st;
  if (fstat (in, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (in);
      if (err)
        *err = xasprintf ("cannot copy %s: not a regular file", src);
      return false;
    }
  int out = open (dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 07777);
  if (out < 0)
    {
      close (in);
      return fail_errno (err, "cannot create", dst);
    }
  char buf[65536];
  bool ok = true;
  for (;;)
    {
      ssize_t r = read (in, buf, sizeof buf);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          ok = fail_errno (err, "cannot read", src);
          break;
        }
      if (r == 0)
        break;
      if (!write_all (out, buf, (size_t) r))
        {
          ok = fail_errno (err, "cannot write", dst);
          break;
        }
    }
  close (in);
  if (close (out) < 0 && ok)
    ok = fail_errno (err, "cannot write", dst);
  return ok;
}

bool
copy_tree (const char *src, const char *dst, char **err)
{
  struct stat st;
  if (lstat (src, &st) < 0)
    return fail_errno (err, "cannot copy", src);
  if (S_ISLNK (st.st_mode))
    {
      char target[4096];
      ssize_t n = readlink (src, target, sizeof target - 1);
      if (n < 0)
        return fail_errno (err, "cannot read link", src);
      target[n] = '\0';
      struct stat dst_st;
      if (lstat (dst, &dst_st) == 0 && !S_ISDIR (dst_st.st_mode))
        unlink (dst);
      if (symlink (target, dst) < 0)
        return fail_errno (err, "cannot create link", dst);
      return true;
    }
  if (S_ISREG (st.st_mode))
    return copy_file (src, dst, err);
  if (!S_ISDIR (st.st_mode))
    return true; /* devices, fifos, sockets: nothing sensible to copy */
  if (mkdir (dst, st.st_mode & 07777) < 0 && errno != EEXIST)
    return fail_errno (err, "cannot create folder", dst);
  if (!path_is_dir (dst))
    {
      errno = ENOTDIR;
      return fail_errno (err, "cannot copy into", dst);
    }
  DIR *d = opendir (src);
  if (!d)
    return fail_errno (err, "cannot open folder", src);
  struct dirent *e;
  bool ok = true;
  while (ok && (e = readdir (d)))
    {
      if (!strcmp (e->d_name, ".") || !strcmp (e->d_name, ".."))
        continue;
      char *s = path_join (src, e->d_name);
      char *t = path_join (dst, e->d_name);
      ok = copy_tree (s, t, err);
      free (s);
      free (t);
    }
  closedir (d);
  return ok;
}

char *
path_dirname (const char *path)
{
  size_t n = strlen (path);
  while (n > 1 && path[n - 1] == '/')
    n--;
  while (n > 0 && path[n - 1] != '/')
    n--;
  if (n == 0)
    return xstrdup (".");
  while (n > 1 && path[n - 1] == '/')
    n--;
  return xstrndup (path, n);
}

char *
path_basename (const char *path)
{
  size_t n = strlen (path);
  while (n > 1 && path[n - 1] == '/')
    n--;
  size_t start = n;
  while (start > 0 && path[start - 1] != '/')
    start--;
  return xstrndup (path + start, n - start);
}

char *
path_join (const char *a, const char *b)
{
  size_t la = strlen (a);
  if (la && a[la - 1] == '/')
    return xasprintf ("%s%s", a, b);
  return xasprintf ("%s/%s", a, b);
}

bool
path_exists (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0;
}

bool
path_is_dir (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

bool
path_is_file (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode);
}

bool
walk_tree (const char *root, bool recursive, walk_fn fn, void *user, char **err)
{
  DIR *d = opendir (root);
  if (!d)
    return fail_errno (err, "cannot open folder", root);
  bool ok = true;
  struct dirent *e;
  while (ok && (e = readdir (d)))
    {
      if (!strcmp (e->d_name, ".") || !strcmp (e->d_name, ".."))
        continue;
      char *child = path_join (root, e->d_name);
      struct stat st;
      if (lstat (child, &st) < 0)
        ok = fail_errno (err, "cannot stat", child);
      else
        {
          ok = fn (child, &st, user, err);
          if (ok && recursive && S_ISDIR (st.st_mode))
            ok = walk_tree (child, true, fn, user, err);
        }
      free (child);
    }
  closedir (d);
  return ok;
}

bool
path_has_wildcard (const char *path)
{
  const char *base = strrchr (path, '/');
  base = base ? base + 1 : path;
  return strpbrk (base, "*?[") != NULL;
}

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

char **
path_glob (const char *pattern, bool want_dirs, size_t *n, char **err)
{
  *n = 0;
  char *dir = path_dirname (pattern);
  char *base = path_basename (pattern);
  char **out = NULL;
  DIR *d = opendir (dir);
  if (!d)
    {
      fail_errno (err, "cannot open folder", dir);
      free (dir);
      free (base);
      return NULL;
    }
  struct dirent *e;
  while ((e = readdir (d)))
    {
      if (!strcmp (e->d_name, ".") || !strcmp (e->d_name, ".."))
        continue;
      if (fnmatch (base, e->d_name, FNM_PERIOD) != 0)
        continue;
      char *full = strcmp (dir, ".") == 0 && pattern[0] != '.' ? xstrdup (e->d_name) : path_join (dir, e->d_name);
      if (path_is_dir (full) != want_dirs)
        {
          free (full);
          continue;
        }
      out = xgrow (out, *n, sizeof *out);
      out[(*n)++] = full;
    }
  closedir (d);
  free (dir);
  free (base);
  if (*n)
    qsort (out, *n, sizeof *out, compare_strings);
  else
    out = xcalloc (1, sizeof *out);
  return out;
}
