/* state.h - progress kept on disk (state.json) across reboots
 *
 * A stack of frames: frame 0 is the plan's current document; frame k > 0
 * is a document run by an ExecuteDocument step of frame k-1.  Each frame
 * knows its phase and step, the progress of the step in flight (attempt,
 * loop iteration, `if` decision, outputs so far, a pending reboot), the
 * phase and document statuses so far and the chaining record.  The file is
 * written atomically (tmp + fsync + rename + fsync of the folder) after
 * every step, every loop iteration and before every reboot, so a power
 * loss at any moment leaves either the old or the new state.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "json.h"

#define STATE_MAX_DEPTH 3          /* ExecuteDocument levels below the plan */
#define STATE_VERSION 1

typedef struct
{
  int doc;                 /* index in plan documents (frame 0 only) */
  int phase;               /* index in the document's phases */
  int step;                /* index in the phase's steps */
  bool phase_started;      /* phase-start sent */
  /* the step in flight */
  bool step_active;
  int attempt;             /* 1-based */
  int iteration;           /* next loop iteration to run */
  char *decision;          /* NULL, "execute", "skip" or "abort" */
  bool decision_truth;
  int64_t step_start_ms;   /* wall clock, for durationMs across reboots */
  json *outputs;           /* merged outputs so far (object) */
  json *failed_iterations; /* indices (array) */
  char *first_error;       /* first failure message of this attempt */
  bool timed_out;
  bool has_exit_code;
  int exit_code;
  json *last_inputs;       /* expanded inputs of the last iteration */
  char *reboot;            /* NULL, "exit194", "Reboot" or "child" */
  int reboots;             /* reboots this step asked for */
  int interrupts;          /* times the step was found cut off by a stop */
  /* statuses so far */
  bool phase_failed, phase_ignored;
  bool doc_failed, doc_ignored;
  int executed, failed, ignored;
  char *fail_phase, *fail_step, *fail_msg;  /* first failure in the document */
  json *chain;             /* {"phase": {"step": {"inputs":..,"outputs":..}}} */
} frame;

typedef struct
{
  char *run_id;
  int boot;                /* 1 on the first boot, +1 per start after that */
  int64_t start_ms;        /* wall clock of the first start */
  bool finished;
  bool powered_off;        /* the agent asked for the final poweroff */
  bool failed;
  char *fail_doc, *fail_phase, *fail_step, *fail_msg;
  int nframes;
  frame frames[STATE_MAX_DEPTH + 1];
} state;

void state_init (state *st, const char *run_id);
void state_free (state *st);
/* Returns false with *err NULL when there is no state file, with *err set
 * when there is one that cannot be read. */
bool state_load (const char *path, state *st, char **err);
bool state_save (const char *path, const state *st, char **err);

void frame_init (frame *f);
void frame_free (frame *f);
/* Forget the step in flight (keeps statuses and chaining). */
void frame_clear_step (frame *f);
/* Start a new attempt of the step in flight. */
void frame_clear_attempt (frame *f);

/* Exposed for tests: the JSON form. */
json *state_to_json (const state *st);
bool state_from_json (const json *j, state *st, char **err);
