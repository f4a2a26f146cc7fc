/* inspect-image.c - open an image read-only and gather what kiln reports */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guestfs-facts.h"
#include "inspect-image.h"
#include "kiln.h"
#include "qemu-img.h"
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

static gboolean
kvm_usable (void)
{
  int fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

KilnImageInspection *
kiln_inspect_image (const char *path, const char *format, const char *accel,
                    gboolean with_packages, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  if (!accel)
    accel = g_getenv ("KILN_ACCEL") ? g_getenv ("KILN_ACCEL") : "auto";
  if (strcmp (accel, "auto") != 0 && strcmp (accel, "kvm") != 0
      && strcmp (accel, "tcg") != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "--accel: expected auto, kvm or tcg, found '%s'", accel);
      return NULL;
    }
  g_autoptr (KilnImageInspection) r = g_new0 (KilnImageInspection, 1);
  r->format = kiln_image_format (path, format, &r->virtual_size, error);
  if (!r->format)
    return NULL;

  gboolean tcg = strcmp (accel, "tcg") == 0
                 || (strcmp (accel, "auto") == 0 && !kvm_usable ());
  KilnGuestOptions opts = { .readonly = TRUE, .force_tcg = tcg };
  g_autoptr (GError) local = NULL;
  g_autoptr (KilnGuest) g = kiln_guest_open (path, r->format, &opts, &local);
  if (!g && !tcg && strcmp (accel, "auto") == 0
      && !g_error_matches (local, KILN_ERROR, KILN_ERROR_INPUT))
    {
      /* Nested KVM often exists but does not work: say so, use TCG. */
      fprintf (stderr, "kiln: the libguestfs appliance did not start with "
               "KVM (%s); retrying with TCG (slower; --accel tcg skips "
               "this attempt)\n", local->message);
      g_clear_error (&local);
      opts.force_tcg = tcg = TRUE;
      g = kiln_guest_open (path, r->format, &opts, &local);
    }
  if (!g)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
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
