/* agent.c - the shared agent record */
#include "agent.h"

#include <stdlib.h>

#include "events.h"

void
agent_save_state (agent *a)
{
  char *err = NULL;
  if (!state_save (a->state_path, &a->st, &err))
    {
      event_log ("error", "cannot save progress: %s", err);
      free (err);
    }
}
