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
          if (!fn)
            fail_msg ("the host sends %s to the guest; the agent has no handler", name);
          break;
        case KILN_RUNS_ON_HOST:
          /* never in a plan the host writes; a plan made by hand gets a
           * clear refusal */
          if (fn != action_s3)
            fail_msg ("%s runs on the host; expected the handler that refuses it", name);
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

static void
test_host_side_actions_are_refused (void **unused)
{
  act_result res = { 0 };
  action_s3 (NULL, NULL, &res);
  assert_int_equal (res.status, ACT_FAILED);
  assert_string_equal (res.message, "S3 actions run on the host; this plan should not contain them");
  act_result_clear (&res);
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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_every_guest_action_has_a_handler),
    cmocka_unit_test (test_host_side_actions_are_refused),
    cmocka_unit_test (test_every_operator_is_evaluated),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
