/* test-events.c - the agent's sinks while filesystems are frozen (layer.c):
 * log lines are held in memory and written after, events still go out */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "events.h"
#include "fsutil.h"
#include "util.h"

static char *
slurp (const char *path)
{
  FILE *f = fopen (path, "r");
  assert_non_null (f);
  static char buf[65536];
  size_t n = fread (buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose (f);
  return buf;
}

static void
test_hold_local (void **unused)
{
  (void) unused;
  char dir[] = "/tmp/kiln-agent-events-XXXXXX";
  assert_non_null (mkdtemp (dir));
  char *log = xasprintf ("%s/log", dir);
  char *events = xasprintf ("%s/events", dir);
  events_config cfg = { .events_path = events, .log_path = log };
  char *err = NULL;
  assert_true (events_init (&cfg, &err));

  event_log ("info", "before the freeze");
  events_hold_local (true);
  event_log ("info", "while frozen");
  /* the host hears it at once; the log file does not get it yet */
  assert_non_null (strstr (slurp (events), "while frozen"));
  assert_null (strstr (slurp (log), "while frozen"));
  assert_non_null (strstr (slurp (log), "before the freeze"));
  /* no port: no host line comes, and the wait is not a hang */
  assert_null (events_read_host_line (50));
  events_hold_local (false);
  const char *text = slurp (log);
  const char *before = strstr (text, "before the freeze");
  const char *during = strstr (text, "while frozen");
  assert_non_null (during);
  assert_true (before < during);
  event_log ("info", "after the thaw");
  assert_non_null (strstr (slurp (log), "after the thaw"));
  /* holding twice, releasing twice: nothing lost, nothing doubled */
  events_hold_local (true);
  events_hold_local (true);
  event_log ("info", "held twice");
  events_hold_local (false);
  events_hold_local (false);
  text = slurp (log);
  const char *once = strstr (text, "held twice");
  assert_non_null (once);
  assert_null (strstr (once + 1, "held twice"));

  events_shutdown (0);
  unlink (log);
  unlink (events);
  rmdir (dir);
  free (log);
  free (events);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_hold_local),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
