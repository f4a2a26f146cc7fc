/* fuzz-agent-plan.c - libFuzzer target for kiln-agent's JSON parser and
 * its reading of a plan (agent/json.c, agent/plan.c, agent/loop.c,
 * agent/expand.c, agent/cond.c, the input helpers of agent/inputs.c).
 *
 * The agent is plain C built with musl for the guest; this target builds
 * the same sources with clang for the host.  Any bytes: parse them as
 * JSON; what parses must serialize and parse back to an equal tree.  A
 * parsed plan is checked as plan.json is, and each step of each selected
 * phase is prepared the way the runner prepares it, up to the action
 * itself: its view, its loop's values, its inputs and `if` expanded for
 * the first iterations, its `if` evaluated, an inline ExecuteDocument
 * document checked and walked.  Nothing runs: conditions that read files
 * or PATH, or compile a regular expression (glibc's regcomp/regexec are
 * not kiln's code, and a pathological pattern is slow by design), are not
 * evaluated.  The plan's secrets are masked in the input bytes, whole and
 * streamed (agent/mask.h).  Must never crash, leak, hang or use unbounded memory.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "agent/actions.h"
#include "agent/cond.h"
#include "agent/expand.h"
#include "agent/json.h"
#include "agent/loop.h"
#include "agent/mask.h"
#include "agent/plan.h"
#include "common/kiln-protocol.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Loop iterations whose inputs are expanded (the loop's values are all
 * computed). */
#define FUZZ_ITERATIONS 4
/* ExecuteDocument nests at most 3 deep in AWSTOE and in the agent. */
#define FUZZ_MAX_DEPTH 3

static void
must (int ok, const char *what)
{
  if (!ok)
    {
      fprintf (stderr, "fuzz-agent-plan: %s\n", what);
      abort ();
    }
}

/* Does the expression use an operator that touches the guest (files, PATH)
 * or the C library's regex engine? */
static int
cond_has_side_effects (const json *v)
{
  if (!v)
    return 0;
  if (v->type == JSON_OBJECT)
    for (size_t i = 0; i < v->count; i++)
      {
        int op = kiln_protocol_operator_find (v->keys[i]);
        if (op >= 0)
          {
            KilnOperandKind kind = kiln_protocol_operator_kind (op);
            if (kind == KILN_OPERAND_FILE_HASH || kind == KILN_OPERAND_PATTERN
                || (kind == KILN_OPERAND_ONE
                    && op != KILN_OPERATOR_STRING_IS_EMPTY
                    && op != KILN_OPERATOR_STRING_IS_WHITESPACE))
              return 1;
          }
      }
  if (v->type == JSON_OBJECT || v->type == JSON_ARRAY)
    for (size_t i = 0; i < v->count; i++)
      if (cond_has_side_effects (v->items[i]))
        return 1;
  return 0;
}

/* What the actions read from an inputs entry, through the helpers they
 * use (pure ones: no user or group lookups). */
static void
read_inputs (const json *inputs)
{
  static const char *const text_keys[] = { "path", "content", "source",
                                           "destination", "encoding",
                                           "document", "delaySeconds" };
  size_t n = inputs_count (inputs);
  for (size_t i = 0; i < n && i < FUZZ_ITERATIONS; i++)
    {
      const json *e = inputs_entry (inputs, i);
      act_result res = { 0 };
      for (size_t k = 0; k < sizeof text_keys / sizeof *text_keys; k++)
        free (input_text (e, text_keys[k]));
      bool b;
      input_bool (e, "overwrite", true, &b, &res);
      input_bool (e, "recursive", false, &b, &res);
      mode_t mode;
      bool present;
      input_mode (e, "permissions", &mode, &present, &res);
      char **items = NULL;
      size_t count = 0;
      if (input_list (e, "commands", &items, &count, &res))
        free_list (items, count);
      items = NULL;
      count = 0;
      if (input_list (e, "arguments", &items, &count, &res))
        free_list (items, count);
      act_result_clear (&res);
    }
}

static void walk_document (const json *doc, const json *filter,
                           const json *chain, int depth);

static void
walk_step (const json *step, const json *chain, int depth)
{
  step_view sv;
  plan_step_view (step, &sv);
  must (sv.name && sv.action, "a checked step has a name and an action");
  must (sv.on_failure >= 0, "a checked step has a known onFailure");
  (void) plan_on_failure_name (sv.on_failure);

  expand_ctx base = { .chain = chain };
  loop_plan lp;
  bool in_loop;
  char *err = NULL;
  if (!loop_expand (sv.loop, &base, &lp, &in_loop, &err))
    {
      must (err != NULL, "a loop that fails says why");
      free (err);
      return;
    }
  must (lp.count >= 1 || in_loop, "a step without a loop runs once");
  for (size_t i = 0; i < lp.count && i < FUZZ_ITERATIONS; i++)
    {
      expand_ctx ec = { .chain = chain, .in_loop = in_loop,
                        .loop_name = lp.name, .index = (long long) i,
                        .value = lp.values[i] };
      if (sv.cond)
        {
          json *c = expand_json (sv.cond, &ec);
          if (!cond_has_side_effects (c))
            {
              if_action act;
              bool truth;
              char *cerr = NULL;
              if (!cond_eval_if (c, &act, &truth, &cerr))
                must (cerr != NULL, "an invalid condition says why");
              else
                (void) if_action_name (act);
              free (cerr);
            }
          json_free (c);
        }
      json *inputs = expand_json (sv.inputs, &ec);
      if (kiln_protocol_action_find (sv.action)
          == KILN_ACTION_EXECUTE_DOCUMENT)
        {
          const json *child = json_get (sv.inputs,
                                        KILN_EXECUTE_DOCUMENT_KEY_DOCUMENT);
          char *derr = NULL;
          if (depth < FUZZ_MAX_DEPTH && child && child->type == JSON_OBJECT
              && plan_check_document (child, "ExecuteDocument", &derr))
            walk_document (child,
                           json_get (inputs,
                                     KILN_EXECUTE_DOCUMENT_KEY_PHASES),
                           NULL, depth + 1);
          free (derr);
        }
      else
        read_inputs (inputs);
      json_free (inputs);
    }
  loop_plan_free (&lp);
}

static void
walk_document (const json *doc, const json *filter, const json *chain,
               int depth)
{
  const json *phases = json_get (doc, KILN_DOCUMENT_KEY_PHASES);
  for (size_t p = 0; p < json_len (phases); p++)
    {
      const json *ph = json_at (phases, p);
      if (!plan_phase_selected (filter, json_get_str (ph, KILN_PHASE_KEY_NAME)))
        continue;
      const json *steps = json_get (ph, KILN_PHASE_KEY_STEPS);
      for (size_t s = 0; s < json_len (steps); s++)
        walk_step (json_at (steps, s), chain, depth);
    }
}

/* A chaining record like the one the runner keeps, so that references to
 * earlier steps' inputs and outputs resolve. */
static json *
make_chain (void)
{
  json *outputs = json_new_object ();
  json_set_str (outputs, "stdout", "chained {{ loop.value }}");
  json *input = json_new_object ();
  json_set_str (input, "path", "/etc/motd");
  json *inputs = json_new_array ();
  json_append (inputs, input);
  json *step = json_new_object ();
  json_set (step, "inputs", inputs);
  json_set (step, "outputs", outputs);
  json *phase = json_new_object ();
  json_set (phase, "A", step);
  json *chain = json_new_object ();
  json_set (chain, "build", phase);
  return chain;
}

/* The plan's secrets masked in the input bytes: streamed in pieces of
 * 1 to 7 bytes, they come out as masking the whole gives, and a stream
 * never holds a whole secret. */
static void
check_masking (const json *plan, const uint8_t *data, size_t size)
{
  const json *secrets = json_get (plan, KILN_PLAN_KEY_SECRETS);
  mask_set_secrets (secrets);
  size_t longest = 0;
  for (size_t i = 0; i < json_len (secrets); i++)
    {
      size_t n = strlen (json_at (secrets, i)->string);
      longest = n > longest ? n : longest;
    }
  strbuf whole = STRBUF_INIT, streamed = STRBUF_INIT;
  strbuf_init (&whole);
  strbuf_init (&streamed);
  mask_text ((const char *) data, size, &whole);
  mask_stream ms = MASK_STREAM_INIT;
  for (size_t off = 0, k = 0; off < size; k++)
    {
      size_t n = k % 7 + 1;
      n = n < size - off ? n : size - off;
      mask_stream_feed (&ms, (const char *) data + off, n, &streamed);
      must (ms.held.len < longest || ms.held.len == 0, "a stream holds less than a secret");
      off += n;
    }
  mask_stream_finish (&ms, &streamed);
  mask_stream_free (&ms);
  must (whole.len == streamed.len && !memcmp (whole.data, streamed.data, whole.len),
        "streamed masking equals masking the whole");
  strbuf_free (&whole);
  strbuf_free (&streamed);
  mask_set_secrets (NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *err = NULL;
  json *v = json_parse ((const char *) data, size, &err);
  if (!v)
    {
      must (err != NULL, "a parse error says where");
      free (err);
      return 0;
    }

  /* What the agent writes (events, state.json) it can read back. */
  char *text = json_serialize (v);
  char *err2 = NULL;
  json *again = json_parse (text, strlen (text), &err2);
  if (!again)
    fprintf (stderr, "reparse of %s: %s\n", text, err2);
  must (again != NULL, "serialized JSON parses again");
  must (json_equal (v, again), "serialized JSON parses to an equal tree");
  json_free (again);
  free (text);
  json *copy = json_clone (v);
  must (json_equal (v, copy), "a clone is equal");
  json_free (copy);

  if (plan_check (v, "plan.json", &err))
    {
      json *chain = make_chain ();
      const json *filter = json_get (v, KILN_PLAN_KEY_PHASES);
      const json *docs = json_get (v, KILN_PLAN_KEY_DOCUMENTS);
      for (size_t d = 0; d < json_len (docs); d++)
        walk_document (json_at (docs, d), filter, chain, 0);
      json_free (chain);
      check_masking (v, data, size);
    }
  else
    {
      must (err != NULL, "a plan that is refused says why");
      free (err);
    }
  json_free (v);
  return 0;
}
