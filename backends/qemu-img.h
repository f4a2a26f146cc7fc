/* qemu-img.h - overlays, resize, info, check and convert through qemu-img
 *
 * Runs the qemu-img binary with argv vectors (never a shell).  A parent image
 * is only ever used as a read-only backing file.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

typedef struct {
  char *format;            /* "qcow2", "raw", "vmdk", "vpc", "vhdx", ... */
  guint64 virtual_size;    /* bytes */
  guint64 actual_size;     /* bytes allocated on the host */
  char *backing_file;      /* NULL when none */
  char *backing_format;
  JsonNode *json;          /* `qemu-img info --output=json`, whole */
} KilnImageInfo;

void kiln_image_info_free (KilnImageInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnImageInfo, kiln_image_info_free)

/* format may be NULL to let qemu-img probe (only for images kiln made). */
KilnImageInfo *kiln_qemu_img_info (const char *path, const char *format,
                                   GError **error);

/* A qcow2 overlay on a read-only backing file (absolute path recorded).
 * virtual_size 0 keeps the backing file's size. */
gboolean kiln_qemu_img_create_overlay (const char *backing,
                                       const char *backing_format,
                                       const char *overlay,
                                       guint64 virtual_size, GError **error);

/* Makes the qcow2 overlay path name backing (format backing_format) as its
 * backing file without reading either's data (`qemu-img rebase -u`): for
 * the same bytes under another name, as on a libvirt target. */
gboolean kiln_qemu_img_rebase_unsafe (const char *path, const char *backing,
                                      const char *backing_format,
                                      GError **error);

gboolean kiln_qemu_img_resize (const char *path, const char *format,
                               guint64 virtual_size, GError **error);

/* `qemu-img check`: TRUE when the image is consistent. */
gboolean kiln_qemu_img_check (const char *path, const char *format,
                              GError **error);

typedef void (*KilnProgressFn) (double fraction, gpointer user_data);

typedef struct {
  const char *src;
  const char *src_format;        /* NULL = probe */
  const char *dst;
  const char *dst_format;        /* qemu-img name: qcow2 raw vmdk vpc vhdx */
  const char *const *options;    /* NULL-terminated "key=value" for -o */
  gboolean compress;             /* -c (qcow2, vmdk streamOptimized) */
  guint coroutines;              /* -m N (0 = qemu-img default) */
  gboolean out_of_order;         /* -W */
} KilnConvertSpec;

/* Converts; progress (0..1) is parsed from `qemu-img convert -p`.  On error
 * or cancellation the partial destination is removed. */
gboolean kiln_qemu_img_convert (const KilnConvertSpec *spec,
                                KilnProgressFn progress, gpointer user_data,
                                GCancellable *cancellable, GError **error);

/* The qemu-img kiln runs: $KILN_QEMU_IMG, else the one configure found. */
const char *kiln_qemu_img_program (void);
