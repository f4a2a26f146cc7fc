/* cloud-import.h - files that feed the AWS CLI straight from the output
 * directory (`--cli-input-json file://...`):
 *
 *   aws-import-image.json     aws ec2 import-image (DiskContainers: the
 *                             VMDK, else OVA, VHD, VHDX or raw)
 *   aws-import-snapshot.json  aws ec2 import-snapshot (raw, else VMDK/VHD)
 *   aws-register-image.json   aws ec2 register-image for the snapshot:
 *                             architecture, boot mode, ENA, root device
 *
 * S3 bucket and key prefix come from the recipe's outputs.aws; without them
 * the files carry placeholders (KILN_AWS_BUCKET_PLACEHOLDER) to replace.
 */
#pragma once

#include <glib.h>

#define KILN_AWS_BUCKET_PLACEHOLDER "REPLACE-WITH-S3-BUCKET"
#define KILN_AWS_SNAPSHOT_PLACEHOLDER "REPLACE-WITH-SNAPSHOT-ID"

typedef struct {
  const char *bucket;           /* NULL = placeholder */
  const char *key_prefix;       /* "images/" ; NULL = none */
  const char *role_name;        /* NULL = the default role "vmimport" */
} KilnAwsOptions;

typedef struct {
  const char *name;             /* image name (AMI Name, descriptions) */
  const char *description;      /* NULL = "<name> built by kiln" */
  const char *arch;             /* from inspection: x86_64, aarch64, ... */
  const char *firmware;         /* "bios" / "uefi" */
  gboolean ena;                 /* the kernel has the ENA driver */
  GPtrArray *artifacts;         /* KilnArtifact* produced */
  GHashTable *tags;             /* char* -> char*, or NULL */
  const KilnAwsOptions *aws;    /* NULL = placeholders */
} KilnCloudImportInput;

typedef struct {
  char *name;                   /* file name */
  char *text;                   /* JSON */
} KilnCloudFile;

void kiln_cloud_file_free (KilnCloudFile *f);

/* The files that apply to the artifacts (none when no artifact can be
 * imported into AWS, e.g. qcow2 only).  KilnCloudFile*. */
GPtrArray *kiln_cloud_import_files (const KilnCloudImportInput *in);

/* EC2's name for an architecture: x86_64, arm64, i386; NULL if none. */
const char *kiln_aws_architecture (const char *arch);
