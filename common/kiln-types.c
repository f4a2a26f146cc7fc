/* kiln-types.c - constructors and destructors of the seam's plain types */
#include "kiln-types.h"

const char *
kiln_accel_name (KilnAccel accel)
{
  switch (accel)
    {
    case KILN_ACCEL_KVM:
      return "kvm";
    case KILN_ACCEL_TCG:
      return "tcg";
    case KILN_ACCEL_AUTO:
    default:
      return "auto";
    }
}

void
kiln_os_info_free (KilnOsInfo *info)
{
  if (!info)
    return;
  g_free (info->type);
  g_free (info->distro);
  g_free (info->product_name);
  g_free (info->arch);
  g_free (info->hostname);
  g_free (info->root_device);
  g_free (info->root_fstype);
  g_free (info->firmware);
  g_free (info->package_format);
  g_free (info->package_manager);
  g_free (info->partition_table);
  if (info->kernels)
    g_ptr_array_unref (info->kernels);
  g_free (info);
}

KilnOsInfo *
kiln_os_info_copy (const KilnOsInfo *o)
{
  KilnOsInfo *c = g_new0 (KilnOsInfo, 1);
  c->type = g_strdup (o->type);
  c->distro = g_strdup (o->distro);
  c->product_name = g_strdup (o->product_name);
  c->major_version = o->major_version;
  c->minor_version = o->minor_version;
  c->arch = g_strdup (o->arch);
  c->hostname = g_strdup (o->hostname);
  c->root_device = g_strdup (o->root_device);
  c->root_fstype = g_strdup (o->root_fstype);
  c->firmware = g_strdup (o->firmware);
  c->package_format = g_strdup (o->package_format);
  c->package_manager = g_strdup (o->package_manager);
  c->has_systemd = o->has_systemd;
  c->partition_table = g_strdup (o->partition_table);
  c->kernels = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; o->kernels && i < o->kernels->len; i++)
    g_ptr_array_add (c->kernels, g_strdup (o->kernels->pdata[i]));
  return c;
}

void
kiln_package_row_free (KilnPackageRow *row)
{
  if (!row)
    return;
  g_free (row->name);
  g_free (row->version);
  g_free (row->release);
  g_free (row->arch);
  g_free (row);
}
