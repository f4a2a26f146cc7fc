/* cloud-import.c - AWS import-image / import-snapshot / register-image input */
#include <string.h>

#include "cloud-import.h"
#include "common/kiln-json.h"
#include "manifest.h"

void
kiln_cloud_file_free (KilnCloudFile *f)
{
  if (!f)
    return;
  g_free (f->name);
  g_free (f->text);
  g_free (f);
}

const char *
kiln_aws_architecture (const char *arch)
{
  if (!arch)
    return NULL;
  if (strcmp (arch, "x86_64") == 0 || strcmp (arch, "amd64") == 0)
    return "x86_64";
  if (strcmp (arch, "aarch64") == 0 || strcmp (arch, "arm64") == 0)
    return "arm64";
  if (strcmp (arch, "i386") == 0 || strcmp (arch, "i686") == 0)
    return "i386";
  return NULL;
}

static const KilnArtifact *
find (GPtrArray *artifacts, const char *format, const char *sub)
{
  for (guint i = 0; artifacts && i < artifacts->len; i++)
    {
      const KilnArtifact *a = artifacts->pdata[i];
      if (g_strcmp0 (a->format, format) == 0
          && (!sub || g_strcmp0 (a->subformat, sub) == 0))
        return a;
    }
  return NULL;
}

static void
set_str (JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, value);
}

static void
user_bucket (JsonBuilder *b, const KilnCloudImportInput *in,
             const KilnArtifact *a)
{
  const KilnAwsOptions *aws = in->aws;
  g_autofree char *key = g_strconcat (aws && aws->key_prefix ? aws->key_prefix
                                                             : "",
                                      a->file, NULL);
  json_builder_set_member_name (b, "UserBucket");
  json_builder_begin_object (b);
  set_str (b, "S3Bucket", aws && aws->bucket ? aws->bucket
                                             : KILN_AWS_BUCKET_PLACEHOLDER);
  set_str (b, "S3Key", key);
  json_builder_end_object (b);
}

static void
tag_specs (JsonBuilder *b, GHashTable *tags, const char *const *types)
{
  if (!tags || g_hash_table_size (tags) == 0)
    return;
  g_autoptr (GList) keys = g_hash_table_get_keys (tags);
  keys = g_list_sort (keys, (GCompareFunc) strcmp);
  json_builder_set_member_name (b, "TagSpecifications");
  json_builder_begin_array (b);
  for (gsize t = 0; types[t]; t++)
    {
      json_builder_begin_object (b);
      set_str (b, "ResourceType", types[t]);
      json_builder_set_member_name (b, "Tags");
      json_builder_begin_array (b);
      for (GList *k = keys; k; k = k->next)
        {
          json_builder_begin_object (b);
          set_str (b, "Key", k->data);
          set_str (b, "Value", g_hash_table_lookup (tags, k->data));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static const char *
aws_format (const KilnArtifact *a)
{
  if (strcmp (a->format, "vmdk") == 0)
    return "VMDK";
  if (strcmp (a->format, "ova") == 0)
    return "OVA";
  if (strcmp (a->format, "vhd") == 0)
    return "VHD";
  if (strcmp (a->format, "vhdx") == 0)
    return "VHDX";
  return "RAW";
}

static KilnCloudFile *
finish (const char *name, JsonBuilder *b)
{
  KilnCloudFile *f = g_new0 (KilnCloudFile, 1);
  f->name = g_strdup (name);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  f->text = kiln_json_to_text (root);
  return f;
}

static const char *
boot_mode (const KilnCloudImportInput *in)
{
  return g_strcmp0 (in->firmware, "uefi") == 0 ? "uefi" : "legacy-bios";
}

GPtrArray *
kiln_cloud_import_files (const KilnCloudImportInput *in)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_cloud_file_free);
  g_autofree char *desc = in->description
                              ? g_strdup (in->description)
                              : g_strdup_printf ("%s built by kiln", in->name);
  const char *arch = kiln_aws_architecture (in->arch);

  /* import-image: a streamOptimized VMDK is what AWS converts most
   * reliably; the others in order of preference. */
  const KilnArtifact *img = find (in->artifacts, "vmdk", "streamOptimized");
  if (!img)
    img = find (in->artifacts, "ova", NULL);
  if (!img)
    img = find (in->artifacts, "vhd", NULL);
  if (!img)
    img = find (in->artifacts, "vhdx", NULL);
  if (!img)
    img = find (in->artifacts, "raw", NULL);
  if (img)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      static const char *const types[] = { "import-image-task", NULL };
      json_builder_begin_object (b);
      set_str (b, "Description", desc);
      if (arch)
        set_str (b, "Architecture", arch);
      set_str (b, "Platform", "Linux");
      set_str (b, "BootMode", boot_mode (in));
      set_str (b, "LicenseType", "BYOL");
      set_str (b, "RoleName", in->aws && in->aws->role_name
                                  ? in->aws->role_name : "vmimport");
      json_builder_set_member_name (b, "DiskContainers");
      json_builder_begin_array (b);
      json_builder_begin_object (b);
      set_str (b, "Description", img->file);
      set_str (b, "Format", aws_format (img));
      user_bucket (b, in, img);
      json_builder_end_object (b);
      json_builder_end_array (b);
      tag_specs (b, in->tags, types);
      json_builder_end_object (b);
      g_ptr_array_add (out, finish ("aws-import-image.json", b));
    }

  /* import-snapshot + register-image: the raw path (any architecture, no
   * guest changes by AWS). */
  const KilnArtifact *snap = find (in->artifacts, "raw", NULL);
  if (!snap)
    snap = find (in->artifacts, "vmdk", "streamOptimized");
  if (!snap)
    snap = find (in->artifacts, "vhd", NULL);
  if (snap)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      static const char *const types[] = { "import-snapshot-task", NULL };
      json_builder_begin_object (b);
      set_str (b, "Description", desc);
      set_str (b, "RoleName", in->aws && in->aws->role_name
                                  ? in->aws->role_name : "vmimport");
      json_builder_set_member_name (b, "DiskContainer");
      json_builder_begin_object (b);
      set_str (b, "Description", snap->file);
      set_str (b, "Format", aws_format (snap));
      user_bucket (b, in, snap);
      json_builder_end_object (b);
      tag_specs (b, in->tags, types);
      json_builder_end_object (b);
      g_ptr_array_add (out, finish ("aws-import-snapshot.json", b));

      g_autoptr (JsonBuilder) r = json_builder_new ();
      static const char *const rtypes[] = { "image", NULL };
      json_builder_begin_object (r);
      set_str (r, "Name", in->name);
      set_str (r, "Description", desc);
      set_str (r, "Architecture", arch ? arch : "x86_64");
      set_str (r, "VirtualizationType", "hvm");
      set_str (r, "RootDeviceName", "/dev/xvda");
      json_builder_set_member_name (r, "BlockDeviceMappings");
      json_builder_begin_array (r);
      json_builder_begin_object (r);
      set_str (r, "DeviceName", "/dev/xvda");
      json_builder_set_member_name (r, "Ebs");
      json_builder_begin_object (r);
      set_str (r, "SnapshotId", KILN_AWS_SNAPSHOT_PLACEHOLDER);
      set_str (r, "VolumeType", "gp3");
      json_builder_set_member_name (r, "DeleteOnTermination");
      json_builder_add_boolean_value (r, TRUE);
      json_builder_end_object (r);
      json_builder_end_object (r);
      json_builder_end_array (r);
      json_builder_set_member_name (r, "EnaSupport");
      json_builder_add_boolean_value (r, in->ena);
      set_str (r, "BootMode", boot_mode (in));
      set_str (r, "ImdsSupport", "v2.0");
      tag_specs (r, in->tags, rtypes);
      json_builder_end_object (r);
      g_ptr_array_add (out, finish ("aws-register-image.json", r));
    }
  return out;
}
