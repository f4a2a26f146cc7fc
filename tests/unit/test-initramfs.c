/* test-initramfs.c - list a Debian-style initramfs: an uncompressed early
 * cpio, zero padding, then a compressed main cpio */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>

#include "outputs/initramfs.h"

/* A newc cpio of the given names (regular files with tiny contents),
 * optionally compressed with filter (ARCHIVE_FILTER_*). */
static GByteArray *
make_cpio (const char *const *names, int filter)
{
  gsize cap = 1 << 20, used = 0;
  guint8 *buf = g_malloc (cap);
  struct archive *a = archive_write_new ();
  archive_write_set_format_cpio_newc (a);
  if (filter == ARCHIVE_FILTER_GZIP)
    archive_write_add_filter_gzip (a);
  else if (filter == ARCHIVE_FILTER_ZSTD)
    archive_write_add_filter_zstd (a);
  else if (filter == ARCHIVE_FILTER_XZ)
    archive_write_add_filter_xz (a);
  archive_write_set_bytes_in_last_block (a, 1);
  assert_int_equal (archive_write_open_memory (a, buf, cap, &used), ARCHIVE_OK);
  for (gsize i = 0; names[i]; i++)
    {
      struct archive_entry *e = archive_entry_new ();
      archive_entry_set_pathname (e, names[i]);
      archive_entry_set_filetype (e, AE_IFREG);
      archive_entry_set_perm (e, 0644);
      archive_entry_set_size (e, 3);
      assert_int_equal (archive_write_header (a, e), ARCHIVE_OK);
      assert_int_equal (archive_write_data (a, "abc", 3), 3);
      archive_entry_free (e);
    }
  assert_int_equal (archive_write_close (a), ARCHIVE_OK);
  archive_write_free (a);
  GByteArray *out = g_byte_array_new ();
  g_byte_array_append (out, buf, used);
  g_free (buf);
  return out;
}

static char *
write_tmp (GByteArray *data)
{
  char *path = g_build_filename (g_get_tmp_dir (), "kiln-initrd-XXXXXX", NULL);
  int fd = g_mkstemp (path);
  assert_true (fd >= 0);
  assert_int_equal (write (fd, data->data, data->len), (ssize_t) data->len);
  close (fd);
  return path;
}

static void
check_layout (int filter)
{
  const char *const early[] = { "kernel", "kernel/x86", "kernel/x86/microcode",
                                "kernel/x86/microcode/GenuineIntel.bin", NULL };
  const char *const main_names[] = {
    "./init", "usr/lib/modules/6.1.0-13-amd64/kernel/drivers/block/virtio_blk.ko",
    "usr/lib/modules/6.1.0-13-amd64/kernel/drivers/nvme/host/nvme.ko.xz",
    "usr/lib/modules/6.1.0-13-amd64/kernel/drivers/nvme/host/nvme-core.ko.xz",
    NULL };
  g_autoptr (GByteArray) a = make_cpio (early, 0);
  g_autoptr (GByteArray) b = make_cpio (main_names, filter);
  /* Pad the early archive to 512 bytes, like initramfs-tools does. */
  guint8 zeros[512] = { 0 };
  g_byte_array_append (a, zeros, (512 - a->len % 512) % 512);
  g_byte_array_append (a, b->data, b->len);
  g_autofree char *path = write_tmp (a);

  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = kiln_initramfs_list (path, &error);
  g_unlink (path);
  if (!list)
    fail_msg ("%s", error->message);
  assert_int_equal (list->len, 8);
  assert_string_equal (list->pdata[3], "kernel/x86/microcode/GenuineIntel.bin");
  assert_string_equal (list->pdata[4], "init");
  g_autoptr (GHashTable) mods = kiln_initramfs_modules (list);
  assert_int_equal (g_hash_table_size (mods), 3);
  assert_true (g_hash_table_contains (mods, "virtio_blk"));
  assert_true (g_hash_table_contains (mods, "nvme_core"));
}

static void
test_microcode_then_zstd (void **state)
{
  check_layout (ARCHIVE_FILTER_ZSTD);
}

static void
test_microcode_then_gzip (void **state)
{
  check_layout (ARCHIVE_FILTER_GZIP);
}

static void
test_microcode_then_xz (void **state)
{
  check_layout (ARCHIVE_FILTER_XZ);
}

static void
test_single_compressed (void **state)
{
  const char *const names[] = { "init", "lib/modules/5.14/kernel/hv_storvsc.ko.xz",
                                NULL };
  g_autoptr (GByteArray) a = make_cpio (names, ARCHIVE_FILTER_GZIP);
  g_autofree char *path = write_tmp (a);
  g_autoptr (GPtrArray) list = kiln_initramfs_list (path, NULL);
  g_unlink (path);
  assert_non_null (list);
  assert_int_equal (list->len, 2);
}

static void
test_initramfs_listing_refuses_garbage (void **state)
{
  g_autoptr (GByteArray) a = g_byte_array_new ();
  g_byte_array_append (a, (const guint8 *) "this is not an initramfs", 24);
  g_autofree char *path = write_tmp (a);
  g_autoptr (GError) error = NULL;
  assert_null (kiln_initramfs_list (path, &error));
  g_unlink (path);
  assert_non_null (strstr (error->message, "cannot read the initramfs"));
}

/* A newc header whose name size is more than the data holds is refused
 * before libarchive sees it (it allocated a claimed name size of up to 4
 * GiB: fuzz-guest-files), also when libarchive would reach it only by
 * searching past damaged bytes; a valid archive still lists. */
static void
test_cpio_name_sizes_beyond_the_data_are_refused (void **state)
{
  const char *const names[] = { "etc/fstab", "usr/lib/x.ko", NULL };
  g_autoptr (GByteArray) good = make_cpio (names, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) listed = kiln_initramfs_list_data (
      good->data, good->len, "good", &error);
  assert_non_null (listed);
  assert_int_equal (listed->len, 2);

  g_autoptr (GByteArray) bad = make_cpio (names, 0);
  memcpy (bad->data + 94, "B14E0000", 8);
  g_autoptr (GError) e = NULL;
  assert_null (kiln_initramfs_list_data (bad->data, bad->len, "bad", &e));
  assert_non_null (strstr (e->message, "claims a name or link longer than the file"));

  /* damaged bytes first: libarchive searches forward to the header */
  g_autoptr (GByteArray) later = g_byte_array_new ();
  g_byte_array_append (later, (const guint8 *) "07\x80x", 4);
  g_byte_array_append (later, bad->data, bad->len);
  g_autoptr (GError) e2 = NULL;
  assert_null (kiln_initramfs_list_data (later->data, later->len, "bad",
                                         &e2));
  assert_non_null (strstr (e2->message, "claims a name or link longer"));
}

/* The same claims inside a compressed archive are found as it is
 * decompressed (fuzz-guest-files found the gzip case in CI), and so is a
 * symbolic link whose target size is more than the data holds (libarchive
 * reads a link's target in one piece). */
static void
test_cpio_claims_in_compressed_archives_and_links_are_refused (void **state)
{
  const char *const names[] = { "etc/fstab", "usr/lib/x.ko", NULL };
  g_autoptr (GByteArray) bad = make_cpio (names, 0);
  memcpy (bad->data + 94, "B14E0000", 8);
  /* gzip the damaged cpio (the raw bytes, as an archive of its own) */
  gsize cap = 1 << 20, used = 0;
  g_autofree guint8 *gz = g_malloc (cap);
  struct archive *w = archive_write_new ();
  archive_write_set_format_raw (w);
  archive_write_add_filter_gzip (w);
  archive_write_set_bytes_in_last_block (w, 1);
  assert_int_equal (archive_write_open_memory (w, gz, cap, &used), ARCHIVE_OK);
  struct archive_entry *e = archive_entry_new ();
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_pathname (e, "data");
  assert_int_equal (archive_write_header (w, e), ARCHIVE_OK);
  assert_int_equal (archive_write_data (w, bad->data, bad->len),
                    (la_ssize_t) bad->len);
  archive_entry_free (e);
  assert_int_equal (archive_write_close (w), ARCHIVE_OK);
  archive_write_free (w);
  g_autoptr (GError) e1 = NULL;
  assert_null (kiln_initramfs_list_data (gz, used, "gz", &e1));
  assert_non_null (strstr (e1->message, "claims a name or link longer"));

  /* a symbolic link (mode 0120777) claiming a 2 GiB target */
  g_autoptr (GByteArray) link = make_cpio (names, 0);
  memcpy (link->data + 14, "0000A1FF", 8);
  memcpy (link->data + 54, "80000000", 8);
  g_autoptr (GError) e2 = NULL;
  assert_null (kiln_initramfs_list_data (link->data, link->len, "link", &e2));
  assert_non_null (strstr (e2->message, "claims a name or link longer"));
}

/* The host's own initramfs, when there is one: real-world layout. */
static void
test_host_initramfs (void **state)
{
  g_autoptr (GDir) d = g_dir_open ("/boot", 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      if (!g_str_has_prefix (name, "initrd.img-")
          && !g_str_has_prefix (name, "initramfs-"))
        continue;
      g_autofree char *path = g_build_filename ("/boot", name, NULL);
      if (access (path, R_OK) != 0)
        continue;
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) list = kiln_initramfs_list (path, &error);
      if (!list)
        fail_msg ("%s", error->message);
      g_autoptr (GHashTable) mods = kiln_initramfs_modules (list);
      assert_true (g_hash_table_size (mods) > 0);
      return;
    }
  skip ();
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_microcode_then_zstd),
    cmocka_unit_test (test_microcode_then_gzip),
    cmocka_unit_test (test_microcode_then_xz),
    cmocka_unit_test (test_single_compressed),
    cmocka_unit_test (test_initramfs_listing_refuses_garbage),
    cmocka_unit_test (test_cpio_name_sizes_beyond_the_data_are_refused),
    cmocka_unit_test (test_cpio_claims_in_compressed_archives_and_links_are_refused),
    cmocka_unit_test (test_host_initramfs),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
