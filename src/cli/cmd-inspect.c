/* cmd-inspect.c - kiln inspect IMAGE [--target T[,T...]] [--json]
 *
 * What is in an image and whether a cloud or hypervisor will boot it:
 * one read-only libguestfs launch, then the import-readiness rules.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "base/escape.h"
#include "outputs/inspect-image.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "outputs/lint.h"
#include "outputs/manifest.h"
#include "outputs/sbom.h"

static const char description[] =
  "Targets: kvm (virtio; OpenStack, Proxmox, libvirt), aws, azure, vsphere,\n"
  "or all.  Without --target only the checks every target shares run\n"
  "(boot loader, EFI fallback path, fstab and root= by UUID).\n"
  "\n"
  "Each finding has an id, a severity (error: the import or the first boot\n"
  "fails; warning: it works with a caveat; info), a message and how to fix\n"
  "it.  docs/outputs.md lists every rule.\n"
  "\n"
  "Exit status: 0 no errors, 1 error findings, 2 bad input, 3 host problem.";

static const char *
yes_no (gboolean b)
{
  return b ? "yes" : "no";
}

static char *
join (GPtrArray *a, const char *none)
{
  if (!a || a->len == 0)
    return g_strdup (none);
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; i < a->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "",
                            (const char *) a->pdata[i]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
print_text (const char *image, const KilnImageInspection *r,
            GPtrArray *targets, GPtrArray *findings, gboolean packages)
{
  const KilnOsInfo *os = r->os;
  const KilnLintFacts *f = r->facts;
  g_autofree char *size = g_format_size_full (r->virtual_size,
                                              G_FORMAT_SIZE_IEC_UNITS);
  kiln_print_text (stdout, "image        %s (%s, %s)\n", image, r->format, size);
  kiln_print_text (stdout, "os           %s %s %d.%d, %s (%s)\n", os->type, os->distro,
          os->major_version, os->minor_version, os->arch,
          os->product_name ? os->product_name : "no product name");
  kiln_print_text (stdout, "firmware     %s, partition table %s, root %s on %s\n",
          os->firmware, f->partition_table ? f->partition_table : "none",
          os->root_fstype, os->root_device);
  g_autofree char *loaders = join (f->bootloaders, "none found");
  kiln_print_text (stdout, "boot         %s; MBR boot code %s%s\n", loaders,
          yes_no (f->mbr_boot_code),
          f->bios_boot_partition ? ", BIOS boot partition" : "");
  if (f->esp_present)
    kiln_print_text (stdout, "esp          %s; fallback \\EFI\\BOOT\\BOOT*.EFI %s\n",
            f->esp_checked ? "mounted" : "not mounted by the guest",
            yes_no (f->efi_fallback));
  g_autofree char *roots = join (f->cmdline_roots, "none");
  kiln_print_text (stdout, "root=        %s\n", roots);
  kiln_print_text (stdout, "kernel       %s (%u installed)\n", f->kernel ? f->kernel : "none",
          f->kernels->len);
  if (f->initramfs_modules)
    kiln_print_text (stdout, "initramfs    %s: %u modules\n", f->initramfs_path,
            g_hash_table_size (f->initramfs_modules));
  else if (f->initramfs_path)
    kiln_print_text (stdout, "initramfs    %s: %s\n", f->initramfs_path,
            f->initramfs_error ? f->initramfs_error : "not read");
  else
    kiln_print_text (stdout, "initramfs    none found\n");
  for (guint i = 0; f->fstab_found && i < f->fstab->len; i++)
    {
      const KilnFstabEntry *e = f->fstab->pdata[i];
      kiln_print_text (stdout, "%-12s %s %s %s\n", i ? "" : "fstab", e->spec, e->mountpoint,
              e->fstype);
    }
  kiln_print_text (stdout, "agents       cloud-init %s, waagent %s, open-vm-tools %s, qemu-ga "
          "%s, ssm %s\n", yes_no (f->cloud_init), yes_no (f->waagent),
          yes_no (f->vmtools), yes_no (f->qemu_ga), yes_no (f->ssm_agent));
  if (f->net_configs->len == 0)
    kiln_print_text (stdout, "network      no interface configuration%s\n",
            f->network_manager ? " (NetworkManager)" : "");
  for (guint i = 0; i < f->net_configs->len; i++)
    {
      const KilnNetConfig *c = f->net_configs->pdata[i];
      kiln_print_text (stdout, "%-12s %s %s: %s (%s)\n", i ? "" : "network", c->manager,
              c->match ? c->match : "any", c->dhcp ? "dhcp" : "static",
              c->source);
    }
  for (guint i = 0; i < f->mac_pins->len; i++)
    {
      const KilnMacPin *m = f->mac_pins->pdata[i];
      kiln_print_text (stdout, "%-12s %s:%d %s\n", i ? "" : "MAC pinned", m->source, m->line,
              m->mac);
    }
  if (packages && r->packages)
    {
      kiln_print_text (stdout, "packages     %u\n", r->packages->len);
      for (guint i = 0; i < r->packages->len; i++)
        {
          const KilnPackage *p = r->packages->pdata[i];
          kiln_print_text (stdout, "  %s %s %s\n", p->name, p->version ? p->version : "",
                  p->arch ? p->arch : "");
        }
    }
  g_autofree char *tl = join (targets, "none (use --target)");
  kiln_print_text (stdout, "targets      %s\n\n", tl);
  if (findings->len)
    {
      g_autofree char *text = kiln_lint_findings_format (findings);
      kiln_print_text (stdout, "%s\n", text);
    }
  kiln_print_text (stdout, "%u error(s), %u warning(s), %u note(s)\n",
          kiln_lint_count (findings, KILN_LINT_ERROR),
          kiln_lint_count (findings, KILN_LINT_WARNING),
          kiln_lint_count (findings, KILN_LINT_INFO));
}

static void
print_json (const char *image, const KilnImageInspection *r,
            GPtrArray *targets, GPtrArray *findings, gboolean packages)
{
  const KilnOsInfo *os = r->os;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "image");
  json_builder_add_string_value (b, image);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, r->format);
  json_builder_set_member_name (b, "virtualSize");
  json_builder_add_int_value (b, (gint64) r->virtual_size);
  json_builder_set_member_name (b, "guest");
  json_builder_begin_object (b);
  struct { const char *k, *v; } s[] = {
    { "os", os->type }, { "distro", os->distro },
    { "product", os->product_name }, { "arch", os->arch },
    { "firmware", os->firmware }, { "partitionTable", os->partition_table },
    { "rootDevice", os->root_device }, { "rootFilesystem", os->root_fstype },
    { "packageFormat", os->package_format }, { "hostname", os->hostname },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (s); i++)
    {
      json_builder_set_member_name (b, s[i].k);
      if (s[i].v)
        json_builder_add_string_value (b, s[i].v);
      else
        json_builder_add_null_value (b);
    }
  json_builder_set_member_name (b, "majorVersion");
  json_builder_add_int_value (b, os->major_version);
  json_builder_set_member_name (b, "minorVersion");
  json_builder_add_int_value (b, os->minor_version);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "facts");
  json_builder_add_value (b, kiln_lint_facts_to_json (r->facts));
  json_builder_set_member_name (b, "targets");
  json_builder_begin_array (b);
  for (guint i = 0; i < targets->len; i++)
    json_builder_add_string_value (b, targets->pdata[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "findings");
  json_builder_add_value (b, kiln_lint_findings_to_json (findings));
  json_builder_set_member_name (b, "errors");
  json_builder_add_int_value (b, kiln_lint_count (findings, KILN_LINT_ERROR));
  json_builder_set_member_name (b, "warnings");
  json_builder_add_int_value (b, kiln_lint_count (findings,
                                                  KILN_LINT_WARNING));
  if (packages)
    {
      json_builder_set_member_name (b, "packages");
      json_builder_begin_array (b);
      for (guint i = 0; r->packages && i < r->packages->len; i++)
        {
          const KilnPackage *p = r->packages->pdata[i];
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, p->name);
          json_builder_set_member_name (b, "version");
          json_builder_add_string_value (b, p->version);
          json_builder_set_member_name (b, "arch");
          json_builder_add_string_value (b, p->arch);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = kiln_json_to_text (root);
  fputs (text, stdout);
}

int
kiln_cmd_inspect (int argc, char **argv)
{
  g_auto (GStrv) targets = NULL, args = NULL;
  g_autofree char *input_format = NULL, *accel = NULL;
  gboolean json = FALSE, packages = FALSE;
  GOptionEntry entries[] = {
    { "target", 't', 0, G_OPTION_ARG_STRING_ARRAY, &targets,
      "check import readiness for kvm, aws, azure, vsphere or all",
      "T[,T...]" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON", NULL },
    { "packages", 'p', 0, G_OPTION_ARG_NONE, &packages,
      "list the installed packages too", NULL },
    { "input-format", 0, 0, G_OPTION_ARG_STRING, &input_format,
      "the image's format (default: probed)", "FORMAT" },
    { "accel", 0, 0, G_OPTION_ARG_STRING, &accel,
      "appliance acceleration: auto, kvm or tcg", "A" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL,
      NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("IMAGE");
  g_autoptr (GError) error = NULL;
  g_option_context_set_summary (ctx, "Show what an image holds and whether "
                                "it is ready to import into a cloud or "
                                "hypervisor.");
  g_option_context_set_description (ctx, description);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_set_prgname ("kiln inspect");
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "kiln inspect: %s\n", error->message);
      return KILN_EXIT_BAD_INPUT;
    }
  if (!args || !args[0] || args[1])
    {
      fprintf (stderr, "Usage: kiln inspect IMAGE [--target T[,T...]] "
               "[--json]\nRun 'kiln inspect --help' for more.\n");
      return KILN_EXIT_BAD_INPUT;
    }
  g_autoptr (GPtrArray) tgts = kiln_lint_targets_parse (
      (const char *const *) targets, &error);
  if (!tgts)
    {
      fprintf (stderr, "kiln inspect: %s\n", error->message);
      return KILN_EXIT_BAD_INPUT;
    }
  g_autoptr (KilnImageInspection) r = kiln_inspect_image (
      args[0], input_format, accel, packages || json, &error);
  if (!r)
    {
      fprintf (stderr, "kiln inspect: %s\n", error->message);
      return kiln_exit_code_for_error (error);
    }
  g_autoptr (GPtrArray) findings = kiln_lint_run (r->facts, tgts);
  if (json)
    print_json (args[0], r, tgts, findings, packages);
  else
    print_text (args[0], r, tgts, findings, packages);
  return kiln_lint_count (findings, KILN_LINT_ERROR) ? KILN_EXIT_FAILED
                                                     : KILN_EXIT_OK;
}
