/* formats.h - the output formats kiln writes and how qemu-img makes each
 *
 * A format is written NAME[:SUBFORMAT] (recipe `outputs.formats`, `--format`):
 *   qcow2             qcow2:compressed
 *   raw
 *   vmdk              = vmdk:streamOptimized (AWS, OVA, vSphere upload)
 *   vmdk:monolithicSparse (Workstation, Fusion, VirtualBox)
 *   vhdx              = vhdx:dynamic      vhdx:fixed
 *   vhd               = vhd:fixed (Azure; virtual size padded to a whole MiB)
 *   vhd:dynamic
 *   ova               OVF 1.0 + streamOptimized VMDK + SHA-256 manifest
 * Pure functions: nothing here runs qemu-img.
 */
#pragma once

#include <glib.h>

typedef enum {
  KILN_FORMAT_QCOW2,
  KILN_FORMAT_RAW,
  KILN_FORMAT_VMDK,
  KILN_FORMAT_VHDX,
  KILN_FORMAT_VHD,
  KILN_FORMAT_OVA,
} KilnFormatKind;

typedef struct {
  KilnFormatKind kind;
  char *name;              /* "vmdk" */
  char *subformat;         /* "streamOptimized"; NULL for raw and ova */
} KilnFormat;

void kiln_format_free (KilnFormat *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnFormat, kiln_format_free)

/* "vmdk", "VMDK:monolithicsparse", "qcow2:compressed" -> a format with its
 * default or canonical subformat.  KILN_ERROR_INPUT with a "did you mean"
 * for an unknown name or subformat. */
KilnFormat *kiln_format_parse (const char *text, GError **error);

/* The same from a name and a separate subformat (NULL = default), the way
 * a recipe's outputs section gives them (formats: [vmdk] plus
 * vmdk: {subformat: monolithicSparse}; qcow2: {compress: true} is
 * subformat "compressed").  Multi-file VMDK layouts (monolithicFlat,
 * twoGbMaxExtent*) are refused: every artifact is one file. */
KilnFormat *kiln_format_new (const char *name, const char *subformat,
                             GError **error);

/* A comma-separated list and/or several strings ("raw,vmdk" "ova").  Each
 * format at most once; two formats that would write the same file name
 * (vmdk and vmdk:monolithicSparse) are refused.  Returns KilnFormat*. */
GPtrArray *kiln_format_list_parse (const char *const *texts, GError **error);

/* "vmdk:streamOptimized" (or "raw") - the canonical text. */
char *kiln_format_to_string (const KilnFormat *f);

/* File name extension without the dot: "vmdk", "vhd", "ova". */
const char *kiln_format_extension (const KilnFormat *f);

/* VMware/OVF knobs that reach the VMDK header (they must agree with the OVF
 * descriptor: ESXi reads the controller from the OVF, other tools from the
 * VMDK's ddb.adapterType). */
typedef struct {
  const char *vmdk_adapter;     /* "lsilogic" (default), "buslogic", "ide" */
  const char *vmdk_hwversion;   /* ddb.virtualHWVersion; default "13" */
} KilnFormatOptions;

/* How qemu-img makes a disk format (for ova: its streamOptimized VMDK). */
typedef struct {
  const char *qemu_format;      /* -O: qcow2 raw vmdk vpc vhdx */
  char **options;               /* -o key=value, NULL-terminated (may be empty) */
  gboolean compress;            /* -c */
  gboolean align_mib;           /* virtual size must be rounded up to 1 MiB */
  gboolean out_of_order;        /* -W is safe (not for streamOptimized) */
} KilnFormatProfile;

void kiln_format_profile_free (KilnFormatProfile *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnFormatProfile, kiln_format_profile_free)

KilnFormatProfile *kiln_format_profile (const KilnFormat *f,
                                        const KilnFormatOptions *opts);

/* The disk a format needs converted from the source: for ova the
 * streamOptimized VMDK, for every other format itself.  Two formats that
 * need the same disk (vmdk and ova) share one conversion. */
KilnFormat *kiln_format_disk_for (const KilnFormat *f);
gboolean kiln_format_equal (const KilnFormat *a, const KilnFormat *b);

/* Virtual size rounded up to the next multiple of 1 MiB. */
guint64 kiln_round_up_mib (guint64 size);

/* --- reading headers back (checks after conversion, tests) --- */

/* A VHD footer (the last 512 bytes of a .vhd).  FALSE when the cookie is
 * not "conectix" or the checksum does not match. */
typedef struct {
  guint32 disk_type;            /* 2 fixed, 3 dynamic, 4 differencing */
  guint64 current_size;         /* virtual size in bytes */
  guint64 original_size;
  char creator_app[5];
} KilnVhdFooter;

gboolean kiln_vhd_footer_parse (const guint8 footer[512], KilnVhdFooter *out);

/* The sparse VMDK header (the first 512 bytes) plus the embedded
 * descriptor's createType and ddb.adapterType when they fit in buf. */
typedef struct {
  guint32 version;              /* 3 for streamOptimized written by qemu >= 2.5.1 */
  guint32 flags;
  guint64 capacity_sectors;
  guint16 compress_algorithm;   /* 1 = deflate */
  char *create_type;            /* "streamOptimized" or NULL */
  char *adapter_type;
  char *hw_version;
} KilnVmdkHeader;

void kiln_vmdk_header_clear (KilnVmdkHeader *h);
/* buf holds at least the first 512 bytes of the file; descriptor fields
 * are found when buf also covers the descriptor (the first 64 KiB do). */
gboolean kiln_vmdk_header_parse (const guint8 *buf, gsize len,
                                 KilnVmdkHeader *out);

/* Bytes of data a streamOptimized VMDK holds (grains present x grain size,
 * at most its capacity): the OVF's populatedSize.  Reads only the grain
 * markers. */
gboolean kiln_vmdk_stream_populated_bytes (const char *path, guint64 *bytes,
                                           GError **error);

/* Checks a converted file by reading it back: a VMDK's sparse header
 * (version 3, createType, adapter), a VHD's footer (disk type, size a
 * whole MiB when fixed).  Other formats: nothing to check here (qemu-img
 * info/check do). */
gboolean kiln_format_check_headers (const KilnFormat *f, const char *path,
                                    guint64 expected_virtual_size,
                                    GError **error);
