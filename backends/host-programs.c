/* host-programs.c - the version line of a program kiln runs (kiln doctor) */
#include "host-facts.h"

#include <string.h>

#include <gio/gio.h>

#include "common/kiln.h"

char *
kiln_program_version_line (const char *program, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C", TRUE);
  GError *local = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_launcher_spawn (
      launcher, &local, program, "--version", NULL);
  if (!p)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot run %s: %s",
                   program, local->message);
      g_error_free (local);
      return NULL;
    }
  g_autofree char *out = NULL;
  if (!g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, error))
    return NULL;
  g_strstrip (out);
  if (!g_subprocess_get_if_exited (p) || g_subprocess_get_exit_status (p) != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "%s --version failed: %.200s", program, out);
      return NULL;
    }
  return g_strndup (out, strcspn (out, "\n"));
}
