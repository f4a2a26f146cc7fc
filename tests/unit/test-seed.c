/* test-seed.c - the NoCloud seed volume, made and read back with mtools */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "backends/seed.h"

static char *
run_out (const char *const *argv)
{
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (l, "MTOOLS_SKIP_CHECK", "1", TRUE);
  g_autoptr (GError) err = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_launcher_spawnv (l, argv, &err);
  assert_non_null (p);
  char *out = NULL;
  assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL,
                                              &err));
  if (!g_subprocess_get_successful (p))
    fail_msg ("%s failed: %s", argv[0], out);
  return out;
}

static void
test_seed_texts_quote_their_values (void **state)
{
  KilnSeedSpec spec = { .instance_id = "kiln-web-1-test", .hostname = "web" };
  g_autofree char *meta = kiln_seed_meta_data (&spec);
  assert_string_equal (meta, "instance-id: \"kiln-web-1-test\"\n"
                             "local-hostname: \"web\"\n");
  g_autofree char *user = kiln_seed_user_data (&spec);
  assert_true (g_str_has_prefix (user, "#cloud-config\n"));
  /* no account made or changed, in a form cloud-init's schema takes (it
   * refuses an empty list): root only, its password left as it is */
  assert_non_null (strstr (user, "users:\n  - name: root\n"
                                 "    lock_passwd: false\n"));
  assert_null (strstr (user, "users: []"));
  assert_null (strstr (user, "ssh_pwauth"));
  assert_non_null (strstr (kiln_seed_network_config (), "config: disabled"));
  /* a quote in a value cannot end the YAML string */
  KilnSeedSpec odd = { .instance_id = "a\"b\nc" };
  g_autofree char *m2 = kiln_seed_meta_data (&odd);
  assert_string_equal (m2, "instance-id: \"a\\\"bc\"\nlocal-hostname: "
                           "\"kiln\"\n");
}

static void
test_seed_volume_is_a_vfat_cidata_disk (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("test-seed-XXXXXX", NULL);
  g_autofree char *img = g_build_filename (dir, "seed.img", NULL);
  KilnSeedSpec spec = { .instance_id = "iid-42", .hostname = "h1",
                        .extra_user_data = "timezone: Etc/UTC\n" };
  g_autoptr (GError) err = NULL;
  /* twice: the second replaces the first */
  assert_true (kiln_seed_create (&spec, img, &err));
  assert_true (kiln_seed_create (&spec, img, &err));

  const char *blkid[] = { "blkid", "-o", "export", img, NULL };
  g_autofree char *ids = run_out (blkid);
  assert_non_null (strstr (ids, "LABEL=CIDATA"));
  assert_non_null (strstr (ids, "TYPE=vfat"));

  const char *mtype_meta[] = { "mtype", "-i", img, "::meta-data", NULL };
  g_autofree char *meta = run_out (mtype_meta);
  assert_non_null (strstr (meta, "instance-id: \"iid-42\""));
  const char *mtype_user[] = { "mtype", "-i", img, "::user-data", NULL };
  g_autofree char *user = run_out (mtype_user);
  assert_true (g_str_has_prefix (user, "#cloud-config"));
  assert_non_null (strstr (user, "timezone: Etc/UTC"));
  const char *mtype_net[] = { "mtype", "-i", img, "::network-config", NULL };
  g_autofree char *net = run_out (mtype_net);
  assert_non_null (strstr (net, "config: disabled"));

  g_unlink (img);
  g_rmdir (dir);
}

/* Extra files go on the volume whole, and the volume grows for them. */
static void
test_seed_carries_extra_files (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("test-seed-XXXXXX", NULL);
  g_autofree char *img = g_build_filename (dir, "seed.img", NULL);
  g_autofree char *big = g_build_filename (dir, "big.bin", NULL);
  g_autofree char *plan = g_build_filename (dir, "plan.json", NULL);
  g_autofree char *back = g_build_filename (dir, "back.bin", NULL);
  /* 3 MiB: more than the 2 MiB volume made without extra files */
  gsize big_len = 3 * 1024 * 1024;
  g_autofree guint8 *bytes = g_malloc (big_len);
  for (gsize i = 0; i < big_len; i++)
    bytes[i] = (guint8) (i * 7 + i / 4096);
  assert_true (g_file_set_contents (big, (char *) bytes, big_len, NULL));
  assert_true (g_file_set_contents (plan, "{\"version\":1}\n", -1, NULL));
  KilnSeedFile files[] = { { "kiln-agent", big },
                           { "kiln-plan.json", plan } };
  KilnSeedSpec spec = { .instance_id = "iid-7", .files = files,
                        .n_files = G_N_ELEMENTS (files) };
  g_autoptr (GError) err = NULL;
  assert_true (kiln_seed_create (&spec, img, &err));

  const char *out[] = { "mcopy", "-n", "-i", img, "::kiln-agent", back,
                        NULL };
  g_autofree char *o1 = run_out (out);
  g_autofree char *got = NULL;
  gsize got_len = 0;
  assert_true (g_file_get_contents (back, &got, &got_len, NULL));
  assert_int_equal (got_len, big_len);
  assert_memory_equal (got, bytes, big_len);
  const char *mtype_plan[] = { "mtype", "-i", img, "::kiln-plan.json", NULL };
  g_autofree char *p = run_out (mtype_plan);
  assert_string_equal (p, "{\"version\":1}\n");
  /* the cloud-init files are there as before */
  const char *mtype_meta[] = { "mtype", "-i", img, "::meta-data", NULL };
  g_autofree char *meta = run_out (mtype_meta);
  assert_non_null (strstr (meta, "iid-7"));

  /* a file that cannot be read: an error, and no volume */
  KilnSeedFile gone[] = { { "x", "/nonexistent/kiln-test" } };
  KilnSeedSpec bad = { .instance_id = "iid-8", .files = gone, .n_files = 1 };
  g_autofree char *img2 = g_build_filename (dir, "seed2.img", NULL);
  g_clear_error (&err);
  assert_false (kiln_seed_create (&bad, img2, &err));
  assert_non_null (strstr (err->message, "/nonexistent/kiln-test"));
  assert_false (g_file_test (img2, G_FILE_TEST_EXISTS));

  g_unlink (img);
  g_unlink (big);
  g_unlink (plan);
  g_unlink (back);
  g_rmdir (dir);
}

/* A user's PATH has no sbin directory (Debian's: /usr/local/bin:/usr/bin:
 * /bin), where mkfs.vfat is: the seed is made all the same. */
static void
test_seed_with_a_users_path (void **state)
{
  g_autofree char *in_path = g_find_program_in_path ("mkfs.vfat");
  if (in_path == NULL || g_str_has_prefix (in_path, "/usr/bin/")
      || g_str_has_prefix (in_path, "/bin/"))
    skip ();  /* not installed, or in a user's PATH anyway */
  g_autofree char *saved = g_strdup (g_getenv ("PATH"));
  g_setenv ("PATH", "/usr/local/bin:/usr/bin:/bin", TRUE);
  g_autofree char *dir = g_dir_make_tmp ("test-seed-XXXXXX", NULL);
  g_autofree char *img = g_build_filename (dir, "seed.img", NULL);
  KilnSeedSpec spec = { .instance_id = "iid-user" };
  g_autoptr (GError) err = NULL;
  gboolean made = kiln_seed_create (&spec, img, &err);
  g_setenv ("PATH", saved, TRUE);
  if (!made)
    fail_msg ("%s", err->message);
  const char *mtype_meta[] = { "mtype", "-i", img, "::meta-data", NULL };
  g_autofree char *meta = run_out (mtype_meta);
  assert_non_null (strstr (meta, "iid-user"));
  g_unlink (img);
  g_rmdir (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_seed_texts_quote_their_values),
    cmocka_unit_test (test_seed_volume_is_a_vfat_cidata_disk),
    cmocka_unit_test (test_seed_carries_extra_files),
    cmocka_unit_test (test_seed_with_a_users_path),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
