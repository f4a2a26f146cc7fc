/* act_system.c - Assert, Reboot, UpdateOS and the S3 actions */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/kiln-protocol.h"

#include "actions.h"
#include "cond.h"
#include "events.h"
#include "pkgmgr.h"
#include "proc.h"
#include "util.h"

extern char **environ;

void
action_assert (act_ctx *ctx, const json *inputs, act_result *res)
{
  (void) ctx;
  char *err = NULL;
  int r = cond_eval (inputs, &err);
  if (r < 0)
    act_fail (res, "Assert: %s", err);
  else if (r == 0)
    {
      char *text = json_serialize (inputs);
      act_fail (res, "Assert: the condition is false: %s", text);
      free (text);
    }
  free (err);
}

void
action_reboot (act_ctx *ctx, const json *inputs, act_result *res)
{
  (void) ctx;
  char *delay_text = input_text (inputs, "delaySeconds");
  long delay = 0;
  if (delay_text && *delay_text)
    {
      char *end;
      errno = 0;
      delay = strtol (delay_text, &end, 10);
      if (*end || errno || delay < 0 || delay > KILN_REBOOT_MAX_DELAY_SECONDS)
        {
          act_fail (res, "Reboot: delaySeconds must be a whole number of seconds from 0 to %d, found '%s'",
                    KILN_REBOOT_MAX_DELAY_SECONDS, delay_text);
          free (delay_text);
          return;
        }
    }
  free (delay_text);
  /* Wait in small slices so a stop request is honoured. */
  int64_t until = deadline_after (mono_ms (), delay);
  while (mono_ms () < until)
    {
      if (proc_stop_requested)
        {
          res->status = ACT_INTERRUPTED;
          return;
        }
      int64_t left = until - mono_ms ();
      sleep_ms (left < 200 ? left : 200);
      events_service ();
    }
  res->status = ACT_REBOOT_NEXT;
}

/* environ plus DEBIAN_FRONTEND=noninteractive (apt must not ask). */
static char **
package_env (void)
{
  size_t n = 0;
  while (environ[n])
    n++;
  char **env = xcalloc (n + 2, sizeof *env);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!str_has_prefix (environ[i], "DEBIAN_FRONTEND="))
      env[k++] = environ[i];
  env[k] = (char *) "DEBIAN_FRONTEND=noninteractive";
  return env;
}

void
action_update_os (act_ctx *ctx, const json *inputs, act_result *res)
{
  char **include = NULL, **exclude = NULL;
  size_t ni = 0, ne = 0, nc = 0;
  pkg_command *cmds = NULL;
  char *err = NULL;
  if (!input_list (inputs, "include", &include, &ni, res) || !input_list (inputs, "exclude", &exclude, &ne, res))
    goto out;
  pkg_manager m = pkgmgr_detect ("");
  cmds = pkgmgr_commands (m, include, ni, exclude, ne, &nc, &err);
  if (!cmds)
    {
      act_fail (res, "%s", err);
      goto out;
    }
  event_log ("info", "UpdateOS: updating with %s", pkgmgr_name (m));
  char **env = package_env ();
  bool failed = false;
  for (size_t i = 0; i < nc; i++)
    {
      if (failed && !cmds[i].always)
        continue;
      if (!failed && res->status == ACT_INTERRUPTED)
        break;
      proc_spec spec = { .argv = cmds[i].argv, .envp = env, .deadline_ms = ctx->deadline_ms,
                         .on_output = act_output_cb };
      proc_result pr;
      bool started = proc_run (&spec, &pr);
      int code = proc_status_code (&pr);
      bool ok = started && pr.exited && (code == 0 || code == cmds[i].ok_codes[0] || code == cmds[i].ok_codes[1]);
      if (!failed && !ok)
        {
          failed = true;
          if (pr.interrupted)
            res->status = ACT_INTERRUPTED;
          else if (pr.timed_out)
            {
              act_fail (res, "timed out after %lld s", ctx->timeout_seconds);
              res->timed_out = true;
            }
          else if (!started)
            act_fail (res, "UpdateOS: %s", pr.error);
          else
            act_fail (res, "UpdateOS: %s %s exited with status %d", cmds[i].argv[0], cmds[i].argv[1], code);
          if (code >= 0)
            {
              res->has_exit_code = true;
              res->exit_code = code;
            }
        }
      proc_result_clear (&pr);
    }
  free (env);
out:
  pkgmgr_commands_free (cmds, nc);
  free_list (include, ni);
  free_list (exclude, ne);
  free (err);
}
