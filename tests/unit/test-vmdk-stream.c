/* test-vmdk-stream.c - kiln's streamOptimized VMDK writer, read back by an
 * independent reader (the real qemu-img: compare, check, info) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "config.h"
#include "outputs/formats.h"
#include "outputs/vmdk-stream.h"

#define MIB (1024 * 1024)
/* More than two grain tables (32 MiB each), not a whole grain (64 KiB). */
#define SRC_SIZE (70 * MIB + 3 * 512)

typedef struct {
  char *dir;
  char *src;
  char *dst;
} Fixture;

static void
write_at (int fd, guint64 off, const guint8 *buf, gsize len)
{
  assert_int_equal (pwrite (fd, buf, len, (off_t) off), (ssize_t) len);
}

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->dir = g_dir_make_tmp ("kiln-vmdk-stream-XXXXXX", NULL);
  assert_non_null (f->dir);
  f->src = g_build_filename (f->dir, "disk.raw", NULL);
  f->dst = g_build_filename (f->dir, "disk.vmdk", NULL);
  int fd = g_open (f->src, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true (fd >= 0);
  assert_int_equal (ftruncate (fd, SRC_SIZE), 0);   /* holes */
  g_autoptr (GRand) rand = g_rand_new_with_seed (12);
  g_autofree guint8 *buf = g_malloc (3 * MIB);
  for (gsize i = 0; i < 3 * MIB; i++)
    buf[i] = (guint8) g_rand_int (rand);
  g_autofree guint8 *zeros = g_malloc0 (MIB);
  /* random data in the first table, across the first table boundary, a
   * written zero region (stored as nothing), text that compresses well,
   * and a partial last grain at the very end */
  write_at (fd, 100, buf, MIB);
  write_at (fd, 32 * MIB - 5000, buf + MIB, 2 * MIB);
  write_at (fd, 40 * MIB, zeros, MIB);
  for (int k = 0; k < 2000; k++)
    {
      g_autofree char *line = g_strdup_printf ("line %d of a text file\n", k);
      write_at (fd, 50 * MIB + (guint64) k * 64, (const guint8 *) line,
                strlen (line));
    }
  write_at (fd, SRC_SIZE - 700, buf, 700);
  close (fd);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  g_unlink (f->src);
  g_unlink (f->dst);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->src);
  g_free (f->dst);
  g_free (f);
  return 0;
}

/* Runs qemu-img; returns its exit status, stdout in *out. */
static int
qemu_img (char **out, const char *a1, const char *a2, const char *a3,
          const char *a4, const char *a5, const char *a6)
{
  const char *argv[] = { QEMU_IMG, a1, a2, a3, a4, a5, a6, NULL };
  g_autofree char *err = NULL;
  int status = -1;
  g_autoptr (GError) error = NULL;
  assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL,
                             NULL, out, &err, &status, &error));
  if (status != 0)
    fprintf (stderr, "qemu-img %s: %s\n", a1, err);
  return status;
}

static void
test_reads_back_identical (void **state)
{
  Fixture *f = *state;
  KilnVmdkStreamSpec spec = { .src = f->src, .dst = f->dst,
                              .adapter_type = "lsilogic", .hw_version = "14",
                              .threads = 3 };
  g_autoptr (GError) error = NULL;
  assert_true (kiln_vmdk_stream_write (&spec, NULL, NULL, NULL, &error));
  assert_null (error);

  g_autofree char *o2 = NULL, *o3 = NULL;
  assert_int_equal (qemu_img (&o2, "check", "-f", "vmdk", f->dst, NULL,
                              NULL), 0);
  const char *argv[] = { QEMU_IMG, "compare", "-f", "raw", "-F", "vmdk",
                         f->src, f->dst, NULL };
  int status = -1;
  g_autofree char *cmp_out = NULL, *cmp_err = NULL;
  assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT,
                             NULL, NULL, &cmp_out, &cmp_err, &status, NULL));
  if (status != 0)
    fprintf (stderr, "compare: %s%s\n", cmp_out, cmp_err);
  assert_int_equal (status, 0);

  assert_int_equal (qemu_img (&o3, "info", "--output=json", "-f", "vmdk",
                              f->dst, NULL), 0);
  g_autoptr (JsonParser) p = json_parser_new ();
  assert_true (json_parser_load_from_data (p, o3, -1, NULL));
  JsonObject *info = json_node_get_object (json_parser_get_root (p));
  assert_string_equal (json_object_get_string_member (info, "format"), "vmdk");
  /* the whole last sector counts */
  assert_int_equal (json_object_get_int_member (info, "virtual-size"),
                    SRC_SIZE);
  JsonObject *spec_data = json_object_get_object_member (
      json_object_get_object_member (info, "format-specific"), "data");
  assert_string_equal (json_object_get_string_member (spec_data,
                                                      "create-type"),
                       "streamOptimized");
  JsonArray *extents = json_object_get_array_member (spec_data, "extents");
  JsonObject *e0 = json_array_get_object_element (extents, 0);
  assert_true (json_object_get_boolean_member (e0, "compressed"));
  assert_int_equal (json_object_get_int_member (e0, "cluster-size"), 65536);

  /* kiln's own header reader: version 3, descriptor keys */
  guint8 head[64 * 1024];
  FILE *fp = fopen (f->dst, "rb");
  assert_non_null (fp);
  gsize n = fread (head, 1, sizeof head, fp);
  fclose (fp);
  KilnVmdkHeader h = { 0 };
  assert_true (kiln_vmdk_header_parse (head, n, &h));
  assert_int_equal (h.version, 3);
  assert_int_equal (h.compress_algorithm, 1);
  assert_string_equal (h.create_type, "streamOptimized");
  assert_string_equal (h.adapter_type, "lsilogic");
  assert_string_equal (h.hw_version, "14");
  kiln_vmdk_header_clear (&h);

  /* holes and zeros are not stored: the data is ~3 MiB of 70 */
  guint64 populated = 0;
  assert_true (kiln_vmdk_stream_populated_bytes (f->dst, &populated, &error));
  assert_true (populated >= 3 * MIB && populated <= 4 * MIB);
  g_autofree char *part = g_strconcat (f->dst, ".part", NULL);
  assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
}

static void
test_cancelled_leaves_nothing (void **state)
{
  Fixture *f = *state;
  g_autoptr (GCancellable) c = g_cancellable_new ();
  g_cancellable_cancel (c);
  KilnVmdkStreamSpec spec = { .src = f->src, .dst = f->dst };
  g_autoptr (GError) error = NULL;
  assert_false (kiln_vmdk_stream_write (&spec, NULL, NULL, c, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_autofree char *part = g_strconcat (f->dst, ".part", NULL);
  assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  assert_false (g_file_test (f->dst, G_FILE_TEST_EXISTS));
}

static void
test_bad_source_names_it (void **state)
{
  Fixture *f = *state;
  g_autofree char *nope = g_build_filename (f->dir, "nope.raw", NULL);
  KilnVmdkStreamSpec spec = { .src = nope, .dst = f->dst };
  g_autoptr (GError) error = NULL;
  assert_false (kiln_vmdk_stream_write (&spec, NULL, NULL, NULL, &error));
  assert_non_null (strstr (error->message, "nope.raw"));
  assert_false (g_file_test (f->dst, G_FILE_TEST_EXISTS));

  /* an empty file is no disk (qemu-img would not open the result) */
  g_autofree char *empty = g_build_filename (f->dir, "empty.raw", NULL);
  assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_clear_error (&error);
  spec.src = empty;
  assert_false (kiln_vmdk_stream_write (&spec, NULL, NULL, NULL, &error));
  assert_non_null (strstr (error->message, "empty"));
  assert_false (g_file_test (f->dst, G_FILE_TEST_EXISTS));
  g_unlink (empty);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_reads_back_identical, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_cancelled_leaves_nothing, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_bad_source_names_it, setup,
                                     teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
