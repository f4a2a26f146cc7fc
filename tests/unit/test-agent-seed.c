/* test-agent-seed.c - the test boot's agent on its NoCloud seed: which
 * datasource lists let cloud-init read the seed, and the bootcmd itself
 * (valid cloud-config YAML, a script sh accepts, the names on the seed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <gio/gio.h>

#include "backends/seed.h"
#include "base/diag.h"
#include "build/agent-seed.h"
#include "documents/yamldoc.h"

static void
test_datasource_lists (void **state)
{
  assert_int_equal (kiln_agent_seed_datasources ("# nothing here\n"),
                    KILN_DATASOURCES_UNSET);
  assert_int_equal (kiln_agent_seed_datasources (
                        "# kiln template\ndatasource_list: [ NoCloud, Ec2, "
                        "None ]\n"),
                    KILN_DATASOURCES_WITH_NOCLOUD);
  assert_int_equal (kiln_agent_seed_datasources (
                        "  datasource_list: ['Ec2', \"NoCloud\"]\n"),
                    KILN_DATASOURCES_WITH_NOCLOUD);
  assert_int_equal (kiln_agent_seed_datasources (
                        "datasource_list: [ Ec2, None ]\n"),
                    KILN_DATASOURCES_WITHOUT_NOCLOUD);
  /* a name that merely contains the word is another datasource */
  assert_int_equal (kiln_agent_seed_datasources (
                        "datasource_list: [ NoCloudNet ]\n"),
                    KILN_DATASOURCES_WITHOUT_NOCLOUD);
  /* a block list is not read: the safe answer */
  assert_int_equal (kiln_agent_seed_datasources ("datasource_list:\n"
                                                 "  - NoCloud\n"),
                    KILN_DATASOURCES_WITHOUT_NOCLOUD);
}

static void
check_bootcmd (gboolean nic)
{
  g_autofree char *extra = kiln_agent_seed_user_data (nic);
  KilnSeedSpec spec = { .instance_id = "iid-1", .extra_user_data = extra };
  g_autofree char *user = kiln_seed_user_data (&spec);
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnDoc) doc = kiln_doc_load_string ("user-data", user,
                                                  strlen (user), diags);
  assert_non_null (doc);
  const KilnNode *bootcmd = kiln_node_map_get (doc->root, "bootcmd");
  assert_true (kiln_node_is_seq (bootcmd));
  assert_int_equal (kiln_node_seq_size (bootcmd), 1);
  const KilnNode *script = kiln_node_seq_get (bootcmd, 0);
  assert_true (kiln_node_is_scalar (script));
  assert_non_null (strstr (script->scalar, "$m/" KILN_AGENT_SEED_AGENT "\""));
  assert_non_null (strstr (script->scalar, "$m/" KILN_AGENT_SEED_PLAN "\""));
  assert_non_null (strstr (script->scalar, "kiln-agent --boot"));
  assert_non_null (strstr (script->scalar, "After=cloud-config.service"));
  assert_true ((strstr (script->scalar, "After=network-online.target")
                != NULL) == nic);
  /* the image's other keys are still there */
  assert_true (kiln_node_is_seq (kiln_node_map_get (doc->root, "users")));

  /* /bin/sh (dash here, as in Debian guests) parses the script */
  const char *argv[] = { "sh", "-n", "-c", script->scalar, NULL };
  g_autoptr (GError) err = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_newv (
      argv, G_SUBPROCESS_FLAGS_STDERR_PIPE, &err);
  assert_non_null (p);
  g_autofree char *errout = NULL;
  assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &errout,
                                              &err));
  if (!g_subprocess_get_successful (p))
    fail_msg ("sh -n: %s", errout);
}

static void
test_bootcmd_is_cloud_config_with_a_valid_script (void **state)
{
  check_bootcmd (TRUE);
  check_bootcmd (FALSE);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_datasource_lists),
    cmocka_unit_test (test_bootcmd_is_cloud_config_with_a_valid_script),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
