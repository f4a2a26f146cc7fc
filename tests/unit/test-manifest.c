/* test-manifest.c - manifest.json (secrets redacted), SBOM, AWS import files */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/kiln-json.h"
#include "outputs/cloud-import.h"
#include "outputs/lint.h"
#include "outputs/manifest.h"
#include "outputs/sbom.h"

static JsonObject *
obj_at (JsonNode *root, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) r = json_path_query (path, root, &error);
  assert_non_null (r);
  JsonArray *a = json_node_get_array (r);
  assert_int_equal (json_array_get_length (a), 1);
  return json_array_get_object_element (a, 0);
}

static const char *
str_at (JsonNode *root, const char *path)
{
  g_autoptr (JsonNode) r = json_path_query (path, root, NULL);
  JsonArray *a = json_node_get_array (r);
  if (json_array_get_length (a) != 1)
    fail_msg ("%s: %u matches", path, json_array_get_length (a));
  /* The string lives in root, which outlives this call. */
  return json_node_get_string (json_array_get_element (a, 0));
}

static KilnOsInfo *
debian_os (void)
{
  static char *kernels[] = { "6.1.0-13-amd64" };
  KilnOsInfo *os = g_new0 (KilnOsInfo, 1);
  os->type = "linux";
  os->distro = "debian";
  os->product_name = "Debian GNU/Linux 12 (bookworm)";
  os->major_version = 12;
  os->minor_version = 5;
  os->arch = "x86_64";
  os->firmware = "bios";
  os->root_fstype = "ext4";
  os->package_format = "deb";
  os->partition_table = "msdos";
  os->kernels = g_ptr_array_new ();
  g_ptr_array_add (os->kernels, kernels[0]);
  return os;
}

static void
test_secret_names (void **state)
{
  assert_true (kiln_param_name_looks_secret ("password"));
  assert_true (kiln_param_name_looks_secret ("DB_PASSWORD"));
  assert_true (kiln_param_name_looks_secret ("api-key"));
  assert_true (kiln_param_name_looks_secret ("ApiKey"));
  assert_true (kiln_param_name_looks_secret ("github_token"));
  assert_true (kiln_param_name_looks_secret ("ssh_private_key"));
  assert_false (kiln_param_name_looks_secret ("port"));
  assert_false (kiln_param_name_looks_secret ("keyboard"));
  assert_false (kiln_param_name_looks_secret ("public_key"));
  /* settings about secrets (harden-ssh's) */
  assert_false (kiln_param_name_looks_secret ("passwordAuthentication"));
  assert_false (kiln_param_name_looks_secret ("password_policy"));
  assert_false (kiln_param_name_looks_secret ("tokenExpiry"));
  assert_true (kiln_param_name_looks_secret ("authPassword"));
}

static void
test_manifest_records_the_build_and_redacts_secrets (void **state)
{
  KilnManifestParam p1 = { "port", "8080", FALSE };
  KilnManifestParam p2 = { "admin", "hunter2-marked", TRUE };
  KilnManifestParam p3 = { "db_password", "hunter3-named", FALSE };
  g_autoptr (GPtrArray) params = g_ptr_array_new ();
  g_ptr_array_add (params, &p1);
  g_ptr_array_add (params, &p2);
  g_ptr_array_add (params, &p3);
  KilnManifestComponent c = { "site", "1.0.0", "./site.yaml", "abc123", params };
  g_autoptr (GPtrArray) comps = g_ptr_array_new ();
  g_ptr_array_add (comps, &c);
  KilnStageTiming t1 = { "build", 12.3456 }, t2 = { "distribute", 1.5 };
  g_autoptr (GPtrArray) timings = g_ptr_array_new ();
  g_ptr_array_add (timings, &t1);
  KilnManifestBuild br = {
    .build_key = "feedface", .recipe_name = "web-golden",
    .recipe_version = "1.2.0", .build_number = 7,
    .parent_name = "debian-12", .parent_digest = "sha256:0123",
    .components = comps, .timings = timings,
  };
  g_autoptr (GPtrArray) extra = g_ptr_array_new ();
  g_ptr_array_add (extra, &t2);

  g_autoptr (GPtrArray) pkgs = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_package_free);
  g_ptr_array_add (pkgs, kiln_package_new ("bash", "5.2.15-2+b2", "amd64"));
  g_autoptr (GPtrArray) arts = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_artifact_free);
  KilnArtifact *a = kiln_artifact_new ();
  a->format = g_strdup ("vmdk");
  a->subformat = g_strdup ("streamOptimized");
  a->file = g_strdup ("web.vmdk");
  a->virtual_size = 8589934592;
  a->file_size = 400000000;
  a->sha256 = g_strdup ("aa");
  g_ptr_array_add (arts, a);
  g_autoptr (GHashTable) tags = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (tags, "Project", "demo");

  KilnOsInfo *os = debian_os ();
  KilnManifestInput in = {
    .name = "web", .created = "2025-01-02T03:04:05Z", .kiln_version = "0.1.0",
    .build = &br, .os = os, .kernel = "6.1.0-13-amd64", .packages = pkgs,
    .tags = tags, .artifacts = arts, .extra_timings = extra,
  };
  g_autoptr (JsonNode) root = kiln_manifest_build (&in);
  g_autofree char *text = kiln_json_to_text (root);

  /* Secret values appear nowhere. */
  assert_null (strstr (text, "hunter2"));
  assert_null (strstr (text, "hunter3"));
  assert_string_equal (str_at (root, "$.components[0].parameters.port"), "8080");
  assert_string_equal (str_at (root, "$.components[0].parameters.admin"),
                       KILN_REDACTED);
  assert_string_equal (str_at (root, "$.components[0].parameters.db_password"),
                       KILN_REDACTED);
  assert_string_equal (str_at (root, "$.components[0].redacted[1]"),
                       "db_password");
  assert_string_equal (str_at (root, "$.buildKey"), "feedface");
  assert_int_equal (json_object_get_int_member (obj_at (root, "$.recipe"),
                                                "buildNumber"), 7);
  assert_string_equal (str_at (root, "$.parent.digest"), "sha256:0123");
  assert_string_equal (str_at (root, "$.guest.version"), "12.5");
  assert_string_equal (str_at (root, "$.guest.kernel"), "6.1.0-13-amd64");
  assert_string_equal (str_at (root, "$.packages[0].version"), "5.2.15-2+b2");
  assert_string_equal (str_at (root, "$.tags.Project"), "demo");
  assert_string_equal (str_at (root, "$.timings[1].stage"), "distribute");
  JsonObject *art = obj_at (root, "$.artifacts[0]");
  assert_string_equal (json_object_get_string_member (art, "subformat"),
                       "streamOptimized");
  assert_int_equal (json_object_get_int_member (art, "virtualSize"),
                    8589934592);
  assert_int_equal (json_object_get_int_member (obj_at (root, "$.timings[0]"),
                                                "milliseconds"), 12346);
  assert_int_equal (json_object_get_int_member (json_node_get_object (root),
                                                "totalMilliseconds"), 13846);
  g_ptr_array_unref (os->kernels);
  g_free (os);
}

static void
test_purl_for_deb_and_rpm_with_epoch (void **state)
{
  KilnPackage deb = { "bash", "5.2.15-2+b2", "amd64" };
  g_autofree char *p1 = kiln_purl ("deb", "debian", 12, &deb);
  assert_string_equal (p1, "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64"
                           "&distro=debian-12");
  KilnPackage epoch = { "openssl", "1:3.0.7-1", "x86_64" };
  g_autofree char *p2 = kiln_purl ("rpm", "fedora", 40, &epoch);
  assert_string_equal (p2, "pkg:rpm/fedora/openssl@3.0.7-1?arch=x86_64"
                           "&distro=fedora-40&epoch=1");
  g_autofree char *p3 = kiln_purl ("deb", "debian", 12, &epoch);
  assert_string_equal (p3, "pkg:deb/debian/openssl@1%3A3.0.7-1?arch=x86_64"
                           "&distro=debian-12");
  assert_null (kiln_purl ("unknown", "debian", 12, &deb));
}

/* A package database row becomes a package whose version reads as the
 * distribution's tools print it. */
static void
test_package_version_from_database_row (void **state)
{
  KilnPackageRow deb = { "bsdutils", 1, "2.38.1", "5+deb12u1", "amd64" };
  g_autoptr (KilnPackage) a = kiln_package_from_row (&deb);
  assert_string_equal (a->name, "bsdutils");
  assert_string_equal (a->version, "1:2.38.1-5+deb12u1");
  assert_string_equal (a->arch, "amd64");
  KilnPackageRow plain = { "tzdata", 0, "2024a", "", NULL };
  g_autoptr (KilnPackage) b = kiln_package_from_row (&plain);
  assert_string_equal (b->version, "2024a");
  assert_string_equal (b->arch, "");
  KilnPackageRow nameless = { NULL, 0, "1", "", "all" };
  assert_null (kiln_package_from_row (&nameless));
}

static void
test_sbom_is_cyclonedx_without_duplicate_packages (void **state)
{
  g_autoptr (GPtrArray) pkgs = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_package_free);
  g_ptr_array_add (pkgs, kiln_package_new ("bash", "5.2.15-2+b2", "amd64"));
  g_ptr_array_add (pkgs, kiln_package_new ("bash", "5.2.15-2+b2", "amd64"));
  g_ptr_array_add (pkgs, kiln_package_new ("libc6", "2.36-9", "amd64"));
  KilnSbomInput in = {
    .image_name = "web", .image_version = "1.2.0", .distro = "debian",
    .major_version = 12, .minor_version = 5, .arch = "x86_64",
    .package_format = "deb", .packages = pkgs, .kiln_version = "0.1.0",
    .timestamp = "2025-01-02T03:04:05Z",
  };
  g_autoptr (JsonNode) root = kiln_sbom_build (&in);
  assert_string_equal (str_at (root, "$.bomFormat"), "CycloneDX");
  assert_string_equal (str_at (root, "$.specVersion"), "1.5");
  assert_true (g_str_has_prefix (str_at (root, "$.serialNumber"), "urn:uuid:"));
  assert_string_equal (str_at (root, "$.metadata.component.type"),
                       "operating-system");
  JsonArray *comps = json_object_get_array_member (json_node_get_object (root),
                                                   "components");
  assert_int_equal (json_array_get_length (comps), 2); /* duplicate dropped */
  assert_string_equal (str_at (root, "$.components[1].purl"),
                       "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12");
  assert_string_equal (str_at (root, "$.dependencies[0].dependsOn[1]"),
                       str_at (root, "$.components[1].bom-ref"));
}

/* Package rows and os-release come from the guest: bytes that are not
 * UTF-8 (found by fuzz-guest-files) must not make the SBOM invalid JSON. */
static void
test_sbom_of_invalid_utf8_guest_data_is_json (void **state)
{
  KilnPackageRow row = { "vim\xff", 2, "9.0.19\x80\x83\x03", "1.fc39",
                         "x86\xc0_64" };
  g_autoptr (GPtrArray) pkgs = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_package_free);
  g_ptr_array_add (pkgs, kiln_package_from_row (&row));
  assert_true (g_utf8_validate (((KilnPackage *) pkgs->pdata[0])->version,
                                -1, NULL));
  KilnSbomInput in = {
    .image_name = "web", .image_version = "1.2.0", .distro = "fedora\xfe",
    .product_name = "Fedora \xe2\x82 Linux", .major_version = 39,
    .arch = "x86_64", .package_format = "rpm", .packages = pkgs,
    .kiln_version = "0.1.0", .timestamp = "2025-01-02T03:04:05Z",
  };
  g_autoptr (JsonNode) root = kiln_sbom_build (&in);
  g_autofree char *text = json_to_string (root, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) again = json_from_string (text, &error);
  assert_null (error);
  assert_non_null (again);
  assert_non_null (strstr (str_at (again, "$.components[0].name"), "vim"));
}

static KilnArtifact *
art (const char *format, const char *sub, const char *file)
{
  KilnArtifact *a = kiln_artifact_new ();
  a->format = g_strdup (format);
  a->subformat = g_strdup (sub);
  a->file = g_strdup (file);
  return a;
}

static KilnCloudFile *
cloud_file (GPtrArray *files, const char *name)
{
  for (guint i = 0; i < files->len; i++)
    if (strcmp (((KilnCloudFile *) files->pdata[i])->name, name) == 0)
      return files->pdata[i];
  return NULL;
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  assert_true (json_parser_load_from_data (p, text, -1, NULL));
  return json_node_copy (json_parser_get_root (p));
}

static void
test_cloud_import (void **state)
{
  g_autoptr (GPtrArray) arts = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_artifact_free);
  g_ptr_array_add (arts, art ("raw", NULL, "web.raw"));
  g_ptr_array_add (arts, art ("vmdk", "streamOptimized", "web.vmdk"));
  g_autoptr (GHashTable) tags = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (tags, "Project", "demo");
  KilnAwsOptions aws = { .bucket = "my-bucket", .key_prefix = "golden/" };
  KilnCloudImportInput in = { .name = "web", .arch = "aarch64",
                              .firmware = "uefi", .ena = TRUE,
                              .artifacts = arts, .tags = tags, .aws = &aws };
  g_autoptr (GPtrArray) files = kiln_cloud_import_files (&in);
  assert_int_equal (files->len, 3);

  g_autoptr (JsonNode) img = parse_json (cloud_file (files, "aws-import-image.json")->text);
  assert_string_equal (str_at (img, "$.DiskContainers[0].Format"), "VMDK");
  assert_string_equal (str_at (img, "$.DiskContainers[0].UserBucket.S3Bucket"),
                       "my-bucket");
  assert_string_equal (str_at (img, "$.DiskContainers[0].UserBucket.S3Key"),
                       "golden/web.vmdk");
  assert_string_equal (str_at (img, "$.BootMode"), "uefi");
  assert_string_equal (str_at (img, "$.Architecture"), "arm64");
  assert_string_equal (str_at (img, "$.TagSpecifications[0].ResourceType"),
                       "import-image-task");

  g_autoptr (JsonNode) snap = parse_json (cloud_file (files, "aws-import-snapshot.json")->text);
  assert_string_equal (str_at (snap, "$.DiskContainer.Format"), "RAW");
  assert_string_equal (str_at (snap, "$.DiskContainer.UserBucket.S3Key"),
                       "golden/web.raw");

  g_autoptr (JsonNode) reg = parse_json (cloud_file (files, "aws-register-image.json")->text);
  assert_string_equal (str_at (reg, "$.Architecture"), "arm64");
  assert_string_equal (str_at (reg, "$.RootDeviceName"), "/dev/xvda");
  assert_string_equal (str_at (reg, "$.BlockDeviceMappings[0].Ebs.SnapshotId"),
                       KILN_AWS_SNAPSHOT_PLACEHOLDER);
  assert_true (json_object_get_boolean_member (json_node_get_object (reg),
                                               "EnaSupport"));

  /* Placeholders without outputs.aws; BIOS; no ENA. */
  in.aws = NULL;
  in.firmware = "bios";
  in.arch = "x86_64";
  in.ena = FALSE;
  g_autoptr (GPtrArray) f2 = kiln_cloud_import_files (&in);
  g_autoptr (JsonNode) snap2 = parse_json (cloud_file (f2, "aws-import-snapshot.json")->text);
  assert_string_equal (str_at (snap2, "$.DiskContainer.UserBucket.S3Bucket"),
                       KILN_AWS_BUCKET_PLACEHOLDER);
  assert_string_equal (str_at (snap2, "$.DiskContainer.UserBucket.S3Key"),
                       "web.raw");
  g_autoptr (JsonNode) reg2 = parse_json (cloud_file (f2, "aws-register-image.json")->text);
  assert_string_equal (str_at (reg2, "$.BootMode"), "legacy-bios");
  assert_false (json_object_get_boolean_member (json_node_get_object (reg2),
                                                "EnaSupport"));

  /* qcow2 and monolithicSparse VMDK cannot be imported: no files. */
  g_autoptr (GPtrArray) a3 = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_artifact_free);
  g_ptr_array_add (a3, art ("qcow2", NULL, "web.qcow2"));
  g_ptr_array_add (a3, art ("vmdk", "monolithicSparse", "web.vmdk"));
  in.artifacts = a3;
  g_autoptr (GPtrArray) f3 = kiln_cloud_import_files (&in);
  assert_int_equal (f3->len, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_secret_names),
    cmocka_unit_test (test_manifest_records_the_build_and_redacts_secrets),
    cmocka_unit_test (test_purl_for_deb_and_rpm_with_epoch),
    cmocka_unit_test (test_package_version_from_database_row),
    cmocka_unit_test (test_sbom_is_cyclonedx_without_duplicate_packages),
    cmocka_unit_test (test_sbom_of_invalid_utf8_guest_data_is_json),
    cmocka_unit_test (test_cloud_import),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
