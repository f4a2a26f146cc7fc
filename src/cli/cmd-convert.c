/* cmd-convert.c - kiln convert IMAGE --format F[,F...] [--output-dir DIR]
 *
 * The distribute stage for an image kiln did not build: inspect it once
 * (read-only, one libguestfs launch) for the OVF's guest type, the SBOM,
 * the AWS files and the lint, then convert.  --no-inspect skips the launch.
 */
#include <stdio.h>
#include <string.h>

#include "outputs/artifact-progress.h"
#include "base/signals.h"
#include "commands.h"
#include "config.h"
#include "outputs/inspect-image.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "outputs/outputs.h"

static const char description[] =
  "Formats: qcow2 qcow2:compressed raw vmdk (streamOptimized)\n"
  "  vmdk:monolithicSparse vhdx vhdx:fixed vhd (fixed, 1 MiB aligned)\n"
  "  vhd:dynamic ova\n"
  "\n"
  "Writes BASE.<format> for each format plus SHA256SUMS, manifest.json,\n"
  "sbom.cdx.json (when the guest has a package database) and aws-*.json\n"
  "(AWS CLI input, when an artifact can be imported) into the output\n"
  "directory, all at once at the end: an interrupted run leaves nothing.\n"
  "IMAGE is a regular file or a block device (a FIFO, a character device\n"
  "or a directory is refused).\n"
  "\n"
  "Exit status: 0 done, 1 conversion failed or lint errors, 2 bad input,\n"
  "3 host problem.";

/* "a.b.qcow2" -> "a.b" ; "disk" -> "disk" */
static char *
default_name (const char *image)
{
  g_autofree char *base = g_path_get_basename (image);
  char *dot = strrchr (base, '.');
  if (dot && dot != base)
    *dot = '\0';
  /* Replace what artifact names do not allow. */
  for (char *p = base; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("._+-", *p))
      *p = '_';
  return g_strdup (base[0] == '.' || base[0] == '-' ? "image" : base);
}

static gboolean
parse_tags (char **tags, GHashTable *out, GError **error)
{
  for (gsize i = 0; tags && tags[i]; i++)
    {
      const char *eq = strchr (tags[i], '=');
      if (!eq || eq == tags[i])
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "--tag: expected KEY=VALUE, found '%s'", tags[i]);
          return FALSE;
        }
      g_hash_table_insert (out, g_strndup (tags[i], eq - tags[i]),
                           g_strdup (eq + 1));
    }
  return TRUE;
}

static void
print_result (const KilnDistributeResult *r, gboolean json)
{
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "event");
      json_builder_add_string_value (b, "result");
      json_builder_set_member_name (b, "outputDir");
      json_builder_add_string_value (b, r->output_dir);
      json_builder_set_member_name (b, "milliseconds");
      json_builder_add_int_value (b, (gint64) (r->seconds * 1000 + 0.5));
      json_builder_set_member_name (b, "artifacts");
      json_builder_begin_array (b);
      for (guint i = 0; i < r->artifacts->len; i++)
        {
          const KilnArtifact *a = r->artifacts->pdata[i];
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "file");
          json_builder_add_string_value (b, a->file);
          json_builder_set_member_name (b, "format");
          json_builder_add_string_value (b, a->format);
          json_builder_set_member_name (b, "fileSize");
          json_builder_add_int_value (b, (gint64) a->file_size);
          json_builder_set_member_name (b, "sha256");
          json_builder_add_string_value (b, a->sha256);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      g_autoptr (JsonNode) root = json_builder_get_root (b);
      g_autofree char *text = kiln_json_string (root, FALSE);
      printf ("%s\n", text);
      return;
    }
  printf ("\nWrote to %s in %.1f s:\n", r->output_dir, r->seconds);
  for (guint i = 0; i < r->artifacts->len; i++)
    {
      const KilnArtifact *a = r->artifacts->pdata[i];
      g_autofree char *size = g_format_size (a->file_size);
      g_autofree char *alloc = g_format_size (a->allocated_size);
      printf ("  %-36s %10s (%s on disk)  sha256 %.16s...\n", a->file, size,
              alloc, a->sha256);
    }
  for (guint i = 0; i < r->files->len; i++)
    printf ("  %s\n", ((const KilnArtifact *) r->files->pdata[i])->file);
  printf ("Check with: (cd %s && sha256sum -c SHA256SUMS)\n", r->output_dir);
}

int
kiln_cmd_convert (int argc, char **argv)
{
  g_auto (GStrv) formats = NULL, targets = NULL, tags = NULL, args = NULL;
  g_autofree char *output_dir = NULL, *name = NULL, *input_format = NULL;
  g_autofree char *aws_bucket = NULL, *aws_prefix = NULL, *aws_role = NULL;
  g_autofree char *controller = NULL, *nic = NULL, *network = NULL;
  g_autofree char *accel = NULL;
  gboolean allow_lint = FALSE, no_inspect = FALSE, force = FALSE;
  gboolean json = FALSE, quiet = FALSE;
  int cpus = 0, memory = 0, hw = 0, parallel = 0;
  GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &formats,
      "output formats (repeat or comma-separate)", "F[,F...]" },
    { "output-dir", 'o', 0, G_OPTION_ARG_FILENAME, &output_dir,
      "where the artifacts go (default: the current directory)", "DIR" },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name,
      "artifact base name (default: the image's file name)", "NAME" },
    { "input-format", 0, 0, G_OPTION_ARG_STRING, &input_format,
      "the image's format (default: probed)", "FORMAT" },
    { "target", 't', 0, G_OPTION_ARG_STRING_ARRAY, &targets,
      "check import readiness for kvm, aws, azure, vsphere or all first",
      "T[,T...]" },
    { "allow-lint-errors", 0, 0, G_OPTION_ARG_NONE, &allow_lint,
      "convert even when the readiness check finds errors", NULL },
    { "no-inspect", 0, 0, G_OPTION_ARG_NONE, &no_inspect,
      "do not look inside the image (no SBOM, no lint, generic OVF)", NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      "replace existing files of the same names", NULL },
    { "tag", 0, 0, G_OPTION_ARG_STRING_ARRAY, &tags,
      "a tag for the manifest and the AWS files (repeatable)", "KEY=VALUE" },
    { "aws-bucket", 0, 0, G_OPTION_ARG_STRING, &aws_bucket,
      "S3 bucket for the AWS import files", "BUCKET" },
    { "aws-prefix", 0, 0, G_OPTION_ARG_STRING, &aws_prefix,
      "S3 key prefix for the AWS import files", "PREFIX" },
    { "aws-role", 0, 0, G_OPTION_ARG_STRING, &aws_role,
      "VM Import service role (default vmimport)", "ROLE" },
    { "vm-cpus", 0, 0, G_OPTION_ARG_INT, &cpus, "OVA: vCPUs (2)", "N" },
    { "vm-memory", 0, 0, G_OPTION_ARG_INT, &memory, "OVA: memory (2048)",
      "MIB" },
    { "vm-controller", 0, 0, G_OPTION_ARG_STRING, &controller,
      "OVA: disk controller (lsilogic, pvscsi, lsilogicsas, sata, nvme, ide)",
      "C" },
    { "vm-nic", 0, 0, G_OPTION_ARG_STRING, &nic,
      "OVA: network adapter (vmxnet3, e1000, e1000e)", "NIC" },
    { "vm-network", 0, 0, G_OPTION_ARG_STRING, &network,
      "OVA: network name (VM Network)", "NAME" },
    { "vmware-hw", 0, 0, G_OPTION_ARG_INT, &hw,
      "OVA/VMDK: VMware hardware version (13 = ESXi 6.5+)", "N" },
    { "parallel", 'j', 0, G_OPTION_ARG_INT, &parallel,
      "conversions at once (default: CPU count)", "N" },
    { "accel", 0, 0, G_OPTION_ARG_STRING, &accel,
      "inspection appliance: auto, kvm or tcg", "A" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "progress and result as JSON lines", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "no progress output",
      NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL,
      NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("IMAGE");
  g_autoptr (GError) error = NULL;
  g_option_context_set_summary (ctx, "Convert and package an image: the "
                                "distribute stage without a build.");
  g_option_context_set_description (ctx, description);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_set_prgname ("kiln convert");
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "kiln convert: %s\n", error->message);
      return KILN_EXIT_BAD_INPUT;
    }
  if (!args || !args[0] || args[1] || !formats)
    {
      fprintf (stderr, "Usage: kiln convert IMAGE --format F[,F...] "
               "[--output-dir DIR]\nRun 'kiln convert --help' for more.\n");
      return KILN_EXIT_BAD_INPUT;
    }
  const char *image = args[0];

  g_autoptr (GPtrArray) fmts = kiln_format_list_parse (
      (const char *const *) formats, &error);
  g_autoptr (GPtrArray) tgts = fmts ? kiln_lint_targets_parse (
                                          (const char *const *) targets, &error)
                                    : NULL;
  g_autoptr (GHashTable) tag_table = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *base = name ? g_strdup (name) : default_name (image);
  if (!fmts || !tgts || !parse_tags (tags, tag_table, &error)
      || !kiln_artifact_name_valid (base, &error))
    {
      fprintf (stderr, "kiln convert: %s\n", error->message);
      return KILN_EXIT_BAD_INPUT;
    }
  if (no_inspect && tgts->len)
    {
      fprintf (stderr, "kiln convert: --target needs the inspection that "
               "--no-inspect skips\n");
      return KILN_EXIT_BAD_INPUT;
    }
  if (cpus < 0 || memory < 0 || hw < 0 || parallel < 0)
    {
      fprintf (stderr, "kiln convert: --vm-cpus, --vm-memory, --vmware-hw "
               "and --parallel take positive numbers\n");
      return KILN_EXIT_BAD_INPUT;
    }

  g_autoptr (KilnImageInspection) insp = NULL;
  g_autofree char *format = NULL;
  if (no_inspect)
    format = kiln_image_format (image, input_format, NULL, &error);
  else
    {
      if (!json && !quiet)
        fprintf (stderr, "Inspecting %s (read-only)...\n", image);
      insp = kiln_inspect_image (image, input_format, accel, TRUE, &error);
      if (insp)
        format = g_strdup (insp->format);
    }
  if (!format)
    {
      fprintf (stderr, "kiln convert: %s\n", error->message);
      return kiln_exit_code_for_error (error);
    }

  KilnAwsOptions aws = { aws_bucket, aws_prefix, aws_role };
  KilnProgressStyle style = quiet ? KILN_PROGRESS_QUIET
                            : json ? KILN_PROGRESS_JSON
                                   : KILN_PROGRESS_AUTO;
  g_autoptr (KilnArtifactProgress) progress = kiln_artifact_progress_new (
      json ? stdout : stderr, style);
  KilnDistributeSpec spec = {
    .source = image,
    .source_format = format,
    .formats = fmts,
    .output_dir = output_dir ? output_dir : ".",
    .base_name = base,
    .overwrite = force,
    .os = insp ? insp->os : NULL,
    .packages = insp ? insp->packages : NULL,
    .facts = insp ? insp->facts : NULL,
    .lint_targets = tgts,
    .allow_lint_errors = allow_lint,
    .tags = tag_table,
    .aws = &aws,
    .vm_cpus = (guint) cpus,
    .vm_memory_mib = (guint) memory,
    .vm_controller = controller,
    .vm_nic = nic,
    .vm_network = network,
    .vmware_hw_version = (guint) hw,
    .parallel = (guint) parallel,
    .progress = kiln_artifact_progress_update,
    .progress_data = progress,
  };

  g_autoptr (GPtrArray) findings = kiln_distribute_lint (&spec);
  if (findings->len && !json)
    {
      g_autofree char *text = kiln_lint_findings_format (findings);
      fprintf (stderr, "Import readiness:\n%s", text);
    }
  else if (findings->len)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "event");
      json_builder_add_string_value (b, "lint");
      json_builder_set_member_name (b, "findings");
      json_builder_add_value (b, kiln_lint_findings_to_json (findings));
      json_builder_end_object (b);
      g_autoptr (JsonNode) root = json_builder_get_root (b);
      g_autofree char *text = kiln_json_string (root, FALSE);
      printf ("%s\n", text);
    }

  /* Ctrl-C / SIGTERM: cancel; distribute removes what it wrote. */
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  KilnSignalWatch *signals = kiln_signal_watch_new (cancel);
  g_autoptr (KilnDistributeResult) result = NULL;
  gboolean ok = kiln_distribute (&spec, &result, cancel, &error);
  kiln_signal_watch_free (signals);
  g_clear_pointer (&progress, kiln_artifact_progress_free);
  if (!ok)
    {
      fprintf (stderr, "kiln convert: %s\n", error->message);
      return kiln_exit_code_for_error (error);
    }
  print_result (result, json);
  return KILN_EXIT_OK;
}
