/* inputs.h - what a pipeline's build depends on, and what changed
 *
 * The inputs of a build, as JSON kept with each pipeline run (the catalog's
 * runs.inputs): the recipe's text, the parent (as written, the file it
 * resolved to, that file's digest: a newer `recipe@1.x` build or a rebuilt
 * template resolves to another file or digest) and each component's text
 * and bound parameters, in order.  `when: changed` compares them with the
 * inputs of the pipeline's last build.  The texts and parameters are kept
 * as HMAC-SHA256 digests keyed with the home's build-key secret
 * (store/build-secret.h), as the build key is, so the catalog says nothing
 * about parameter values, secret ones included; a lost secret file reads
 * as "changed" once.
 */
#pragma once

#include <glib.h>

#include "build/job.h"

/* secret: the home's kiln_build_secret_load(); recipe_text: the recipe
 * document's text; job: the recipe's build job (its components and
 * resolved parent); parent_digest: the parent file's SHA-256. */
char *kiln_inputs_json (GBytes *secret, const char *recipe_text,
                        gsize recipe_len, const KilnJob *job,
                        const char *parent_digest);

/* What differs from before to now (both kiln_inputs_json texts), one
 * phrase per change ("component ./site.yaml: text changed"); an empty
 * array when nothing did.  before NULL or unreadable: one phrase saying
 * there is nothing to compare with. */
GPtrArray *kiln_inputs_changes (const char *before, const char *now);
