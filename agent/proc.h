/* proc.h - run a child process with a deadline and streamed output
 *
 * The child gets stdin from /dev/null, its own session and process group
 * (so a timeout kills everything it started), default signal dispositions.
 * Output arrives through a callback as it is produced.  When the child
 * exits but something it left behind still holds its stdout/stderr (a
 * daemon started with &), reading stops 2 s later instead of waiting for it.
 * On timeout the group gets SIGTERM, then SIGKILL 2 s later, and whatever
 * is left of the group is killed once the child is gone.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* Set from a signal handler when the agent itself must stop (SIGTERM):
 * running children are killed and proc_run returns with interrupted. */
extern volatile sig_atomic_t proc_stop_requested;

typedef void (*proc_output_fn) (void *user, const char *stream, const char *data, size_t len);

typedef struct
{
  char *const *argv;          /* argv[0] is looked up in PATH when bare */
  char *const *envp;          /* NULL: the agent's environment */
  const char *cwd;            /* NULL: the agent's cwd */
  int64_t deadline_ms;        /* mono_ms() deadline, 0 for none */
  proc_output_fn on_output;   /* may be NULL */
  void *user;
  strbuf *capture_stdout;     /* may be NULL */
  size_t capture_max;         /* bytes kept in capture_stdout */
} proc_spec;

typedef struct
{
  bool started;               /* exec succeeded */
  bool exited;                /* exited normally: exit_code valid */
  int exit_code;
  int term_signal;            /* killed by this signal, 0 otherwise */
  bool timed_out;
  bool interrupted;           /* proc_stop_requested */
  bool capture_truncated;
  char *error;                /* why it could not start (free it) */
} proc_result;

/* Runs the child to completion.  Returns false only when it could not be
 * started (result->error says why). */
bool proc_run (const proc_spec *spec, proc_result *result);
void proc_result_clear (proc_result *r);
/* A status code for events: the exit code, 128+signal, or -1. */
int proc_status_code (const proc_result *r);
