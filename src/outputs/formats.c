/* formats.c - output format names, qemu-img profiles, header readers */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "formats.h"
#include "common/kiln.h"
#include "base/suggest.h"

typedef struct {
  KilnFormatKind kind;
  const char *name;
  const char *extension;
  const char *default_sub;               /* NULL: takes no subformat */
  const char *const *subs;               /* accepted subformats */
} FormatDef;

static const char *const qcow2_subs[] = { "compressed", NULL };
static const char *const vmdk_subs[] = { "streamOptimized", "monolithicSparse",
                                         NULL };
static const char *const vhdx_subs[] = { "dynamic", "fixed", NULL };
static const char *const vhd_subs[] = { "fixed", "dynamic", NULL };

static const FormatDef defs[] = {
  { KILN_FORMAT_QCOW2, "qcow2", "qcow2", NULL, qcow2_subs },
  { KILN_FORMAT_RAW, "raw", "raw", NULL, NULL },
  { KILN_FORMAT_VMDK, "vmdk", "vmdk", "streamOptimized", vmdk_subs },
  { KILN_FORMAT_VHDX, "vhdx", "vhdx", "dynamic", vhdx_subs },
  { KILN_FORMAT_VHD, "vhd", "vhd", "fixed", vhd_subs },
  { KILN_FORMAT_OVA, "ova", "ova", NULL, NULL },
};

static const char *const format_names[] = { "qcow2", "raw", "vmdk", "vhdx",
                                            "vhd", "ova", NULL };

static const FormatDef *
def_for (KilnFormatKind kind)
{
  for (gsize i = 0; i < G_N_ELEMENTS (defs); i++)
    if (defs[i].kind == kind)
      return &defs[i];
  g_assert_not_reached ();
}

void
kiln_format_free (KilnFormat *f)
{
  if (!f)
    return;
  g_free (f->name);
  g_free (f->subformat);
  g_free (f);
}

static KilnFormat *
format_new (const FormatDef *d, const char *sub)
{
  KilnFormat *f = g_new0 (KilnFormat, 1);
  f->kind = d->kind;
  f->name = g_strdup (d->name);
  f->subformat = g_strdup (sub);
  return f;
}

KilnFormat *
kiln_format_parse (const char *text, GError **error)
{
  g_autofree char *name = NULL;
  const char *colon = strchr (text, ':');
  const char *sub = colon ? colon + 1 : NULL;

  name = g_ascii_strdown (text, colon ? colon - text : -1);
  g_strstrip (name);
  const FormatDef *d = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (defs); i++)
    if (strcmp (defs[i].name, name) == 0)
      d = &defs[i];
  /* Common aliases people type. */
  if (!d && strcmp (name, "vpc") == 0)
    d = def_for (KILN_FORMAT_VHD);
  if (!d && strcmp (name, "img") == 0)
    d = def_for (KILN_FORMAT_RAW);
  if (!d)
    {
      g_autofree char *hint = kiln_suggest_suffix (name, format_names);
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "unknown output format '%s'%s (expected one of qcow2, raw, "
                   "vmdk, vhdx, vhd, ova)", name, hint);
      return NULL;
    }
  if (!sub || !*sub)
    return format_new (d, d->default_sub);

  if (!d->subs)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "output format '%s' takes no subformat, found '%s'",
                   d->name, sub);
      return NULL;
    }
  for (gsize i = 0; d->subs[i]; i++)
    if (g_ascii_strcasecmp (d->subs[i], sub) == 0)
      return format_new (d, d->subs[i]);
  if (d->kind == KILN_FORMAT_VMDK
      && (g_ascii_strcasecmp (sub, "monolithicFlat") == 0
          || g_ascii_strncasecmp (sub, "twoGbMaxExtent", 14) == 0))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "vmdk subformat '%s' writes several files; kiln writes "
                   "one file per artifact (use streamOptimized or "
                   "monolithicSparse)", sub);
      return NULL;
    }

  g_autofree char *hint = kiln_suggest_suffix (sub, d->subs);
  g_autofree char *expected = g_strjoinv (", ", (char **) d->subs);
  g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
               "unknown subformat '%s' for %s%s (expected one of %s)", sub,
               d->name, hint, expected);
  return NULL;
}

GPtrArray *
kiln_format_list_parse (const char *const *texts, GError **error)
{
  g_autoptr (GPtrArray) list
      = g_ptr_array_new_with_free_func ((GDestroyNotify) kiln_format_free);

  for (gsize i = 0; texts && texts[i]; i++)
    {
      g_auto (GStrv) parts = g_strsplit (texts[i], ",", -1);
      for (gsize j = 0; parts[j]; j++)
        {
          g_strstrip (parts[j]);
          if (!*parts[j])
            continue;
          KilnFormat *f = kiln_format_parse (parts[j], error);
          if (!f)
            return NULL;
          for (guint k = 0; k < list->len; k++)
            {
              const KilnFormat *o = list->pdata[k];
              if (o->kind == f->kind)
                {
                  g_autofree char *a = kiln_format_to_string (o);
                  g_autofree char *b = kiln_format_to_string (f);
                  g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                               strcmp (a, b) == 0
                                   ? "output format '%s' is given twice"
                                   : "output formats '%s' and '%s' would "
                                     "both write a .%s file; pick one",
                               a, b, kiln_format_extension (f));
                  kiln_format_free (f);
                  return NULL;
                }
            }
          g_ptr_array_add (list, f);
        }
    }
  if (list->len == 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "no output format given (expected one or more of qcow2, "
                   "raw, vmdk, vhdx, vhd, ova)");
      return NULL;
    }
  return g_steal_pointer (&list);
}

char *
kiln_format_to_string (const KilnFormat *f)
{
  if (!f->subformat)
    return g_strdup (f->name);
  return g_strdup_printf ("%s:%s", f->name, f->subformat);
}

const char *
kiln_format_extension (const KilnFormat *f)
{
  return def_for (f->kind)->extension;
}

void
kiln_format_profile_free (KilnFormatProfile *p)
{
  if (!p)
    return;
  g_strfreev (p->options);
  g_free (p);
}

KilnFormatProfile *
kiln_format_profile (const KilnFormat *f, const KilnFormatOptions *opts)
{
  KilnFormatProfile *p = g_new0 (KilnFormatProfile, 1);
  GPtrArray *o = g_ptr_array_new ();
  const char *adapter = opts && opts->vmdk_adapter ? opts->vmdk_adapter
                                                   : "lsilogic";
  const char *hw = opts && opts->vmdk_hwversion ? opts->vmdk_hwversion : "13";

  switch (f->kind)
    {
    case KILN_FORMAT_QCOW2:
      p->qemu_format = "qcow2";
      p->compress = g_strcmp0 (f->subformat, "compressed") == 0;
      /* -W lets compression use every core; harmless otherwise. */
      p->out_of_order = TRUE;
      g_ptr_array_add (o, g_strdup ("compat=1.1"));
      break;
    case KILN_FORMAT_RAW:
      p->qemu_format = "raw";
      p->out_of_order = TRUE;
      break;
    case KILN_FORMAT_VMDK:
    case KILN_FORMAT_OVA:
      {
        const char *sub = f->kind == KILN_FORMAT_OVA ? "streamOptimized"
                                                     : f->subformat;
        p->qemu_format = "vmdk";
        g_ptr_array_add (o, g_strdup_printf ("subformat=%s", sub));
        g_ptr_array_add (o, g_strdup_printf ("adapter_type=%s", adapter));
        g_ptr_array_add (o, g_strdup_printf ("hwversion=%s", hw));
        /* streamOptimized grains must be written in order. */
        p->out_of_order = strcmp (sub, "streamOptimized") != 0;
        break;
      }
    case KILN_FORMAT_VHDX:
      p->qemu_format = "vhdx";
      g_ptr_array_add (o, g_strdup_printf ("subformat=%s", f->subformat));
      p->out_of_order = TRUE;
      break;
    case KILN_FORMAT_VHD:
      p->qemu_format = "vpc";
      g_ptr_array_add (o, g_strdup_printf ("subformat=%s", f->subformat));
      /* force_size keeps the virtual size exactly (no CHS rounding); the
       * size itself is made a whole MiB beforehand (Azure needs that). */
      g_ptr_array_add (o, g_strdup ("force_size=on"));
      p->align_mib = TRUE;
      p->out_of_order = TRUE;
      break;
    }
  g_ptr_array_add (o, NULL);
  p->options = (char **) g_ptr_array_free (o, FALSE);
  return p;
}

KilnFormat *
kiln_format_disk_for (const KilnFormat *f)
{
  if (f->kind == KILN_FORMAT_OVA)
    return format_new (def_for (KILN_FORMAT_VMDK), "streamOptimized");
  return format_new (def_for (f->kind), f->subformat);
}

gboolean
kiln_format_equal (const KilnFormat *a, const KilnFormat *b)
{
  return a->kind == b->kind && g_strcmp0 (a->subformat, b->subformat) == 0;
}

guint64
kiln_round_up_mib (guint64 size)
{
  const guint64 mib = 1024 * 1024;
  return (size + mib - 1) / mib * mib;
}

/* --- header readers --- */

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8
         | p[3];
}

static guint64
be64 (const guint8 *p)
{
  return (guint64) be32 (p) << 32 | be32 (p + 4);
}

static guint16
le16 (const guint8 *p)
{
  return (guint16) (p[0] | p[1] << 8);
}

static guint32
le32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16
         | (guint32) p[3] << 24;
}

static guint64
le64 (const guint8 *p)
{
  return (guint64) le32 (p) | (guint64) le32 (p + 4) << 32;
}

gboolean
kiln_vhd_footer_parse (const guint8 footer[512], KilnVhdFooter *out)
{
  if (memcmp (footer, "conectix", 8) != 0)
    return FALSE;
  /* One's complement of the byte sum, the checksum field counted as 0. */
  guint32 sum = 0;
  for (int i = 0; i < 512; i++)
    if (i < 64 || i >= 68)
      sum += footer[i];
  if (~sum != be32 (footer + 64))
    return FALSE;
  memset (out, 0, sizeof *out);
  memcpy (out->creator_app, footer + 28, 4);
  out->original_size = be64 (footer + 40);
  out->current_size = be64 (footer + 48);
  out->disk_type = be32 (footer + 60);
  return TRUE;
}

void
kiln_vmdk_header_clear (KilnVmdkHeader *h)
{
  g_clear_pointer (&h->create_type, g_free);
  g_clear_pointer (&h->adapter_type, g_free);
  g_clear_pointer (&h->hw_version, g_free);
}

/* The value of `key = "value"` in a VMDK descriptor, or NULL. */
static char *
descriptor_value (const char *desc, const char *key)
{
  g_auto (GStrv) lines = g_strsplit (desc, "\n", -1);
  for (gsize i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (!g_str_has_prefix (line, key))
        continue;
      const char *rest = line + strlen (key);
      while (*rest == ' ')
        rest++;
      if (*rest != '=')
        continue;
      rest++;
      while (*rest == ' ')
        rest++;
      g_autofree char *v = g_strdup (rest);
      if (v[0] == '"')
        {
          char *end = strchr (v + 1, '"');
          if (end)
            *end = '\0';
          return g_strdup (v + 1);
        }
      return g_steal_pointer (&v);
    }
  return NULL;
}

gboolean
kiln_vmdk_header_parse (const guint8 *buf, gsize len, KilnVmdkHeader *out)
{
  memset (out, 0, sizeof *out);
  if (len < 512 || memcmp (buf, "KDMV", 4) != 0)
    return FALSE;
  out->version = le32 (buf + 4);
  out->flags = le32 (buf + 8);
  out->capacity_sectors = le64 (buf + 12);
  out->compress_algorithm = le16 (buf + 77);

  guint64 desc_off = le64 (buf + 28) * 512;
  guint64 desc_size = le64 (buf + 36) * 512;
  if (desc_off == 0 || desc_off >= len)
    return TRUE;
  gsize avail = MIN ((guint64) (len - desc_off), desc_size);
  g_autofree char *desc = g_strndup ((const char *) buf + desc_off, avail);
  out->create_type = descriptor_value (desc, "createType");
  out->adapter_type = descriptor_value (desc, "ddb.adapterType");
  out->hw_version = descriptor_value (desc, "ddb.virtualHWVersion");
  return TRUE;
}

/* --- reading converted files back --- */

static gboolean
pread_full (int fd, void *buf, gsize len, guint64 off, const char *path,
            GError **error)
{
  gsize done = 0;
  while (done < len)
    {
      ssize_t n = pread (fd, (char *) buf + done, len - done, off + done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int e = n < 0 ? errno : EIO;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                       "cannot read %s at byte %" G_GUINT64_FORMAT ": %s",
                       path, off + done,
                       n < 0 ? g_strerror (e) : "unexpected end of file");
          return FALSE;
        }
      done += n;
    }
  return TRUE;
}

static int
open_ro (const char *path, GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                   "cannot open %s: %s", path, g_strerror (e));
    }
  return fd;
}

gboolean
kiln_vmdk_stream_populated_bytes (const char *path, guint64 *bytes,
                                  GError **error)
{
  int fd = open_ro (path, error);
  if (fd < 0)
    return FALSE;
  struct stat st;
  guint8 hdr[512];
  gboolean ok = fstat (fd, &st) == 0
                && pread_full (fd, hdr, sizeof hdr, 0, path, error);
  if (ok && memcmp (hdr, "KDMV", 4) != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "%s is not a sparse VMDK (no KDMV magic)", path);
      ok = FALSE;
    }
  guint64 grains = 0;
  guint64 grain_bytes = le64 (hdr + 20) * 512;
  guint64 capacity = le64 (hdr + 12) * 512;
  guint64 off = le64 (hdr + 64) * 512; /* overHead: first marker */
  /* Each marker: u64 value, u32 size; size > 0 is a compressed grain
   * (padded to a sector), size 0 a metadata marker whose value counts the
   * sectors following it (type at byte 12: 0 end of stream). */
  while (ok && off + 16 <= (guint64) st.st_size)
    {
      guint8 m[16];
      if (!pread_full (fd, m, sizeof m, off, path, error))
        {
          ok = FALSE;
          break;
        }
      guint64 val = le64 (m);
      guint32 size = le32 (m + 8);
      if (size > 0)
        {
          grains++;
          off += (12 + (guint64) size + 511) / 512 * 512;
          continue;
        }
      guint32 type = le32 (m + 12);
      if (type == 0)
        break;
      off += 512 + val * 512;
    }
  close (fd);
  if (!ok)
    return FALSE;
  *bytes = MIN (grains * grain_bytes, capacity);
  return TRUE;
}

gboolean
kiln_format_check_headers (const KilnFormat *f, const char *path,
                           guint64 expected_virtual_size, GError **error)
{
  if (f->kind != KILN_FORMAT_VMDK && f->kind != KILN_FORMAT_VHD
      && f->kind != KILN_FORMAT_OVA)
    return TRUE;
  int fd = open_ro (path, error);
  if (fd < 0)
    return FALSE;
  struct stat st;
  if (fstat (fd, &st) != 0)
    st.st_size = 0;
  gboolean ok = TRUE;
  if (f->kind == KILN_FORMAT_VHD)
    {
      guint8 footer[512];
      KilnVhdFooter v;
      ok = st.st_size >= 512
           && pread_full (fd, footer, 512, st.st_size - 512, path, error);
      if (ok && !kiln_vhd_footer_parse (footer, &v))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "%s: no valid VHD footer at the end", path);
          ok = FALSE;
        }
      guint32 want = g_strcmp0 (f->subformat, "fixed") == 0 ? 2 : 3;
      if (ok && v.disk_type != want)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "%s: VHD disk type %u, expected %u", path,
                       v.disk_type, want);
          ok = FALSE;
        }
      if (ok && want == 2 && (v.current_size % (1024 * 1024) != 0
                              || v.current_size != expected_virtual_size
                              || (guint64) st.st_size != v.current_size + 512))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "%s: fixed VHD of %" G_GUINT64_FORMAT " bytes (file %"
                       G_GINT64_FORMAT "), expected %" G_GUINT64_FORMAT
                       " (a whole MiB) plus the footer", path,
                       v.current_size, (gint64) st.st_size,
                       expected_virtual_size);
          ok = FALSE;
        }
    }
  else
    {
      guint8 buf[65536];
      gsize n = MIN ((guint64) st.st_size, sizeof buf);
      KilnVmdkHeader h = { 0 };
      const char *sub = f->kind == KILN_FORMAT_OVA ? "streamOptimized"
                                                   : f->subformat;
      ok = pread_full (fd, buf, n, 0, path, error);
      if (ok && !kiln_vmdk_header_parse (buf, n, &h))
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "%s: no sparse VMDK header (KDMV)", path);
          ok = FALSE;
        }
      else if (ok && g_strcmp0 (h.create_type, sub) != 0)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "%s: VMDK createType %s, expected %s", path,
                       h.create_type ? h.create_type : "(none)", sub);
          ok = FALSE;
        }
      /* ESXi refuses streamOptimized disks with a version 1 header. */
      else if (ok && strcmp (sub, "streamOptimized") == 0 && h.version != 3)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                       "%s: streamOptimized VMDK header version %u; ESXi "
                       "needs 3 (qemu-img >= 2.5.1)", path, h.version);
          ok = FALSE;
        }
      kiln_vmdk_header_clear (&h);
    }
  close (fd);
  return ok;
}

KilnFormat *
kiln_format_new (const char *name, const char *subformat, GError **error)
{
  if (strchr (name, ':'))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "output format name '%s': give the subformat separately",
                   name);
      return NULL;
    }
  g_autofree char *text = subformat && *subformat
                              ? g_strdup_printf ("%s:%s", name, subformat)
                              : g_strdup (name);
  return kiln_format_parse (text, error);
}
