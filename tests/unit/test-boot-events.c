/* test-boot-events.c - the host's reading of the agent's event lines
 * (src/build/boot-events.c): guest data, so hostile lines are survived.
 * The cases are what fuzz-events found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "build/boot-events.h"

static const KilnBootLimits limits = { .stage_timeout_s = 3600,
                                       .boot_timeout_s = 300,
                                       .step_grace_s = 30,
                                       .shutdown_timeout_s = 60 };

typedef struct {
  char *dir;
  char *log;
  KilnReporter *r;
  KilnBootFollow follow;
  KilnBootResult res;
  gint64 now;
} Fixture;

static int
setup (void **state)
{
  Fixture *fx = g_new0 (Fixture, 1);
  fx->dir = g_dir_make_tmp ("kiln-boot-events-XXXXXX", NULL);
  fx->log = g_build_filename (fx->dir, "build.log", NULL);
  fx->r = kiln_reporter_new (FALSE);
  if (!kiln_reporter_open_log (fx->r, fx->log, NULL))
    return -1;
  fx->now = g_get_monotonic_time ();
  kiln_boot_follow_init (&fx->follow, &limits, fx->now);
  *state = fx;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *fx = *state;
  kiln_boot_follow_clear (&fx->follow);
  kiln_boot_result_clear (&fx->res);
  kiln_reporter_free (fx->r);
  g_unlink (fx->log);
  g_rmdir (fx->dir);
  g_free (fx->log);
  g_free (fx->dir);
  g_free (fx);
  return 0;
}

static gboolean
feed (Fixture *fx, const char *line)
{
  return kiln_boot_follow_line (&fx->follow, line, &limits, fx->r, fx->now,
                                &fx->res);
}

static char *
read_log (Fixture *fx)
{
  char *text = NULL;
  g_file_get_contents (fx->log, &text, NULL, NULL);
  return text;
}

/* A step's timeoutSeconds is whatever the guest says: a huge one (or
 * 1e300) sets a deadline at the end of time, never one in the past by
 * overflow. */
static void
test_huge_step_timeouts_saturate (void **state)
{
  Fixture *fx = *state;
  assert_false (feed (fx, "{\"event\":\"hello\",\"boot\":1}"));
  const char *timeouts[] = { "9223372036854775807", "1e300",
                             "9223372036854775777", "4611686018427387904" };
  for (guint i = 0; i < G_N_ELEMENTS (timeouts); i++)
    {
      g_autofree char *line = g_strdup_printf (
          "{\"event\":\"step-start\",\"document\":\"d\",\"phase\":\"build\","
          "\"step\":\"s\",\"attempt\":1,\"timeoutSeconds\":%s}",
          timeouts[i]);
      assert_false (feed (fx, line));
      assert_int_equal (fx->follow.waiting, KILN_BOOT_WAIT_STEP);
      assert_true (fx->follow.wait_deadline > fx->now);
    }
  assert_false (feed (fx, "{\"event\":\"reboot\",\"reason\":\"Reboot\"}"));
  assert_int_equal (fx->follow.waiting, KILN_BOOT_WAIT_HELLO);
  assert_true (fx->follow.wait_deadline
               == fx->now + limits.boot_timeout_s * G_USEC_PER_SEC);
}

/* A line of a few hundred thousand '[' used to exhaust json-glib's
 * recursion: now it is an unparseable line, logged, and the stream goes
 * on. */
static void
test_deeply_nested_line_is_logged_not_parsed (void **state)
{
  Fixture *fx = *state;
  gsize n = 300000;
  g_autofree char *deep = g_malloc (n + 1);
  memset (deep, '[', n);
  deep[n] = '\0';
  assert_false (feed (fx, deep));
  assert_false (feed (fx, "{\"event\":\"x\",\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[["
                          "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
                          "]]]]]]]]]]]]]]]}"));
  assert_false (feed (fx, "not json"));
  assert_true (feed (fx, "{\"event\":\"done\",\"status\":\"failed\","
                         "\"failureMessage\":\"m\",\"failedStep\":\"s\"}"));
  assert_true (fx->res.finished);
  assert_false (fx->res.success);
  assert_string_equal (fx->res.failed_step, "s");
  g_autofree char *log = read_log (fx);
  assert_non_null (strstr (log, "nested more than 32 levels"));
  assert_non_null (strstr (log, "unparseable line from the guest"));
}

/* With secrets the reporter masks every event in place, replacing its
 * strings: the event's name must be read after that (a build with a secret
 * parameter once missed its `done` this way, reading a freed name). */
static void
test_events_are_followed_when_secrets_are_masked (void **state)
{
  Fixture *fx = *state;
  static const char *const secrets[] = { "hunter2", NULL };
  kiln_reporter_set_secrets (fx->r, secrets);
  assert_false (feed (fx, "{\"event\":\"hello\",\"boot\":1}"));
  assert_false (feed (fx, "{\"event\":\"step-start\",\"document\":\"d\","
                          "\"phase\":\"build\",\"step\":\"hunter2-step\","
                          "\"attempt\":1,\"timeoutSeconds\":60}"));
  assert_string_equal (fx->follow.step_name, "d/build/***-step");
  assert_false (feed (fx, "{\"event\":\"step-end\",\"status\":\"success\"}"));
  assert_int_equal (fx->res.steps_ended, 1);
  assert_true (feed (fx, "{\"event\":\"done\",\"status\":\"success\"}"));
  assert_true (fx->res.finished);
  assert_true (fx->res.success);
  g_autofree char *log = read_log (fx);
  assert_null (strstr (log, "hunter2"));
}

/* A `layer` event leaves its number and document for boot.c to answer;
 * one without a number is logged and ignored. */
static void
test_layer_event_is_pending (void **state)
{
  Fixture *fx = *state;
  assert_false (feed (fx, "{\"event\":\"hello\",\"boot\":1}"));
  assert_false (feed (fx, "{\"event\":\"layer\",\"document\":\"base\"}"));
  assert_int_equal (fx->follow.layer_pending, 0);
  assert_false (feed (fx, "{\"event\":\"layer\",\"document\":\"base\","
                          "\"layer\":2,\"frozen\":[\"/\"],"
                          "\"notFrozen\":[]}"));
  assert_int_equal (fx->follow.layer_pending, 2);
  assert_string_equal (fx->follow.layer_document, "base");
  /* waiting for the host is not a step: no step deadline starts */
  assert_int_equal (fx->follow.waiting, KILN_BOOT_WAIT_AGENT);
  g_autofree char *log = read_log (fx);
  assert_non_null (strstr (log, "without a layer number"));
}

/* A hello says whether the agent waits for the host (and its run), for
 * boot.c to answer; one that does not ask is only new. */
static void
test_hello_that_asks (void **state)
{
  Fixture *fx = *state;
  assert_false (feed (fx, "{\"event\":\"hello\",\"boot\":1,"
                          "\"run\":\"web-1.0.0-3\",\"asks\":true}"));
  assert_true (fx->follow.hello_new);
  assert_true (fx->follow.hello_asks);
  assert_string_equal (fx->follow.hello_run, "web-1.0.0-3");
  fx->follow.hello_new = fx->follow.hello_asks = FALSE;
  /* after a reboot: a hello that does not ask, without a run */
  assert_false (feed (fx, "{\"event\":\"reboot\",\"reason\":\"Reboot\"}"));
  assert_false (feed (fx, "{\"event\":\"hello\",\"boot\":2,"
                          "\"asks\":\"yes\"}"));
  assert_true (fx->follow.hello_new);
  assert_false (fx->follow.hello_asks);
  assert_null (fx->follow.hello_run);
  /* other events are not hellos */
  fx->follow.hello_new = FALSE;
  assert_false (feed (fx, "{\"event\":\"log\",\"level\":\"info\","
                          "\"message\":\"m\",\"asks\":true}"));
  assert_false (fx->follow.hello_new);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_hello_that_asks, setup, teardown),
    cmocka_unit_test_setup_teardown (test_layer_event_is_pending, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_events_are_followed_when_secrets_are_masked,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_huge_step_timeouts_saturate, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (
        test_deeply_nested_line_is_logged_not_parsed, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
