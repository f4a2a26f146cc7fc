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
  assert_non_null (strstr (user, "users: []\n"));
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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_seed_texts_quote_their_values),
    cmocka_unit_test (test_seed_volume_is_a_vfat_cidata_disk),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
