/* inspect-image.c - open an image read-only and gather what kiln reports */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "inspect-image.h"

#include "base/image-file.h"
#include "backends/guestfs.h"
#include "backends/qemu-img.h"
#include "build/accel-decide.h"
#include "common/kiln.h"
#include "guest-facts.h"
#include "sbom.h"

void
kiln_image_inspection_free (KilnImageInspection *i)
{
  if (!i)
    return;
  g_free (i->format);
  kiln_os_info_free (i->os);
  if (i->packages)
    g_ptr_array_unref (i->packages);
  kiln_lint_facts_free (i->facts);
  g_free (i);
}

char *
kiln_image_format (const char *path, const char *given, guint64 *virtual_size,
                   GError **error)
{
  /* before qemu-img opens it: a FIFO would block it (base/image-file.h) */
  if (!kiln_image_file_check (path, "the image", TRUE, error))
    return NULL;
  g_autoptr (KilnImageInfo) info = kiln_qemu_img_info (path, given, error);
  if (!info)
    return NULL;
  if (!given)
    fprintf (stderr, "kiln: %s: format probed as %s (--input-format FORMAT "
             "says it explicitly)\n", path, info->format);
  if (virtual_size)
    *virtual_size = info->virtual_size;
  return g_strdup (info->format);
}

KilnImageInspection *
kiln_inspect_image (const char *path, const char *format, const char *accel,
                    gboolean with_packages, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (KilnImageInspection) r = g_new0 (KilnImageInspection, 1);
  r->format = kiln_image_format (path, format, &r->virtual_size, error);
  if (!r->format)
    return NULL;

  KilnAccel decided = kiln_accel_decide (accel, NULL, error);
  if (decided == KILN_ACCEL_AUTO)
    return NULL;
  gboolean tcg = decided != KILN_ACCEL_KVM;
  KilnGuestOptions opts = { .readonly = TRUE, .force_tcg = tcg };
  g_autoptr (KilnGuest) g = kiln_guest_open (path, r->format, &opts, error);
  if (!g)
    return NULL;
  r->used_tcg = tcg;
  r->os = kiln_os_info_copy (kiln_guest_os (g));
  r->facts = kiln_guest_lint_facts (g, error);
  if (!r->facts)
    return NULL;
  if (with_packages)
    {
      g_autoptr (GError) perr = NULL;
      r->packages = kiln_guest_packages (g, &perr);
      if (!r->packages)
        {
          /* No package database is a fact about the guest, not a failure. */
          fprintf (stderr, "kiln: %s: no package list (%s)\n", path,
                   perr->message);
        }
    }
  if (!kiln_guest_close (g_steal_pointer (&g), error))
    return NULL;
  r->seconds = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  return g_steal_pointer (&r);
}
