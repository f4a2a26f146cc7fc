/* recipe-job.h - the build job of a recipe, as kiln build runs it
 *
 * One place turns a validated recipe into a KilnJob: kiln build (which
 * then applies its command-line options) and a pipeline run build through
 * the same engine with the same settings.
 */
#pragma once

#include <glib.h>

#include "job.h"
#include "documents/recipe.h"

/* A KILN_JOB_BUILD job from recipe (loaded from recipe_file): the build
 * settings, outputs and components.  The components' documents and
 * bindings move from recipe into the job (the recipe must outlive the job:
 * the job borrows its output settings).  The parent is not resolved:
 * kiln_parent_resolve() (parent.h) fills job->parent. */
KilnJob *kiln_job_for_recipe (KilnRecipe *recipe, const char *recipe_file);
