/* libvirt-xml.c - the domain XML for a build, test or probe boot
 *
 * Built with libxml2 so that paths and names from the caller are escaped by
 * the library, never pasted into markup.
 *
 * Choices (see also docs in backends/libvirt.h):
 * - TCG: <cpu mode='maximum'/> (-cpu max: every feature TCG can emulate).
 *   KVM: host-passthrough (-cpu host): build guests never migrate, and the
 *   accel probe boots with the same CPU, so a host where -cpu host aborts
 *   (nested KVM: "failed to set MSR 0x10a") is detected and falls back to TCG.
 * - Disks: cache='unsafe' (guest flushes are ignored; QEMU still writes
 *   everything to the file and flushes when it exits, also on destroy).  The
 *   boot disk is a per-build overlay that is thrown away if the host crashes
 *   mid-build, so durability per guest fsync buys nothing and costs a lot.
 *   discard='unmap' keeps the overlay small after fstrim.
 * - BIOS guests use the 'pc' machine, UEFI guests 'q35' with OVMF picked by
 *   libvirt (firmware='efi'), Secure Boot off so unsigned loaders boot.
 * - No graphics, no video device, no USB: the serial console goes to a file.
 * - A virtio RNG fed from /dev/urandom: guests that wait for entropy
 *   (sshd key generation, systemd's random seed) do not stall under TCG.
 * - No memory balloon; no NIC unless network_user (then user-mode NAT).
 * - The agent channel: QEMU connects to a unix socket kiln listens on
 *   (mode='connect'), so the channel exists before the guest's first
 *   instruction and nothing the guest writes early is dropped.
 */
#include "config.h"

#include <libxml/tree.h>

#include "libvirt-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

char *
kiln_domain_make_name (const char *prefix)
{
  return g_strdup_printf ("%s-%06x%06x", prefix ? prefix : "kiln",
                          g_random_int () & 0xffffff,
                          g_random_int () & 0xffffff);
}

static xmlNodePtr
child (xmlNodePtr parent, const char *name, const char *text)
{
  return xmlNewTextChild (parent, NULL, BAD_CAST name, BAD_CAST text);
}

static void
attr (xmlNodePtr node, const char *name, const char *value)
{
  xmlNewProp (node, BAD_CAST name, BAD_CAST value);
}

static void
add_disk (xmlNodePtr devices, const char *path, const char *format,
          const char *target, gboolean readonly)
{
  xmlNodePtr disk = child (devices, "disk", NULL);
  attr (disk, "type", "file");
  attr (disk, "device", "disk");
  xmlNodePtr driver = child (disk, "driver", NULL);
  attr (driver, "name", "qemu");
  attr (driver, "type", format ? format : "raw");
  attr (driver, "cache", "unsafe");
  if (!readonly)
    attr (driver, "discard", "unmap");
  attr (child (disk, "source", NULL), "file", path);
  xmlNodePtr t = child (disk, "target", NULL);
  attr (t, "dev", target);
  attr (t, "bus", "virtio");
  if (readonly)
    child (disk, "readonly", NULL);
}

/* A serial port or console whose output goes to path. */
static void
add_file_chardev (xmlNodePtr devices, const char *element, const char *path)
{
  xmlNodePtr dev = child (devices, element, NULL);
  attr (dev, "type", "file");
  xmlNodePtr source = child (dev, "source", NULL);
  attr (source, "path", path);
  attr (source, "append", "off");
  xmlNodePtr target = child (dev, "target", NULL);
  if (g_str_equal (element, "console"))
    attr (target, "type", "serial");
  attr (target, "port", "0");
}

/* A serial port or console on a pty of the daemon's, which kiln reads as
 * a libvirt stream. */
static void
add_pty_chardev (xmlNodePtr devices, const char *element)
{
  xmlNodePtr dev = child (devices, element, NULL);
  attr (dev, "type", "pty");
  xmlNodePtr target = child (dev, "target", NULL);
  if (g_str_equal (element, "console"))
    attr (target, "type", "serial");
  attr (target, "port", "0");
}

char *
kiln_domain_xml (const KilnDomainSpec *spec, const char *name)
{
  g_autoptr (xmlDoc) doc = xmlNewDoc (BAD_CAST "1.0");
  xmlNodePtr domain = xmlNewNode (NULL, BAD_CAST "domain");
  xmlDocSetRootElement (doc, domain);
  gboolean kvm = spec->accel == KILN_ACCEL_KVM;
  attr (domain, "type", kvm ? "kvm" : "qemu");

  child (domain, "name", name);
  g_autofree char *mem = g_strdup_printf ("%u", spec->memory_mib ? spec->memory_mib : 1024);
  attr (child (domain, "memory", mem), "unit", "MiB");
  g_autofree char *vcpus = g_strdup_printf ("%u", spec->vcpus ? spec->vcpus : 2);
  child (domain, "vcpu", vcpus);

  xmlNodePtr os = child (domain, "os", NULL);
  if (spec->uefi)
    attr (os, "firmware", "efi");
  xmlNodePtr type = child (os, "type", "hvm");
  attr (type, "arch", "x86_64");
  attr (type, "machine", spec->uefi ? "q35" : "pc");
  if (spec->uefi)
    {
      xmlNodePtr firmware = child (os, "firmware", NULL);
      xmlNodePtr f = child (firmware, "feature", NULL);
      attr (f, "enabled", "no");
      attr (f, "name", "secure-boot");
      f = child (firmware, "feature", NULL);
      attr (f, "enabled", "no");
      attr (f, "name", "enrolled-keys");
    }
  if (spec->kernel)
    {
      child (os, "kernel", spec->kernel);
      if (spec->initrd)
        child (os, "initrd", spec->initrd);
      if (spec->cmdline)
        child (os, "cmdline", spec->cmdline);
    }
  else
    attr (child (os, "boot", NULL), "dev", "hd");

  xmlNodePtr features = child (domain, "features", NULL);
  child (features, "acpi", NULL);
  child (features, "apic", NULL);

  xmlNodePtr cpu = child (domain, "cpu", NULL);
  attr (cpu, "mode", kvm ? "host-passthrough" : "maximum");
  attr (cpu, "check", "none");

  attr (child (domain, "clock", NULL), "offset", "utc");
  child (domain, "on_poweroff", "destroy");
  child (domain, "on_reboot", "restart");
  child (domain, "on_crash", "destroy");

  xmlNodePtr devices = child (domain, "devices", NULL);
  if (spec->disk)
    add_disk (devices, spec->disk, spec->disk_format ? spec->disk_format : "qcow2",
              "vda", FALSE);
  if (spec->seed_disk)
    add_disk (devices, spec->seed_disk, spec->seed_format ? spec->seed_format : "raw",
              "vdb", TRUE);

  if (spec->network_user)
    {
      xmlNodePtr nic = child (devices, "interface", NULL);
      attr (nic, "type", "user");
      attr (child (nic, "model", NULL), "type", "virtio");
    }

  if (spec->console_stream)
    {
      add_pty_chardev (devices, "serial");
      add_pty_chardev (devices, "console");
    }
  else if (spec->console_log)
    {
      add_file_chardev (devices, "serial", spec->console_log);
      add_file_chardev (devices, "console", spec->console_log);
    }

  if (spec->channel_socket || spec->channel_stream)
    {
      xmlNodePtr channel = child (devices, "channel", NULL);
      attr (channel, "type", "unix");
      xmlNodePtr source = child (channel, "source", NULL);
      if (spec->channel_stream)
        {
          /* QEMU's socket, opened by libvirt for the stream: at
           * libvirt's own path unless given one */
          attr (source, "mode", "bind");
          if (spec->channel_socket)
            attr (source, "path", spec->channel_socket);
        }
      else
        {
          attr (source, "mode", "connect");
          attr (source, "path", spec->channel_socket);
        }
      xmlNodePtr target = child (channel, "target", NULL);
      attr (target, "type", "virtio");
      attr (target, "name", KILN_AGENT_PORT_NAME);
    }

  xmlNodePtr rng = child (devices, "rng", NULL);
  attr (rng, "model", "virtio");
  attr (child (rng, "backend", "/dev/urandom"), "model", "random");

  xmlNodePtr usb = child (devices, "controller", NULL);
  attr (usb, "type", "usb");
  attr (usb, "model", "none");
  attr (child (child (devices, "video", NULL), "model", NULL), "type", "none");
  attr (child (devices, "memballoon", NULL), "model", "none");

  xmlChar *text = NULL;
  int len = 0;
  xmlDocDumpFormatMemoryEnc (doc, &text, &len, "UTF-8", 1);
  char *result = g_strndup ((const char *) text, len);
  xmlFree (text);
  return result;
}
