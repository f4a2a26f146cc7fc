/* stage-output.c - `kiln run --output-image`: the agent, its plan and the
 * run's journal taken out of the image (the agent must not start again when
 * the result boots; the journal holds what the steps printed) and its free
 * space trimmed, then the overlay flattened into one qcow2, written under a
 * temporary name and renamed. */
#include "stages.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "base/paths.h"
#include "backends/guestfs.h"
#include "backends/qemu-img.h"
#include "common/kiln.h"

gboolean
kiln_stage_output (KilnJobContext *ctx, const KilnMachine *m,
                   const char *overlay, GError **error)
{
  const char *out = ctx->job->output_path;
  g_autofree char *dir = g_path_get_dirname (out);
  g_autofree char *name = g_path_get_basename (out);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.tmp", dir, name);
  KilnConvertSpec spec = {
    .src = overlay,
    .src_format = "qcow2",
    .dst = tmp,
    .dst_format = "qcow2",
  };
  {
    g_autoptr (KilnGuest) g = kiln_stage_open_guest (ctx, m, overlay, error);
    /* what the run leaves that a build's generalize would take: the agent
     * and its plan, the journal of the run (the steps' output went there),
     * and the blocks the run freed (so they are not in the result) */
    g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func (g_free);
    if (!g || !kiln_guest_remove_agent (g, error)
        || !kiln_guest_remove_journal (g, actions, error)
        || !kiln_guest_zero_free_space (g, error)
        || !kiln_guest_close (g_steal_pointer (&g), error))
      return FALSE;
    for (guint i = 0; i < actions->len; i++)
      kiln_reporter_log (ctx->r, "output: %s", (char *) actions->pdata[i]);
    kiln_reporter_info (ctx->r, "took the agent, its plan and the journal "
                        "out of the result and trimmed its free space");
  }
  if (!kiln_qemu_img_convert (&spec, kiln_stage_image_progress, ctx,
                              ctx->cancellable, error))
    return FALSE;
  /* the result is the user's: their umask, not kiln's private one */
  if (g_chmod (tmp, kiln_user_file_mode ()) < 0 || g_rename (tmp, out) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot move %s to "
                   "%s: %s", tmp, out, g_strerror (errno));
      g_unlink (tmp);
      return FALSE;
    }
  kiln_reporter_info (ctx->r, "wrote %s", out);
  return TRUE;
}
