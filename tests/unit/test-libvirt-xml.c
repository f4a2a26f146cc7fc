/* test-libvirt-xml.c - the domain XML, parsed back with libxml2 and XPath */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "backends/libvirt-private.h"

typedef struct {
  xmlDocPtr doc;
  xmlXPathContextPtr ctx;
} Parsed;

static Parsed
parse (const KilnDomainSpec *spec, const char *name)
{
  g_autofree char *xml = kiln_domain_xml (spec, name);
  Parsed p;
  p.doc = xmlReadMemory (xml, strlen (xml), "domain.xml", NULL, XML_PARSE_NONET);
  assert_non_null (p.doc);
  p.ctx = xmlXPathNewContext (p.doc);
  return p;
}

static void
parsed_free (Parsed *p)
{
  xmlXPathFreeContext (p->ctx);
  xmlFreeDoc (p->doc);
}

/* The string value of an XPath expression ("" when nothing matches). */
static char *
str (Parsed *p, const char *expr)
{
  g_autofree char *wrapped = g_strdup_printf ("string(%s)", expr);
  xmlXPathObjectPtr o = xmlXPathEvalExpression (BAD_CAST wrapped, p->ctx);
  assert_non_null (o);
  char *s = g_strdup ((const char *) o->stringval);
  xmlXPathFreeObject (o);
  return s;
}

static int
count (Parsed *p, const char *expr)
{
  xmlXPathObjectPtr o = xmlXPathEvalExpression (BAD_CAST expr, p->ctx);
  assert_non_null (o);
  int n = o->nodesetval ? o->nodesetval->nodeNr : 0;
  xmlXPathFreeObject (o);
  return n;
}

#define assert_xpath(p, expr, expected)                      \
  do {                                                       \
    g_autofree char *got_ = str ((p), (expr));               \
    if (strcmp (got_, (expected)) != 0)                      \
      fail_msg ("%s: expected '%s', found '%s'", (expr),     \
                (expected), got_);                           \
  } while (0)

static KilnDomainSpec
build_spec (void)
{
  return (KilnDomainSpec) {
    .name_prefix = "kiln-build",
    .disk = "/var/lib/kiln/builds/7/disk.qcow2",
    .disk_format = "qcow2",
    .accel = KILN_ACCEL_TCG,
    .console_log = "/var/lib/kiln/builds/7/console.log",
    .channel_socket = "/run/kiln/7/agent.sock",
  };
}

static void
test_names_unique (void **state)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; i < 10000; i++)
    {
      char *name = kiln_domain_make_name ("kiln-build");
      assert_true (g_str_has_prefix (name, "kiln-build-"));
      assert_int_equal (strlen (name), strlen ("kiln-build-") + 12);
      if (!g_hash_table_add (seen, name))
        fail_msg ("name %s produced twice", name);
    }
}

/* On a daemon: the console on a pty (read as a stream), the channel bound
 * by QEMU (also a stream); no path of kiln's in the XML but the session
 * daemon's channel socket. */
static void
test_daemon_domain_streams (void **state)
{
  (void) state;
  KilnDomainSpec spec = build_spec ();
  spec.channel_socket = NULL;
  spec.channel_stream = TRUE;
  spec.console_stream = TRUE;
  Parsed p = parse (&spec, "kiln-0badc0de-build-0123456789ab");
  assert_xpath (&p, "/domain/devices/serial/@type", "pty");
  assert_xpath (&p, "/domain/devices/serial/target/@port", "0");
  assert_xpath (&p, "/domain/devices/console/@type", "pty");
  assert_xpath (&p, "/domain/devices/console/target/@type", "serial");
  assert_int_equal (count (&p, "/domain/devices/serial/source"), 0);
  assert_xpath (&p, "/domain/devices/channel/source/@mode", "bind");
  assert_int_equal (count (&p, "/domain/devices/channel/source/@path"), 0);
  assert_int_equal (count (&p, "//@path[contains(., 'console.log')]"), 0);
  parsed_free (&p);

  /* the user's own session daemon: QEMU binds kiln's (short) path */
  spec.channel_socket = "/tmp/kiln-a1B2c3/agent.sock";
  p = parse (&spec, "kiln-0badc0de-build-0123456789ab");
  assert_xpath (&p, "/domain/devices/channel/source/@mode", "bind");
  assert_xpath (&p, "/domain/devices/channel/source/@path",
                spec.channel_socket);
  assert_xpath (&p, "/domain/devices/channel/target/@name", "org.kiln.agent.0");
  parsed_free (&p);
}

static void
test_build_domain_tcg (void **state)
{
  KilnDomainSpec spec = build_spec ();
  Parsed p = parse (&spec, "kiln-build-0123456789ab");
  assert_xpath (&p, "/domain/@type", "qemu");
  assert_xpath (&p, "/domain/name", "kiln-build-0123456789ab");
  assert_xpath (&p, "/domain/memory", "1024");
  assert_xpath (&p, "/domain/memory/@unit", "MiB");
  assert_xpath (&p, "/domain/vcpu", "2");
  assert_xpath (&p, "/domain/cpu/@mode", "maximum");
  assert_xpath (&p, "/domain/os/type", "hvm");
  assert_xpath (&p, "/domain/os/type/@machine", "pc");
  assert_xpath (&p, "/domain/os/@firmware", "");
  assert_xpath (&p, "/domain/os/boot/@dev", "hd");
  assert_int_equal (count (&p, "/domain/os/kernel"), 0);
  assert_int_equal (count (&p, "/domain/features/acpi"), 1);
  assert_xpath (&p, "/domain/on_poweroff", "destroy");
  assert_xpath (&p, "/domain/on_reboot", "restart");
  assert_xpath (&p, "/domain/on_crash", "destroy");

  assert_int_equal (count (&p, "/domain/devices/disk"), 1);
  assert_xpath (&p, "/domain/devices/disk/source/@file", spec.disk);
  assert_xpath (&p, "/domain/devices/disk/driver/@type", "qcow2");
  assert_xpath (&p, "/domain/devices/disk/driver/@cache", "unsafe");
  assert_xpath (&p, "/domain/devices/disk/target/@bus", "virtio");
  assert_xpath (&p, "/domain/devices/disk/target/@dev", "vda");
  assert_int_equal (count (&p, "/domain/devices/disk/readonly"), 0);

  assert_xpath (&p, "/domain/devices/serial/@type", "file");
  assert_xpath (&p, "/domain/devices/serial/source/@path", spec.console_log);
  assert_xpath (&p, "/domain/devices/console/@type", "file");
  assert_xpath (&p, "/domain/devices/console/target/@type", "serial");

  assert_int_equal (count (&p, "/domain/devices/channel"), 1);
  assert_xpath (&p, "/domain/devices/channel/@type", "unix");
  assert_xpath (&p, "/domain/devices/channel/source/@mode", "connect");
  assert_xpath (&p, "/domain/devices/channel/source/@path", spec.channel_socket);
  assert_xpath (&p, "/domain/devices/channel/target/@type", "virtio");
  assert_xpath (&p, "/domain/devices/channel/target/@name", "org.kiln.agent.0");

  assert_int_equal (count (&p, "/domain/devices/interface"), 0);
  assert_int_equal (count (&p, "/domain/devices/graphics"), 0);
  assert_xpath (&p, "/domain/devices/video/model/@type", "none");
  assert_xpath (&p, "/domain/devices/memballoon/@model", "none");
  assert_xpath (&p, "/domain/devices/rng/@model", "virtio");
  assert_xpath (&p, "/domain/devices/controller[@type='usb']/@model", "none");
  parsed_free (&p);
}

static void
test_kvm_uefi_network (void **state)
{
  KilnDomainSpec spec = build_spec ();
  spec.accel = KILN_ACCEL_KVM;
  spec.uefi = TRUE;
  spec.network_user = TRUE;
  spec.memory_mib = 4096;
  spec.vcpus = 4;
  Parsed p = parse (&spec, "n");
  assert_xpath (&p, "/domain/@type", "kvm");
  assert_xpath (&p, "/domain/cpu/@mode", "host-passthrough");
  assert_xpath (&p, "/domain/memory", "4096");
  assert_xpath (&p, "/domain/vcpu", "4");
  assert_xpath (&p, "/domain/os/@firmware", "efi");
  assert_xpath (&p, "/domain/os/type/@machine", "q35");
  assert_xpath (&p, "/domain/os/firmware/feature[@name='secure-boot']/@enabled", "no");
  assert_int_equal (count (&p, "/domain/devices/interface"), 1);
  assert_xpath (&p, "/domain/devices/interface/@type", "user");
  assert_xpath (&p, "/domain/devices/interface/model/@type", "virtio");
  parsed_free (&p);
}

static void
test_direct_kernel_seed_no_channel (void **state)
{
  KilnDomainSpec spec = build_spec ();
  spec.kernel = "/boot/vmlinuz-6.1.0-56-amd64";
  spec.initrd = "/tmp/probe.cpio";
  spec.cmdline = "console=ttyS0 panic=-1 kiln-probe";
  spec.seed_disk = "/tmp/seed.iso";
  spec.seed_format = "raw";
  spec.channel_socket = NULL;
  Parsed p = parse (&spec, "n");
  assert_xpath (&p, "/domain/os/kernel", spec.kernel);
  assert_xpath (&p, "/domain/os/initrd", spec.initrd);
  assert_xpath (&p, "/domain/os/cmdline", spec.cmdline);
  assert_int_equal (count (&p, "/domain/os/boot"), 0);
  assert_int_equal (count (&p, "/domain/devices/disk"), 2);
  assert_xpath (&p, "/domain/devices/disk[target/@dev='vdb']/source/@file", spec.seed_disk);
  assert_xpath (&p, "/domain/devices/disk[target/@dev='vdb']/driver/@type", "raw");
  assert_int_equal (count (&p, "/domain/devices/disk[target/@dev='vdb']/readonly"), 1);
  assert_int_equal (count (&p, "/domain/devices/channel"), 0);
  parsed_free (&p);

  /* The probe: no disk at all, no console unless asked. */
  KilnDomainSpec probe = { .accel = KILN_ACCEL_KVM, .kernel = "/k", .memory_mib = 256, .vcpus = 1 };
  p = parse (&probe, "n");
  assert_int_equal (count (&p, "/domain/devices/disk"), 0);
  assert_int_equal (count (&p, "/domain/devices/serial"), 0);
  assert_xpath (&p, "/domain/memory", "256");
  parsed_free (&p);
}

/* Caller text is data: markup characters in paths and names survive. */
static void
test_domain_xml_keeps_markup_in_caller_text_as_data (void **state)
{
  KilnDomainSpec spec = build_spec ();
  spec.disk = "/tmp/a'b\"c<d>&e]]>.qcow2";
  spec.cmdline = "init=/x a=\"1 2\" <&>";
  spec.kernel = "/k";
  Parsed p = parse (&spec, "x<y>&'\"");
  assert_xpath (&p, "/domain/name", "x<y>&'\"");
  assert_xpath (&p, "/domain/devices/disk/source/@file", spec.disk);
  assert_xpath (&p, "/domain/os/cmdline", spec.cmdline);
  assert_int_equal (count (&p, "/domain/devices/disk"), 1);
  parsed_free (&p);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_names_unique),
    cmocka_unit_test (test_build_domain_tcg),
    cmocka_unit_test (test_daemon_domain_streams),
    cmocka_unit_test (test_kvm_uefi_network),
    cmocka_unit_test (test_direct_kernel_seed_no_channel),
    cmocka_unit_test (test_domain_xml_keeps_markup_in_caller_text_as_data),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
