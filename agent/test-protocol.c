/* test-protocol.c - kiln-agent runs what the host sends
 *
 * The host validates documents against common/kiln-protocol.h and puts the
 * actions that run in the guest into plans; these tests fail when the agent
 * has no handler for one of them, or does not know one of the operators
 * the host lets through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "actions.h"
#include "ask-host.h"
#include "common/kiln-protocol.h"
#include "cond.h"
#include "util.h"

static void
test_every_guest_action_has_a_handler (void **unused)
{
  for (int id = 0; id < KILN_ACTION_COUNT; id++)
    {
      const char *name = kiln_protocol_action_name ((KilnActionId) id);
      action_fn fn = action_lookup (name);
      switch (kiln_protocol_action_where ((KilnActionId) id))
        {
        case KILN_RUNS_IN_GUEST:
        case KILN_RUNS_WITH_HOST:
          if (!fn)
            fail_msg ("the host sends %s to the guest; the agent has no handler", name);
          break;
        case KILN_RUNS_NOWHERE:
          if (fn)
            fail_msg ("%s is rejected by validation; the agent should not run it", name);
          break;
        }
    }
  assert_null (action_lookup ("executebash"));
  assert_null (action_lookup ("NoSuchAction"));
  assert_null (action_lookup (NULL));
}

/* An S3Download entry whose objects the host did not stage (a plan written
 * by hand, or a transfer id that is not there) fails clearly; one without
 * a transfer id names the missing input. */
static void
test_s3_download_needs_what_the_host_staged (void **unused)
{
  const char *text = "[{\"transfer\": \"999999\", \"source\": \"s3://b/k.txt\", "
                     "\"destination\": \"/tmp/k.txt\"}]";
  char *err = NULL;
  json *in = json_parse (text, strlen (text), &err);
  assert_non_null (in);
  act_result res = { 0 };
  action_s3_download (NULL, in, &res);
  assert_int_equal (res.status, ACT_FAILED);
  assert_non_null (strstr (res.message, "was not staged by the host"));
  act_result_clear (&res);
  json_free (in);

  text = "[{\"source\": \"s3://b/k.txt\", \"destination\": \"/tmp/k.txt\"}]";
  in = json_parse (text, strlen (text), &err);
  assert_non_null (in);
  memset (&res, 0, sizeof res);
  action_s3_download (NULL, in, &res);
  assert_int_equal (res.status, ACT_FAILED);
  assert_non_null (strstr (res.message, "transfer"));
  act_result_clear (&res);
  json_free (in);
}

/* Every operator reaches its evaluation: whatever the operand, the answer
 * is never "unknown condition operator". */
static void
test_every_operator_is_evaluated (void **unused)
{
  for (int op = 0; op < KILN_OPERATOR_COUNT; op++)
    {
      const char *name = kiln_protocol_operator_name ((KilnOperator) op);
      char *text = xasprintf ("{\"%s\": \"x\", \"value\": \"y\"}", name);
      char *err = NULL;
      json *e = json_parse (text, strlen (text), &err);
      assert_non_null (e);
      int r = cond_eval (e, &err);
      if (r < 0 && strstr (err, "unknown condition operator"))
        fail_msg ("the host accepts operator %s; the agent does not know it", name);
      free (err);
      json_free (e);
      free (text);
    }
}

/* The host's answers to a hello that asks (ask-host.h): `go`, a `plan`
 * that the agent checks as it checks plan.json, and lines that are not an
 * answer. */
static void
test_host_answers_to_hello (void **unused)
{
  (void) unused;
  json *plan = NULL;
  char *err = NULL;
  assert_int_equal (host_answer_parse ("{\"command\": \"go\"}", &plan, &err), HOST_ANSWER_GO);
  assert_null (plan);
  assert_int_equal (host_answer_parse ("{\"command\": \"thaw\", \"layer\": 1}", &plan, &err),
                    HOST_ANSWER_NONE);
  assert_int_equal (host_answer_parse ("not json", &plan, &err), HOST_ANSWER_NONE);
  assert_int_equal (host_answer_parse ("{\"command\": \"plan\", \"plan\": {\"version\": 1, "
                                       "\"runId\": \"r-2\", \"askHost\": true, \"documents\": []}}",
                                       &plan, &err),
                    HOST_ANSWER_PLAN);
  assert_non_null (plan);
  assert_string_equal (json_get_str (plan, "runId"), "r-2");
  assert_true (plan_asks_host (plan));
  json_free (plan);
  plan = NULL;
  /* a plan of another format is refused, with the reason */
  assert_int_equal (host_answer_parse ("{\"command\": \"plan\", \"plan\": {\"version\": 9}}", &plan,
                                       &err),
                    HOST_ANSWER_BAD_PLAN);
  assert_null (plan);
  assert_non_null (err);
  assert_non_null (strstr (err, "version"));
  free (err);
  err = NULL;
  assert_int_equal (host_answer_parse ("{\"command\": \"plan\"}", &plan, &err), HOST_ANSWER_BAD_PLAN);
  assert_non_null (err);
  free (err);
  err = NULL;
  json *no = json_parse ("{\"version\": 1, \"askHost\": \"true\"}", 33, &err);
  assert_non_null (no);
  assert_false (plan_asks_host (no));
  json_free (no);
  assert_false (plan_asks_host (NULL));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_every_guest_action_has_a_handler),
    cmocka_unit_test (test_host_answers_to_hello),
    cmocka_unit_test (test_s3_download_needs_what_the_host_staged),
    cmocka_unit_test (test_every_operator_is_evaluated),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
