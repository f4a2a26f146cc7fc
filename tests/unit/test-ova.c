/* test-ova.c - OVA member order, .mf digests, ustar headers; SHA256SUMS */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <gio/gio.h>

#include "outputs/checksums.h"
#include "outputs/ova.h"

typedef struct {
  char *dir;
  char *disk;
  char *disk_data;
  gsize disk_len;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->dir = g_dir_make_tmp ("kiln-ova-XXXXXX", NULL);
  f->disk = g_build_filename (f->dir, "disk.vmdk", NULL);
  /* 3 MiB + a bit: several read chunks, not a block multiple. */
  f->disk_len = 3 * 1024 * 1024 + 777;
  f->disk_data = g_malloc (f->disk_len);
  for (gsize i = 0; i < f->disk_len; i++)
    f->disk_data[i] = (char) (i * 7 + (i >> 12));
  assert_true (g_file_set_contents (f->disk, f->disk_data, f->disk_len, NULL));
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  g_autofree char *cmd = NULL;
  g_autoptr (GFile) dir = g_file_new_for_path (f->dir);
  g_autoptr (GFileEnumerator) en = g_file_enumerate_children (
      dir, G_FILE_ATTRIBUTE_STANDARD_NAME, 0, NULL, NULL);
  GFileInfo *info;
  while (en && (info = g_file_enumerator_next_file (en, NULL, NULL)))
    {
      g_autoptr (GFile) c = g_file_get_child (dir, g_file_info_get_name (info));
      g_file_delete (c, NULL, NULL);
      g_object_unref (info);
    }
  g_file_delete (dir, NULL, NULL);
  g_free (f->dir);
  g_free (f->disk);
  g_free (f->disk_data);
  g_free (f);
  return 0;
}

typedef struct {
  char *name;
  GByteArray *data;
} Member;

static void
member_free (Member *m)
{
  g_free (m->name);
  g_byte_array_unref (m->data);
  g_free (m);
}

static GPtrArray *
read_tar (const char *path)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) member_free);
  struct archive *a = archive_read_new ();
  archive_read_support_format_tar (a);
  assert_int_equal (archive_read_open_filename (a, path, 10240), ARCHIVE_OK);
  struct archive_entry *e;
  while (archive_read_next_header (a, &e) == ARCHIVE_OK)
    {
      Member *m = g_new0 (Member, 1);
      m->name = g_strdup (archive_entry_pathname (e));
      m->data = g_byte_array_new ();
      char buf[65536];
      la_ssize_t n;
      while ((n = archive_read_data (a, buf, sizeof buf)) > 0)
        g_byte_array_append (m->data, (guint8 *) buf, n);
      assert_int_equal (m->data->len, archive_entry_size (e));
      g_ptr_array_add (out, m);
    }
  archive_read_free (a);
  return out;
}

static void
test_ova_is_ustar_with_ovf_mf_and_disk_in_order (void **state)
{
  Fixture *f = *state;
  g_autofree char *ova = g_build_filename (f->dir, "web.ova", NULL);
  const char *ovf = "<?xml version=\"1.0\"?>\n<Envelope/>\n";
  KilnOvaSpec spec = {
    .path = ova, .ovf_name = "web.ovf", .ovf_text = ovf,
    .disk_name = "web-disk1.vmdk", .disk_path = f->disk, .mtime = 1700000000,
  };
  g_autoptr (GError) error = NULL;
  assert_true (kiln_ova_write (&spec, NULL, NULL, NULL, &error));

  /* ustar magic in the first header block. */
  g_autofree char *raw = NULL;
  gsize raw_len = 0;
  assert_true (g_file_get_contents (ova, &raw, &raw_len, NULL));
  assert_true (raw_len % 512 == 0);
  assert_memory_equal (raw + 257, "ustar", 5);

  g_autoptr (GPtrArray) m = read_tar (ova);
  assert_int_equal (m->len, 3);
  Member *m0 = m->pdata[0], *m1 = m->pdata[1], *m2 = m->pdata[2];
  assert_string_equal (m0->name, "web.ovf");
  assert_string_equal (m1->name, "web.mf");
  assert_string_equal (m2->name, "web-disk1.vmdk");
  assert_int_equal (m2->data->len, f->disk_len);
  assert_memory_equal (m2->data->data, f->disk_data, f->disk_len);

  /* The .mf digests match the members as stored. */
  g_autofree char *d0 = kiln_sha256_data (m0->data->data, m0->data->len);
  g_autofree char *d2 = kiln_sha256_data (m2->data->data, m2->data->len);
  g_autofree char *want = g_strdup_printf ("SHA256(web.ovf)= %s\n"
                                           "SHA256(web-disk1.vmdk)= %s\n",
                                           d0, d2);
  g_autofree char *mf = g_strndup ((char *) m1->data->data, m1->data->len);
  assert_string_equal (mf, want);
}

static void
cancel_now (double fraction, gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

static void
test_ova_cancel_removes_file (void **state)
{
  Fixture *f = *state;
  g_autofree char *ova = g_build_filename (f->dir, "c.ova", NULL);
  g_autoptr (GCancellable) c = g_cancellable_new ();
  KilnOvaSpec spec = { .path = ova, .ovf_name = "c.ovf", .ovf_text = "<x/>",
                       .disk_name = "c.vmdk", .disk_path = f->disk };
  g_autoptr (GError) error = NULL;
  assert_false (kiln_ova_write (&spec, c, cancel_now, c, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  assert_false (g_file_test (ova, G_FILE_TEST_EXISTS));
}

static void
test_sha256_of_files_and_sorted_sums_listing (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *got = kiln_sha256_file (f->disk, NULL, NULL, NULL, &error);
  g_autofree char *want = kiln_sha256_data (f->disk_data, f->disk_len);
  assert_string_equal (got, want);
  assert_null (kiln_sha256_file ("/nonexistent/x", NULL, NULL, NULL, &error));
  assert_non_null (strstr (error->message, "/nonexistent/x"));

  g_autoptr (GPtrArray) e = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_sum_entry_free);
  g_ptr_array_add (e, kiln_sum_entry_new ("b.raw", "bb"));
  g_ptr_array_add (e, kiln_sum_entry_new ("a.vmdk", "aa"));
  g_autofree char *text = kiln_sha256sums_format (e);
  assert_string_equal (text, "aa  a.vmdk\nbb  b.raw\n");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_ova_is_ustar_with_ovf_mf_and_disk_in_order, setup, teardown),
    cmocka_unit_test_setup_teardown (test_ova_cancel_removes_file, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_sha256_of_files_and_sorted_sums_listing, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
