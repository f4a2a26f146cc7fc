/* test-signals.c - a signal cancels the job and calls the registered stops
 * (src/base/signals.c), with a real SIGTERM raised in this process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <cmocka.h>

#include <gio/gio.h>

#include "base/signals.h"

static void
count_call (gpointer counter)
{
  g_atomic_int_inc ((gint *) counter);
}

/* No time limit: the per-test timeout catches a signal that never comes. */
static void
wait_for (volatile gint *counter)
{
  while (g_atomic_int_get (counter) == 0)
    g_usleep (1000);
}

static void
test_signal_cancels_and_calls_only_registered_stops (void **state)
{
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  KilnSignalWatch *watch = kiln_signal_watch_new (cancel);
  gint registered = 0, removed = 0;
  guint a = kiln_signal_stop_add (count_call, &registered);
  guint b = kiln_signal_stop_add (count_call, &removed);
  assert_true (a != 0 && b != 0 && a != b);
  kiln_signal_stop_remove (b);
  assert_int_equal (kiln_signal_watch_fired (watch), 0);

  raise (SIGTERM);
  wait_for (&registered);
  /* the cancellable was cancelled before the stops ran */
  assert_true (g_cancellable_is_cancelled (cancel));
  assert_int_equal (kiln_signal_watch_fired (watch), SIGTERM);
  assert_int_equal (g_atomic_int_get (&registered), 1);
  assert_int_equal (g_atomic_int_get (&removed), 0);

  kiln_signal_stop_remove (a);
  kiln_signal_stop_remove (0); /* ignored */
  kiln_signal_watch_free (watch);
}

/* After its owner removed it, a stop is not called by a later signal. */
static void
test_removed_stop_is_not_called_by_a_later_signal (void **state)
{
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  KilnSignalWatch *watch = kiln_signal_watch_new (cancel);
  gint gone = 0, witness = 0;
  guint a = kiln_signal_stop_add (count_call, &gone);
  kiln_signal_stop_remove (a);
  guint w = kiln_signal_stop_add (count_call, &witness);
  raise (SIGINT);
  wait_for (&witness);
  assert_int_equal (kiln_signal_watch_fired (watch), SIGINT);
  assert_int_equal (g_atomic_int_get (&gone), 0);
  kiln_signal_stop_remove (w);
  kiln_signal_watch_free (watch);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_signal_cancels_and_calls_only_registered_stops),
    cmocka_unit_test (test_removed_stop_is_not_called_by_a_later_signal),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
