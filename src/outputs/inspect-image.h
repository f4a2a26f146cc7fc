/* inspect-image.h - one appliance launch: OS, packages and lint facts of an
 * image (kiln inspect, kiln convert).  The image is opened read-only. */
#pragma once

#include "common/kiln-types.h"
#include "lint.h"

typedef struct {
  char *format;                 /* the image's format (given or probed) */
  guint64 virtual_size;
  KilnOsInfo *os;
  GPtrArray *packages;          /* KilnPackage*; NULL when not asked */
  KilnLintFacts *facts;
  gboolean used_tcg;            /* the appliance ran under TCG */
  double seconds;
} KilnImageInspection;

void kiln_image_inspection_free (KilnImageInspection *i);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnImageInspection, kiln_image_inspection_free)

/* accel: "auto" (KVM when /dev/kvm opens, falling back to TCG when the
 * appliance does not start under it), "kvm" or "tcg".  $KILN_ACCEL sets
 * the default.  format NULL: probed by qemu-img (a warning is printed). */
KilnImageInspection *kiln_inspect_image (const char *path, const char *format,
                                         const char *accel,
                                         gboolean with_packages,
                                         GError **error);

/* qemu-img's format for path (given, or probed with a note on stderr). */
char *kiln_image_format (const char *path, const char *given,
                         guint64 *virtual_size, GError **error);
