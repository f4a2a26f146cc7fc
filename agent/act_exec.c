/* act_exec.c - ExecuteBash and ExecuteBinary */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions.h"
#include "common/kiln-protocol.h"
#include "events.h"
#include "fsutil.h"
#include "proc.h"
#include "strbuf.h"
#include "util.h"

#define EXIT_REBOOT 194

/* Runs argv for a step and turns the outcome into res (shared by both). */
static void
run_for_step (act_ctx *ctx, char *const *argv, const char *what, act_result *res)
{
  strbuf out = STRBUF_INIT;
  strbuf_init (&out);
  proc_spec spec = {
    .argv = argv,
    .deadline_ms = ctx->deadline_ms,
    .on_output = act_output_cb,
    .capture_stdout = &out,
    .capture_max = AGENT_OUTPUT_MAX,
  };
  proc_result pr;
  if (!proc_run (&spec, &pr))
    {
      act_fail (res, "%s", pr.error);
      proc_result_clear (&pr);
      strbuf_free (&out);
      return;
    }
  if (pr.capture_truncated)
    event_log ("warning", "step %s: stdout is longer than %u bytes; the output `stdout` keeps the first %u",
               ctx->step, AGENT_OUTPUT_MAX, AGENT_OUTPUT_MAX);
  /* AWSTOE's stdout output has no trailing newline. */
  strbuf_chomp (&out);
  act_set_output (res, KILN_OUTPUT_STDOUT, out.data);
  strbuf_free (&out);
  int code = proc_status_code (&pr);
  if (code >= 0)
    {
      res->has_exit_code = true;
      res->exit_code = code;
    }
  if (pr.interrupted)
    res->status = ACT_INTERRUPTED;
  else if (pr.timed_out)
    {
      act_fail (res, "timed out after %lld s", ctx->timeout_seconds);
      res->timed_out = true;
    }
  else if (pr.exited && pr.exit_code == 0)
    res->status = ACT_OK;
  else if (pr.exited && pr.exit_code == EXIT_REBOOT)
    res->status = ACT_REBOOT_SAME;
  else if (pr.exited)
    act_fail (res, "%s exited with status %d", what, pr.exit_code);
  else
    act_fail (res, "%s was killed by signal %d", what, pr.term_signal);
  proc_result_clear (&pr);
}

static const char *
pick_shell (void)
{
  static bool warned;
  if (access ("/bin/bash", X_OK) == 0)
    return "/bin/bash";
  if (!warned)
    {
      event_log ("warning", "/bin/bash is missing: ExecuteBash runs its scripts with /bin/sh");
      warned = true;
    }
  return "/bin/sh";
}

void
action_execute_bash (act_ctx *ctx, const json *inputs, act_result *res)
{
  char **commands;
  size_t n;
  if (!input_list (inputs, "commands", &commands, &n, res))
    return;
  if (n == 0)
    {
      act_fail (res, "ExecuteBash: the input 'commands' is required");
      return;
    }
  strbuf script = STRBUF_INIT;
  strbuf_init (&script);
  for (size_t i = 0; i < n; i++)
    {
      strbuf_adds (&script, commands[i]);
      strbuf_addc (&script, '\n');
    }
  free_list (commands, n);

  char *err = NULL;
  if (!mkdir_p (ctx->a->work_dir, 0700, &err))
    {
      act_fail (res, "ExecuteBash: %s", err);
      free (err);
      strbuf_free (&script);
      return;
    }
  static unsigned counter;
  char *path = xasprintf ("%s/step-%ld-%u.sh", ctx->a->work_dir, (long) getpid (), ++counter);
  if (!write_file_atomic (path, script.data, script.len, 0700, &err))
    {
      act_fail (res, "ExecuteBash: %s", err);
      free (err);
      free (path);
      strbuf_free (&script);
      return;
    }
  strbuf_free (&script);
  char *argv[] = { (char *) pick_shell (), path, NULL };
  run_for_step (ctx, argv, "the commands", res);
  unlink (path);
  free (path);
}

void
action_execute_binary (act_ctx *ctx, const json *inputs, act_result *res)
{
  char *path = input_required (inputs, "path", "ExecuteBinary", res);
  if (!path)
    return;
  char **args;
  size_t n;
  if (!input_list (inputs, "arguments", &args, &n, res))
    {
      free (path);
      return;
    }
  char **argv = xcalloc (n + 2, sizeof *argv);
  argv[0] = path;
  for (size_t i = 0; i < n; i++)
    argv[i + 1] = args[i];
  run_for_step (ctx, argv, path, res);
  free (argv);
  free_list (args, n);
  free (path);
}
