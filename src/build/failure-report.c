/* failure-report.c - when a job fails: what failed (the stage, and the
 * component, phase and step when a boot ran one), the step's last output,
 * the guest console's last lines and where the build log is; with
 * --keep-on-failure, where the work directory is and how to boot the
 * failed image. */
#include "stages.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "base/secret-mask.h"

/* The last lines of the console with the secret values masked: before the
 * text is cut into lines (a value may hold a line break; the console ends
 * lines in \r\n) - the result is masked again as a whole by the reporter. */
static char *
file_tail (const char *path, guint max_lines, const char *const *secrets)
{
  g_autofree char *raw = NULL;
  gsize len = 0;
  if (!path || !g_file_get_contents (path, &raw, &len, NULL))
    return g_strdup ("");
  g_autoptr (GString) unix_text = g_string_sized_new (len);
  for (gsize i = 0; i < len; i++)
    if (!(raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n'))
      g_string_append_c (unix_text, raw[i]);
  g_auto (GStrv) sorted = kiln_mask_secrets_prepare (secrets);
  g_autofree char *text = kiln_mask_secrets (
      unix_text->str, (gssize) unix_text->len,
      (const char *const *) sorted, NULL);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines);
  while (n > 0 && lines[n - 1][0] == '\0')
    n--;
  GString *s = g_string_new ("");
  for (guint i = n > max_lines ? n - max_lines : 0; i < n; i++)
    {
      /* console logs carry \r and escape sequences */
      g_strdelimit (lines[i], "\r", ' ');
      g_string_append_printf (s, "  | %s\n", lines[i]);
    }
  return g_string_free (s, FALSE);
}

void
kiln_report_failure (KilnJobContext *ctx, const char *failed_stage,
                     const KilnBootStage *last_boot, const GError *error)
{
  g_autoptr (GString) s = g_string_new ("");
  const KilnBootResult *boot = last_boot ? &last_boot->result : NULL;
  const char *failed_step = boot ? boot->failed_step : NULL;
  const char *console = last_boot ? last_boot->console_log : NULL;
  const char *what = ctx->job->kind == KILN_JOB_BUILD ? "build"
                     : ctx->job->kind == KILN_JOB_RUN ? "run" : "test";

  g_string_append_printf (s, "%s failed in stage '%s'", what,
                          failed_stage ? failed_stage : "?");
  if (failed_step)
    g_string_append_printf (s, ": component '%s', phase '%s', step '%s'",
                            boot->failed_document ? boot->failed_document
                                                  : "?",
                            boot->failed_phase ? boot->failed_phase : "?",
                            failed_step);
  g_string_append_printf (s, "\n  %s\n", error ? error->message : "");
  g_autofree char *step_tail = kiln_reporter_step_tail (ctx->r, 15);
  if (*step_tail && failed_step)
    {
      g_string_append (s, "last output of the step:\n");
      g_auto (GStrv) lines = g_strsplit (step_tail, "\n", -1);
      for (guint i = 0; lines[i] && lines[i][0]; i++)
        g_string_append_printf (s, "  | %s\n", lines[i]);
    }
  if (console && g_access (console, R_OK) == 0)
    {
      g_auto (GStrv) secrets = kiln_plan_secret_values (ctx->job->components);
      g_autofree char *tail
          = file_tail (console, 15, (const char *const *) secrets);
      if (*tail)
        g_string_append_printf (s, "last lines of the guest console:\n%s",
                                tail);
    }
  if (kiln_reporter_log_path (ctx->r))
    g_string_append_printf (s, "build log: %s",
                            kiln_reporter_log_path (ctx->r));
  kiln_reporter_result (ctx->r, FALSE, s->str);
}

void
kiln_report_keep (KilnJobContext *ctx, const KilnMachine *m,
                  const char *disk)
{
  KilnAccel accel = m ? m->accel : KILN_ACCEL_AUTO;
  if (!disk || g_access (disk, F_OK) < 0)
    return;
  kiln_reporter_info (ctx->r,
                      "kept the work directory %s; boot the failed image "
                      "with:\n  qemu-system-x86_64 -machine accel=%s -cpu max "
                      "-m %u -smp %u -nographic -drive file=%s,if=virtio,"
                      "format=qcow2", ctx->ws->dir,
                      accel == KILN_ACCEL_KVM ? "kvm" : "tcg",
                      ctx->job->memory_mib, ctx->job->vcpus, disk);
}
