/* proc.c - run a child process with a deadline and streamed output */
#define _GNU_SOURCE
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

volatile sig_atomic_t proc_stop_requested = 0;

#define DRAIN_AFTER_EXIT_MS 2000
#define KILL_GRACE_MS 2000

extern char **environ;

static void
child_setup_and_exec (const proc_spec *spec, int out_w, int err_w, int status_w)
{
  setsid ();
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP)
      signal (s, SIG_DFL);
  int devnull = open ("/dev/null", O_RDONLY);
  if (devnull < 0 || dup2 (devnull, 0) < 0 || dup2 (out_w, 1) < 0 || dup2 (err_w, 2) < 0)
    goto fail;
  if (devnull > 2)
    close (devnull);
  if (spec->cwd && chdir (spec->cwd) < 0)
    goto fail;
  if (spec->envp)
    environ = (char **) spec->envp;
  execvp (spec->argv[0], spec->argv);
fail:;
  int e = errno;
  while (write (status_w, &e, sizeof e) < 0 && errno == EINTR)
    ;
  _exit (127);
}

static void
deliver (const proc_spec *spec, proc_result *r, const char *stream, const char *buf, size_t n)
{
  if (spec->capture_stdout && !strcmp (stream, "stdout"))
    {
      size_t room = spec->capture_max > spec->capture_stdout->len ? spec->capture_max - spec->capture_stdout->len : 0;
      size_t take = n < room ? n : room;
      strbuf_add (spec->capture_stdout, buf, take);
      if (take < n)
        r->capture_truncated = true;
    }
  if (spec->on_output)
    spec->on_output (spec->user, stream, buf, n);
}

bool
proc_run (const proc_spec *spec, proc_result *r)
{
  memset (r, 0, sizeof *r);
  int out_p[2] = { -1, -1 }, err_p[2] = { -1, -1 }, st_p[2] = { -1, -1 };
  if (pipe2 (out_p, O_CLOEXEC) < 0 || pipe2 (err_p, O_CLOEXEC) < 0 || pipe2 (st_p, O_CLOEXEC) < 0)
    {
      r->error = xasprintf ("cannot create pipes: %s", strerror (errno));
      goto fail_fds;
    }
  pid_t pid = fork ();
  if (pid < 0)
    {
      r->error = xasprintf ("cannot fork: %s", strerror (errno));
      goto fail_fds;
    }
  if (pid == 0)
    child_setup_and_exec (spec, out_p[1], err_p[1], st_p[1]);

  close (out_p[1]);
  close (err_p[1]);
  close (st_p[1]);
  /* Did exec work?  The status pipe closes on exec, or carries errno. */
  int child_errno = 0;
  ssize_t n;
  do
    n = read (st_p[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  close (st_p[0]);
  if (n == (ssize_t) sizeof child_errno)
    {
      waitpid (pid, NULL, 0);
      close (out_p[0]);
      close (err_p[0]);
      r->error = xasprintf ("cannot run %s: %s", spec->argv[0], strerror (child_errno));
      return false;
    }
  r->started = true;

  struct pollfd fds[2] = { { .fd = out_p[0], .events = POLLIN }, { .fd = err_p[0], .events = POLLIN } };
  static const char *const names[2] = { "stdout", "stderr" };
  bool reaped = false;
  int status = 0;
  int64_t drain_deadline = 0, kill_at = 0;
  bool term_sent = false, kill_sent = false;
  char buf[16384];
  while (!reaped || fds[0].fd >= 0 || fds[1].fd >= 0)
    {
      int64_t now = mono_ms ();
      bool must_stop = proc_stop_requested || (spec->deadline_ms && now >= spec->deadline_ms);
      if (!reaped && must_stop && !term_sent)
        {
          if (proc_stop_requested)
            r->interrupted = true;
          else
            r->timed_out = true;
          kill (-pid, SIGTERM);
          term_sent = true;
          kill_at = now + KILL_GRACE_MS;
        }
      if (!reaped && term_sent && !kill_sent && now >= kill_at)
        {
          kill (-pid, SIGKILL);
          kill_sent = true;
        }
      if (reaped && !drain_deadline)
        drain_deadline = now + (term_sent ? 200 : DRAIN_AFTER_EXIT_MS);
      if (reaped && now >= drain_deadline)
        break;

      int timeout = 100;
      if (fds[0].fd >= 0 || fds[1].fd >= 0)
        {
          int pr = poll (fds, 2, timeout);
          if (pr < 0 && errno != EINTR)
            break;
          for (int i = 0; i < 2 && pr > 0; i++)
            {
              if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
              ssize_t got = read (fds[i].fd, buf, sizeof buf);
              if (got > 0)
                deliver (spec, r, names[i], buf, (size_t) got);
              else if (got == 0 || (errno != EINTR && errno != EAGAIN))
                {
                  close (fds[i].fd);
                  fds[i].fd = -1;
                }
            }
        }
      else
        sleep_ms (timeout / 2);
      if (!reaped)
        {
          pid_t w = waitpid (pid, &status, WNOHANG);
          if (w == pid)
            reaped = true;
        }
    }
  for (int i = 0; i < 2; i++)
    if (fds[i].fd >= 0)
      close (fds[i].fd);
  if (!reaped)
    waitpid (pid, &status, 0);
  if (term_sent)
    kill (-pid, SIGKILL); /* whatever the child left behind in its group */
  if (WIFEXITED (status))
    {
      r->exited = true;
      r->exit_code = WEXITSTATUS (status);
    }
  else if (WIFSIGNALED (status))
    r->term_signal = WTERMSIG (status);
  return true;

fail_fds:
  for (int i = 0; i < 2; i++)
    {
      if (out_p[i] >= 0)
        close (out_p[i]);
      if (err_p[i] >= 0)
        close (err_p[i]);
      if (st_p[i] >= 0)
        close (st_p[i]);
    }
  return false;
}

void
proc_result_clear (proc_result *r)
{
  free (r->error);
  r->error = NULL;
}

int
proc_status_code (const proc_result *r)
{
  if (r->exited)
    return r->exit_code;
  if (r->term_signal)
    return 128 + r->term_signal;
  return -1;
}
