/* artifact-progress.h - showing kiln_distribute() progress
 *
 * On a terminal: one line per artifact with a bar, redrawn in place.
 * Otherwise: a plain line when an artifact changes phase and every 25 %.
 * JSON: one {"event":"artifact",...} object per line.
 */
#pragma once

#include <stdio.h>

#include "outputs.h"

typedef enum {
  KILN_PROGRESS_AUTO,           /* bars on a tty, lines otherwise */
  KILN_PROGRESS_BARS,
  KILN_PROGRESS_LINES,
  KILN_PROGRESS_JSON,
  KILN_PROGRESS_QUIET,
} KilnProgressStyle;

typedef struct KilnArtifactProgress KilnArtifactProgress;

KilnArtifactProgress *kiln_artifact_progress_new (FILE *out,
                                                  KilnProgressStyle style);
void kiln_artifact_progress_free (KilnArtifactProgress *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnArtifactProgress, kiln_artifact_progress_free)

/* A KilnArtifactProgressFn: pass the KilnArtifactProgress as user_data. */
void kiln_artifact_progress_update (const char *artifact,
                                    KilnArtifactPhase phase, double fraction,
                                    gpointer user_data);
