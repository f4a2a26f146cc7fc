/* fuzz-guest-files.c - libFuzzer target for the readers of what kiln reads
 * back from a guest (the parsers guest-facts.c hands guest files to:
 * lint-parse.c, initramfs.c; and the package rows and OS facts that become
 * the SBOM, sbom.c).
 *
 * Input: one selector byte, then the file.  The selector picks the reader
 * (as guest-facts.c picks it by path); the file is a guest file's text
 * (cut at its first NUL, as kiln_guest_read_max hands it over) or, for the
 * initramfs, its bytes.  The facts gathered then go through every lint
 * rule, the findings and facts are formatted as text and JSON.  For the
 * packages reader the file is lines of tab-separated fields: first the OS
 * facts inspection reports (distro, product name from os-release, major,
 * minor, arch, package format), then one package row per line (name,
 * epoch, version, release, arch); the SBOM built from them must be JSON
 * that parses again.  Must never crash, leak, hang or use unbounded
 * memory.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/kiln-types.h"
#include "outputs/initramfs.h"
#include "outputs/lint-parse.h"
#include "outputs/lint.h"
#include "outputs/sbom.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef enum {
  READ_FSTAB,
  READ_NETWORKD,
  READ_NETWORKD_LINK,
  READ_IFUPDOWN,
  READ_NETPLAN,
  READ_NM_KEYFILE,
  READ_IFCFG,
  READ_UDEV_RULES,
  READ_CMDLINE,
  READ_MODULE_LIST,
  READ_CLOUD_CFG,
  READ_NM_CONF,
  READ_INITRAMFS,
  READ_PACKAGES,
  READ_N
} Reader;

/* The facts of a plain Debian guest, for the rules to judge beside what
 * the input adds. */
static KilnLintFacts *
base_facts (void)
{
  KilnLintFacts *f = kiln_lint_facts_new ();
  f->os_type = g_strdup ("linux");
  f->distro = g_strdup ("debian");
  f->major_version = 12;
  f->arch = g_strdup ("x86_64");
  f->firmware = g_strdup ("bios");
  f->partition_table = g_strdup ("msdos");
  f->root_fstype = g_strdup ("ext4");
  f->package_format = g_strdup ("deb");
  f->virtual_size = 8ULL << 30;
  g_ptr_array_add (f->bootloaders, g_strdup ("grub2"));
  f->mbr_boot_code = TRUE;
  g_ptr_array_add (f->kernels, g_strdup ("6.1.0-13-amd64"));
  f->kernel = g_strdup ("6.1.0-13-amd64");
  f->initramfs_path = g_strdup ("/boot/initrd.img-6.1.0-13-amd64");
  return f;
}

static void
judge (KilnLintFacts *f)
{
  const char *const all[] = { "all", NULL };
  g_autoptr (GPtrArray) targets = kiln_lint_targets_parse (all, NULL);
  if (!targets)
    abort ();
  g_autoptr (GPtrArray) findings = kiln_lint_run (f, targets);
  g_free (kiln_lint_findings_format (findings));
  json_node_unref (kiln_lint_findings_to_json (findings));
  json_node_unref (kiln_lint_facts_to_json (f));
}

static void
must_parse_again (JsonNode *root, const char *what)
{
  g_autofree char *text = json_to_string (root, FALSE);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  if (!json_parser_load_from_data (p, text, -1, &error))
    {
      fprintf (stderr, "fuzz-guest-files: the %s kiln wrote is not JSON "
               "(%s):\n%s\n", what, error->message, text);
      abort ();
    }
}

static int
field_int (char **fields, guint n, guint i)
{
  return i < n ? (int) g_ascii_strtoll (fields[i], NULL, 10) : 0;
}

static const char *
field (char **fields, guint n, guint i)
{
  return i < n ? fields[i] : NULL;
}

static void
read_packages (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", 4096);
  if (!lines[0])
    return;
  g_auto (GStrv) os = g_strsplit (lines[0], "\t", 6);
  guint n_os = g_strv_length (os);
  g_autoptr (GPtrArray) packages
      = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_package_free);
  for (guint i = 1; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", 5);
      guint n = g_strv_length (f);
      KilnPackageRow row = { .name = (char *) field (f, n, 0),
                             .epoch = field_int (f, n, 1),
                             .version = (char *) field (f, n, 2),
                             .release = (char *) field (f, n, 3),
                             .arch = (char *) field (f, n, 4) };
      KilnPackage *p = kiln_package_from_row (&row);
      if (p)
        {
          g_free (kiln_purl (field (os, n_os, 5), field (os, n_os, 0),
                             field_int (os, n_os, 2), p));
          g_ptr_array_add (packages, p);
        }
    }
  KilnSbomInput in = {
    .image_name = "fuzz", .image_version = "1.0.0",
    .distro = field (os, n_os, 0), .product_name = field (os, n_os, 1),
    .major_version = field_int (os, n_os, 2),
    .minor_version = field_int (os, n_os, 3), .arch = field (os, n_os, 4),
    .package_format = field (os, n_os, 5), .packages = packages,
    .timestamp = "2025-01-02T03:04:05Z",
    .serial = "urn:uuid:00000000-0000-4000-8000-000000000000",
    .kiln_version = "0.1.0",
  };
  g_autoptr (JsonNode) sbom = kiln_sbom_build (&in);
  must_parse_again (sbom, "SBOM");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  Reader reader = data[0] % READ_N;
  const uint8_t *body = data + 1;
  size_t len = size - 1;
  g_autofree char *text = g_strndup ((const char *) body, len);

  if (reader == READ_PACKAGES)
    {
      read_packages (text);
      return 0;
    }

  g_autoptr (KilnLintFacts) f = base_facts ();
  switch (reader)
    {
    case READ_FSTAB:
      f->fstab_found = TRUE;
      g_ptr_array_unref (f->fstab);
      f->fstab = kiln_parse_fstab (text);
      break;
    case READ_NETWORKD:
      kiln_parse_networkd (f, "/etc/systemd/network/50-fuzz.network", text);
      break;
    case READ_NETWORKD_LINK:
      kiln_parse_networkd (f, "/etc/systemd/network/10-fuzz.link", text);
      break;
    case READ_IFUPDOWN:
      kiln_parse_ifupdown (f, "/etc/network/interfaces", text);
      break;
    case READ_NETPLAN:
      kiln_parse_netplan (f, "/etc/netplan/50-fuzz.yaml", text);
      break;
    case READ_NM_KEYFILE:
      kiln_parse_nm_keyfile (
          f, "/etc/NetworkManager/system-connections/fuzz.nmconnection",
          text);
      break;
    case READ_IFCFG:
      kiln_parse_ifcfg (f, "/etc/sysconfig/network-scripts/ifcfg-eth0",
                        text);
      break;
    case READ_UDEV_RULES:
      kiln_parse_udev_rules (f, "/etc/udev/rules.d/70-fuzz.rules", text);
      break;
    case READ_CMDLINE:
      kiln_parse_cmdline_roots (f->cmdline_roots, text);
      break;
    case READ_MODULE_LIST:
      kiln_parse_module_list (f->kernel_modules, text);
      kiln_parse_module_list (f->builtin_modules, text);
      break;
    case READ_CLOUD_CFG:
      f->cloud_init = TRUE;
      f->cloud_init_network_disabled
          = kiln_parse_cloud_cfg_network_disabled (text);
      break;
    case READ_NM_CONF:
      f->network_manager = TRUE;
      f->nm_auto_default = kiln_parse_nm_conf_auto_default (text);
      break;
    case READ_INITRAMFS:
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (GPtrArray) paths = kiln_initramfs_list_data (
            body, len, "/boot/initrd.img", &error);
        if (paths)
          f->initramfs_modules = kiln_initramfs_modules (paths);
        else
          f->initramfs_error = g_strdup (error->message);
        break;
      }
    case READ_PACKAGES:
    case READ_N:
      break;
    }
  for (guint i = 0; i < f->fstab->len; i++)
    {
      const KilnFstabEntry *e = f->fstab->pdata[i];
      (void) kiln_is_bus_device_name (e->spec);
    }
  judge (f);
  return 0;
}
