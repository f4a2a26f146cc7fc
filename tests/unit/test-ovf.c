/* test-ovf.c - the OVF descriptor parses back and says what it should */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "common/kiln.h"
#include "outputs/ovf.h"

typedef struct {
  xmlDocPtr doc;
  xmlXPathContextPtr ctx;
} Parsed;

static void
parse (const char *text, Parsed *p)
{
  p->doc = xmlReadMemory (text, strlen (text), "t.ovf", NULL, XML_PARSE_NONET);
  assert_non_null (p->doc);
  p->ctx = xmlXPathNewContext (p->doc);
  xmlXPathRegisterNs (p->ctx, BAD_CAST "o",
                      BAD_CAST "http://schemas.dmtf.org/ovf/envelope/1");
  xmlXPathRegisterNs (p->ctx, BAD_CAST "rasd",
                      BAD_CAST "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData");
  xmlXPathRegisterNs (p->ctx, BAD_CAST "vssd",
                      BAD_CAST "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData");
  xmlXPathRegisterNs (p->ctx, BAD_CAST "vmw",
                      BAD_CAST "http://www.vmware.com/schema/ovf");
}

static void
parsed_free (Parsed *p)
{
  xmlXPathFreeContext (p->ctx);
  xmlFreeDoc (p->doc);
}

/* The string value of an XPath expression. */
static char *
xp (Parsed *p, const char *expr)
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

#define ASSERT_XP(p, expr, want) \
  do { g_autofree char *v_ = xp (p, expr); assert_string_equal (v_, want); } while (0)

static void
test_ovf_descriptor_describes_disk_and_hardware (void **state)
{
  KilnOvfSpec s = {
    .vm_name = "web <golden> & co",
    .disk_file = "web-disk1.vmdk",
    .disk_file_size = 123456789,
    .capacity = 8589934592,
    .populated_size = 1073741824,
    .distro = "debian", .major_version = 12, .arch = "x86_64",
    .product_name = "Debian GNU/Linux 12 (bookworm)",
    .uefi = TRUE, .cpus = 4, .memory_mib = 4096,
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *text = kiln_ovf_write (&s, &error);
  assert_non_null (text);
  Parsed p;
  parse (text, &p);

  ASSERT_XP (&p, "/o:Envelope/o:References/o:File/@o:href", "web-disk1.vmdk");
  ASSERT_XP (&p, "/o:Envelope/o:References/o:File/@o:size", "123456789");
  ASSERT_XP (&p, "//o:DiskSection/o:Disk/@o:capacity", "8589934592");
  ASSERT_XP (&p, "//o:DiskSection/o:Disk/@o:capacityAllocationUnits", "byte");
  ASSERT_XP (&p, "//o:DiskSection/o:Disk/@o:populatedSize", "1073741824");
  ASSERT_XP (&p, "//o:DiskSection/o:Disk/@o:fileRef", "file1");
  ASSERT_XP (&p, "//o:DiskSection/o:Disk/@o:format",
             "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized");
  ASSERT_XP (&p, "//o:NetworkSection/o:Network/@o:name", "VM Network");
  ASSERT_XP (&p, "//o:VirtualSystem/@o:id", "web <golden> & co");
  ASSERT_XP (&p, "//o:OperatingSystemSection/@o:id", "96");
  ASSERT_XP (&p, "//o:OperatingSystemSection/@vmw:osType", "debian11_64Guest");
  ASSERT_XP (&p, "//o:OperatingSystemSection/o:Description",
             "Debian GNU/Linux 12 (bookworm)");
  ASSERT_XP (&p, "//o:System/vssd:VirtualSystemType", "vmx-13");
  ASSERT_XP (&p, "//o:Item[rasd:ResourceType=3]/rasd:VirtualQuantity", "4");
  ASSERT_XP (&p, "//o:Item[rasd:ResourceType=4]/rasd:VirtualQuantity", "4096");
  ASSERT_XP (&p, "//o:Item[rasd:ResourceType=6]/rasd:ResourceSubType", "lsilogic");
  ASSERT_XP (&p, "//o:Item[rasd:ResourceType=17]/rasd:HostResource",
             "ovf:/disk/vmdisk1");
  ASSERT_XP (&p, "//o:Item[rasd:ResourceType=17]/rasd:Parent", "3");
  ASSERT_XP (&p, "//o:Item[rasd:ResourceType=10]/rasd:ResourceSubType", "VmxNet3");
  ASSERT_XP (&p, "//o:Item[rasd:ResourceType=10]/rasd:Connection", "VM Network");
  ASSERT_XP (&p, "//vmw:Config[@vmw:key='firmware']/@vmw:value", "efi");
  assert_int_equal (count (&p, "//o:Item"), 5);

  /* CIM RASD elements must appear in alphabetical order. */
  xmlXPathObjectPtr items = xmlXPathEvalExpression (BAD_CAST "//o:Item",
                                                    p.ctx);
  for (int i = 0; i < items->nodesetval->nodeNr; i++)
    {
      const char *prev = "";
      for (xmlNodePtr c = items->nodesetval->nodeTab[i]->children; c;
           c = c->next)
        {
          if (c->type != XML_ELEMENT_NODE)
            continue;
          assert_true (strcmp (prev, (const char *) c->name) < 0);
          prev = (const char *) c->name;
        }
    }
  xmlXPathFreeObject (items);
  parsed_free (&p);
}

static void
test_bios_and_controllers (void **state)
{
  KilnOvfSpec s = {
    .vm_name = "x", .disk_file = "x.vmdk", .disk_file_size = 1,
    .capacity = 1048576, .controller = "pvscsi", .nic = "e1000e",
    .network = "prod", .hw_family = "vmx-19",
  };
  g_autofree char *text = kiln_ovf_write (&s, NULL);
  Parsed p;
  parse (text, &p);
  assert_int_equal (count (&p, "//vmw:Config"), 0);
  assert_int_equal (count (&p, "//o:DiskSection/o:Disk/@o:populatedSize"), 0);
  ASSERT_XP (&p, "//o:Item[rasd:ResourceType=6]/rasd:ResourceSubType",
             "VirtualSCSI");
  ASSERT_XP (&p, "//o:Item[rasd:ResourceType=10]/rasd:ResourceSubType", "E1000e");
  ASSERT_XP (&p, "//o:Item[rasd:ResourceType=10]/rasd:Connection", "prod");
  ASSERT_XP (&p, "//o:System/vssd:VirtualSystemType", "vmx-19");
  ASSERT_XP (&p, "//o:OperatingSystemSection/@vmw:osType", "other4xLinux64Guest");
  parsed_free (&p);

  s.controller = "sata";
  g_autofree char *t2 = kiln_ovf_write (&s, NULL);
  parse (t2, &p);
  ASSERT_XP (&p, "//o:Item[rasd:ResourceType=20]/rasd:ResourceSubType",
             "vmware.sata.ahci");
  parsed_free (&p);

  g_autoptr (GError) error = NULL;
  s.controller = "virtio";
  assert_null (kiln_ovf_write (&s, &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  assert_string_equal (kiln_ovf_vmdk_adapter_for ("ide"), "ide");
  assert_string_equal (kiln_ovf_vmdk_adapter_for ("pvscsi"), "lsilogic");
}

static void
test_os_types (void **state)
{
  struct { const char *d; int v; const char *arch; int cim; const char *vmw; } c[] = {
    { "debian", 10, "x86_64", 96, "debian10_64Guest" },
    { "ubuntu", 24, "x86_64", 94, "ubuntu64Guest" },
    { "rhel", 9, "x86_64", 80, "rhel9_64Guest" },
    { "rocky", 9, "x86_64", 107, "centos8_64Guest" },
    { "debian", 12, "i686", 95, "debian11Guest" },
    { NULL, 0, NULL, 101, "other4xLinux64Guest" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (c); i++)
    {
      KilnOvfOsType t;
      kiln_ovf_os_type (c[i].d, c[i].v, c[i].arch, NULL, &t);
      assert_int_equal (t.cim_id, c[i].cim);
      assert_string_equal (t.vmw_os_type, c[i].vmw);
      g_free (t.description);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_ovf_descriptor_describes_disk_and_hardware),
    cmocka_unit_test (test_bios_and_controllers),
    cmocka_unit_test (test_os_types),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
