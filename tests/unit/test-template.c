/* test-template.c - template parsing, validation, digest; apt sources */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "templates/apt-sources.h"
#include "templates/template.h"

static const char minimal[] =
    "name: t1\n"
    "distribution: debian\n"
    "suite: bookworm\n"
    "packages: [linux-image-amd64, openssh-server]\n";

static KilnTemplate *
load_ok (const char *text)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  KilnTemplate *t = kiln_template_load_string ("t.yaml", text, diags);
  if (!t)
    {
      kiln_diags_print (diags, stderr);
      fail_msg ("template did not load");
    }
  return t;
}

/* Exactly the errors expected: each (line, col, fragment) must be found. */
static void
expect_error (const char *text, int line, int col, const char *fragment)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnTemplate) t = kiln_template_load_string ("t.yaml", text,
                                                          diags);
  assert_null (t);
  if (!kiln_diags_find (diags, line, col, fragment))
    {
      kiln_diags_print (diags, stderr);
      fail_msg ("expected %d:%d '%s'", line, col, fragment);
    }
}

static void
test_template_minimal_gets_the_defaults (void **state)
{
  g_autoptr (KilnTemplate) t = load_ok (minimal);
  assert_string_equal (t->name, "t1");
  assert_string_equal (t->architecture, "amd64");
  assert_string_equal (t->variant, "required");
  assert_int_equal (t->areas->len, 1);
  assert_string_equal (t->areas->pdata[0], "main");
  assert_true (t->updates);
  assert_true (t->security);
  assert_null (t->mirror);
  assert_int_equal (t->size, 3ULL << 30);
  assert_string_equal (t->partition_table, "msdos");
  assert_int_equal (t->firmware, KILN_FIRMWARE_BIOS);
  assert_string_equal (t->timezone, "Etc/UTC");
  assert_int_equal (t->datasources->len, 3);
  assert_false (t->compress);
  assert_int_equal (strlen (t->digest), 64);
}

static void
test_template_full_reads_every_key (void **state)
{
  g_autoptr (KilnTemplate) t = load_ok (
      "name: web.base-2\n"
      "description: x\n"
      "distribution: ubuntu\n"
      "suite: noble\n"
      "variant: important\n"
      "areas: [main, universe]\n"
      "updates: false\n"
      "mirror: http://archive.example/ubuntu\n"
      "security-mirror: default\n"
      "packages:\n  - linux-image-virtual\n  - cloud-init\n"
      "disk:\n  size: 4096M\n  esp-size: 64M\n"
      "  root: {filesystem: ext4, label: cloudimg-rootfs}\n"
      "firmware: uefi\n"
      "system:\n  hostname: web\n  timezone: Europe/Paris\n"
      "  locale: en_US.UTF-8\n  kernel-cmdline: net.ifnames=0 quiet\n"
      "cloud-init:\n  datasources: [Ec2, None]\n"
      "store: {compress: true}\n");
  assert_string_equal (t->distribution, "ubuntu");
  assert_string_equal (t->mirror, "http://archive.example/ubuntu");
  assert_null (t->security_mirror);
  assert_false (t->updates);
  assert_int_equal (t->size, 4ULL << 30);
  assert_int_equal (t->esp_size, 64ULL << 20);
  assert_int_equal (t->firmware, KILN_FIRMWARE_UEFI);
  /* UEFI defaults to GPT */
  assert_string_equal (t->partition_table, "gpt");
  assert_string_equal (t->root_label, "cloudimg-rootfs");
  assert_string_equal (t->kernel_cmdline, "net.ifnames=0 quiet");
  assert_int_equal (t->datasources->len, 2);
  assert_true (t->compress);
}

static void
test_template_errors_at_their_position (void **state)
{
  expect_error ("name: t\ndistribution: debian\nsuite: bookworm\n", 1, 1,
                "missing required key 'packages'");
  expect_error ("name: Bad_Name\ndistribution: debian\nsuite: b\n"
                "packages: [linux-image-amd64]\n", 1, 7,
                "expected a template name");
  expect_error ("name: t\ndistribution: debain\nsuite: b\n"
                "packages: [linux-image-amd64]\n", 2, 15,
                "did you mean 'debian'");
  expect_error ("name: t\ndistribution: debian\nsuite: b\n"
                "packages: [linux-image-amd64, 'rm -rf']\n", 4, 31,
                "expected a package name");
  expect_error ("name: t\ndistribution: debian\nsuite: b\n"
                "packages: [openssh-server]\n", 4, 11,
                "expected a kernel package");
  expect_error ("name: t\ndistribution: debian\nsuite: b\n"
                "packages: [linux-image-amd64]\ndisk: {size: 3X}\n", 5, 14,
                "expected a size such as 3G");
  expect_error ("name: t\ndistribution: debian\nsuite: b\n"
                "packages: [linux-image-amd64]\ndisk: {size: 100M}\n", 5, 14,
                "between 1024 MiB and 2048 GiB");
  expect_error ("name: t\ndistribution: debian\nsuite: b\n"
                "packages: [linux-image-amd64]\nmirror: ftp://x\n", 5, 9,
                "expected 'default' or an http://");
  expect_error ("name: t\ndistribution: debian\nsuite: b\n"
                "packages: [linux-image-amd64]\n"
                "system: {kernel-cmdline: 'a $(reboot)'}\n", 5, 26,
                "kernel parameters");
  expect_error ("name: t\ndistribution: debian\nsuite: b\n"
                "packages: [linux-image-amd64]\n"
                "system: {timezone: ../../etc/shadow}\n", 5, 20,
                "time zone name");
  expect_error ("name: t\ndistribution: debian\nsuite: b\n"
                "packages: [linux-image-amd64]\npackagse: []\n", 5, 1,
                "did you mean 'packages'");
  expect_error ("name: t\ndistribution: debian\nsuite: b\n"
                "packages: [linux-image-amd64]\nfirmware: bios\n"
                "disk: {partition-table: gpt}\n", 5, 11,
                "GRUB on a GPT disk");
  expect_error ("name: t\ndistribution: debian\nsuite: b\n"
                "packages: [linux-image-amd64]\nupdates: maybe\n", 5, 10,
                "expected true or false");
  expect_error ("", 1, 1, "found an empty document");
}

static void
test_template_warns_on_duplicates_and_missing_cloud_init (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnTemplate) t = kiln_template_load_string (
      "t.yaml",
      "name: t\ndistribution: debian\nsuite: b\n"
      "packages: [linux-image-amd64, sudo, sudo]\n"
      "cloud-init: {datasources: [NoCloud]}\n", diags);
  assert_non_null (t);
  assert_int_equal (kiln_diags_error_count (diags), 0);
  assert_true (kiln_diags_find (diags, 4, 37, "listed twice"));
  assert_true (kiln_diags_find (diags, 5, 13, "cloud-init package is not"));
  assert_int_equal (t->packages->len, 2);
}

static void
test_template_digest_follows_content_not_form (void **state)
{
  g_autoptr (KilnTemplate) a = load_ok (minimal);
  /* comments, key order, quoting, description and name do not matter */
  g_autoptr (KilnTemplate) b = load_ok (
      "# a comment\n"
      "packages: ['linux-image-amd64', \"openssh-server\"]\n"
      "suite: \"bookworm\"\n"
      "description: anything\n"
      "distribution: debian\n"
      "name: other\n"
      "disk: {size: 3G}\n");
  assert_string_equal (a->digest, b->digest);
  /* what is built does */
  g_autoptr (KilnTemplate) c = load_ok (
      "name: t1\ndistribution: debian\nsuite: bookworm\n"
      "packages: [linux-image-amd64, openssh-server, curl]\n");
  assert_string_not_equal (a->digest, c->digest);
  g_autoptr (KilnTemplate) d = load_ok (
      "name: t1\ndistribution: debian\nsuite: bookworm\n"
      "packages: [linux-image-amd64, openssh-server]\ndisk: {size: 4G}\n");
  assert_string_not_equal (a->digest, d->digest);
  g_autofree char *canon = kiln_template_canonical_text (a);
  assert_non_null (strstr (canon, "\"builder\":"));
  assert_null (strstr (canon, "\"name\""));
}

static void
test_shipped_templates (void **state)
{
  const char *files[] = { "debian-12.yaml", "debian-12-uefi.yaml" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *p = g_build_filename (TEST_SRCDIR, "templates",
                                             files[i], NULL);
      g_autoptr (KilnDiags) diags = kiln_diags_new ();
      g_autoptr (KilnTemplate) t = kiln_template_load (p, diags);
      if (!t || kiln_diags_count (diags))
        {
          kiln_diags_print (diags, stderr);
          fail_msg ("%s is not clean", files[i]);
        }
    }
}

static void
test_template_find_takes_names_not_paths (void **state)
{
  g_setenv ("KILN_DATADIR", TEST_SRCDIR, TRUE);
  g_autofree char *p = kiln_template_find ("debian-12");
  assert_non_null (p);
  assert_true (g_str_has_suffix (p, "/templates/debian-12.yaml"));
  assert_null (kiln_template_find ("no-such-template"));
  assert_null (kiln_template_find ("../etc/passwd"));
  g_autoptr (GPtrArray) names = kiln_template_list_names ();
  assert_true (names->len >= 2);
  assert_string_equal (names->pdata[0], "debian-12");
}

static void
test_apt_sources (void **state)
{
  g_autoptr (GPtrArray) s = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_apt_source_free);
  kiln_apt_sources_parse (
      "debian.sources",
      "Types: deb\n"
      "# http://snapshot.debian.org/archive/debian/20250520T000000Z\n"
      "URIs: http://mirror.local/debian/\n"
      "Suites: bookworm bookworm-updates\n"
      "Components: main\n"
      "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
      "\n"
      "Types: deb-src\n"
      "URIs: http://src.local/debian\n"
      "Suites: bookworm\n"
      "\n"
      "Types: deb\n"
      "URIs: http://mirror.local/debian-security\n"
      "Suites: bookworm-security\n"
      "Components: main\n"
      "\n"
      "Types: deb\n"
      "Enabled: no\n"
      "URIs: http://off.local/debian\n"
      "Suites: trixie\n", s);
  kiln_apt_sources_parse (
      "sources.list",
      "# comment\n"
      "deb [arch=amd64 signed-by=/k.gpg] http://one.local/ubuntu noble main "
      "universe\n"
      "deb-src http://x/debian bookworm main\n", s);
  assert_int_equal (s->len, 3);
  const KilnAptSource *a = s->pdata[0];
  assert_string_equal (a->uri, "http://mirror.local/debian");
  assert_int_equal (g_strv_length (a->suites), 2);

  g_autofree char *m = kiln_apt_sources_find_mirror (s, "debian", "bookworm",
                                                     FALSE);
  assert_string_equal (m, "http://mirror.local/debian");
  g_autofree char *sec = kiln_apt_sources_find_mirror (s, "debian",
                                                       "bookworm", TRUE);
  assert_string_equal (sec, "http://mirror.local/debian-security");
  /* another release of the same distribution: the same mirror */
  g_autofree char *m13 = kiln_apt_sources_find_mirror (s, "debian", "trixie",
                                                       FALSE);
  assert_string_equal (m13, "http://mirror.local/debian");
  g_autofree char *u = kiln_apt_sources_find_mirror (s, "ubuntu", "noble",
                                                     FALSE);
  assert_string_equal (u, "http://one.local/ubuntu");
  /* Ubuntu's archive mirrors carry SUITE-security too */
  g_autofree char *usec = kiln_apt_sources_find_mirror (s, "ubuntu", "jammy",
                                                        TRUE);
  assert_string_equal (usec, "http://one.local/ubuntu");
  assert_string_equal (kiln_apt_default_mirror ("debian", TRUE),
                       "http://security.debian.org/debian-security");
}

/* The store's reading side, on a hand-made store directory. */
static void
test_store_lookup (void **state)
{
  g_autoptr (KilnTemplate) t = load_ok (minimal);
  g_autofree char *dir = kiln_template_store_dir (t->name, t->digest);
  assert_true (g_str_has_prefix (dir, g_getenv ("KILN_HOME")));
  g_autoptr (GError) err = NULL;
  assert_null (kiln_template_lookup (t, &err));
  assert_null (err);

  assert_int_equal (g_mkdir_with_parents (dir, 0755), 0);
  g_autofree char *image = g_build_filename (dir, "image.qcow2", NULL);
  g_autofree char *json = g_build_filename (dir, "template.json", NULL);
  assert_true (g_file_set_contents (image, "not really qcow2", -1, NULL));
  /* an image without template.json is an unfinished build */
  assert_null (kiln_template_lookup (t, &err));
  g_autofree char *text = g_strdup_printf (
      "{\"name\": \"t1\", \"digest\": \"%s\", \"firmware\": \"uefi\","
      " \"mirror\": \"http://m/debian\", \"built\": \"2026-01-01T00:00:00Z\","
      " \"virtualSize\": 3221225472, \"allocatedSize\": 1000,"
      " \"timings\": {\"total\": 12.5}}", t->digest);
  assert_true (g_file_set_contents (json, text, -1, NULL));
  g_autoptr (KilnTemplateImage) img = kiln_template_lookup (t, &err);
  assert_non_null (img);
  assert_string_equal (img->image_path, image);
  assert_string_equal (img->firmware, "uefi");
  assert_string_equal (img->mirror, "http://m/debian");
  assert_int_equal (img->virtual_size, 3221225472ULL);
  assert_non_null (img->timings);
  g_autofree char *fw = kiln_template_image_firmware (image);
  assert_string_equal (fw, "uefi");
  assert_null (kiln_template_image_firmware ("/nonexistent/image.qcow2"));
  g_autoptr (GPtrArray) all = kiln_template_list_built (NULL, &err);
  assert_int_equal (all->len, 1);
}

/* a pipeline's refresh: is measured from the time template.json records */
static void
test_refresh_age (void **state)
{
  (void) state;
  g_autoptr (GDateTime) now
      = g_date_time_new_from_iso8601 ("2026-12-06T12:00:00Z", NULL);
  const gint64 week = 7 * 86400;
  assert_false (kiln_template_built_before ("2026-12-01T12:00:00Z", now, week));
  assert_false (kiln_template_built_before ("2026-11-29T12:00:00Z", now, week));
  assert_true (kiln_template_built_before ("2026-11-29T11:59:59Z", now, week));
  /* a zone other than UTC is honoured */
  assert_false (kiln_template_built_before ("2026-11-29T13:00:00+01:00", now,
                                            week));
  assert_true (kiln_template_built_before ("2026-11-29T12:00:00+01:00", now,
                                           week));
  /* unknown or unreadable: old, so it is rebuilt rather than kept */
  assert_true (kiln_template_built_before (NULL, now, week));
  assert_true (kiln_template_built_before ("yesterday", now, week));
}

int
main (void)
{
  g_autofree char *home = g_dir_make_tmp ("test-template-XXXXXX", NULL);
  g_setenv ("KILN_HOME", home, TRUE);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_template_minimal_gets_the_defaults),
    cmocka_unit_test (test_template_full_reads_every_key),
    cmocka_unit_test (test_template_errors_at_their_position),
    cmocka_unit_test (test_template_warns_on_duplicates_and_missing_cloud_init),
    cmocka_unit_test (test_template_digest_follows_content_not_form),
    cmocka_unit_test (test_shipped_templates),
    cmocka_unit_test (test_template_find_takes_names_not_paths),
    cmocka_unit_test (test_apt_sources),
    cmocka_unit_test (test_store_lookup),
    cmocka_unit_test (test_refresh_age),
  };
  int rc = cmocka_run_group_tests (tests, NULL, NULL);
  const char *argv[] = { "rm", "-rf", home, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                NULL, NULL, NULL, NULL);
  return rc;
}
