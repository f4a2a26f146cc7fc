/* agent-seed.h - the test boot's agent and plan carried by its NoCloud seed
 *
 * A test boot needs the kiln agent and the test plan inside the guest.
 * Written offline they cost a libguestfs appliance launch of their own
 * (17-50 s under TCG).  An image whose cloud-init reads the NoCloud seed at
 * every boot can fetch them itself: the seed volume carries the agent and
 * the plan, and a bootcmd (cloud-init runs bootcmd on every boot, in
 * cloud-init.service) copies them to the paths docs/agent-protocol.md fixes
 * and starts the agent as a transient systemd service.  Only the throw-away
 * test overlay gets them; the image that ships never does.
 *
 * Whether an image can take that way is read in the generalize launch that
 * runs anyway, from the generalized image itself.
 */
#pragma once

#include <glib.h>

#include "common/kiln-types.h"

/* names on the seed volume */
#define KILN_AGENT_SEED_AGENT "kiln-agent"
#define KILN_AGENT_SEED_PLAN "kiln-plan.json"

/* NULL when a boot of this image (nic: with a network card) starts the
 * agent from its seed; else why not, for the build log (free it). */
char *kiln_agent_seed_refusal (KilnGuest *g, gboolean nic);

/* What one cloud-init configuration file says of its datasource_list:
 * only a one-line flow list is read ([ NoCloud, Ec2 ]); any other form
 * counts as leaving NoCloud out (the safe answer). */
typedef enum {
  KILN_DATASOURCES_UNSET,
  KILN_DATASOURCES_WITH_NOCLOUD,
  KILN_DATASOURCES_WITHOUT_NOCLOUD,
} KilnDatasourceList;
KilnDatasourceList kiln_agent_seed_datasources (const char *cfg_text);

/* The #cloud-config keys that fetch and start the agent, for a boot with
 * or without a network card (free it). */
char *kiln_agent_seed_user_data (gboolean nic);
