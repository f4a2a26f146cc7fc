/* state.c - progress kept on disk (state.json) across reboots */
#include "state.h"

#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "util.h"

void
frame_init (frame *f)
{
  memset (f, 0, sizeof *f);
  f->chain = json_new_object ();
}

void
frame_clear_attempt (frame *f)
{
  json_free (f->outputs);
  f->outputs = json_new_object ();
  json_free (f->failed_iterations);
  f->failed_iterations = json_new_array ();
  free (f->first_error);
  f->first_error = NULL;
  f->timed_out = false;
  f->has_exit_code = false;
  f->exit_code = 0;
  f->iteration = 0;
}

void
frame_clear_step (frame *f)
{
  f->step_active = false;
  f->attempt = 0;
  f->iteration = 0;
  free (f->decision);
  f->decision = NULL;
  f->decision_truth = false;
  f->step_start_ms = 0;
  json_free (f->outputs);
  f->outputs = NULL;
  json_free (f->failed_iterations);
  f->failed_iterations = NULL;
  free (f->first_error);
  f->first_error = NULL;
  f->timed_out = false;
  f->has_exit_code = false;
  f->exit_code = 0;
  json_free (f->last_inputs);
  f->last_inputs = NULL;
  free (f->reboot);
  f->reboot = NULL;
  f->reboots = 0;
  f->interrupts = 0;
}

void
frame_free (frame *f)
{
  frame_clear_step (f);
  free (f->fail_phase);
  free (f->fail_step);
  free (f->fail_msg);
  json_free (f->chain);
  memset (f, 0, sizeof *f);
}

void
state_init (state *st, const char *run_id)
{
  memset (st, 0, sizeof *st);
  st->run_id = xstrdup (run_id ? run_id : "");
  st->boot = 1;
  st->start_ms = wall_ms ();
  st->nframes = 1;
  frame_init (&st->frames[0]);
}

void
state_free (state *st)
{
  for (int i = 0; i < st->nframes; i++)
    frame_free (&st->frames[i]);
  free (st->run_id);
  free (st->fail_doc);
  free (st->fail_phase);
  free (st->fail_step);
  free (st->fail_msg);
  memset (st, 0, sizeof *st);
}

static void
set_opt_str (json *o, const char *k, const char *v)
{
  json_set (o, k, v ? json_new_string (v) : json_new_null ());
}

static void
set_opt_json (json *o, const char *k, const json *v)
{
  json_set (o, k, v ? json_clone (v) : json_new_null ());
}

static json *
frame_to_json (const frame *f)
{
  json *o = json_new_object ();
  json_set_int (o, "doc", f->doc);
  json_set_int (o, "phase", f->phase);
  json_set_int (o, "step", f->step);
  json_set_bool (o, "phaseStarted", f->phase_started);
  json_set_bool (o, "stepActive", f->step_active);
  json_set_int (o, "attempt", f->attempt);
  json_set_int (o, "iteration", f->iteration);
  set_opt_str (o, "decision", f->decision);
  json_set_bool (o, "decisionTruth", f->decision_truth);
  json_set_int (o, "stepStartMs", f->step_start_ms);
  set_opt_json (o, "outputs", f->outputs);
  set_opt_json (o, "failedIterations", f->failed_iterations);
  set_opt_str (o, "firstError", f->first_error);
  json_set_bool (o, "timedOut", f->timed_out);
  if (f->has_exit_code)
    json_set_int (o, "exitCode", f->exit_code);
  else
    json_set (o, "exitCode", json_new_null ());
  set_opt_json (o, "lastInputs", f->last_inputs);
  set_opt_str (o, "reboot", f->reboot);
  json_set_int (o, "reboots", f->reboots);
  json_set_int (o, "interrupts", f->interrupts);
  json_set_bool (o, "phaseFailed", f->phase_failed);
  json_set_bool (o, "phaseIgnored", f->phase_ignored);
  json_set_bool (o, "docFailed", f->doc_failed);
  json_set_bool (o, "docIgnored", f->doc_ignored);
  json_set_int (o, "executed", f->executed);
  json_set_int (o, "failed", f->failed);
  json_set_int (o, "ignored", f->ignored);
  set_opt_str (o, "failPhase", f->fail_phase);
  set_opt_str (o, "failStep", f->fail_step);
  set_opt_str (o, "failMessage", f->fail_msg);
  set_opt_json (o, "chain", f->chain);
  return o;
}

json *
state_to_json (const state *st)
{
  json *o = json_new_object ();
  json_set_int (o, "version", STATE_VERSION);
  json_set_str (o, "runId", st->run_id);
  json_set_int (o, "boot", st->boot);
  json_set_int (o, "startMs", st->start_ms);
  json_set_bool (o, "finished", st->finished);
  json_set_bool (o, "poweredOff", st->powered_off);
  json_set_bool (o, "failed", st->failed);
  set_opt_str (o, "failDocument", st->fail_doc);
  set_opt_str (o, "failPhase", st->fail_phase);
  set_opt_str (o, "failStep", st->fail_step);
  set_opt_str (o, "failMessage", st->fail_msg);
  json *frames = json_new_array ();
  for (int i = 0; i < st->nframes; i++)
    json_append (frames, frame_to_json (&st->frames[i]));
  json_set (o, "frames", frames);
  return o;
}

/* ---- reading ----------------------------------------------------- */

static bool
get_int (const json *o, const char *k, long long *out)
{
  return json_get_int (json_get (o, k), out);
}

static int
int_member (const json *o, const char *k, bool *ok)
{
  long long v;
  if (!get_int (o, k, &v) || v < -2147483647LL || v > 2147483647LL)
    {
      *ok = false;
      return 0;
    }
  return (int) v;
}

static bool
bool_member (const json *o, const char *k, bool *ok)
{
  const json *v = json_get (o, k);
  if (!v || v->type != JSON_BOOL)
    {
      *ok = false;
      return false;
    }
  return v->boolean;
}

static char *
opt_str_member (const json *o, const char *k, bool *ok)
{
  const json *v = json_get (o, k);
  if (v && v->type == JSON_STRING)
    return xstrdup (v->string);
  if (!v || v->type != JSON_NULL)
    *ok = false;
  return NULL;
}

static json *
opt_json_member (const json *o, const char *k, json_type want, bool *ok)
{
  const json *v = json_get (o, k);
  if (v && v->type == want)
    return json_clone (v);
  if (!v || v->type != JSON_NULL)
    *ok = false;
  return NULL;
}

static bool
frame_from_json (const json *o, frame *f)
{
  bool ok = o && o->type == JSON_OBJECT;
  if (!ok)
    return false;
  f->doc = int_member (o, "doc", &ok);
  f->phase = int_member (o, "phase", &ok);
  f->step = int_member (o, "step", &ok);
  f->phase_started = bool_member (o, "phaseStarted", &ok);
  f->step_active = bool_member (o, "stepActive", &ok);
  f->attempt = int_member (o, "attempt", &ok);
  f->iteration = int_member (o, "iteration", &ok);
  f->decision = opt_str_member (o, "decision", &ok);
  f->decision_truth = bool_member (o, "decisionTruth", &ok);
  long long ms;
  if (get_int (o, "stepStartMs", &ms))
    f->step_start_ms = ms;
  else
    ok = false;
  f->outputs = opt_json_member (o, "outputs", JSON_OBJECT, &ok);
  f->failed_iterations = opt_json_member (o, "failedIterations", JSON_ARRAY, &ok);
  f->first_error = opt_str_member (o, "firstError", &ok);
  f->timed_out = bool_member (o, "timedOut", &ok);
  const json *ec = json_get (o, "exitCode");
  if (ec && ec->type == JSON_NUMBER)
    {
      f->has_exit_code = true;
      f->exit_code = int_member (o, "exitCode", &ok);
    }
  f->last_inputs = json_clone (json_get (o, "lastInputs"));
  if (f->last_inputs && f->last_inputs->type == JSON_NULL)
    {
      json_free (f->last_inputs);
      f->last_inputs = NULL;
    }
  f->reboot = opt_str_member (o, "reboot", &ok);
  f->reboots = int_member (o, "reboots", &ok);
  f->interrupts = int_member (o, "interrupts", &ok);
  f->phase_failed = bool_member (o, "phaseFailed", &ok);
  f->phase_ignored = bool_member (o, "phaseIgnored", &ok);
  f->doc_failed = bool_member (o, "docFailed", &ok);
  f->doc_ignored = bool_member (o, "docIgnored", &ok);
  f->executed = int_member (o, "executed", &ok);
  f->failed = int_member (o, "failed", &ok);
  f->ignored = int_member (o, "ignored", &ok);
  f->fail_phase = opt_str_member (o, "failPhase", &ok);
  f->fail_step = opt_str_member (o, "failStep", &ok);
  f->fail_msg = opt_str_member (o, "failMessage", &ok);
  f->chain = opt_json_member (o, "chain", JSON_OBJECT, &ok);
  if (!f->chain)
    f->chain = json_new_object ();
  if (f->step_active && (!f->outputs || !f->failed_iterations))
    ok = false;
  if (f->doc < 0 || f->phase < 0 || f->step < 0 || f->iteration < 0)
    ok = false;
  return ok;
}

bool
state_from_json (const json *j, state *st, char **err)
{
  memset (st, 0, sizeof *st);
  bool ok = j && j->type == JSON_OBJECT;
  long long version = 0;
  if (ok && (!get_int (j, "version", &version) || version != STATE_VERSION))
    ok = false;
  if (ok)
    {
      const char *run_id = json_get_str (j, "runId");
      st->run_id = xstrdup (run_id ? run_id : "");
      st->boot = int_member (j, "boot", &ok);
      long long ms;
      if (get_int (j, "startMs", &ms))
        st->start_ms = ms;
      else
        ok = false;
      st->finished = bool_member (j, "finished", &ok);
      st->powered_off = bool_member (j, "poweredOff", &ok);
      st->failed = bool_member (j, "failed", &ok);
      st->fail_doc = opt_str_member (j, "failDocument", &ok);
      st->fail_phase = opt_str_member (j, "failPhase", &ok);
      st->fail_step = opt_str_member (j, "failStep", &ok);
      st->fail_msg = opt_str_member (j, "failMessage", &ok);
      const json *frames = json_get (j, "frames");
      if (!frames || frames->type != JSON_ARRAY || frames->count < 1
          || frames->count > STATE_MAX_DEPTH + 1)
        ok = false;
      for (size_t i = 0; ok && i < frames->count; i++)
        {
          st->nframes = (int) i + 1;
          ok = frame_from_json (frames->items[i], &st->frames[i]);
        }
    }
  if (!ok)
    {
      *err = xstrdup ("the state file does not have the expected shape");
      state_free (st);
      return false;
    }
  return true;
}

bool
state_load (const char *path, state *st, char **err)
{
  *err = NULL;
  if (!path_exists (path))
    return false;
  char *e = NULL;
  json *j = json_parse_file (path, &e);
  if (!j)
    {
      *err = e;
      return false;
    }
  bool ok = state_from_json (j, st, &e);
  json_free (j);
  if (!ok)
    {
      *err = xasprintf ("%s: %s", path, e);
      free (e);
    }
  return ok;
}

bool
state_save (const char *path, const state *st, char **err)
{
  json *j = state_to_json (st);
  char *text = json_serialize (j);
  json_free (j);
  bool ok = write_file_atomic (path, text, strlen (text), 0600, err);
  free (text);
  return ok;
}
