/* test-s3-transfers.c - the host's side of S3Upload's events
 *
 * The events are guest data: a name that could climb out of a prefix, a
 * transfer that is not in the plan, a piece out of order are refused; a
 * file sent again (a retried step) starts over; keys follow AWSTOE's rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>

#include "build/s3-transfers.h"
#include "common/kiln.h"

typedef struct {
  KilnS3Transfers *t;
  char *dir;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->dir = g_dir_make_tmp ("kiln-test-s3-XXXXXX", NULL);
  f->t = kiln_s3_transfers_new ();
  f->t->upload_dir = g_strdup (f->dir);
  /* transfer 1: a prefix; transfer 2: one key */
  const char *inputs = "[{\"source\": \"/var/log/*\", "
                       "\"destination\": \"s3://b/logs\"},"
                       " {\"source\": \"/etc/motd\", "
                       "\"destination\": \"s3://b/one/motd.txt\"}]";
  g_autoptr (JsonNode) n = json_from_string (inputs, NULL);
  g_autoptr (GError) error = NULL;
  assert_true (kiln_s3_transfers_add_step (f->t, TRUE, n, "here", &error));
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  g_autoptr (GDir) d = g_dir_open (f->dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (f->dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  kiln_s3_transfers_free (f->t);
  g_free (f);
  return 0;
}

static void
receive (Fixture *f, const char *transfer, const char *name, gint64 offset,
         const char *data, gboolean single, gboolean end)
{
  g_autofree char *b64 = g_base64_encode ((const guchar *) data,
                                          strlen (data));
  g_autofree char *line = g_strdup_printf (
      "{\"event\": \"upload\", \"transfer\": \"%s\", \"name\": \"%s\", "
      "\"single\": %s, \"offset\": %" G_GINT64_FORMAT ", \"data\": \"%s\", "
      "\"end\": %s}", transfer, name, single ? "true" : "false", offset, b64,
      end ? "true" : "false");
  g_autoptr (JsonNode) n = json_from_string (line, NULL);
  assert_non_null (n);
  kiln_s3_transfers_receive (f->t, json_node_get_object (n));
}

static char *
contents (const KilnS3File *file)
{
  char *text = NULL;
  assert_true (g_file_get_contents (file->host_path, &text, NULL, NULL));
  return text;
}

static void
test_pieces_make_files_and_keys (void **state)
{
  Fixture *f = *state;
  receive (f, "1", "syslog", 0, "hello ", FALSE, FALSE);
  receive (f, "1", "syslog", 6, "world", FALSE, TRUE);
  receive (f, "1", "apt/history.log", 0, "x", FALSE, TRUE);
  receive (f, "2", "motd", 0, "welcome", TRUE, TRUE);
  assert_null (f->t->error);
  const KilnS3Transfer *logs = f->t->items->pdata[0];
  const KilnS3Transfer *one = f->t->items->pdata[1];
  assert_int_equal (logs->files->len, 2);
  const KilnS3File *syslog = logs->files->pdata[0];
  assert_true (syslog->complete);
  assert_int_equal (syslog->size, 11);
  g_autofree char *text = contents (syslog);
  assert_string_equal (text, "hello world");
  /* the host's file name is its own, not the guest's */
  assert_null (strstr (syslog->host_path, "syslog"));
  g_autofree char *k1 = kiln_s3_upload_key (logs, syslog);
  assert_string_equal (k1, "logs/syslog");
  g_autofree char *k2 = kiln_s3_upload_key (logs, logs->files->pdata[1]);
  assert_string_equal (k2, "logs/apt/history.log");
  g_autofree char *k3 = kiln_s3_upload_key (one, one->files->pdata[0]);
  assert_string_equal (k3, "one/motd.txt");
  assert_int_equal (f->t->received, 19);
}

static void
test_a_file_sent_again_starts_over (void **state)
{
  Fixture *f = *state;
  receive (f, "1", "syslog", 0, "first try, longer", FALSE, TRUE);
  receive (f, "1", "syslog", 0, "again", FALSE, TRUE);
  assert_null (f->t->error);
  const KilnS3Transfer *logs = f->t->items->pdata[0];
  assert_int_equal (logs->files->len, 1);
  g_autofree char *text = contents (logs->files->pdata[0]);
  assert_string_equal (text, "again");
  assert_int_equal (f->t->received, 5);
}

static void
test_bad_names_are_refused (void **state)
{
  Fixture *f = *state;
  const char *bad[] = { "../escape", "a/../../b", "/etc/passwd", "a//b",
                        "./a", "a/.", "", "tab\there" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_false (kiln_s3_name_is_safe (bad[i]));
  assert_true (kiln_s3_name_is_safe ("sub/dir/f.txt"));
  assert_true (kiln_s3_name_is_safe ("r\xc3\xa9sum\xc3\xa9 2.txt"));
  receive (f, "1", "../escape", 0, "x", FALSE, TRUE);
  assert_non_null (f->t->error);
  assert_non_null (strstr (f->t->error, "bad name"));
  assert_int_equal (((KilnS3Transfer *) f->t->items->pdata[0])->files->len, 0);
}

static void
test_unknown_transfer_and_order (void **state)
{
  Fixture *f = *state;
  receive (f, "99", "x", 0, "x", FALSE, TRUE);
  assert_non_null (f->t->error);
  assert_non_null (strstr (f->t->error, "transfer 99"));
  g_clear_pointer (&f->t->error, g_free);
  receive (f, "1", "late", 5, "x", FALSE, TRUE);
  assert_non_null (strstr (f->t->error, "starts at offset 5"));
  g_clear_pointer (&f->t->error, g_free);
  receive (f, "1", "gap", 0, "abc", FALSE, FALSE);
  receive (f, "1", "gap", 7, "def", FALSE, TRUE);
  assert_non_null (strstr (f->t->error, "out of order"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_pieces_make_files_and_keys, setup, teardown),
    cmocka_unit_test_setup_teardown (test_a_file_sent_again_starts_over, setup, teardown),
    cmocka_unit_test_setup_teardown (test_bad_names_are_refused, setup, teardown),
    cmocka_unit_test_setup_teardown (test_unknown_transfer_and_order, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
