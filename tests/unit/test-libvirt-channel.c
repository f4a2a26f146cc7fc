/* test-libvirt-channel.c - kiln_domain_read_line on a real unix socket
 *
 * The integration tests read a guest's channel; these pin down the edges
 * that a guest makes hard to produce on purpose: lines split across writes,
 * a partial line at EOF, many short lines, the 1 MiB limit, deadlines,
 * cancellation, wait_shutoff keeping the data.  Reads that expect data or
 * the end of the stream have no deadline (a hang is caught by the per-test
 * limit of `make check`); only the tests of the deadline itself set one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <unistd.h>

#include "common/kiln.h"
#include "backends/libvirt-private.h"

typedef struct {
  KilnDomain *dom;
  int writer;
} Pair;

static Pair
pair_new (void)
{
  int sv[2];
  assert_int_equal (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  return (Pair) { kiln_domain_new_for_channel_fd (sv[0], "unit"), sv[1] };
}

static void
put (int fd, const void *data, gsize len)
{
  const char *p = data;
  while (len)
    {
      ssize_t n = write (fd, p, len);
      assert_true (n > 0);
      p += n;
      len -= n;
    }
}

static void
puts_ (int fd, const char *s)
{
  put (fd, s, strlen (s));
}

static gint64
in_ms (int ms)
{
  return g_get_monotonic_time () + ms * 1000;
}

static KilnChannelStatus
next (Pair *p, gint64 deadline, char **line)
{
  g_autoptr (GError) error = NULL;
  KilnChannelStatus st = kiln_domain_read_line (p->dom, deadline, line, NULL, &error);
  if (st == KILN_CHANNEL_ERROR)
    assert_non_null (error);
  return st;
}

static void
expect_line (Pair *p, const char *expected)
{
  g_autofree char *line = NULL;
  assert_int_equal (next (p, -1, &line), KILN_CHANNEL_LINE);
  assert_string_equal (line, expected);
}

static void
test_split_partial_eof (void **state)
{
  Pair p = pair_new ();
  puts_ (p.writer, "a\n\nb");
  expect_line (&p, "a");
  expect_line (&p, "");
  g_autofree char *line = NULL;
  gint64 t0 = g_get_monotonic_time ();
  assert_int_equal (next (&p, in_ms (200), &line), KILN_CHANNEL_TIMEOUT);
  assert_null (line);
  gint64 waited = g_get_monotonic_time () - t0;
  assert_true (waited >= 200 * 1000);
  puts_ (p.writer, "c\ntail");
  expect_line (&p, "bc");
  close (p.writer);
  expect_line (&p, "tail");  /* a partial line at EOF is handed over */
  assert_int_equal (next (&p, -1, &line), KILN_CHANNEL_STOPPED);
  assert_int_equal (next (&p, -1, &line), KILN_CHANNEL_STOPPED);  /* and stays so */
  kiln_domain_destroy (p.dom);
}

typedef struct {
  int fd;
  guint count;
  gsize big;
} WriterJob;

static gpointer
write_many (gpointer data)
{
  WriterJob *job = data;
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < job->count; i++)
    g_string_append_printf (s, "line %u\n", i);
  put (job->fd, s->str, s->len);
  g_string_free (s, TRUE);
  close (job->fd);
  return NULL;
}

/* 200000 short lines arrive whole and in order (the buffer compacts). */
static void
test_many_lines (void **state)
{
  Pair p = pair_new ();
  WriterJob job = { p.writer, 200000, 0 };
  GThread *t = g_thread_new ("writer", write_many, &job);
  for (guint i = 0; i < job.count; i++)
    {
      g_autofree char *expected = g_strdup_printf ("line %u", i);
      expect_line (&p, expected);
    }
  g_autofree char *line = NULL;
  assert_int_equal (next (&p, -1, &line), KILN_CHANNEL_STOPPED);
  g_thread_join (t);
  kiln_domain_destroy (p.dom);
}

static gpointer
write_big (gpointer data)
{
  WriterJob *job = data;
  char *big = g_malloc (job->big + 1);
  memset (big, 'y', job->big);
  big[job->big] = '\n';
  put (job->fd, big, job->big + 1);
  g_free (big);
  puts_ (job->fd, "after\n");
  close (job->fd);
  return NULL;
}

static void
test_line_limit (void **state)
{
  /* Exactly at the limit: fine. */
  Pair p = pair_new ();
  WriterJob job = { p.writer, 0, KILN_CHANNEL_MAX_LINE };
  GThread *t = g_thread_new ("writer", write_big, &job);
  g_autofree char *line = NULL;
  assert_int_equal (next (&p, -1, &line), KILN_CHANNEL_LINE);
  assert_int_equal (strlen (line), KILN_CHANNEL_MAX_LINE);
  expect_line (&p, "after");
  g_thread_join (t);
  kiln_domain_destroy (p.dom);

  /* Over it: one error, the rest of that line skipped, the next one whole. */
  p = pair_new ();
  job = (WriterJob) { p.writer, 0, 3 * KILN_CHANNEL_MAX_LINE + 12345 };
  t = g_thread_new ("writer", write_big, &job);
  g_autoptr (GError) error = NULL;
  g_clear_pointer (&line, g_free);
  assert_int_equal (kiln_domain_read_line (p.dom, -1, &line, NULL, &error),
                    KILN_CHANNEL_ERROR);
  assert_null (line);
  assert_non_null (strstr (error->message, "longer than"));
  expect_line (&p, "after");
  assert_int_equal (next (&p, -1, &line), KILN_CHANNEL_STOPPED);
  g_thread_join (t);
  kiln_domain_destroy (p.dom);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (100 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_read_line_ends_on_cancellation (void **state)
{
  Pair p = pair_new ();
  g_autoptr (GCancellable) c = g_cancellable_new ();
  GThread *t = g_thread_new ("cancel", cancel_later, c);
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  /* no deadline: only the cancellation can end this read */
  assert_int_equal (kiln_domain_read_line (p.dom, -1, &line, c, &error), KILN_CHANNEL_ERROR);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_thread_join (t);
  close (p.writer);
  kiln_domain_destroy (p.dom);
}

/* wait_shutoff drains the channel while it waits; the lines stay. */
static void
test_wait_keeps_lines (void **state)
{
  Pair p = pair_new ();
  WriterJob job = { p.writer, 50000, 0 };
  GThread *t = g_thread_new ("writer", write_many, &job);
  g_autoptr (GError) error = NULL;
  assert_true (kiln_domain_wait_shutoff (p.dom, -1, &error));
  g_thread_join (t);
  for (guint i = 0; i < job.count; i++)
    {
      g_autofree char *expected = g_strdup_printf ("line %u", i);
      expect_line (&p, expected);
    }
  g_autofree char *line = NULL;
  assert_int_equal (next (&p, -1, &line), KILN_CHANNEL_STOPPED);
  kiln_domain_destroy (p.dom);

  /* And it times out on a channel that stays open. */
  p = pair_new ();
  g_clear_error (&error);
  assert_false (kiln_domain_wait_shutoff (p.dom, in_ms (200), &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_TIMEOUT));
  close (p.writer);
  kiln_domain_destroy (p.dom);
}

/* kiln's answer to a `layer` event goes back on the same channel, one
 * line; the guest's lines are still read as before. */
static void
test_write_line (void **state)
{
  (void) state;
  Pair p = pair_new ();
  g_autoptr (GError) error = NULL;
  assert_true (kiln_domain_write_line (p.dom, "{\"command\":\"thaw\"}",
                                       &error));
  char buf[64] = { 0 };
  gsize got = 0;
  while (got < strlen ("{\"command\":\"thaw\"}\n"))
    {
      ssize_t n = read (p.writer, buf + got, sizeof buf - 1 - got);
      assert_true (n > 0);
      got += (gsize) n;
    }
  assert_string_equal (buf, "{\"command\":\"thaw\"}\n");
  puts_ (p.writer, "{\"event\":\"log\"}\n");
  expect_line (&p, "{\"event\":\"log\"}");
  /* the guest gone: an error, not a SIGPIPE */
  close (p.writer);
  assert_false (kiln_domain_write_line (p.dom, "x", &error));
  assert_non_null (error);
  kiln_domain_destroy (p.dom);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_write_line),
    cmocka_unit_test (test_split_partial_eof),
    cmocka_unit_test (test_many_lines),
    cmocka_unit_test (test_line_limit),
    cmocka_unit_test (test_read_line_ends_on_cancellation),
    cmocka_unit_test (test_wait_keeps_lines),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
