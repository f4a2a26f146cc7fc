/* test-lint-parse.c - guest configuration files read into lint facts */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "outputs/lint-parse.h"

static const KilnNetConfig *
net (KilnLintFacts *f, guint i)
{
  assert_true (i < f->net_configs->len);
  return f->net_configs->pdata[i];
}

static void
test_fstab_entries_unescaped_with_their_lines (void **state)
{
  g_autoptr (GPtrArray) e = kiln_parse_fstab (
      "# comment\n\nUUID=abc / ext4 errors=remount-ro 0 1\n"
      "/dev/sdb1\t/mnt/my\\040data vfat defaults\n"
      "LABEL=swap none swap sw\n");
  assert_int_equal (e->len, 3);
  KilnFstabEntry *a = e->pdata[0], *b = e->pdata[1];
  assert_string_equal (a->spec, "UUID=abc");
  assert_string_equal (a->mountpoint, "/");
  assert_string_equal (a->fstype, "ext4");
  assert_int_equal (a->line, 3);
  assert_string_equal (b->mountpoint, "/mnt/my data");
  assert_int_equal (b->line, 4);
}

static void
test_bus_names (void **state)
{
  const char *yes[] = { "/dev/sda1", "/dev/vda", "/dev/xvda1", "/dev/hdb2",
                        "/dev/nvme0n1p1", "/dev/nvme1n1", "/dev/mmcblk0p2" };
  const char *no[] = { "UUID=x", "LABEL=root", "/dev/mapper/vg-root",
                       "/dev/disk/by-uuid/x", "/dev/vg/root", "tmpfs", "proc",
                       "/dev/md0" };
  for (gsize i = 0; i < G_N_ELEMENTS (yes); i++)
    assert_true (kiln_is_bus_device_name (yes[i]));
  for (gsize i = 0; i < G_N_ELEMENTS (no); i++)
    assert_false (kiln_is_bus_device_name (no[i]));
}

static void
test_networkd_files_give_dhcp_matches_and_mac_pins (void **state)
{
  g_autoptr (KilnLintFacts) f = kiln_lint_facts_new ();
  kiln_parse_networkd (f, "/etc/systemd/network/10-dhcp.network",
                       "[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n");
  kiln_parse_networkd (f, "/etc/systemd/network/20-static.network",
                       "[Match]\nName=ens3\n[Network]\nAddress=10.0.0.2/24\n");
  kiln_parse_networkd (f, "/etc/systemd/network/30-mac.network",
                       "[Match]\nMACAddress=52:54:00:aa:bb:cc\n"
                       "[Network]\nDHCP=ipv4\n");
  kiln_parse_networkd (f, "/usr/lib/systemd/network/80-container.network",
                       "[Match]\nVirtualization=container\nName=host0\n"
                       "[Network]\nDHCP=yes\n");
  kiln_parse_networkd (f, "/etc/systemd/network/10-lan.link",
                       "[Match]\nMACAddress=52:54:00:11:22:33\n"
                       "[Link]\nName=lan0\n");
  assert_int_equal (f->net_configs->len, 3);
  assert_string_equal (net (f, 0)->match, "en* eth*");
  assert_true (net (f, 0)->dhcp);
  assert_false (net (f, 1)->dhcp);
  assert_string_equal (net (f, 2)->match, "52:54:00:aa:bb:cc");
  assert_true (net (f, 2)->dhcp);
  assert_int_equal (f->mac_pins->len, 2);
  KilnMacPin *m = f->mac_pins->pdata[1];
  assert_string_equal (m->mac, "52:54:00:11:22:33");
  assert_int_equal (m->line, 2);
}

static void
test_ifupdown_counts_only_interfaces_brought_up (void **state)
{
  g_autoptr (KilnLintFacts) f = kiln_lint_facts_new ();
  kiln_parse_ifupdown (f, "/etc/network/interfaces",
                       "auto lo\niface lo inet loopback\n\n"
                       "allow-hotplug eth0\niface eth0 inet dhcp\n"
                       "iface eth1 inet dhcp\n"
                       "auto ens4\niface ens4 inet static\n"
                       "  address 10.0.0.2/24\n  hwaddress ether 52:54:00:00:00:01\n");
  assert_int_equal (f->net_configs->len, 2); /* eth1 is never brought up */
  assert_string_equal (net (f, 0)->match, "eth0");
  assert_true (net (f, 0)->dhcp);
  assert_false (net (f, 1)->dhcp);
  assert_int_equal (f->mac_pins->len, 1);
}

/* Guest files may hold bytes that are not UTF-8: ifupdown and fstab lines
 * are still split (a UTF-8 regex gave NULL and kiln crashed; found by
 * fuzz-guest-files). */
static void
test_lines_not_utf8_are_read (void **state)
{
  g_autoptr (KilnLintFacts) f = kiln_lint_facts_new ();
  kiln_parse_ifupdown (f, "/etc/network/interfaces",
                       "\xff\xff auto eth0\n"
                       "auto eth0 \xb7\xc2\n"
                       "iface eth0 inet dhcp \xff\n"
                       "hwaddress \xc0\xc0\n");
  assert_int_equal (f->net_configs->len, 1);
  assert_string_equal (net (f, 0)->match, "eth0");
  assert_true (net (f, 0)->dhcp);
  assert_int_equal (f->mac_pins->len, 1);

  g_autoptr (GPtrArray) e = kiln_parse_fstab (
      "UUID=\xfe / ext4 defaults 0 1\n\x80\n");
  assert_int_equal (e->len, 1);
  assert_string_equal (((KilnFstabEntry *) e->pdata[0])->mountpoint, "/");
}

static void
test_netplan_gives_matches_and_ignores_broken_yaml (void **state)
{
  g_autoptr (KilnLintFacts) f = kiln_lint_facts_new ();
  kiln_parse_netplan (f, "/etc/netplan/50-cloud-init.yaml",
                      "network:\n  version: 2\n  ethernets:\n"
                      "    ens3:\n      dhcp4: true\n"
                      "      match:\n        macaddress: 52:54:00:12:34:56\n"
                      "      set-name: ens3\n"
                      "    all:\n      match:\n        name: \"en*\"\n"
                      "      dhcp4: yes\n");
  assert_int_equal (f->net_configs->len, 2);
  assert_string_equal (net (f, 0)->match, "52:54:00:12:34:56");
  assert_string_equal (net (f, 1)->match, "en*");
  assert_true (net (f, 1)->dhcp);
  assert_int_equal (f->mac_pins->len, 1);

  /* Broken YAML is ignored, not fatal. */
  kiln_parse_netplan (f, "/etc/netplan/x.yaml", "network: [\n");
  assert_int_equal (f->net_configs->len, 2);
}

static void
test_nm_and_ifcfg (void **state)
{
  g_autoptr (KilnLintFacts) f = kiln_lint_facts_new ();
  kiln_parse_nm_keyfile (f, "/etc/NetworkManager/system-connections/w.nmconnection",
                         "[connection]\nid=Wired\ntype=ethernet\n"
                         "interface-name=eth0\n[ethernet]\n"
                         "mac-address=52:54:00:12:34:56\n[ipv4]\nmethod=auto\n");
  kiln_parse_ifcfg (f, "/etc/sysconfig/network-scripts/ifcfg-eth1",
                    "BOOTPROTO=\"dhcp\"\nONBOOT=yes\nHWADDR=52:54:00:ab:cd:ef\n");
  assert_int_equal (f->net_configs->len, 2);
  assert_string_equal (net (f, 0)->manager, "networkmanager");
  assert_true (net (f, 0)->dhcp);
  assert_string_equal (net (f, 1)->match, "eth1");
  assert_true (net (f, 1)->dhcp);
  assert_int_equal (f->mac_pins->len, 2);
  assert_false (kiln_parse_nm_conf_auto_default ("[main]\nno-auto-default=*\n"));
  assert_true (kiln_parse_nm_conf_auto_default ("[main]\nplugins=ifupdown\n"));
}

/* Guest text that is not UTF-8 goes through the regex readers as bytes
 * (fuzz-guest-files: a UTF-8 GRegex over invalid text read out of bounds in
 * PCRE2's JIT on a boot line; the seed is in its corpus). */
static void
test_regex_readers_take_bytes (void **state)
{
  (void) state;
  g_autoptr (GPtrArray) roots = g_ptr_array_new_with_free_func (g_free);
  kiln_parse_cmdline_roots (roots,
      "BOOTE=/obo4:4\trpm\nkernel\t0\t6.5.6\xaf\xaf\xaf\xff\xfe\n"
      "\tlinux /vmlinuz root=/dev/vda\xff" "1 ro \xd7\x87\x87\n"
      "\tlinux /vmlinuz root=/dev/vdb1 ro\n");
  assert_int_equal (roots->len, 2);
  assert_string_equal (roots->pdata[0], "/dev/vda\xff" "1");
  assert_string_equal (roots->pdata[1], "/dev/vdb1");

  g_autoptr (KilnLintFacts) f = kiln_lint_facts_new ();
  kiln_parse_udev_rules (f, "/etc/udev/rules.d/70-net.rules",
                         "\xff\xfe ATTR{address}==\"52:54:00:12:34:56\", "
                         "NAME=\"eth0\"\n");
  assert_int_equal (f->mac_pins->len, 1);
  assert_false (kiln_is_bus_device_name ("/dev/vd\xff"));
  assert_true (kiln_is_bus_device_name ("/dev/vda1"));
}

static void
test_udev_and_cmdline (void **state)
{
  g_autoptr (KilnLintFacts) f = kiln_lint_facts_new ();
  kiln_parse_udev_rules (f, "/etc/udev/rules.d/70-persistent-net.rules",
                         "# PCI device\n"
                         "SUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"?*\", "
                         "ATTR{address}==\"52:54:00:12:34:56\", NAME=\"eth0\"\n"
                         "# SUBSYSTEM==\"net\", ATTR{address}==\"00:00:00:00:00:01\", NAME=\"eth9\"\n");
  assert_int_equal (f->mac_pins->len, 1);
  assert_int_equal (((KilnMacPin *) f->mac_pins->pdata[0])->line, 2);

  g_autoptr (GPtrArray) roots = g_ptr_array_new_with_free_func (g_free);
  kiln_parse_cmdline_roots (roots,
      "menuentry 'Debian' {\n"
      "\tlinux\t/boot/vmlinuz-6.1.0-13-amd64 root=UUID=abcd ro quiet\n"
      "}\n"
      "\tlinux /vmlinuz root=/dev/vda1 ro\n"
      "# linux /vmlinuz root=/dev/sdz9\n"
      "GRUB_CMDLINE_LINUX=\"console=ttyS0 root=/dev/sda1\"\n"
      "  APPEND root=UUID=abcd\n");
  assert_int_equal (roots->len, 3);
  assert_string_equal (roots->pdata[0], "UUID=abcd");
  assert_string_equal (roots->pdata[1], "/dev/vda1");
  assert_string_equal (roots->pdata[2], "/dev/sda1");
}

static void
test_module_lists_give_module_names (void **state)
{
  g_autoptr (GHashTable) set = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                      g_free, NULL);
  kiln_parse_module_list (set,
      "kernel/drivers/nvme/host/nvme.ko.xz: kernel/drivers/nvme/host/nvme-core.ko.xz\n"
      "kernel/drivers/nvme/host/nvme-core.ko.xz:\n"
      "kernel/drivers/net/ethernet/amazon/ena/ena.ko\n"
      "kernel/drivers/scsi/sd_mod.ko.zst:\n");
  assert_true (g_hash_table_contains (set, "nvme"));
  assert_true (g_hash_table_contains (set, "nvme_core"));
  assert_true (g_hash_table_contains (set, "ena"));
  assert_true (g_hash_table_contains (set, "sd_mod"));
  assert_int_equal (g_hash_table_size (set), 4);
  g_autofree char *n = kiln_module_name_from_path ("usr/lib/modules/6.1/kernel/x/hv-vmbus.ko.zst");
  assert_string_equal (n, "hv_vmbus");
  assert_null (kiln_module_name_from_path ("lib/modules/6.1/modules.dep"));
  assert_null (kiln_module_name_from_path ("etc/foo.kobj"));
}

static void
test_cloud_cfg (void **state)
{
  assert_true (kiln_parse_cloud_cfg_network_disabled (
      "network:\n  config: disabled\n"));
  assert_false (kiln_parse_cloud_cfg_network_disabled (
      "datasource_list: [Ec2, None]\n"));
  assert_false (kiln_parse_cloud_cfg_network_disabled ("{{{"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_fstab_entries_unescaped_with_their_lines),
    cmocka_unit_test (test_bus_names),
    cmocka_unit_test (test_networkd_files_give_dhcp_matches_and_mac_pins),
    cmocka_unit_test (test_ifupdown_counts_only_interfaces_brought_up),
    cmocka_unit_test (test_lines_not_utf8_are_read),
    cmocka_unit_test (test_netplan_gives_matches_and_ignores_broken_yaml),
    cmocka_unit_test (test_nm_and_ifcfg),
    cmocka_unit_test (test_udev_and_cmdline),
    cmocka_unit_test (test_regex_readers_take_bytes),
    cmocka_unit_test (test_module_lists_give_module_names),
    cmocka_unit_test (test_cloud_cfg),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
