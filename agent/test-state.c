/* test-state.c - state.json round trips, and running children with
 * deadlines (proc.c) */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fsutil.h"
#include "proc.h"
#include "state.h"
#include "util.h"

static void
test_state_roundtrip (void **unused)
{
  state st;
  state_init (&st, "run-7");
  st.boot = 3;
  st.failed = true;
  str_set (&st.fail_msg, "boom \xc3\xa9");
  str_set (&st.fail_doc, "doc");
  frame *f = &st.frames[0];
  f->doc = 1;
  f->phase = 2;
  f->step = 4;
  f->phase_started = true;
  f->step_active = true;
  f->attempt = 2;
  frame_clear_attempt (f);
  f->iteration = 5;
  f->decision = xstrdup ("execute");
  f->decision_truth = true;
  f->step_start_ms = 1714564800123LL;
  json_set_str (f->outputs, "stdout", "a\nb");
  json_append (f->failed_iterations, json_new_number (1));
  f->first_error = xstrdup ("exit 3");
  f->has_exit_code = true;
  f->exit_code = 194;
  f->last_inputs = json_new_object ();
  f->reboot = xstrdup ("child");
  f->reboots = 1;
  f->executed = 9;
  json *rec = json_new_object ();
  json_set (rec, "outputs", json_new_object ());
  json *steps = json_new_object ();
  json_set (steps, "S", rec);
  json_set (f->chain, "build", steps);
  st.nframes = 2;
  frame_init (&st.frames[1]);
  st.frames[1].step = 1;

  char dir[] = "/tmp/kiln-agent-state-XXXXXX";
  assert_non_null (mkdtemp (dir));
  char *path = path_join (dir, "state.json");
  char *err = NULL;
  state back;
  assert_false (state_load (path, &back, &err)); /* no file yet: not an error */
  assert_null (err);
  assert_true (state_save (path, &st, &err));
  assert_true (state_load (path, &back, &err));
  json *a = state_to_json (&st), *b = state_to_json (&back);
  assert_true (json_equal (a, b));
  assert_int_equal (back.nframes, 2);
  assert_int_equal (back.frames[0].exit_code, 194);
  assert_string_equal (back.frames[0].reboot, "child");
  assert_string_equal (back.fail_msg, "boom \xc3\xa9");
  json_free (a);
  json_free (b);
  state_free (&back);

  /* A damaged or foreign file is refused with a message. */
  assert_true (write_file_atomic (path, "{\"version\":1}", 13, 0600, NULL));
  assert_false (state_load (path, &back, &err));
  assert_non_null (strstr (err, "expected shape"));
  free (err);
  err = NULL;
  assert_true (write_file_atomic (path, "{\"version\":", 11, 0600, NULL));
  assert_false (state_load (path, &back, &err));
  assert_non_null (err);
  free (err);
  char *tmp = xasprintf ("%s.tmp", path);
  assert_false (path_exists (tmp)); /* atomic writes leave no temp file */
  free (tmp);
  unlink (path);
  rmdir (dir);
  free (path);
  state_free (&st);
}

typedef struct
{
  strbuf out, err;
} collected;

static void
collect (void *user, const char *stream, const char *data, size_t len)
{
  collected *c = user;
  strbuf_add (strcmp (stream, "stdout") ? &c->err : &c->out, data, len);
}

/* Alive = exists and is not a zombie (a killed orphan may wait a moment
 * for its new parent to reap it). */
static bool
process_alive (pid_t pid)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  char *stat = read_file (path, 4096, NULL, NULL);
  if (!stat)
    return false;
  const char *paren = strrchr (stat, ')');
  bool alive = paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
  free (stat);
  return alive;
}

static void
test_proc_output_and_status (void **unused)
{
  collected c = { STRBUF_INIT, STRBUF_INIT };
  strbuf_init (&c.out);
  strbuf_init (&c.err);
  strbuf cap = STRBUF_INIT;
  strbuf_init (&cap);
  char *argv[] = { "sh", "-c", "echo out; echo err >&2; read x; echo \"stdin:$x\"; exit 3", NULL };
  proc_spec spec = { .argv = argv, .on_output = collect, .user = &c, .capture_stdout = &cap, .capture_max = 1 << 20 };
  proc_result r;
  assert_true (proc_run (&spec, &r));
  assert_true (r.started && r.exited);
  assert_int_equal (r.exit_code, 3);
  assert_int_equal (proc_status_code (&r), 3);
  assert_string_equal (c.out.data, "out\nstdin:\n"); /* stdin is /dev/null */
  assert_string_equal (c.err.data, "err\n");
  assert_string_equal (cap.data, "out\nstdin:\n");
  proc_result_clear (&r);

  /* Capture is bounded. */
  strbuf_reset (&cap);
  char *argv2[] = { "sh", "-c", "printf 0123456789", NULL };
  proc_spec spec2 = { .argv = argv2, .capture_stdout = &cap, .capture_max = 4 };
  assert_true (proc_run (&spec2, &r));
  assert_string_equal (cap.data, "0123");
  assert_true (r.capture_truncated);
  proc_result_clear (&r);

  /* A child killed by a signal. */
  char *argv3[] = { "sh", "-c", "kill -9 $$", NULL };
  proc_spec spec3 = { .argv = argv3 };
  assert_true (proc_run (&spec3, &r));
  assert_false (r.exited);
  assert_int_equal (r.term_signal, 9);
  assert_int_equal (proc_status_code (&r), 137);
  proc_result_clear (&r);

  /* A program that does not exist. */
  char *argv4[] = { "kiln-no-such-program-xyz", NULL };
  proc_spec spec4 = { .argv = argv4 };
  assert_false (proc_run (&spec4, &r));
  assert_non_null (strstr (r.error, "cannot run kiln-no-such-program-xyz: No such file"));
  proc_result_clear (&r);
  strbuf_free (&c.out);
  strbuf_free (&c.err);
  strbuf_free (&cap);
}

static void
test_proc_timeout_kills_group (void **unused)
{
  /* The child starts a grandchild; on timeout both must go. */
  char pidfile[] = "/tmp/kiln-agent-proc-XXXXXX";
  int fd = mkstemp (pidfile);
  assert_true (fd >= 0);
  close (fd);
  char *script = xasprintf ("sleep 600 & echo $! > %s; sleep 600", pidfile);
  char *argv[] = { "sh", "-c", script, NULL };
  int64_t t0 = mono_ms ();
  proc_spec spec = { .argv = argv, .deadline_ms = t0 + 1000 };
  proc_result r;
  assert_true (proc_run (&spec, &r));
  int64_t took = mono_ms () - t0;
  assert_true (r.timed_out);
  assert_false (r.exited && r.exit_code == 0);
  assert_true (took >= 1000);
  char *text = read_file (pidfile, 64, NULL, NULL);
  assert_non_null (text);
  pid_t grandchild = (pid_t) atoi (text);
  assert_true (grandchild > 1);
  /* The grandchild was in the child's process group: all gone. */
  sleep_ms (100);
  assert_false (process_alive (grandchild));
  free (text);
  free (script);
  unlink (pidfile);
  proc_result_clear (&r);

  /* A child that ignores SIGTERM is killed 2 s later. */
  char *argv2[] = { "sh", "-c", "trap '' TERM; while :; do sleep 1; done", NULL };
  t0 = mono_ms ();
  proc_spec spec2 = { .argv = argv2, .deadline_ms = t0 + 500 };
  assert_true (proc_run (&spec2, &r));
  took = mono_ms () - t0;
  assert_true (r.timed_out);
  assert_true (took >= 2400);
  proc_result_clear (&r);
}

static void
test_proc_daemon_does_not_hang (void **unused)
{
  /* A background process keeps stdout open after the child exits: the
   * run ends 2 s later, and the background process is left alone (still
   * running when the run ends: the run did not wait for it). */
  char pidfile[] = "/tmp/kiln-agent-proc-XXXXXX";
  int fd = mkstemp (pidfile);
  assert_true (fd >= 0);
  close (fd);
  char *script = xasprintf ("sleep 600 & echo $! > %s; echo started", pidfile);
  char *argv[] = { "sh", "-c", script, NULL };
  strbuf cap = STRBUF_INIT;
  strbuf_init (&cap);
  proc_spec spec = { .argv = argv, .capture_stdout = &cap, .capture_max = 1024 };
  proc_result r;
  assert_true (proc_run (&spec, &r));
  assert_true (r.exited && r.exit_code == 0);
  assert_string_equal (cap.data, "started\n");
  char *text = read_file (pidfile, 64, NULL, NULL);
  pid_t bg = (pid_t) atoi (text);
  assert_true (bg > 1 && process_alive (bg));
  kill (bg, SIGKILL);
  free (text);
  free (script);
  unlink (pidfile);
  strbuf_free (&cap);
  proc_result_clear (&r);
}

static void
test_proc_stop_request (void **unused)
{
  char *argv[] = { "sleep", "600", NULL };
  proc_spec spec = { .argv = argv };
  proc_result r;
  proc_stop_requested = 1;
  assert_true (proc_run (&spec, &r));  /* sleeps 600 s unless stopped */
  proc_stop_requested = 0;
  assert_true (r.interrupted);
  proc_result_clear (&r);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_state_roundtrip),
    cmocka_unit_test (test_proc_output_and_status),
    cmocka_unit_test (test_proc_timeout_kills_group),
    cmocka_unit_test (test_proc_daemon_does_not_hang),
    cmocka_unit_test (test_proc_stop_request),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
