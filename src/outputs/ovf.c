/* ovf.c - OVF 1.0 descriptor with libxml2's tree API */
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "common/kiln.h"
#include "ovf.h"

#define NS_OVF "http://schemas.dmtf.org/ovf/envelope/1"
#define NS_RASD \
  "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
#define NS_VSSD \
  "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
#define NS_VMW "http://www.vmware.com/schema/ovf"
#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define NS_CIM "http://schemas.dmtf.org/wbem/wscim/1/common"
#define VMDK_STREAM \
  "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"

typedef struct {
  const char *name;             /* what a recipe writes */
  int resource_type;            /* rasd:ResourceType */
  const char *subtype;          /* rasd:ResourceSubType, NULL for IDE */
  const char *label;
  const char *vmdk_adapter;     /* qemu-img adapter_type */
} Controller;

static const Controller controllers[] = {
  { "lsilogic", 6, "lsilogic", "SCSI Controller", "lsilogic" },
  { "lsilogicsas", 6, "lsilogicsas", "SCSI Controller", "lsilogic" },
  { "pvscsi", 6, "VirtualSCSI", "SCSI Controller", "lsilogic" },
  { "buslogic", 6, "buslogic", "SCSI Controller", "buslogic" },
  { "sata", 20, "vmware.sata.ahci", "SATA Controller", "lsilogic" },
  { "nvme", 20, "vmware.nvme.controller", "NVMe Controller", "lsilogic" },
  { "ide", 5, NULL, "IDE Controller", "ide" },
};

typedef struct {
  const char *name;
  const char *subtype;
} Nic;

static const Nic nics[] = {
  { "vmxnet3", "VmxNet3" },
  { "e1000", "E1000" },
  { "e1000e", "E1000e" },
};

static const Controller *
find_controller (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (controllers); i++)
    if (g_ascii_strcasecmp (controllers[i].name, name) == 0
        || (controllers[i].subtype
            && g_ascii_strcasecmp (controllers[i].subtype, name) == 0))
      return &controllers[i];
  return NULL;
}

static const Nic *
find_nic (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (nics); i++)
    if (g_ascii_strcasecmp (nics[i].name, name) == 0)
      return &nics[i];
  return NULL;
}

gboolean
kiln_ovf_controller_known (const char *controller)
{
  return find_controller (controller) != NULL;
}

gboolean
kiln_ovf_nic_known (const char *nic)
{
  return find_nic (nic) != NULL;
}

const char *
kiln_ovf_vmdk_adapter_for (const char *controller)
{
  const Controller *c = find_controller (controller ? controller : "lsilogic");
  return c ? c->vmdk_adapter : "lsilogic";
}

void
kiln_ovf_os_type (const char *distro, int major, const char *arch,
                  const char *product_name, KilnOvfOsType *out)
{
  gboolean is64 = !arch || strcmp (arch, "x86_64") == 0
                  || strcmp (arch, "aarch64") == 0;
  const char *d = distro ? distro : "";

  /* Guest ids known to ESXi 7.0 and later; a newer major version maps to
   * the newest id older hosts accept (the id only picks VM defaults). */
  out->cim_id = is64 ? 101 : 36;
  out->vmw_os_type = is64 ? "otherLinux64Guest" : "otherLinuxGuest";
  if (strcmp (d, "debian") == 0)
    {
      out->cim_id = is64 ? 96 : 95;
      if (major >= 11)
        out->vmw_os_type = is64 ? "debian11_64Guest" : "debian11Guest";
      else if (major == 10)
        out->vmw_os_type = is64 ? "debian10_64Guest" : "debian10Guest";
      else
        out->vmw_os_type = is64 ? "debian9_64Guest" : "debian9Guest";
    }
  else if (strcmp (d, "ubuntu") == 0)
    {
      out->cim_id = is64 ? 94 : 93;
      out->vmw_os_type = is64 ? "ubuntu64Guest" : "ubuntuGuest";
    }
  else if (strcmp (d, "rhel") == 0 || strcmp (d, "redhat-based") == 0)
    {
      out->cim_id = is64 ? 80 : 79;
      out->vmw_os_type = major >= 9   ? "rhel9_64Guest"
                         : major == 8 ? "rhel8_64Guest"
                                      : "rhel7_64Guest";
    }
  else if (strcmp (d, "centos") == 0 || strcmp (d, "rocky") == 0
           || strcmp (d, "almalinux") == 0 || strcmp (d, "circle") == 0)
    {
      out->cim_id = is64 ? 107 : 106;
      out->vmw_os_type = major >= 8 ? "centos8_64Guest" : "centos7_64Guest";
    }
  else if (strcmp (d, "oraclelinux") == 0)
    {
      out->cim_id = is64 ? 109 : 108;
      out->vmw_os_type = major >= 8 ? "oracleLinux8_64Guest"
                                    : "oracleLinux7_64Guest";
    }
  else if (strcmp (d, "sles") == 0 || strcmp (d, "suse-based") == 0)
    {
      out->cim_id = is64 ? 85 : 84;
      out->vmw_os_type = major >= 15 ? "sles15_64Guest" : "sles12_64Guest";
    }
  else if (strcmp (d, "fedora") == 0)
    out->vmw_os_type = is64 ? "fedora64Guest" : "fedoraGuest";
  else if (strcmp (d, "opensuse") == 0)
    out->vmw_os_type = is64 ? "opensuse64Guest" : "opensuseGuest";
  else if (is64)
    out->vmw_os_type = "other4xLinux64Guest";

  if (product_name && *product_name)
    out->description = g_strdup (product_name);
  else if (*d)
    out->description = major > 0 ? g_strdup_printf ("%s %d (%s)", d, major,
                                                    is64 ? "64-bit" : "32-bit")
                                 : g_strdup_printf ("%s (%s)", d,
                                                    is64 ? "64-bit" : "32-bit");
  else
    out->description = g_strdup (is64 ? "Linux (64-bit)" : "Linux (32-bit)");
}

/* --- building the tree --- */

typedef struct {
  xmlDocPtr doc;
  xmlNsPtr ovf, rasd, vssd, vmw;
} Ovf;

static xmlNodePtr
child (xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
  xmlNodePtr n = xmlNewChild (parent, ns, BAD_CAST name, NULL);
  if (text)
    xmlNodeAddContent (n, BAD_CAST text); /* escapes &, <, > */
  return n;
}

static void
ovf_prop (Ovf *o, xmlNodePtr n, const char *name, const char *value)
{
  xmlNewNsProp (n, o->ovf, BAD_CAST name, BAD_CAST value);
}

static void
ovf_prop_u64 (Ovf *o, xmlNodePtr n, const char *name, guint64 v)
{
  char buf[32];
  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, v);
  ovf_prop (o, n, name, buf);
}

/* One rasd Item; the CIM schema wants its children in alphabetical order,
 * so the callers add them in that order. */
static xmlNodePtr
item (Ovf *o, xmlNodePtr hw)
{
  return child (hw, NULL, "Item", NULL);
}

static void
rasd (Ovf *o, xmlNodePtr it, const char *name, const char *text)
{
  child (it, o->rasd, name, text);
}

static void
rasd_int (Ovf *o, xmlNodePtr it, const char *name, guint64 v)
{
  char buf[32];
  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, v);
  rasd (o, it, name, buf);
}

char *
kiln_ovf_write (const KilnOvfSpec *spec, GError **error)
{
  const Controller *ctl = find_controller (spec->controller ? spec->controller
                                                            : "lsilogic");
  const Nic *nic = find_nic (spec->nic ? spec->nic : "vmxnet3");
  const char *network = spec->network ? spec->network : "VM Network";
  guint cpus = spec->cpus ? spec->cpus : 2;
  guint memory = spec->memory_mib ? spec->memory_mib : 2048;

  if (!ctl)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "unknown OVF disk controller '%s' (expected lsilogic, "
                   "lsilogicsas, pvscsi, buslogic, sata, nvme or ide)",
                   spec->controller);
      return NULL;
    }
  if (!nic)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "unknown OVF network adapter '%s' (expected vmxnet3, "
                   "e1000 or e1000e)", spec->nic);
      return NULL;
    }

  Ovf o = { 0 };
  o.doc = xmlNewDoc (BAD_CAST "1.0");
  xmlNodePtr env = xmlNewNode (NULL, BAD_CAST "Envelope");
  xmlDocSetRootElement (o.doc, env);
  xmlNewNs (env, BAD_CAST NS_OVF, NULL); /* default namespace */
  o.ovf = xmlNewNs (env, BAD_CAST NS_OVF, BAD_CAST "ovf");
  xmlNewNs (env, BAD_CAST NS_CIM, BAD_CAST "cim");
  o.rasd = xmlNewNs (env, BAD_CAST NS_RASD, BAD_CAST "rasd");
  o.vssd = xmlNewNs (env, BAD_CAST NS_VSSD, BAD_CAST "vssd");
  o.vmw = xmlNewNs (env, BAD_CAST NS_VMW, BAD_CAST "vmw");
  xmlNewNs (env, BAD_CAST NS_XSI, BAD_CAST "xsi");
  xmlSetNs (env, env->nsDef); /* Envelope in the default namespace */
  ovf_prop (&o, env, "version", "1.0");

  /* References: every file of the package, with its size. */
  xmlNodePtr refs = child (env, NULL, "References", NULL);
  xmlNodePtr file = child (refs, NULL, "File", NULL);
  ovf_prop (&o, file, "href", spec->disk_file);
  ovf_prop (&o, file, "id", "file1");
  ovf_prop_u64 (&o, file, "size", spec->disk_file_size);

  xmlNodePtr disks = child (env, NULL, "DiskSection", NULL);
  child (disks, NULL, "Info", "Virtual disk information");
  xmlNodePtr disk = child (disks, NULL, "Disk", NULL);
  ovf_prop_u64 (&o, disk, "capacity", spec->capacity);
  ovf_prop (&o, disk, "capacityAllocationUnits", "byte");
  ovf_prop (&o, disk, "diskId", "vmdisk1");
  ovf_prop (&o, disk, "fileRef", "file1");
  ovf_prop (&o, disk, "format", VMDK_STREAM);
  if (spec->populated_size)
    ovf_prop_u64 (&o, disk, "populatedSize", spec->populated_size);

  xmlNodePtr nets = child (env, NULL, "NetworkSection", NULL);
  child (nets, NULL, "Info", "The list of logical networks");
  xmlNodePtr net = child (nets, NULL, "Network", NULL);
  ovf_prop (&o, net, "name", network);
  g_autofree char *net_desc = g_strdup_printf ("The %s network", network);
  child (net, NULL, "Description", net_desc);

  xmlNodePtr vs = child (env, NULL, "VirtualSystem", NULL);
  ovf_prop (&o, vs, "id", spec->vm_name);
  child (vs, NULL, "Info", "A virtual machine");
  child (vs, NULL, "Name", spec->vm_name);

  if (spec->annotation)
    {
      xmlNodePtr ann = child (vs, NULL, "AnnotationSection", NULL);
      child (ann, NULL, "Info", "A human-readable annotation");
      child (ann, NULL, "Annotation", spec->annotation);
    }

  KilnOvfOsType os;
  kiln_ovf_os_type (spec->distro, spec->major_version, spec->arch,
                    spec->product_name, &os);
  xmlNodePtr oss = child (vs, NULL, "OperatingSystemSection", NULL);
  char idbuf[16];
  g_snprintf (idbuf, sizeof idbuf, "%d", os.cim_id);
  ovf_prop (&o, oss, "id", idbuf);
  xmlNewNsProp (oss, o.vmw, BAD_CAST "osType", BAD_CAST os.vmw_os_type);
  child (oss, NULL, "Info", "The kind of installed guest operating system");
  child (oss, NULL, "Description", os.description);
  g_free (os.description);

  xmlNodePtr hw = child (vs, NULL, "VirtualHardwareSection", NULL);
  child (hw, NULL, "Info", "Virtual hardware requirements");
  xmlNodePtr sys = child (hw, NULL, "System", NULL);
  child (sys, o.vssd, "ElementName", "Virtual Hardware Family");
  child (sys, o.vssd, "InstanceID", "0");
  child (sys, o.vssd, "VirtualSystemIdentifier", spec->vm_name);
  child (sys, o.vssd, "VirtualSystemType",
         spec->hw_family ? spec->hw_family : "vmx-13");

  char text[128];
  xmlNodePtr it = item (&o, hw);
  rasd (&o, it, "AllocationUnits", "hertz * 10^6");
  rasd (&o, it, "Description", "Number of Virtual CPUs");
  g_snprintf (text, sizeof text, "%u virtual CPU(s)", cpus);
  rasd (&o, it, "ElementName", text);
  rasd (&o, it, "InstanceID", "1");
  rasd (&o, it, "ResourceType", "3");
  rasd_int (&o, it, "VirtualQuantity", cpus);

  it = item (&o, hw);
  rasd (&o, it, "AllocationUnits", "byte * 2^20");
  rasd (&o, it, "Description", "Memory Size");
  g_snprintf (text, sizeof text, "%uMB of memory", memory);
  rasd (&o, it, "ElementName", text);
  rasd (&o, it, "InstanceID", "2");
  rasd (&o, it, "ResourceType", "4");
  rasd_int (&o, it, "VirtualQuantity", memory);

  it = item (&o, hw);
  rasd (&o, it, "Address", "0");
  rasd (&o, it, "Description", ctl->label);
  g_snprintf (text, sizeof text, "%s 0", ctl->label);
  rasd (&o, it, "ElementName", text);
  rasd (&o, it, "InstanceID", "3");
  if (ctl->subtype)
    rasd (&o, it, "ResourceSubType", ctl->subtype);
  rasd_int (&o, it, "ResourceType", ctl->resource_type);

  it = item (&o, hw);
  rasd (&o, it, "AddressOnParent", "0");
  rasd (&o, it, "ElementName", "Hard disk 1");
  rasd (&o, it, "HostResource", "ovf:/disk/vmdisk1");
  rasd (&o, it, "InstanceID", "4");
  rasd (&o, it, "Parent", "3");
  rasd (&o, it, "ResourceType", "17");

  it = item (&o, hw);
  rasd (&o, it, "AddressOnParent", "7");
  rasd (&o, it, "AutomaticAllocation", "true");
  rasd (&o, it, "Connection", network);
  g_autofree char *nic_desc = g_strdup_printf ("%s ethernet adapter on \"%s\"",
                                               nic->subtype, network);
  rasd (&o, it, "Description", nic_desc);
  rasd (&o, it, "ElementName", "Network adapter 1");
  rasd (&o, it, "InstanceID", "5");
  rasd (&o, it, "ResourceSubType", nic->subtype);
  rasd (&o, it, "ResourceType", "10");

  if (spec->uefi)
    {
      xmlNodePtr cfg = child (hw, o.vmw, "Config", NULL);
      ovf_prop (&o, cfg, "required", "false");
      xmlNewNsProp (cfg, o.vmw, BAD_CAST "key", BAD_CAST "firmware");
      xmlNewNsProp (cfg, o.vmw, BAD_CAST "value", BAD_CAST "efi");
    }

  xmlChar *mem = NULL;
  int len = 0;
  xmlDocDumpFormatMemoryEnc (o.doc, &mem, &len, "UTF-8", 1);
  xmlFreeDoc (o.doc);
  char *out = g_strndup ((const char *) mem, len);
  xmlFree (mem);
  return out;
}
