/* stage-generalize.c - the generalize stage: the agent removed, the image
 * generalized (machine-id, host keys, logs...) and its free space zeroed,
 * and in the same appliance launch the facts distribute reports: the OS,
 * its packages, the import-readiness lint facts. */
#include "stages.h"

#include "agent-seed.h"
#include "backends/guestfs.h"
#include "outputs/guest-facts.h"

void
kiln_generalized_free (KilnGeneralized *gen)
{
  if (!gen)
    return;
  kiln_os_info_free (gen->os);
  if (gen->packages)
    g_ptr_array_unref (gen->packages);
  kiln_lint_facts_free (gen->facts);
  g_free (gen->agent_seed_refusal);
  g_free (gen);
}

KilnGeneralized *
kiln_stage_generalize (KilnJobContext *ctx, const KilnMachine *m,
                       const char *overlay, GError **error)
{
  KilnGuest *g = kiln_stage_open_guest (ctx, m, overlay, error);
  if (!g)
    return NULL;
  return kiln_stage_generalize_in (ctx, g, error);
}

KilnGeneralized *
kiln_stage_generalize_in (KilnJobContext *ctx, KilnGuest *guest,
                          GError **error)
{
  g_autoptr (KilnGuest) g = guest;
  g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func (g_free);
  if (!kiln_guest_remove_agent (g, error))
    return NULL;
  if (!kiln_guest_generalize (g, actions, error))
    return NULL;
  for (guint i = 0; i < actions->len; i++)
    kiln_reporter_log (ctx->r, "generalize: %s", (char *) actions->pdata[i]);
  kiln_reporter_info (ctx->r, "generalized: %u actions (listed in the build "
                      "log)", actions->len);
  if (!kiln_guest_zero_free_space (g, error))
    return NULL;

  /* What distribute needs (manifest, SBOM, readiness lint), read in the
   * same appliance launch from the generalized image. */
  g_autoptr (KilnGeneralized) gen = g_new0 (KilnGeneralized, 1);
  gen->os = kiln_os_info_copy (kiln_guest_os (g));
  /* A package database a step made huge or replaced is the build's
   * failure, not a warning: the SBOM would silently lack the packages. */
  if (!kiln_guest_check_package_databases (g, error))
    return NULL;
  {
    g_autoptr (GError) perr = NULL;
    gen->packages = kiln_guest_packages (g, &perr);
    if (!gen->packages)
      kiln_reporter_warn (ctx->r, "cannot list the guest's packages: %s",
                          perr->message);
    g_autoptr (GError) ferr = NULL;
    gen->facts = kiln_guest_lint_facts (g, &ferr);
    if (!gen->facts)
      kiln_reporter_warn (ctx->r, "cannot read the import-readiness facts: "
                          "%s", ferr->message);
  }
  /* whether the test boot needs a launch of its own to get its agent */
  gen->agent_seed_refusal = kiln_agent_seed_refusal (g,
                                                     ctx->job->network_user);
  if (!kiln_guest_close (g_steal_pointer (&g), error))
    return NULL;
  return g_steal_pointer (&gen);
}
