/* runner.c - runs the plan: documents, phases, steps (AWSTOE semantics) */
#include "runner.h"
#include "layer.h"

#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "common/kiln-protocol.h"
#include "cond.h"
#include "events.h"
#include "expand.h"
#include "loop.h"
#include "plan.h"
#include "proc.h"
#include "util.h"

static frame *
frame_at (agent *a, int depth)
{
  return &a->st.frames[depth];
}

static void
add_names (json *e, agent *a, int depth, const char *phase, const char *step)
{
  json_set_str (e, KILN_EVENT_KEY_DOCUMENT, a->doc_names[depth]);
  if (phase)
    json_set_str (e, KILN_EVENT_KEY_PHASE, phase);
  if (step)
    json_set_str (e, KILN_EVENT_KEY_STEP, step);
  if (depth > 0)
    json_set_int (e, KILN_EVENT_KEY_DEPTH, depth);
}

/* ---- outputs --------------------------------------------------------- */

/* Merges one iteration's outputs: strings are joined with '\n' (AWSTOE
 * joins stdout of loop iterations), anything else is replaced. */
static void
merge_outputs (frame *f, const json *add)
{
  if (!add || add->type != JSON_OBJECT)
    return;
  for (size_t i = 0; i < add->count; i++)
    {
      const char *key = add->keys[i];
      const json *v = add->items[i];
      json *old = json_get (f->outputs, key);
      if (old && old->type == JSON_STRING && v->type == JSON_STRING)
        {
          size_t lo = strlen (old->string), ln = strlen (v->string);
          if (lo + 1 + ln > AGENT_OUTPUT_MAX)
            {
              event_log ("warning", "output %s is longer than %u bytes; the rest is dropped", key, AGENT_OUTPUT_MAX);
              ln = lo + 1 < AGENT_OUTPUT_MAX ? utf8_truncate (v->string, ln, AGENT_OUTPUT_MAX - lo - 1) : 0;
            }
          char *joined = xmalloc (lo + 1 + ln + 1);
          memcpy (joined, old->string, lo);
          joined[lo] = '\n';
          memcpy (joined + lo + 1, v->string, ln);
          joined[lo + 1 + ln] = '\0';
          free (old->string);
          old->string = joined;
        }
      else
        json_set (f->outputs, key, json_clone (v));
    }
}

/* The outputs object for a step-end event, at most AGENT_EVENT_OUTPUTS_MAX
 * bytes: long strings are cut (on a UTF-8 boundary). */
static json *
bounded_outputs (const json *outputs, bool *truncated)
{
  *truncated = false;
  if (!outputs)
    return json_new_object ();
  char *text = json_serialize (outputs);
  size_t len = strlen (text);
  free (text);
  if (len <= AGENT_EVENT_OUTPUTS_MAX)
    return json_clone (outputs);
  *truncated = true;
  size_t per_value = (AGENT_EVENT_OUTPUTS_MAX - 1024) / (outputs->count ? outputs->count : 1) / 2;
  json *out = json_new_object ();
  for (size_t i = 0; i < outputs->count; i++)
    {
      const json *v = outputs->items[i];
      if (v->type == JSON_STRING)
        {
          size_t n = utf8_truncate (v->string, strlen (v->string), per_value);
          json_set (out, outputs->keys[i], json_new_string_len (v->string, n));
        }
      else
        json_set (out, outputs->keys[i], json_clone (v));
    }
  return out;
}

static void
record_chain (frame *f, const char *phase, const char *step)
{
  json *steps = json_get (f->chain, phase);
  if (!steps)
    {
      json_set (f->chain, phase, json_new_object ());
      steps = json_get (f->chain, phase);
    }
  json *rec = json_new_object ();
  json_set (rec, "inputs", f->last_inputs ? json_clone (f->last_inputs) : json_new_null ());
  json_set (rec, "outputs", f->outputs ? json_clone (f->outputs) : json_new_object ());
  json_set (steps, step, rec);
}

/* ---- step ---------------------------------------------------------- */

static void
record_failure (frame *f, long iteration, const char *message)
{
  if (iteration >= 0)
    json_append (f->failed_iterations, json_new_number ((double) iteration));
  if (!f->first_error)
    f->first_error = xstrdup (message ? message : "failed");
}

static char *
failure_message (const frame *f, const step_view *sv)
{
  const char *first = f->first_error ? f->first_error : "failed";
  if (!sv->loop || json_len (f->failed_iterations) == 0 || f->timed_out)
    return xstrdup (first);
  strbuf sb = STRBUF_INIT;
  strbuf_init (&sb);
  size_t n = json_len (f->failed_iterations);
  strbuf_adds (&sb, n == 1 ? "loop iteration " : "loop iterations ");
  for (size_t i = 0; i < n; i++)
    strbuf_addf (&sb, "%s%.0f", i ? ", " : "", json_at (f->failed_iterations, i)->number);
  strbuf_addf (&sb, " failed: %s", first);
  return strbuf_steal (&sb);
}

/* Ends the step: step-end event, chaining record, statuses, counters. */
static run_status
finish_step (agent *a, int depth, const char *phase, const step_view *sv, const char *status, const char *message,
             bool force_abort)
{
  frame *f = frame_at (a, depth);
  events_end_output ();
  bool skipped = !strcmp (status, KILN_STATUS_SKIPPED);
  bool failed = !strcmp (status, KILN_STATUS_FAILED);
  bool ignored = !strcmp (status, KILN_STATUS_IGNORED);
  json *e = event_new (KILN_EVENT_STEP_END);
  add_names (e, a, depth, phase, sv->name);
  json_set_str (e, KILN_EVENT_KEY_STATUS, status);
  if (f->has_exit_code)
    json_set_int (e, KILN_EVENT_KEY_EXIT_CODE, f->exit_code);
  else
    json_set (e, KILN_EVENT_KEY_EXIT_CODE, json_new_null ());
  int64_t dur = f->step_start_ms ? wall_ms () - f->step_start_ms : 0;
  json_set_int (e, KILN_EVENT_KEY_DURATION_MS, dur > 0 ? dur : 0);
  json_set_int (e, KILN_EVENT_KEY_ATTEMPTS, skipped ? 0 : f->attempt);
  json_set (e, KILN_EVENT_KEY_FAILURE_MESSAGE,
            (failed || ignored) && message ? json_new_string (message) : json_new_null ());
  bool truncated;
  json_set (e, KILN_EVENT_KEY_OUTPUTS, bounded_outputs (f->outputs, &truncated));
  if (truncated)
    json_set_bool (e, KILN_EVENT_KEY_OUTPUTS_TRUNCATED, true);
  event_send (e);

  record_chain (f, phase, sv->name);
  if (!skipped)
    f->executed++;
  if (failed)
    {
      f->failed++;
      f->phase_failed = f->doc_failed = true;
      if (!f->fail_msg)
        {
          str_set (&f->fail_phase, phase);
          str_set (&f->fail_step, sv->name);
          str_set (&f->fail_msg, message);
        }
      if (depth == 0)
        {
          a->st.failed = true;
          if (!a->st.fail_msg)
            {
              str_set (&a->st.fail_doc, a->doc_names[0]);
              str_set (&a->st.fail_phase, phase);
              str_set (&a->st.fail_step, sv->name);
              str_set (&a->st.fail_msg, message ? message : "failed");
            }
        }
    }
  if (ignored)
    {
      f->ignored++;
      f->phase_ignored = f->doc_ignored = true;
    }
  frame_clear_step (f);
  if (failed && (force_abort || sv->on_failure == ON_FAILURE_ABORT))
    return RUN_ABORT;
  return RUN_OK;
}

static run_status
finish_failed (agent *a, int depth, const char *phase, const step_view *sv, const char *message)
{
  const char *status = sv->on_failure == ON_FAILURE_IGNORE ? KILN_STATUS_IGNORED : KILN_STATUS_FAILED;
  return finish_step (a, depth, phase, sv, status, message, false);
}

static void
request_reboot (agent *a, int depth, const char *phase, const char *step, const char *reason)
{
  agent_save_state (a);
  events_end_output ();
  json *e = event_new (KILN_EVENT_REBOOT);
  add_names (e, a, depth, phase, step);
  json_set_str (e, KILN_EVENT_KEY_REASON, reason);
  event_send (e);
}

/* The step's inputs with runtime variables expanded - except an inline
 * ExecuteDocument document: its variables belong to the child. */
static json *
expand_inputs (const step_view *sv, const expand_ctx *ec)
{
  if (!sv->inputs || sv->inputs->type != JSON_OBJECT
      || kiln_protocol_action_find (sv->action) != KILN_ACTION_EXECUTE_DOCUMENT)
    return expand_json (sv->inputs, ec);
  json *copy = json_clone (sv->inputs);
  json *doc = json_take (copy, KILN_EXECUTE_DOCUMENT_KEY_DOCUMENT);
  json *out = expand_json (copy, ec);
  json_free (copy);
  if (doc)
    json_set (out, KILN_EXECUTE_DOCUMENT_KEY_DOCUMENT, doc);
  return out;
}

/* Runs the loop iterations of one attempt, from f->iteration on. */
static run_status
run_iterations (agent *a, int depth, const char *phase, const step_view *sv, int64_t deadline)
{
  frame *f = frame_at (a, depth);
  expand_ctx base = { .chain = f->chain };
  loop_plan lp;
  bool in_loop;
  char *err = NULL;
  if (!loop_expand (sv->loop, &base, &lp, &in_loop, &err))
    {
      record_failure (f, -1, err);
      free (err);
      return RUN_OK;
    }
  action_fn fn = action_lookup (sv->action);
  run_status r = RUN_OK;
  if (!fn)
    {
      char *msg = xasprintf ("kiln-agent cannot run the action %s", sv->action);
      record_failure (f, -1, msg);
      free (msg);
      goto out;
    }
  for (size_t i = (size_t) f->iteration; i < lp.count; i++)
    {
      if (proc_stop_requested)
        {
          r = RUN_INTERRUPTED;
          goto out;
        }
      if (deadline && mono_ms () >= deadline)
        {
          char *msg = xasprintf ("timed out after %lld s", sv->timeout_seconds);
          record_failure (f, (long) i, msg);
          free (msg);
          f->timed_out = true;
          break;
        }
      expand_ctx ec = { .chain = f->chain, .in_loop = in_loop, .loop_name = lp.name, .index = (long long) i,
                        .value = lp.values[i] };
      json *inputs = expand_inputs (sv, &ec);
      json_free (f->last_inputs);
      f->last_inputs = inputs ? json_clone (inputs) : NULL;
      act_ctx ctx = { .a = a, .depth = depth, .document = a->doc_names[depth], .phase = phase, .step = sv->name,
                      .deadline_ms = deadline, .timeout_seconds = sv->timeout_seconds };
      act_result res = { 0 };
      fn (&ctx, inputs, &res);
      json_free (inputs);
      /* An iteration that asks for exit-194 runs again: its outputs are not kept. */
      if (res.status != ACT_REBOOT_SAME && res.status != ACT_NESTED_REBOOT)
        merge_outputs (f, res.outputs);
      if (res.has_exit_code)
        {
          f->has_exit_code = true;
          f->exit_code = res.exit_code;
        }
      bool stop = false;
      switch (res.status)
        {
        case ACT_OK:
          break;
        case ACT_FAILED:
          record_failure (f, (long) i, res.message);
          if (res.timed_out)
            {
              f->timed_out = true;
              stop = true;
            }
          break;
        case ACT_REBOOT_SAME:
          if (f->reboots >= AGENT_MAX_REBOOTS_PER_STEP)
            {
              char *msg = xasprintf ("exit code 194 asked for a reboot more than %d times", AGENT_MAX_REBOOTS_PER_STEP);
              record_failure (f, (long) i, msg);
              free (msg);
              break;
            }
          f->reboots++;
          f->iteration = (int) i;
          str_set (&f->reboot, KILN_REBOOT_EXIT_194);
          request_reboot (a, depth, phase, sv->name, KILN_REBOOT_EXIT_194);
          r = RUN_REBOOT;
          break;
        case ACT_REBOOT_NEXT:
          f->iteration = (int) i + 1;
          str_set (&f->reboot, KILN_REBOOT_ACTION);
          request_reboot (a, depth, phase, sv->name, KILN_REBOOT_ACTION);
          r = RUN_REBOOT;
          break;
        case ACT_NESTED_REBOOT:
          f->iteration = (int) i;
          str_set (&f->reboot, "child");
          agent_save_state (a);
          r = RUN_REBOOT;
          break;
        case ACT_INTERRUPTED:
          r = RUN_INTERRUPTED;
          break;
        }
      act_result_clear (&res);
      if (r != RUN_OK)
        goto out;
      f->iteration = (int) i + 1;
      if (stop)
        break;
      if (in_loop && i + 1 < lp.count)
        agent_save_state (a);
    }
out:
  loop_plan_free (&lp);
  return r;
}

static run_status
run_step (agent *a, int depth, const char *phase, const json *step)
{
  frame *f = frame_at (a, depth);
  step_view sv;
  plan_step_view (step, &sv);
  if (kiln_protocol_action_find (sv.action) == KILN_ACTION_EXECUTE_DOCUMENT)
    {
      /* AWSTOE fixes these for ExecuteDocument. */
      sv.timeout_seconds = -1;
      sv.max_attempts = 1;
    }
  /* No new step-start when resuming into a nested document, or after the
   * reboot of a Reboot step (the step is only finishing). */
  bool into_child = false;
  if (!f->step_active)
    {
      frame_clear_step (f);
      f->step_active = true;
      f->attempt = 1;
      f->step_start_ms = wall_ms ();
      frame_clear_attempt (f);
    }
  else if (f->reboot)
    {
      into_child = !strcmp (f->reboot, "child") || !strcmp (f->reboot, KILN_REBOOT_ACTION);
      free (f->reboot);
      f->reboot = NULL;
    }
  else if (a->st.nframes > depth + 1)
    into_child = true; /* a nested document was running: it resumes itself */
  else
    {
      f->interrupts++;
      if (f->interrupts > AGENT_MAX_INTERRUPTS)
        {
          char *msg = xasprintf ("the step was cut off %d times by an unexpected stop (reboot or power loss)",
                                 f->interrupts);
          run_status r = finish_failed (a, depth, phase, &sv, msg);
          free (msg);
          return r;
        }
      event_log ("warning", "step %s was cut off by an unexpected stop (reboot or power loss); running it again",
                 sv.name);
    }

  /* `if`: evaluated once, the decision survives reboots. */
  if (!f->decision)
    {
      if (sv.cond)
        {
          expand_ctx ec = { .chain = f->chain };
          json *c = expand_json (sv.cond, &ec);
          if_action act;
          bool truth;
          char *err = NULL;
          bool ok = cond_eval_if (c, &act, &truth, &err);
          json_free (c);
          if (!ok)
            {
              run_status r = finish_failed (a, depth, phase, &sv, err);
              free (err);
              return r;
            }
          f->decision = xstrdup (act == IF_EXECUTE ? "execute" : act == IF_SKIP ? "skip" : "abort");
          f->decision_truth = truth;
          agent_save_state (a); /* evaluated once: the decision survives reboots */
        }
      else
        f->decision = xstrdup ("execute");
    }
  if (!strcmp (f->decision, "skip"))
    return finish_step (a, depth, phase, &sv, KILN_STATUS_SKIPPED, NULL, false);
  if (!strcmp (f->decision, "abort"))
    {
      char *msg = xasprintf ("if: the condition is %s and its action is Abort", f->decision_truth ? "true" : "false");
      run_status r = finish_step (a, depth, phase, &sv, KILN_STATUS_FAILED, msg, true);
      free (msg);
      return r;
    }

  for (;;)
    {
      int64_t deadline = sv.timeout_seconds > 0 ? deadline_after (mono_ms (), sv.timeout_seconds) : 0;
      if (!into_child)
        {
          json *e = event_new (KILN_EVENT_STEP_START);
          add_names (e, a, depth, phase, sv.name);
          json_set_str (e, KILN_EVENT_KEY_ACTION, sv.action);
          json_set_int (e, KILN_EVENT_KEY_ATTEMPT, f->attempt);
          json_set_int (e, KILN_EVENT_KEY_TIMEOUT_SECONDS, sv.timeout_seconds);
          event_send (e);
        }
      events_begin_step (a->doc_names[depth], phase, sv.name);
      into_child = false;
      agent_save_state (a);
      run_status r = run_iterations (a, depth, phase, &sv, deadline);
      if (r != RUN_OK)
        return r;
      if (json_len (f->failed_iterations) == 0 && !f->first_error)
        return finish_step (a, depth, phase, &sv, KILN_STATUS_SUCCESS, NULL, false);
      if (f->attempt < sv.max_attempts && !proc_stop_requested)
        {
          event_log ("info", "step %s: attempt %d of %lld failed (%s); trying again", sv.name, f->attempt,
                     sv.max_attempts, f->first_error ? f->first_error : "failed");
          f->attempt++;
          frame_clear_attempt (f);
          continue;
        }
      char *msg = failure_message (f, &sv);
      run_status fr = finish_failed (a, depth, phase, &sv, msg);
      free (msg);
      return fr;
    }
}

/* ---- document ------------------------------------------------------ */

static run_status
run_document (agent *a, int depth, const json *doc, const json *filter)
{
  frame *f = frame_at (a, depth);
  a->doc_names[depth] = json_get_str (doc, KILN_DOCUMENT_KEY_NAME);
  const json *phases = json_get (doc, KILN_DOCUMENT_KEY_PHASES);
  while ((size_t) f->phase < json_len (phases))
    {
      const json *ph = json_at (phases, (size_t) f->phase);
      const char *phase = json_get_str (ph, KILN_PHASE_KEY_NAME);
      if (!plan_phase_selected (filter, phase))
        {
          f->phase++;
          continue;
        }
      if (!f->phase_started)
        {
          json *e = event_new (KILN_EVENT_PHASE_START);
          add_names (e, a, depth, phase, NULL);
          event_send (e);
          f->phase_started = true;
          agent_save_state (a);
        }
      const json *steps = json_get (ph, KILN_PHASE_KEY_STEPS);
      bool aborted = false;
      while ((size_t) f->step < json_len (steps))
        {
          run_status r = run_step (a, depth, phase, json_at (steps, (size_t) f->step));
          if (r == RUN_REBOOT || r == RUN_INTERRUPTED)
            return r;
          f->step++;
          agent_save_state (a);
          if (r == RUN_ABORT)
            {
              aborted = true;
              break;
            }
        }
      json *e = event_new (KILN_EVENT_PHASE_END);
      add_names (e, a, depth, phase, NULL);
      json_set_str (e, KILN_EVENT_KEY_STATUS,
                    f->phase_failed    ? KILN_STATUS_FAILED
                    : f->phase_ignored ? KILN_STATUS_SUCCESS_WITH_IGNORED
                                       : KILN_STATUS_SUCCESS);
      event_send (e);
      f->phase++;
      f->step = 0;
      f->phase_started = false;
      f->phase_failed = f->phase_ignored = false;
      agent_save_state (a);
      if (aborted)
        return RUN_ABORT;
    }
  return RUN_OK;
}

run_status
runner_run_child (agent *a, int depth, const json *doc, const json *phases, json **summary, char **failure)
{
  state *st = &a->st;
  *summary = NULL;
  *failure = NULL;
  if (st->nframes <= depth)
    {
      frame_init (frame_at (a, depth));
      st->nframes = depth + 1;
    }
  run_status r = run_document (a, depth, doc, phases);
  if (r == RUN_REBOOT || r == RUN_INTERRUPTED)
    return r;
  frame *f = frame_at (a, depth);
  json *s = json_new_object ();
  json_set_int (s, KILN_OUTPUT_EXECUTED_STEP_COUNT, f->executed);
  json_set_str (s, KILN_OUTPUT_EXECUTION_ID, st->run_id);
  json_set_int (s, KILN_OUTPUT_FAILED_STEP_COUNT, f->failed);
  json_set_str (s, KILN_OUTPUT_FAILURE_MESSAGE, f->fail_msg ? f->fail_msg : "");
  json_set_int (s, KILN_OUTPUT_IGNORED_FAILED_STEP_COUNT, f->ignored);
  json_set_str (s, KILN_OUTPUT_LOG_URL, "");
  json_set_str (s, KILN_OUTPUT_STATUS, f->doc_failed ? KILN_STATUS_FAILED : KILN_STATUS_SUCCESS);
  *summary = s;
  if (f->doc_failed)
    *failure = xasprintf ("phase %s, step %s: %s", f->fail_phase ? f->fail_phase : "?",
                          f->fail_step ? f->fail_step : "?", f->fail_msg ? f->fail_msg : "failed");
  frame_free (f);
  st->nframes = depth;
  return RUN_OK;
}

void
runner_send_done (agent *a)
{
  state *st = &a->st;
  json *e = event_new (KILN_EVENT_DONE);
  json_set_str (e, KILN_EVENT_KEY_STATUS, st->failed ? KILN_STATUS_FAILED : KILN_STATUS_SUCCESS);
  json_set (e, KILN_EVENT_KEY_FAILURE_MESSAGE, st->failed ? json_new_string (st->fail_msg) : json_new_null ());
  json_set (e, KILN_EVENT_KEY_FAILED_DOCUMENT, st->failed ? json_new_string (st->fail_doc) : json_new_null ());
  json_set (e, KILN_EVENT_KEY_FAILED_PHASE, st->failed ? json_new_string (st->fail_phase) : json_new_null ());
  json_set (e, KILN_EVENT_KEY_FAILED_STEP, st->failed ? json_new_string (st->fail_step) : json_new_null ());
  int64_t dur = wall_ms () - st->start_ms;
  json_set_int (e, KILN_EVENT_KEY_DURATION_MS, dur > 0 ? dur : 0);
  event_send (e);
}

run_status
runner_run_plan (agent *a)
{
  state *st = &a->st;
  const json *docs = json_get (a->plan, KILN_PLAN_KEY_DOCUMENTS);
  const json *filter = json_get (a->plan, KILN_PLAN_KEY_PHASES);
  frame *top = frame_at (a, 0);
  while ((size_t) top->doc < json_len (docs))
    {
      run_status r = run_document (a, 0, json_at (docs, (size_t) top->doc), filter);
      if (r == RUN_REBOOT || r == RUN_INTERRUPTED)
        return r;
      if (r == RUN_ABORT)
        break;
      /* a layer after this document, when the host asked and the run has
       * not failed (docs/layers.md); a boot only */
      const json *doc = json_at (docs, (size_t) top->doc);
      long long layer = 0;
      if (a->boot_mode && !st->failed && json_get_int (json_get (doc, KILN_DOCUMENT_KEY_LAYER), &layer)
          && layer > 0)
        layer_cut (json_get_str (doc, KILN_DOCUMENT_KEY_NAME), layer);
      int next = top->doc + 1;
      frame_free (top);
      frame_init (top);
      top->doc = next;
      agent_save_state (a);
    }
  st->finished = true;
  agent_save_state (a);
  runner_send_done (a);
  return RUN_OK;
}
