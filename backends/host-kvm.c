/* host-kvm.c - what /dev/kvm looks like to the caller (kiln doctor)
 *
 * The same open + KVM_GET_API_VERSION the accel decision starts with
 * (libvirt-accel.c), plus what explains a failure: the node's type, mode
 * and group, and whether the caller is in that group.
 */
#include "host-facts.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <grp.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
caller_in_group (gid_t gid)
{
  if (getegid () == gid)
    return TRUE;
  int n = getgroups (0, NULL);
  if (n <= 0)
    return FALSE;
  g_autofree gid_t *groups = g_new (gid_t, n);
  n = getgroups (n, groups);
  for (int i = 0; i < n; i++)
    if (groups[i] == gid)
      return TRUE;
  return FALSE;
}

void
kiln_kvm_device_facts (const char *path, KilnKvmDeviceFacts *out)
{
  memset (out, 0, sizeof *out);
  out->path = g_strdup (path);
  out->api_version = -1;
  struct stat st;
  if (stat (path, &st) < 0)
    {
      out->open_errno = errno;
      return;
    }
  out->present = TRUE;
  out->char_device = S_ISCHR (st.st_mode);
  out->mode = st.st_mode & 07777;
  struct group *gr = getgrgid (st.st_gid);
  out->group = gr ? g_strdup (gr->gr_name) : g_strdup_printf ("%u",
                                                              st.st_gid);
  out->caller_in_group = caller_in_group (st.st_gid);

  int fd = open (path, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      out->open_errno = errno;
      return;
    }
  out->api_version = ioctl (fd, KVM_GET_API_VERSION, 0);
  out->api_ok = out->api_version == KVM_API_VERSION;
  close (fd);
}
