/* test-lint.c - every import-readiness rule fires on a violation and stays
 * quiet on a good image */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "outputs/formats.h"
#include "common/kiln.h"
#include "outputs/lint-parse.h"
#include "outputs/lint.h"

static const char *const all_modules[] = {
  "virtio_blk", "virtio_scsi", "virtio_pci", "virtio_net", "nvme", "ena",
  "hv_vmbus", "hv_storvsc", "hv_netvsc", "sd_mod", "mptspi", "vmxnet3",
  "vmw_pvscsi", "ahci", NULL
};

/* A Debian 12 image that every target accepts. */
static KilnLintFacts *
good (void)
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
  g_ptr_array_add (f->cmdline_roots, g_strdup ("UUID=1234"));
  g_ptr_array_add (f->kernels, g_strdup ("6.1.0-13-amd64"));
  f->kernel = g_strdup ("6.1.0-13-amd64");
  f->initramfs_path = g_strdup ("/boot/initrd.img-6.1.0-13-amd64");
  f->initramfs_modules = kiln_lint_module_set_new ();
  for (gsize i = 0; all_modules[i]; i++)
    {
      kiln_lint_module_set_add (f->initramfs_modules, all_modules[i]);
      kiln_lint_module_set_add (f->kernel_modules, all_modules[i]);
    }
  f->fstab_found = TRUE;
  g_ptr_array_unref (f->fstab);
  f->fstab = kiln_parse_fstab ("UUID=1234 / ext4 errors=remount-ro 0 1\n"
                               "proc /proc proc defaults 0 0\n");
  f->cloud_init = TRUE;
  f->waagent = TRUE;
  f->vmtools = TRUE;
  f->qemu_ga = TRUE;
  kiln_lint_facts_add_net (f, "/etc/systemd/network/50-dhcp.network",
                           "networkd", "en* eth*", TRUE);
  return f;
}

static GPtrArray *
targets (const char *list)
{
  const char *const t[] = { list, NULL };
  GPtrArray *a = kiln_lint_targets_parse (t, NULL);
  assert_non_null (a);
  return a;
}

static GPtrArray *
run (KilnLintFacts *f, const char *list)
{
  g_autoptr (GPtrArray) t = targets (list);
  return kiln_lint_run (f, t);
}

static void
expect (GPtrArray *findings, const char *id, const char *target,
        KilnLintSeverity sev)
{
  const KilnLintFinding *x = kiln_lint_find (findings, id, target);
  if (!x)
    {
      g_autofree char *all = kiln_lint_findings_format (findings);
      fail_msg ("expected %s [%s], got:\n%s", id, target, all);
    }
  assert_int_equal (x->severity, sev);
  assert_non_null (x->fix);
  assert_true (strlen (x->message) > 10);
}

static void
test_good_image_is_clean (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  g_autoptr (GPtrArray) r = run (f, "all");
  if (r->len)
    {
      g_autofree char *all = kiln_lint_findings_format (r);
      fail_msg ("expected no findings, got:\n%s", all);
    }
}

static void
test_targets_parse (void **state)
{
  g_autoptr (GPtrArray) t = targets ("ec2, vmware,aws");
  assert_int_equal (t->len, 2);
  assert_string_equal (t->pdata[0], "aws");
  assert_string_equal (t->pdata[1], "vsphere");
  g_autoptr (GError) error = NULL;
  const char *const bad[] = { "azur", NULL };
  assert_null (kiln_lint_targets_parse (bad, &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  assert_non_null (strstr (error->message, "did you mean 'azure'"));
}

static void
test_os_and_kernel (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  g_ptr_array_set_size (f->kernels, 0);
  g_autoptr (GPtrArray) r = run (f, "aws");
  expect (r, "kernel-missing", "all", KILN_LINT_ERROR);
  /* No driver findings without a kernel to check. */
  assert_null (kiln_lint_find (r, "initramfs-missing-driver", NULL));
  assert_null (kiln_lint_find (r, "os-not-linux", NULL));
}

/* Another OS: os-not-linux and the disk rules, none of the Linux guest
 * rules (they would all fire on what is not there). */
static void
test_os_not_linux (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  g_free (f->os_type);
  f->os_type = g_strdup ("windows");
  g_ptr_array_set_size (f->kernels, 0);
  g_ptr_array_set_size (f->bootloaders, 0);
  f->cloud_init = FALSE;
  f->virtual_size = 3 * (guint64) 1024 * 1024 * 1024 * 1024;
  g_autoptr (GPtrArray) r = run (f, "aws,azure,vsphere,kvm");
  expect (r, "os-not-linux", "all", KILN_LINT_ERROR);
  expect (r, "size-limit", "azure", KILN_LINT_ERROR);
  for (const char *const *id = (const char *const[]){
           "kernel-missing", "bootloader-missing", "agent-missing",
           "dhcp-missing", "initramfs-missing-driver", "root-fs-unsupported",
           NULL };
       *id; id++)
    assert_null (kiln_lint_find (r, *id, NULL));
}

static void
test_bootloader_bios (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  f->mbr_boot_code = FALSE;
  g_autoptr (GPtrArray) r = run (f, NULL);
  expect (r, "bootloader-missing", "all", KILN_LINT_ERROR);

  f->bios_boot_partition = TRUE; /* GPT + BIOS boot partition is fine */
  g_autoptr (GPtrArray) r2 = run (f, NULL);
  assert_null (kiln_lint_find (r2, "bootloader-missing", NULL));

  g_ptr_array_set_size (f->bootloaders, 0);
  g_autoptr (GPtrArray) r3 = run (f, NULL);
  expect (r3, "bootloader-missing", "all", KILN_LINT_ERROR);
}

static void
test_lint_uefi_needs_an_esp_and_the_fallback_loader (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  g_free (f->firmware);
  f->firmware = g_strdup ("uefi");
  g_free (f->partition_table);
  f->partition_table = g_strdup ("gpt");
  g_autoptr (GPtrArray) r = run (f, NULL);
  expect (r, "bootloader-missing", "all", KILN_LINT_ERROR); /* no ESP */

  f->esp_present = TRUE;
  g_autoptr (GPtrArray) r2 = run (f, NULL);
  expect (r2, "esp-unchecked", "all", KILN_LINT_WARNING);

  f->esp_checked = TRUE;
  g_autoptr (GPtrArray) r3 = run (f, NULL);
  expect (r3, "bootloader-missing", "all", KILN_LINT_ERROR); /* no .efi */

  g_ptr_array_add (f->efi_binaries, g_strdup ("/boot/efi/EFI/debian/grubx64.efi"));
  g_autoptr (GPtrArray) r4 = run (f, NULL);
  expect (r4, "efi-fallback-missing", "all", KILN_LINT_ERROR);
  assert_non_null (strstr (kiln_lint_find (r4, "efi-fallback-missing",
                                           NULL)->message, "BOOTX64.EFI"));

  f->efi_fallback = TRUE;
  g_autoptr (GPtrArray) r5 = run (f, "all");
  assert_int_equal (r5->len, 0);
}

static void
test_fstab_and_cmdline (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  g_ptr_array_unref (f->fstab);
  f->fstab = kiln_parse_fstab ("/dev/vda1 / ext4 defaults 0 1\n"
                               "LABEL=data /data xfs defaults 0 2\n"
                               "/dev/mapper/vg-home /home ext4 defaults 0 2\n");
  g_ptr_array_add (f->cmdline_roots, g_strdup ("/dev/sda1"));
  g_autoptr (GPtrArray) r = run (f, NULL);
  expect (r, "fstab-device-name", "all", KILN_LINT_ERROR);
  assert_non_null (strstr (kiln_lint_find (r, "fstab-device-name", NULL)->message,
                           "line 1"));
  assert_int_equal (kiln_lint_count (r, KILN_LINT_ERROR), 2);
  expect (r, "cmdline-root-device-name", "all", KILN_LINT_ERROR);
}

static void
test_lint_finds_missing_storage_and_network_drivers (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  g_hash_table_remove (f->initramfs_modules, "nvme");
  g_hash_table_remove (f->initramfs_modules, "hv_storvsc");
  g_hash_table_remove (f->initramfs_modules, "virtio_blk");
  g_hash_table_remove (f->kernel_modules, "ena");
  g_hash_table_remove (f->kernel_modules, "vmxnet3");
  g_autoptr (GPtrArray) r = run (f, "all");
  expect (r, "initramfs-missing-driver", "aws", KILN_LINT_ERROR);
  expect (r, "initramfs-missing-driver", "azure", KILN_LINT_ERROR);
  expect (r, "kernel-missing-driver", "aws", KILN_LINT_ERROR);
  expect (r, "kernel-missing-driver", "vsphere", KILN_LINT_ERROR);
  /* virtio_scsi is still there: either of the two is enough for KVM. */
  assert_null (kiln_lint_find (r, "initramfs-missing-driver", "kvm"));
  /* The fix names the tool of the distribution. */
  assert_non_null (strstr (kiln_lint_find (r, "initramfs-missing-driver",
                                           "aws")->fix, "update-initramfs"));

  /* Built-in drivers need no module. */
  kiln_lint_module_set_add (f->builtin_modules, "nvme");
  g_autoptr (GPtrArray) r2 = run (f, "aws");
  assert_null (kiln_lint_find (r2, "initramfs-missing-driver", "aws"));

  /* The OVF's controller decides what vSphere needs. */
  f->ovf_controller = g_strdup ("pvscsi");
  g_hash_table_remove (f->initramfs_modules, "vmw_pvscsi");
  g_autoptr (GPtrArray) r3 = run (f, "vsphere");
  expect (r3, "initramfs-missing-driver", "vsphere", KILN_LINT_ERROR);
  assert_non_null (strstr (kiln_lint_find (r3, "initramfs-missing-driver",
                                           "vsphere")->message, "vmw_pvscsi"));

  /* An unreadable initramfs is a warning, not a guess. */
  g_clear_pointer (&f->initramfs_modules, g_hash_table_unref);
  g_hash_table_remove_all (f->builtin_modules);
  f->initramfs_error = g_strdup ("unknown compression");
  g_autoptr (GPtrArray) r4 = run (f, "aws");
  expect (r4, "initramfs-unreadable", "aws", KILN_LINT_WARNING);

  /* No initramfs at all and nothing built in: error. */
  g_clear_pointer (&f->initramfs_error, g_free);
  g_autoptr (GPtrArray) r5 = run (f, "kvm");
  expect (r5, "initramfs-missing-driver", "kvm", KILN_LINT_ERROR);
  assert_non_null (strstr (kiln_lint_find (r5, "initramfs-missing-driver",
                                           "kvm")->message, "no initramfs"));
}

static void
test_lint_finds_missing_dhcp_and_pinned_interface_names (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  f->cloud_init = FALSE;
  g_ptr_array_set_size (f->net_configs, 0);
  kiln_lint_facts_add_net (f, "/etc/network/interfaces", "ifupdown", "eth0",
                           FALSE);
  g_autoptr (GPtrArray) r = run (f, "aws,vsphere");
  expect (r, "dhcp-missing", "aws", KILN_LINT_ERROR);
  expect (r, "dhcp-missing", "vsphere", KILN_LINT_WARNING);

  kiln_lint_facts_add_net (f, "/etc/network/interfaces", "ifupdown", "ens3",
                           TRUE);
  g_autoptr (GPtrArray) r2 = run (f, "aws");
  assert_null (kiln_lint_find (r2, "dhcp-missing", NULL));
  expect (r2, "dhcp-interface-name", "aws", KILN_LINT_WARNING);

  /* cloud-init (network not disabled) or NetworkManager cover it. */
  f->cloud_init = TRUE;
  g_autoptr (GPtrArray) r3 = run (f, "aws");
  assert_null (kiln_lint_find (r3, "dhcp-interface-name", NULL));
  f->cloud_init_network_disabled = TRUE;
  f->network_manager = TRUE;
  g_autoptr (GPtrArray) r4 = run (f, "aws");
  assert_null (kiln_lint_find (r4, "dhcp-interface-name", NULL));
  f->nm_auto_default = FALSE;
  g_autoptr (GPtrArray) r5 = run (f, "aws");
  expect (r5, "dhcp-interface-name", "aws", KILN_LINT_WARNING);
}

static void
test_mac_pins (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  kiln_parse_udev_rules (f, "/etc/udev/rules.d/70-persistent-net.rules",
                         "SUBSYSTEM==\"net\", ACTION==\"add\", "
                         "ATTR{address}==\"52:54:00:12:34:56\", NAME=\"eth0\"\n");
  g_autoptr (GPtrArray) r = run (f, "aws,kvm");
  expect (r, "mac-pinned-network", "aws", KILN_LINT_ERROR);
  expect (r, "mac-pinned-network", "kvm", KILN_LINT_WARNING);
  assert_non_null (strstr (kiln_lint_find (r, "mac-pinned-network", "aws")->message,
                           "70-persistent-net.rules:1"));
}

static void
test_lint_missing_guest_agent_severity_per_target (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  f->cloud_init = f->waagent = f->vmtools = f->qemu_ga = FALSE;
  g_autoptr (GPtrArray) r = run (f, "all");
  expect (r, "agent-missing", "aws", KILN_LINT_WARNING);
  expect (r, "agent-missing", "azure", KILN_LINT_ERROR);
  expect (r, "agent-missing", "vsphere", KILN_LINT_WARNING);
  expect (r, "agent-missing", "kvm", KILN_LINT_INFO);
}

static void
test_partitions_fs_arch (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  g_clear_pointer (&f->partition_table, g_free);
  g_free (f->root_fstype);
  f->root_fstype = g_strdup ("f2fs");
  g_free (f->arch);
  f->arch = g_strdup ("aarch64");
  g_autoptr (GPtrArray) r = run (f, "aws,azure,vsphere");
  expect (r, "partition-table-missing", "aws", KILN_LINT_ERROR);
  expect (r, "partition-table-missing", "vsphere", KILN_LINT_WARNING);
  expect (r, "root-fs-unsupported", "aws", KILN_LINT_ERROR);
  expect (r, "root-fs-unsupported", "azure", KILN_LINT_WARNING);
  expect (r, "arch-unsupported", "aws", KILN_LINT_WARNING);
  expect (r, "arch-unsupported", "azure", KILN_LINT_ERROR); /* arm64 BIOS */
  expect (r, "arch-unsupported", "vsphere", KILN_LINT_WARNING);

  g_free (f->partition_table);
  f->partition_table = g_strdup ("gpt");
  g_autoptr (GPtrArray) r2 = run (f, "azure");
  expect (r2, "partition-table-gen1", "azure", KILN_LINT_WARNING);
}

static void
test_size_and_swap (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  f->virtual_size = 3000ULL << 30;
  g_ptr_array_add (f->fstab, g_new0 (KilnFstabEntry, 1));
  KilnFstabEntry *swap = g_ptr_array_index (f->fstab, f->fstab->len - 1);
  swap->spec = g_strdup ("UUID=5678");
  swap->mountpoint = g_strdup ("none");
  swap->fstype = g_strdup ("swap");
  swap->line = 3;
  g_autoptr (GPtrArray) r = run (f, "azure,aws");
  expect (r, "size-limit", "azure", KILN_LINT_ERROR);
  assert_null (kiln_lint_find (r, "size-limit", "aws"));
  expect (r, "swap-on-os-disk", "azure", KILN_LINT_WARNING);

  f->virtual_size = 100000000; /* not a whole MiB */
  g_autoptr (GPtrArray) r2 = run (f, "azure");
  expect (r2, "vhd-size-alignment", "azure", KILN_LINT_INFO);
}

static void
test_lint_flags_formats_a_target_cannot_import (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  const char *const q[] = { "qcow2,vmdk:monolithicSparse", NULL };
  g_autoptr (GPtrArray) formats = kiln_format_list_parse (q, NULL);
  f->formats = formats;
  g_autoptr (GPtrArray) r = run (f, "aws,azure,vsphere");
  expect (r, "format-unsupported", "aws", KILN_LINT_ERROR);
  expect (r, "format-unsupported", "azure", KILN_LINT_ERROR);
  expect (r, "format-unsupported", "vsphere", KILN_LINT_WARNING);

  const char *const ok[] = { "raw,vhd,ova", NULL };
  g_autoptr (GPtrArray) formats2 = kiln_format_list_parse (ok, NULL);
  f->formats = formats2;
  g_autoptr (GPtrArray) r2 = run (f, "aws,azure,vsphere");
  assert_null (kiln_lint_find (r2, "format-unsupported", NULL));
  f->formats = NULL;
}

static void
test_lint_findings_errors_first_in_json_and_text (void **state)
{
  g_autoptr (KilnLintFacts) f = good ();
  f->cloud_init = f->waagent = FALSE;
  g_autoptr (GPtrArray) r = run (f, "azure,aws");
  /* Errors come first. */
  assert_int_equal (((KilnLintFinding *) r->pdata[0])->severity,
                    KILN_LINT_ERROR);
  g_autoptr (JsonNode) j = kiln_lint_findings_to_json (r);
  JsonObject *o = json_array_get_object_element (json_node_get_array (j), 0);
  assert_string_equal (json_object_get_string_member (o, "severity"), "error");
  assert_string_equal (json_object_get_string_member (o, "id"), "agent-missing");
  g_autofree char *text = kiln_lint_findings_format (r);
  assert_non_null (strstr (text, "error   [azure] agent-missing:"));
  assert_non_null (strstr (text, "fix: "));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_good_image_is_clean),
    cmocka_unit_test (test_targets_parse),
    cmocka_unit_test (test_os_and_kernel),
    cmocka_unit_test (test_os_not_linux),
    cmocka_unit_test (test_bootloader_bios),
    cmocka_unit_test (test_lint_uefi_needs_an_esp_and_the_fallback_loader),
    cmocka_unit_test (test_fstab_and_cmdline),
    cmocka_unit_test (test_lint_finds_missing_storage_and_network_drivers),
    cmocka_unit_test (test_lint_finds_missing_dhcp_and_pinned_interface_names),
    cmocka_unit_test (test_mac_pins),
    cmocka_unit_test (test_lint_missing_guest_agent_severity_per_target),
    cmocka_unit_test (test_partitions_fs_arch),
    cmocka_unit_test (test_size_and_swap),
    cmocka_unit_test (test_lint_flags_formats_a_target_cannot_import),
    cmocka_unit_test (test_lint_findings_errors_first_in_json_and_text),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
