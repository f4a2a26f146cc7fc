/* agent.h - what the parts of kiln-agent share while a plan runs */
#pragma once

#include <stdbool.h>

#include "json.h"
#include "state.h"

#define AGENT_VERSION "0.1.0"

/* Exit statuses of the agent (host test mode). */
#define AGENT_EXIT_SUCCESS 0
#define AGENT_EXIT_FAILED 1
#define AGENT_EXIT_USAGE 2
#define AGENT_EXIT_ENVIRONMENT 3
#define AGENT_EXIT_REBOOT 75       /* --reboot-exit: run again to resume */
#define AGENT_EXIT_TERMINATED 143  /* SIGTERM while a step ran */

/* Limits that keep a broken document from looping forever. */
#define AGENT_MAX_REBOOTS_PER_STEP 10   /* exit 194 of one step */
#define AGENT_MAX_INTERRUPTS 3          /* a step cut off by power loss */
#define AGENT_MAX_BOOTS 100             /* agent starts for one run */
/* Outputs kept for chaining (per value). */
#define AGENT_OUTPUT_MAX (4u << 20)
/* Outputs carried in a step-end event (whole object). */
#define AGENT_EVENT_OUTPUTS_MAX (64u * 1024)

typedef struct
{
  bool boot_mode;          /* --boot: real reboot and poweroff */
  bool reboot_exit;        /* --reboot-exit: exit 75 instead of rebooting */
  bool poweroff;           /* power off after done */
  char *state_dir;
  char *state_path;        /* state_dir/state.json */
  char *work_dir;          /* state_dir/work: scripts of ExecuteBash */
  char *plan_path;
  json *plan;
  state st;
  const char *doc_names[STATE_MAX_DEPTH + 1];   /* running document per depth */
} agent;

/* Saves state.json; a failure is logged (the run goes on). */
void agent_save_state (agent *a);
