/* fuzz-events.c - libFuzzer target for the host's reading of agent events
 * (src/build/boot-events.c, and the reporter it hands each event to).
 *
 * Input: what a guest writes to the agent channel, one event per line.
 * Each line goes through kiln_boot_follow_line as boot.c hands it over
 * (the channel reader has cut it at '\n' and at 1 MiB), with a reporter
 * writing --json events and a build log, until an event says `done`.
 * Then the step's output tail is taken as the failure report takes it.
 * The deadlines a line sets must stay in the future.  Must never crash,
 * leak, hang or use unbounded memory.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/reporter.h"
#include "build/boot-events.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  /* --json events go to stdout: keep them out of the fuzzer's output */
  if (!freopen ("/dev/null", "w", stdout))
    abort ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const KilnBootLimits limits = { .stage_timeout_s = 3600,
                                  .boot_timeout_s = 300,
                                  .step_grace_s = 30,
                                  .shutdown_timeout_s = 60 };
  g_autoptr (KilnReporter) r = kiln_reporter_new (TRUE);
  if (!kiln_reporter_open_log (r, "/dev/null", NULL))
    abort ();
  kiln_reporter_stage (r, "build boot");

  gint64 now = g_get_monotonic_time ();
  g_auto (KilnBootFollow) follow = { 0 };
  KilnBootResult res = { 0 };
  kiln_boot_follow_init (&follow, &limits, now);

  const char *p = (const char *) data, *end = p + size;
  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *stop = nl ? nl : end;
      g_autofree char *line = g_strndup (p, stop - p);
      p = nl ? nl + 1 : end;
      gboolean done = kiln_boot_follow_line (&follow, line, &limits, r, now,
                                             &res);
      if (follow.waiting != KILN_BOOT_WAIT_AGENT
          && follow.wait_deadline <= now)
        {
          fprintf (stderr, "fuzz-events: a deadline in the past after %s\n",
                   line);
          abort ();
        }
      if (done)
        break;
    }
  g_free (kiln_reporter_step_tail (r, 15));
  kiln_boot_result_clear (&res);
  return 0;
}
