/* qemu-img.c - overlays, resize, info, check and convert through qemu-img
 *
 * Every call runs the qemu-img binary with an argv vector.  A format is
 * always passed with -f when the caller knows it, so qemu-img never probes an
 * image a guest could have written (a raw disk whose first sector looks like
 * a qcow2 header would otherwise name any host file as its backing file).
 */
#include "config.h"

#include "qemu-img.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "common/kiln.h"
#include "common/kiln-json.h"

void
kiln_image_info_free (KilnImageInfo *info)
{
  if (!info)
    return;
  g_free (info->format);
  g_free (info->backing_file);
  g_free (info->backing_format);
  if (info->json)
    json_node_unref (info->json);
  g_free (info);
}

/* $KILN_QEMU_IMG overrides the qemu-img found at configure time. */
static const char *
qemu_img_path (void)
{
  const char *env = g_getenv ("KILN_QEMU_IMG");
  return env && *env ? env : QEMU_IMG;
}

static char *
argv_to_string (GPtrArray *argv)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; i < argv->len && g_ptr_array_index (argv, i); i++)
    {
      g_autofree char *q = g_shell_quote (g_ptr_array_index (argv, i));
      if (s->len)
        g_string_append_c (s, ' ');
      /* quote only where needed, so the usual command reads plainly */
      g_string_append (s, strpbrk (g_ptr_array_index (argv, i), " '\"\\$`")
                            ? q : (const char *) g_ptr_array_index (argv, i));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static GPtrArray *
qemu_img_argv (const char *subcommand)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup (qemu_img_path ()));
  g_ptr_array_add (argv, g_strdup (subcommand));
  return argv;
}

static void
add_arg (GPtrArray *argv, const char *arg)
{
  g_ptr_array_add (argv, g_strdup (arg));
}

static GSubprocess *
spawn (GPtrArray *argv, GSubprocessFlags flags, GError **error)
{
  g_ptr_array_add (argv, NULL);
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  /* messages we quote in errors should not depend on the user's locale */
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C", TRUE);
  GError *local = NULL;
  GSubprocess *proc = g_subprocess_launcher_spawnv (
      launcher, (const char *const *) argv->pdata, &local);
  g_ptr_array_remove_index (argv, argv->len - 1); /* the NULL again */
  if (!proc)
    {
      gboolean missing = g_error_matches (local, G_SPAWN_ERROR,
                                          G_SPAWN_ERROR_NOENT);
      g_set_error (error, KILN_ERROR, missing ? KILN_ERROR_HOST
                                              : KILN_ERROR_FAILED,
                   "cannot run %s: %s%s", qemu_img_path (), local->message,
                   missing ? " (install qemu-utils, or set KILN_QEMU_IMG)"
                           : "");
      g_error_free (local);
    }
  return proc;
}

/* Runs qemu-img to completion.  stdout_text (optional) gets its output; a
 * non-zero exit is an error quoting stderr unless exit_status is given, in
 * which case the caller judges the status (stderr still goes to err_text). */
static gboolean
run (GPtrArray *argv, char **stdout_text, char **err_text, int *exit_status,
     GError **error)
{
  g_autoptr (GSubprocess) proc = spawn (
      argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
      error);
  if (!proc)
    return FALSE;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  if (!g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, error))
    return FALSE;
  int status = g_subprocess_get_if_exited (proc)
                   ? g_subprocess_get_exit_status (proc) : -1;
  g_strstrip (err);
  if (exit_status)
    *exit_status = status;
  else if (status != 0)
    {
      g_autofree char *cmd = argv_to_string (argv);
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s failed%s%s", cmd,
                   *err ? ": " : "", err);
      return FALSE;
    }
  if (stdout_text)
    *stdout_text = g_steal_pointer (&out);
  if (err_text)
    *err_text = g_steal_pointer (&err);
  return TRUE;
}

static gboolean
require_file (const char *path, const char *what, GError **error)
{
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s %s: no such file",
               what, path);
  return FALSE;
}

static guint64
member_uint (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (!n || !JSON_NODE_HOLDS_VALUE (n))
    return 0;
  gint64 v = json_node_get_int (n);
  return v > 0 ? (guint64) v : 0;
}

KilnImageInfo *
kiln_qemu_img_info (const char *path, const char *format, GError **error)
{
  if (!require_file (path, "image", error))
    return NULL;
  g_autoptr (GPtrArray) argv = qemu_img_argv ("info");
  add_arg (argv, "--output=json");
  /* -U: a read-only look at an image a running VM may hold locked */
  add_arg (argv, "-U");
  if (format)
    {
      add_arg (argv, "-f");
      add_arg (argv, format);
    }
  add_arg (argv, path);
  g_autofree char *out = NULL;
  if (!run (argv, &out, NULL, NULL, error))
    return NULL;

  g_autoptr (JsonParser) parser = json_parser_new ();
  GError *local = NULL;
  if (!json_parser_load_from_data (parser, out, -1, &local)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "qemu-img info %s: unexpected output: %s", path,
                   local ? local->message : "not a JSON object");
      g_clear_error (&local);
      return NULL;
    }
  KilnImageInfo *info = g_new0 (KilnImageInfo, 1);
  info->json = json_node_copy (json_parser_get_root (parser));
  JsonObject *o = json_node_get_object (info->json);
  info->format = g_strdup (kiln_json_member_string (o, "format"));
  info->virtual_size = member_uint (o, "virtual-size");
  info->actual_size = member_uint (o, "actual-size");
  /* the resolved path when qemu-img gives one, else the recorded name */
  const char *backing = kiln_json_member_string (o, "full-backing-filename");
  if (!backing)
    backing = kiln_json_member_string (o, "backing-filename");
  info->backing_file = g_strdup (backing);
  info->backing_format = g_strdup (kiln_json_member_string (o, "backing-filename-format"));
  return info;
}

static gboolean
same_file (const char *a, const char *b)
{
  GStatBuf sa, sb;
  return g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0 && sa.st_dev == sb.st_dev
         && sa.st_ino == sb.st_ino;
}

gboolean
kiln_qemu_img_create_overlay (const char *backing, const char *backing_format,
                              const char *overlay, guint64 virtual_size,
                              GError **error)
{
  g_return_val_if_fail (backing && backing_format && overlay, FALSE);
  if (!require_file (backing, "backing image", error))
    return FALSE;
  if (same_file (backing, overlay))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "overlay %s would replace its own backing file", overlay);
      return FALSE;
    }
  /* qemu-img records the name as given: make it absolute so the overlay
   * works from any directory. */
  g_autofree char *abs_backing = g_canonicalize_filename (backing, NULL);
  if (virtual_size)
    {
      g_autoptr (KilnImageInfo) parent = kiln_qemu_img_info (
          abs_backing, backing_format, error);
      if (!parent)
        return FALSE;
      if (virtual_size < parent->virtual_size)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "overlay size %" G_GUINT64_FORMAT " is smaller than "
                       "its backing image %s (%" G_GUINT64_FORMAT " bytes)",
                       virtual_size, backing, parent->virtual_size);
          return FALSE;
        }
    }
  g_autoptr (GPtrArray) argv = qemu_img_argv ("create");
  add_arg (argv, "-q");
  add_arg (argv, "-f");
  add_arg (argv, "qcow2");
  add_arg (argv, "-b");
  add_arg (argv, abs_backing);
  add_arg (argv, "-F");
  add_arg (argv, backing_format);
  add_arg (argv, overlay);
  if (virtual_size)
    g_ptr_array_add (argv, g_strdup_printf ("%" G_GUINT64_FORMAT,
                                            virtual_size));
  return run (argv, NULL, NULL, NULL, error);
}

gboolean
kiln_qemu_img_rebase_unsafe (const char *path, const char *backing,
                             const char *backing_format, GError **error)
{
  g_return_val_if_fail (path && backing && backing_format, FALSE);
  if (!require_file (path, "overlay", error))
    return FALSE;
  /* -u: only the header's name changes; backing need not exist here (it
   * may be a path on another host) */
  g_autoptr (GPtrArray) argv = qemu_img_argv ("rebase");
  add_arg (argv, "-q");
  add_arg (argv, "-u");
  add_arg (argv, "-f");
  add_arg (argv, "qcow2");
  add_arg (argv, "-b");
  add_arg (argv, backing);
  add_arg (argv, "-F");
  add_arg (argv, backing_format);
  add_arg (argv, path);
  return run (argv, NULL, NULL, NULL, error);
}

gboolean
kiln_qemu_img_resize (const char *path, const char *format,
                      guint64 virtual_size, GError **error)
{
  g_autoptr (KilnImageInfo) info = kiln_qemu_img_info (path, format, error);
  if (!info)
    return FALSE;
  if (virtual_size == info->virtual_size)
    return TRUE;
  if (virtual_size < info->virtual_size)
    {
      /* shrinking would cut off partitions and filesystems */
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "cannot shrink %s from %" G_GUINT64_FORMAT " to %"
                   G_GUINT64_FORMAT " bytes",
                   path, info->virtual_size, virtual_size);
      return FALSE;
    }
  g_autoptr (GPtrArray) argv = qemu_img_argv ("resize");
  add_arg (argv, "-q");
  if (format)
    {
      add_arg (argv, "-f");
      add_arg (argv, format);
    }
  add_arg (argv, path);
  g_ptr_array_add (argv, g_strdup_printf ("%" G_GUINT64_FORMAT, virtual_size));
  return run (argv, NULL, NULL, NULL, error);
}

gboolean
kiln_qemu_img_check (const char *path, const char *format, GError **error)
{
  if (!require_file (path, "image", error))
    return FALSE;
  g_autoptr (GPtrArray) argv = qemu_img_argv ("check");
  add_arg (argv, "-U");
  if (format)
    {
      add_arg (argv, "-f");
      add_arg (argv, format);
    }
  add_arg (argv, path);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = -1;
  if (!run (argv, &out, &err, &status, error))
    return FALSE;
  /* qemu-img(1): 0 consistent, 1 check not completed (internal error),
   * 2 corrupted, 3 leaked clusters only (wasted space, data intact),
   * 63 the format has no checks (raw, vpc, ...): nothing to find. */
  switch (status)
    {
    case 0:
    case 63:
      return TRUE;
    case 3:
      g_debug ("qemu-img check %s: leaked clusters (no corruption)", path);
      return TRUE;
    case 2:
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "%s is corrupted: %s", path, g_strstrip (out));
      return FALSE;
    default:
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "qemu-img check %s could not complete (exit %d): %s%s%s",
                   path, status, g_strstrip (out), *out && *err ? "; " : "",
                   err);
      return FALSE;
    }
}

/* "    (12.34/100%)": the progress lines of `qemu-img convert -p`. */
static gboolean
parse_progress (const char *line, double *fraction)
{
  while (*line == ' ')
    line++;
  if (*line != '(')
    return FALSE;
  char *end = NULL;
  double pct = g_ascii_strtod (line + 1, &end);
  if (end == line + 1 || !g_str_has_prefix (end, "/100%)"))
    return FALSE;
  *fraction = CLAMP (pct / 100.0, 0.0, 1.0);
  return TRUE;
}

/* Splits the merged stdout+stderr stream at \r and \n: progress records go
 * to the callback, any other text is kept for the error message. */
static void
consume_output (GString *pending, GString *messages, gboolean flush,
                KilnProgressFn progress, gpointer user_data)
{
  gsize start = 0;
  for (gsize i = 0; i <= pending->len; i++)
    {
      gboolean at_end = i == pending->len;
      if (!at_end && pending->str[i] != '\r' && pending->str[i] != '\n')
        continue;
      if (at_end && !flush)
        break;
      g_autofree char *line = g_strndup (pending->str + start, i - start);
      double fraction;
      if (parse_progress (line, &fraction))
        {
          if (progress)
            progress (fraction, user_data);
        }
      else if (*g_strstrip (line))
        {
          if (messages->len)
            g_string_append (messages, "; ");
          g_string_append (messages, line);
        }
      start = i + 1;
    }
  g_string_erase (pending, 0, MIN (start, pending->len));
}

static void
remove_partial (const char *dst)
{
  if (g_unlink (dst) != 0 && errno != ENOENT)
    g_warning ("could not remove the partial %s: %s", dst, g_strerror (errno));
}

gboolean
kiln_qemu_img_convert (const KilnConvertSpec *spec, KilnProgressFn progress,
                       gpointer user_data, GCancellable *cancellable,
                       GError **error)
{
  g_return_val_if_fail (spec && spec->src && spec->dst && spec->dst_format,
                        FALSE);
  if (!require_file (spec->src, "image", error))
    return FALSE;
  if (same_file (spec->src, spec->dst))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "convert %s: the destination is the source", spec->src);
      return FALSE;
    }
  g_autoptr (GPtrArray) argv = qemu_img_argv ("convert");
  add_arg (argv, "-p");
  if (spec->src_format)
    {
      add_arg (argv, "-f");
      add_arg (argv, spec->src_format);
    }
  add_arg (argv, "-O");
  add_arg (argv, spec->dst_format);
  for (const char *const *o = spec->options; o && *o; o++)
    {
      add_arg (argv, "-o");
      add_arg (argv, *o);
    }
  if (spec->compress)
    add_arg (argv, "-c");
  if (spec->coroutines)
    {
      add_arg (argv, "-m");
      g_ptr_array_add (argv, g_strdup_printf ("%u", spec->coroutines));
    }
  if (spec->out_of_order)
    add_arg (argv, "-W");
  add_arg (argv, spec->src);
  add_arg (argv, spec->dst);

  /* stderr merged into stdout: one pipe, read with the cancellable, so a
   * chatty stderr can never block qemu-img while we wait on stdout. */
  g_autoptr (GSubprocess) proc = spawn (
      argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
      error);
  if (!proc)
    return FALSE;
  GInputStream *out = g_subprocess_get_stdout_pipe (proc);
  g_autoptr (GString) pending = g_string_new (NULL);
  g_autoptr (GString) messages = g_string_new (NULL);
  GError *local = NULL;
  char buf[4096];
  for (;;)
    {
      gssize n = g_input_stream_read (out, buf, sizeof buf, cancellable,
                                      &local);
      if (n <= 0)
        break;
      g_string_append_len (pending, buf, n);
      consume_output (pending, messages, FALSE, progress, user_data);
    }
  if (local)
    {
      /* cancelled (or the pipe failed): stop qemu-img, drop its output */
      g_subprocess_force_exit (proc);
      g_subprocess_wait (proc, NULL, NULL);
      remove_partial (spec->dst);
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error (error, KILN_ERROR, KILN_ERROR_CANCELLED,
                     "conversion of %s to %s cancelled", spec->src,
                     spec->dst_format);
      else
        g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                     "reading qemu-img output: %s", local->message);
      g_error_free (local);
      return FALSE;
    }
  consume_output (pending, messages, TRUE, progress, user_data);
  if (!g_subprocess_wait (proc, NULL, error))
    {
      remove_partial (spec->dst);
      return FALSE;
    }
  if (!g_subprocess_get_successful (proc))
    {
      g_autofree char *cmd = argv_to_string (argv);
      remove_partial (spec->dst);
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s failed%s%s", cmd,
                   messages->len ? ": " : "", messages->str);
      return FALSE;
    }
  if (progress)
    progress (1.0, user_data);
  return TRUE;
}

const char *
kiln_qemu_img_program (void)
{
  return qemu_img_path ();
}
