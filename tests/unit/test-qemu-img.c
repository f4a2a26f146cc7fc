/* test-qemu-img.c - the qemu-img backend against the real qemu-img */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "common/kiln.h"
#include "backends/qemu-img.h"

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* A raw image of `size` bytes whose first `data` bytes are a pattern that
 * depends on `seed` (the rest is a hole). */
static char *
make_raw (const char *name, gsize size, gsize data, guint32 seed)
{
  char *path = tmp_path (name);
  g_autofree guint8 *buf = g_malloc (data);
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  for (gsize i = 0; i < data; i += 4)
    {
      guint32 v = g_rand_int (rand);
      memcpy (buf + i, &v, MIN (4, data - i));
    }
  g_assert_true (g_file_set_contents (path, (char *) buf, data, NULL));
  g_assert_cmpint (truncate (path, size), ==, 0);
  return path;
}

static char *
sha256_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guint8 *) data, len);
}

static gint64
mtime_ns (const char *path)
{
  struct stat st;
  g_assert_cmpint (stat (path, &st), ==, 0);
  return (gint64) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

static void
test_info_raw (void **state)
{
  g_autofree char *raw = make_raw ("info.raw", 3 << 20, 4096, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnImageInfo) info = kiln_qemu_img_info (raw, "raw", &error);
  assert_non_null (info);
  assert_string_equal (info->format, "raw");
  assert_int_equal (info->virtual_size, 3 << 20);
  assert_true (info->actual_size >= 4096);
  assert_null (info->backing_file);
  assert_true (JSON_NODE_HOLDS_OBJECT (info->json));
}

static void
test_info_missing_is_input_error (void **state)
{
  g_autofree char *missing = tmp_path ("nope.qcow2");
  g_autoptr (GError) error = NULL;
  assert_null (kiln_qemu_img_info (missing, "qcow2", &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  assert_non_null (strstr (error->message, "nope.qcow2"));
}

/* The overlay records the absolute backing path and format; neither the
 * overlay's creation nor its resize touches the parent. */
static void
test_overlay_leaves_parent_alone (void **state)
{
  g_autofree char *parent = make_raw ("parent.raw", 8 << 20, 1 << 20, 2);
  g_autofree char *sum_before = sha256_file (parent);
  gint64 mtime_before = mtime_ns (parent);
  g_usleep (20000); /* so a write would show in the mtime */

  g_autofree char *overlay = tmp_path ("overlay.qcow2");
  g_autofree char *cwd = g_get_current_dir ();
  g_assert_cmpint (g_chdir (tmpdir), ==, 0);
  g_autoptr (GError) error = NULL;
  /* a relative backing name must end up absolute */
  gboolean ok = kiln_qemu_img_create_overlay ("parent.raw", "raw", overlay, 0,
                                              &error);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  assert_true (ok);
  assert_null (error);

  g_autoptr (KilnImageInfo) info = kiln_qemu_img_info (overlay, "qcow2",
                                                       &error);
  assert_non_null (info);
  assert_string_equal (info->format, "qcow2");
  assert_string_equal (info->backing_file, parent);
  assert_string_equal (info->backing_format, "raw");
  assert_int_equal (info->virtual_size, 8 << 20);

  assert_true (kiln_qemu_img_resize (overlay, "qcow2", 16 << 20, &error));
  g_autoptr (KilnImageInfo) grown = kiln_qemu_img_info (overlay, "qcow2",
                                                        &error);
  assert_int_equal (grown->virtual_size, 16 << 20);
  assert_true (kiln_qemu_img_check (overlay, "qcow2", &error));

  /* shrinking is refused, and so is an overlay smaller than its parent */
  assert_false (kiln_qemu_img_resize (overlay, "qcow2", 4 << 20, &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  g_clear_error (&error);
  g_autofree char *small = tmp_path ("small.qcow2");
  assert_false (kiln_qemu_img_create_overlay (parent, "raw", small, 1 << 20,
                                              &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  assert_false (g_file_test (small, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  /* an overlay that is its own backing file */
  assert_false (kiln_qemu_img_create_overlay (parent, "raw", parent, 0,
                                              &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  g_clear_error (&error);

  /* a bigger overlay from the start */
  g_autofree char *big = tmp_path ("big.qcow2");
  assert_true (kiln_qemu_img_create_overlay (parent, "raw", big, 32 << 20,
                                             &error));
  g_autoptr (KilnImageInfo) binfo = kiln_qemu_img_info (big, NULL, &error);
  assert_int_equal (binfo->virtual_size, 32 << 20);

  g_autofree char *sum_after = sha256_file (parent);
  assert_string_equal (sum_before, sum_after);
  assert_true (mtime_ns (parent) == mtime_before);
}

static void
test_qemu_img_check_reports_a_damaged_qcow2 (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = make_raw ("check.raw", 1 << 20, 512, 3);
  /* raw has no checks: nothing to find */
  assert_true (kiln_qemu_img_check (raw, "raw", &error));

  g_autofree char *q = tmp_path ("check.qcow2");
  assert_true (kiln_qemu_img_create_overlay (raw, "raw", q, 0, &error));
  assert_true (kiln_qemu_img_check (q, "qcow2", &error));

  /* a refcount table offset that is not cluster aligned: qemu-img refuses
   * the image, and kiln says so */
  g_autofree char *data = NULL;
  gsize len = 0;
  assert_true (g_file_get_contents (q, &data, &len, NULL));
  data[48 + 7] = 0x01; /* refcount_table_offset, big endian, low byte */
  assert_true (g_file_set_contents (q, data, len, NULL));
  assert_false (kiln_qemu_img_check (q, "qcow2", &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_FAILED));
  assert_non_null (strstr (error->message, "check.qcow2"));
}

typedef struct {
  double last;
  guint calls;
  gboolean monotonic;
  GCancellable *cancel_at_first_data;
  const char *dst;
  gboolean dst_existed_at_cancel;
} Progress;

static void
on_progress (double fraction, gpointer user_data)
{
  Progress *p = user_data;
  if (fraction < p->last)
    p->monotonic = FALSE;
  p->last = fraction;
  p->calls++;
  if (p->cancel_at_first_data && fraction > 0.0
      && !g_cancellable_is_cancelled (p->cancel_at_first_data))
    {
      p->dst_existed_at_cancel = g_file_test (p->dst, G_FILE_TEST_EXISTS);
      g_cancellable_cancel (p->cancel_at_first_data);
    }
}

static void
check_roundtrip (const char *src_raw, const char *dst, const char *format,
                 const char *expect_format)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *back = g_strconcat (dst, ".back.raw", NULL);
  KilnConvertSpec spec = { .src = dst, .src_format = format, .dst = back,
                           .dst_format = "raw" };
  assert_true (kiln_qemu_img_convert (&spec, NULL, NULL, NULL, &error));
  g_autoptr (KilnImageInfo) info = kiln_qemu_img_info (dst, format, &error);
  assert_non_null (info);
  assert_string_equal (info->format, expect_format);
  g_autofree char *a = sha256_file (src_raw);
  g_autofree char *b = NULL;
  /* vpc may round the virtual size up: compare the source's length */
  g_autofree char *data = NULL;
  gsize alen = 0, blen = 0;
  g_autofree char *adata = NULL;
  assert_true (g_file_get_contents (src_raw, &adata, &alen, NULL));
  assert_true (g_file_get_contents (back, &data, &blen, NULL));
  assert_true (blen >= alen);
  b = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guint8 *) data, alen);
  assert_string_equal (a, b);
  for (gsize i = alen; i < blen; i++)
    assert_int_equal (data[i], 0);
  g_unlink (back);
}

static void
test_convert_formats (void **state)
{
  g_autofree char *src = make_raw ("src.raw", 16 << 20, 2 << 20, 4);
  struct {
    const char *name, *format, *expect;
    const char *const *options;
    gboolean compress;
    guint coroutines;
    gboolean out_of_order;
  } cases[] = {
    { "out.raw", "raw", "raw", NULL, FALSE, 0, FALSE },
    { "out.qcow2", "qcow2", "qcow2", NULL, FALSE, 0, FALSE },
    { "outc.qcow2", "qcow2", "qcow2", NULL, TRUE, 16, TRUE },
    { "out.vmdk", "vmdk", "vmdk",
      (const char *const[]){ "subformat=streamOptimized",
                             "adapter_type=lsilogic", NULL },
      TRUE, 0, FALSE },
    { "out.vhd", "vpc", "vpc",
      (const char *const[]){ "subformat=fixed", "force_size=on", NULL },
      FALSE, 0, FALSE },
    { "out.vhdx", "vhdx", "vhdx", NULL, FALSE, 0, FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dst = tmp_path (cases[i].name);
      g_autoptr (GError) error = NULL;
      Progress p = { .last = 0, .monotonic = TRUE };
      KilnConvertSpec spec = {
        .src = src, .src_format = "raw", .dst = dst,
        .dst_format = cases[i].format, .options = cases[i].options,
        .compress = cases[i].compress, .coroutines = cases[i].coroutines,
        .out_of_order = cases[i].out_of_order,
      };
      gint64 t0 = g_get_monotonic_time ();
      if (!kiln_qemu_img_convert (&spec, on_progress, &p, NULL, &error))
        fail_msg ("%s: %s", cases[i].name, error->message);
      print_message ("# convert 16 MiB (2 MiB data) -> %s: %.2f s, %u "
                     "progress calls\n", cases[i].name,
                     (g_get_monotonic_time () - t0) / 1e6, p.calls);
      assert_true (p.calls >= 2);
      assert_true (p.monotonic);
      assert_true (p.last == 1.0);
      /* vpc without -f is probed as raw for fixed VHDs (this-machine.md) */
      check_roundtrip (src, dst, cases[i].format, cases[i].expect);
    }
  /* the streamOptimized header really is what the option asked for */
  g_autofree char *vmdk = tmp_path ("out.vmdk");
  g_autofree char *data = NULL;
  gsize len = 0;
  assert_true (g_file_get_contents (vmdk, &data, &len, NULL));
  assert_memory_equal (data, "KDMV", 4);
  static const char want[] = "createType=\"streamOptimized\"";
  assert_non_null (memmem (data, MIN (len, 65536), want, strlen (want)));
}

static void
test_convert_error_removes_partial (void **state)
{
  g_autofree char *src = make_raw ("err.raw", 1 << 20, 4096, 5);
  g_autofree char *dst = tmp_path ("err.out");
  g_autoptr (GError) error = NULL;
  /* an option the format does not have: qemu-img's message is kept */
  KilnConvertSpec spec = {
    .src = src, .src_format = "raw", .dst = dst, .dst_format = "qcow2",
    .options = (const char *const[]){ "no_such_option=1", NULL },
  };
  assert_false (kiln_qemu_img_convert (&spec, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_FAILED));
  assert_non_null (strstr (error->message, "no_such_option"));
  assert_false (g_file_test (dst, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* the source is the destination */
  KilnConvertSpec self = { .src = src, .src_format = "raw", .dst = src,
                           .dst_format = "raw" };
  assert_false (kiln_qemu_img_convert (&self, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  assert_true (g_file_test (src, G_FILE_TEST_EXISTS));
}

static void
test_convert_cancel_removes_partial (void **state)
{
  /* 48 MiB of random data, compressed: slow enough to cancel midway */
  g_autofree char *src = make_raw ("slow.raw", 48 << 20, 48 << 20, 6);
  g_autofree char *dst = tmp_path ("slow.qcow2");
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  Progress p = { .monotonic = TRUE, .cancel_at_first_data = cancel,
                 .dst = dst };
  KilnConvertSpec spec = { .src = src, .src_format = "raw", .dst = dst,
                           .dst_format = "qcow2", .compress = TRUE };
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  assert_false (kiln_qemu_img_convert (&spec, on_progress, &p, cancel,
                                       &error));
  print_message ("# cancelled after %.2f s at %.1f%%\n",
                 (g_get_monotonic_time () - t0) / 1e6, p.last * 100);
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_CANCELLED));
  assert_true (p.dst_existed_at_cancel);
  assert_true (p.last < 1.0);
  assert_false (g_file_test (dst, G_FILE_TEST_EXISTS));
}

static void
test_missing_qemu_img_is_host_error (void **state)
{
  g_autofree char *raw = make_raw ("host.raw", 1 << 20, 512, 7);
  g_setenv ("KILN_QEMU_IMG", "/nonexistent/qemu-img", TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnImageInfo) info = kiln_qemu_img_info (raw, "raw", &error);
  g_unsetenv ("KILN_QEMU_IMG");
  assert_null (info);
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_HOST));
  assert_non_null (strstr (error->message, "/nonexistent/qemu-img"));
}

static int
setup (void **state)
{
  tmpdir = g_dir_make_tmp ("kiln-test-qemu-img-XXXXXX", NULL);
  return tmpdir ? 0 : -1;
}

static int
teardown (void **state)
{
  g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *p = tmp_path (name);
      g_unlink (p);
    }
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return 0;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_info_raw),
    cmocka_unit_test (test_info_missing_is_input_error),
    cmocka_unit_test (test_overlay_leaves_parent_alone),
    cmocka_unit_test (test_qemu_img_check_reports_a_damaged_qcow2),
    cmocka_unit_test (test_convert_formats),
    cmocka_unit_test (test_convert_error_removes_partial),
    cmocka_unit_test (test_convert_cancel_removes_partial),
    cmocka_unit_test (test_missing_qemu_img_is_host_error),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}
