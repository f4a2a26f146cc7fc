/* pkgmgr.h - UpdateOS: which package manager the guest has and what to run
 *
 * Detection looks for the tools under a root prefix ("" in the guest, a
 * temporary tree in the unit tests) in the order apt-get, dnf, yum,
 * zypper, apk.  The commands follow AWSTOE: every available update by
 * default; `include` limits the update to those packages, `exclude` keeps
 * packages back (include minus exclude when both are given).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum
{
  PKG_NONE,
  PKG_APT,
  PKG_DNF,
  PKG_YUM,
  PKG_ZYPPER,
  PKG_APK,
} pkg_manager;

typedef struct
{
  char **argv;          /* NULL-terminated */
  bool always;          /* run even after an earlier command failed (cleanup) */
  int ok_codes[4];      /* extra exit codes that mean success (0 always does) */
} pkg_command;

pkg_manager pkgmgr_detect (const char *root);
const char *pkgmgr_name (pkg_manager m);
/* Full path of the tool under root. */
char *pkgmgr_tool_path (const char *root, const char *tool);
/* The commands to run; NULL with *err when the request cannot be done. */
pkg_command *pkgmgr_commands (pkg_manager m, char **include, size_t n_include, char **exclude,
                              size_t n_exclude, size_t *n_commands, char **err);
void pkgmgr_commands_free (pkg_command *cmds, size_t n);
