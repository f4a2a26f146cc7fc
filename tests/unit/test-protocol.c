/* test-protocol.c - the host's side of common/kiln-protocol.h
 *
 * Every action of the protocol has an entry in the host's table; the host
 * rejects exactly the actions that run nowhere; and a step the validator
 * accepts reaches the agent's plan exactly when the action runs in the
 * guest.  agent/test-protocol.c checks the agent's side: a handler for every
 * action that runs in the guest.
 */
#include "doc-test-util.h"

#include <json-glib/json-glib.h>

#include "base/workspace.h"
#include "build/plan.h"
#include "common/kiln-protocol.h"
#include "documents/actions.h"
#include "documents/params.h"

static void
test_every_protocol_action_has_a_host_entry (void **state)
{
  for (int id = 0; id < KILN_ACTION_COUNT; id++)
    {
      const char *name = kiln_protocol_action_name (id);
      const KilnAction *a = kiln_action_lookup (name);
      assert_non_null (a);
      assert_int_equal (a->id, id);
      assert_string_equal (kiln_action_name (a), name);
      if (!a->inputs || !a->outputs)
        fail_msg ("%s has no entry in the host's action table", name);
      gboolean nowhere = kiln_action_where (a) == KILN_RUNS_NOWHERE;
      if (nowhere != (a->rejected != NULL))
        fail_msg ("%s: the host %s it, the protocol says it runs %s", name,
                  a->rejected ? "rejects" : "accepts",
                  nowhere ? "nowhere" : "somewhere");
    }
  assert_int_equal (g_strv_length ((char **) kiln_action_names (FALSE)),
                    KILN_ACTION_COUNT);
}

/* A value the host's checks accept for an input of this type. */
static void
add_value (GString *y, const KilnActionInput *in, const char *indent)
{
  switch (in->type)
    {
    case KILN_INPUT_STRING_LIST:
      g_string_append_printf (y, "\n%s  - a", indent);
      return;
    case KILN_INPUT_NAME_VALUE_LIST:
      g_string_append_printf (y, "\n%s  - name: n\n%s    value: v", indent,
                              indent);
      return;
    case KILN_INPUT_INTEGER:
      g_string_append (y, " 1");
      return;
    case KILN_INPUT_BOOLEAN:
      g_string_append (y, " true");
      return;
    case KILN_INPUT_PERMISSIONS:
      g_string_append (y, " '0755'");
      return;
    case KILN_INPUT_ENCODING:
      g_string_append (y, " utf8");
      return;
    case KILN_INPUT_CHOICE:
      g_string_append_printf (y, " %s", in->allowed[0]);
      return;
    case KILN_INPUT_HTTP_URL:
      g_string_append (y, " https://example.com/f");
      return;
    case KILN_INPUT_S3_URI:
      g_string_append (y, " s3://bucket/key");
      return;
    case KILN_INPUT_PHASE_LIST:
      g_string_append (y, " build");
      return;
    case KILN_INPUT_DOCUMENT:
      g_string_append (y, " child.yaml");
      return;
    case KILN_INPUT_STRING:
      g_string_append (y, " /tmp/x");
      return;
    }
}

/* A component with one step of the action, its required inputs filled. */
static char *
component_using (const KilnAction *a)
{
  GString *y = g_string_new ("name: uses\nschemaVersion: 1.0\nphases:\n"
                             "  - name: build\n    steps:\n"
                             "      - name: S\n");
  g_string_append_printf (y, "        action: %s\n", kiln_action_name (a));
  if (a->shape == KILN_INPUTS_CONDITION)
    g_string_append (y, "        inputs:\n          stringEquals: a\n"
                        "          value: a\n");
  else if (a->inputs_required)
    {
      gboolean list = a->shape == KILN_INPUTS_LIST;
      const char *indent = list ? "            " : "          ";
      g_string_append (y, "        inputs:\n");
      gboolean first = TRUE;
      for (const KilnActionInput *in = a->inputs; in->name; in++)
        {
          if (!in->required)
            continue;
          g_string_append_printf (y, "%s%s:",
                                  list && first ? "          - " : indent,
                                  in->name);
          add_value (y, in, indent);
          g_string_append_c (y, '\n');
          first = FALSE;
        }
    }
  return g_string_free (y, FALSE);
}

static const char child_yaml[] =
  "name: child\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n"
  "      - name: C\n        action: ExecuteBash\n        inputs:\n"
  "          commands: [ 'true' ]\n";

static void
test_plans_carry_exactly_the_guest_actions (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("kiln-protocol-XXXXXX", NULL);
  g_autofree char *child = g_build_filename (dir, "child.yaml", NULL);
  assert_true (g_file_set_contents (child, child_yaml, -1, NULL));
  const char *const *names = kiln_action_names (TRUE);
  for (guint i = 0; names[i]; i++)
    {
      const KilnAction *a = kiln_action_lookup (names[i]);
      g_autofree char *yaml = component_using (a);
      g_autofree char *path = g_build_filename (dir, "uses.yaml", NULL);
      assert_true (g_file_set_contents (path, yaml, -1, NULL));
      g_autoptr (KilnDiags) diags = kiln_diags_new ();
      KilnComponent *c = kiln_component_load (path, diags);
      if (!c)
        {
          test_dump_diags (diags);
          fail_msg ("the validator refuses a plain %s step:\n%s", names[i],
                    yaml);
        }
      g_autoptr (GPtrArray) components = g_ptr_array_new_with_free_func (
          kiln_plan_component_free);
      KilnPlanComponent *pc = g_new0 (KilnPlanComponent, 1);
      g_ptr_array_add (components, pc);
      pc->component = c;
      pc->ref = g_strdup ("uses");
      g_autoptr (GHashTable) none = g_hash_table_new (g_str_hash,
                                                      g_str_equal);
      pc->params = kiln_params_bind (c, none, NULL, NULL, KILN_PARAMS_STRICT,
                                     diags);
      assert_non_null (pc->params);

      static const char *const phases[] = { "build", NULL };
      KilnPlanOptions opts = { "run-1", "build", phases, TRUE };
      g_autoptr (GError) error = NULL;
      g_autofree char *plan = kiln_plan_compile (components, &opts, NULL,
                                                 &error);
      if (kiln_action_where (a) == KILN_RUNS_IN_GUEST)
        {
          if (!plan)
            fail_msg ("%s runs in the guest, but the plan refuses it: %s",
                      names[i], error->message);
          g_autofree char *expect = g_strdup_printf ("\"%s\" : \"%s\"",
                                                     KILN_STEP_KEY_ACTION,
                                                     names[i]);
          assert_non_null (strstr (plan, expect));
        }
      else if (plan)
        fail_msg ("%s does not run in the guest, but a plan carries it",
                  names[i]);
    }
  kiln_remove_tree (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_every_protocol_action_has_a_host_entry),
    cmocka_unit_test (test_plans_carry_exactly_the_guest_actions),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
