/* recipe-job.c - the build job of a recipe (recipe-job.h) */
#include "recipe-job.h"

#include "plan.h"

KilnJob *
kiln_job_for_recipe (KilnRecipe *recipe, const char *recipe_file)
{
  KilnJob *job = kiln_job_new (KILN_JOB_BUILD);
  job->name = g_strdup (recipe->name);
  job->version = g_strdup (recipe->version_text);
  job->recipe_path = g_canonicalize_filename (recipe_file, NULL);
  job->description = g_strdup (recipe->description);
  job->parent_ref = g_strdup (recipe->parent.text);
  job->disk_size = recipe->disk;
  job->memory_mib = (guint) (recipe->build.memory >> 20);
  job->vcpus = recipe->build.vcpus;
  g_free (job->accel);
  job->accel = g_strdup (kiln_accel_name (recipe->build.accel));
  job->network_user = recipe->build.network == KILN_NETWORK_USER;
  job->timeout_seconds = recipe->build.timeout;
  job->connect = g_strdup (recipe->build.connect);
  job->pool = g_strdup (recipe->build.pool);
  job->output_dir = g_strdup (recipe->outputs.directory_path);
  job->output_name_template = g_strdup (recipe->outputs.name);
  job->formats = g_strdupv (recipe->outputs.formats);
  job->outputs = &recipe->outputs;
  for (guint i = 0; i < recipe->components->len; i++)
    {
      KilnRecipeComponent *rc = recipe->components->pdata[i];
      kiln_job_add_component (job, g_steal_pointer (&rc->component),
                              g_steal_pointer (&rc->bound),
                              g_steal_pointer (&rc->secret_parameters),
                              rc->ref);
      KilnPlanComponent *pc = job->components->pdata[job->components->len - 1];
      pc->offline = rc->offline;
    }
  return job;
}
