/* template-build-private.h - shared by template-build.c and
 * template-tree.c (the two halves of building a template image) */
#pragma once

#include <gio/gio.h>

#include "template-build.h"

typedef struct {
  const KilnTemplateBuildSpec *spec;
  int log_fd;
  GCancellable *cancellable;
  char *root;            /* WORK/root: the bootstrapped tree */
  char esp_id[10];       /* "ABCD-1234" */
} KilnTemplateCtx;

/* A line with a time stamp in the build log. */
void kiln_tb_log (KilnTemplateCtx *c, const char *fmt, ...)
    G_GNUC_PRINTF (2, 3);

/* Runs argv (never a shell); stdout and stderr appended to the log, or
 * stdout captured into *out.  env: NULL-terminated name, value pairs. */
gboolean kiln_tb_run (KilnTemplateCtx *c, const char *const *argv,
                      const char *const *env, const char *input, char **out,
                      GError **error);

/* Step 2: configure the bootstrapped tree (template-tree.c). */
gboolean kiln_tb_configure_tree (KilnTemplateCtx *c, const char *root_uuid,
                                 GError **error);
