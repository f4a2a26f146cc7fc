/* fsutil.h - file system helpers for kiln-agent
 *
 * Every function that can fail returns false/NULL and sets *err to a
 * malloc'd message naming the path and the reason (free it).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Whole file (at most max bytes, else an error), NUL-terminated. */
char *read_file (const char *path, size_t max, size_t *len, char **err);
/* Writes data to path through path.tmp + fsync + rename + fsync(dir). */
bool write_file_atomic (const char *path, const void *data, size_t len, mode_t mode, char **err);
/* Writes all of buf to fd (retrying short writes and EINTR). */
bool write_all (int fd, const void *buf, size_t len);
/* mkdir -p; existing directories are fine. */
bool mkdir_p (const char *path, mode_t mode, char **err);
/* mkdir -p of the parent folder of path. */
bool mkdir_parent (const char *path, char **err);
/* Removes a file, a symlink or a whole directory tree (never follows links). */
bool remove_tree (const char *path, char **err);
/* Copies a regular file's bytes and permission bits (cp semantics: the
 * destination is replaced). */
bool copy_file (const char *src, const char *dst, char **err);
/* Copies a directory tree into dst (created if needed; existing files are
 * replaced); symlinks are copied as links, special files are skipped. */
bool copy_tree (const char *src, const char *dst, char **err);

/* Calls fn for every entry below root (not root itself; only its direct
 * entries unless recursive), parents before children, without following
 * symbolic links; stops at the first false. */
struct stat;
typedef bool (*walk_fn) (const char *path, const struct stat *st, void *user, char **err);
bool walk_tree (const char *root, bool recursive, walk_fn fn, void *user, char **err);
/* Does the last path component contain a glob character (* ? [)? */
bool path_has_wildcard (const char *path);
/* Entries of the folder of pattern whose names match its last component
 * (sorted); want_dirs picks folders, else everything but folders. */
char **path_glob (const char *pattern, bool want_dirs, size_t *n, char **err);

/* Path pieces (malloc'd): "/a/b/c" -> "/a/b" and "c"; "c" -> "." and "c". */
char *path_dirname (const char *path);
char *path_basename (const char *path);
/* a + "/" + b without doubling the slash. */
char *path_join (const char *a, const char *b);

bool path_exists (const char *path);          /* lstat succeeds */
bool path_is_dir (const char *path);          /* stat: directory */
bool path_is_file (const char *path);         /* stat: regular file */
