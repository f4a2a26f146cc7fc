/* test-actions.c - the action table and the checks of each action's inputs */
#include "doc-test-util.h"

#include "documents/actions.h"

static const char *const linux_actions[] = {
  "ExecuteBash", "ExecuteBinary", "ExecuteDocument", "Assert", "Reboot",
  "UpdateOS", "CreateFile", "AppendFile", "ReadFile", "CopyFile",
  "CopyFolder", "MoveFile", "MoveFolder", "DeleteFile", "DeleteFolder",
  "CreateFolder", "CreateSymlink", "ListFiles", "SetFileOwner",
  "SetFolderOwner", "SetFilePermissions", "SetFolderPermissions",
  "SetFileEncoding", "WebDownload", "S3Download", "S3Upload", NULL
};

static void
test_action_table_knows_linux_actions_and_refuses_windows_ones (void **state)
{
  for (guint i = 0; linux_actions[i]; i++)
    {
      const KilnAction *a = kiln_action_lookup (linux_actions[i]);
      assert_non_null (a);
      assert_null (a->rejected);
      assert_true (g_strv_contains (kiln_action_names (TRUE),
                                    linux_actions[i]));
    }
  const char *windows[] = {
    "ExecutePowerShell", "InstallMSI", "UninstallMSI", "SetRegistry"
  };
  for (guint i = 0; i < G_N_ELEMENTS (windows); i++)
    {
      const KilnAction *a = kiln_action_lookup (windows[i]);
      assert_non_null (a);
      assert_non_null (strstr (a->rejected, "Windows-only"));
      assert_false (g_strv_contains (kiln_action_names (TRUE), windows[i]));
      assert_true (g_strv_contains (kiln_action_names (FALSE), windows[i]));
    }
  assert_null (kiln_action_lookup ("executebash"));
  assert_null (kiln_action_lookup (NULL));
}

static void
test_shapes_outputs_where (void **state)
{
  assert_int_equal (kiln_action_lookup ("ExecuteBash")->shape,
                    KILN_INPUTS_MAP);
  assert_int_equal (kiln_action_lookup ("CreateFile")->shape,
                    KILN_INPUTS_LIST);
  assert_int_equal (kiln_action_lookup ("S3Download")->shape,
                    KILN_INPUTS_LIST);
  assert_int_equal (kiln_action_lookup ("Assert")->shape,
                    KILN_INPUTS_CONDITION);
  assert_true (kiln_action_has_output (kiln_action_lookup ("ExecuteBash"),
                                       "stdout"));
  assert_true (kiln_action_has_output (kiln_action_lookup ("ReadFile"),
                                       "content"));
  assert_true (kiln_action_has_output (kiln_action_lookup ("ListFiles"),
                                       "files"));
  assert_true (kiln_action_has_output (kiln_action_lookup ("WebDownload"),
                                       "destination"));
  assert_true (kiln_action_has_output (kiln_action_lookup ("ExecuteDocument"),
                                       "status"));
  assert_false (kiln_action_has_output (kiln_action_lookup ("CreateFile"),
                                        "stdout"));
  assert_int_equal (kiln_action_where (kiln_action_lookup ("CreateFile")),
                    KILN_RUNS_IN_GUEST);
  assert_int_equal (kiln_action_where (kiln_action_lookup ("WebDownload")),
                    KILN_RUNS_IN_GUEST);
  assert_int_equal (kiln_action_where (kiln_action_lookup ("S3Upload")),
                    KILN_RUNS_WITH_HOST);
  assert_int_equal (kiln_action_where (kiln_action_lookup ("InstallMSI")),
                    KILN_RUNS_NOWHERE);
  assert_false (kiln_action_lookup ("UpdateOS")->inputs_required);
  assert_true (kiln_action_lookup ("ExecuteBash")->inputs_required);

  const KilnActionInput *in =
    kiln_action_find_input (kiln_action_lookup ("DeleteFile"), "force");
  assert_non_null (in);
  assert_true (in->undocumented);
  in = kiln_action_find_input (kiln_action_lookup ("WebDownload"),
                               "algorithm");
  assert_int_equal (in->type, KILN_INPUT_CHOICE);
  assert_true (g_strv_contains (in->allowed, "SHA512"));
  in = kiln_action_find_input (kiln_action_lookup ("CreateFolder"),
                               "permissions");
  assert_string_equal (in->default_value, "0777");
}

static void
test_permissions_and_encoding (void **state)
{
  guint mode = 0;
  assert_true (kiln_permissions_parse ("0755", &mode));
  assert_int_equal (mode, 0755);
  assert_true (kiln_permissions_parse ("700", &mode));
  assert_int_equal (mode, 0700);
  assert_true (kiln_permissions_parse ("4755", &mode));
  assert_int_equal (mode, 04755);
  assert_false (kiln_permissions_parse ("0800", NULL));
  assert_false (kiln_permissions_parse ("07777", NULL));
  assert_false (kiln_permissions_parse ("75", NULL));
  assert_false (kiln_permissions_parse ("u+x", NULL));
  assert_false (kiln_permissions_parse (NULL, NULL));

  const char *good[] = { "utf8", "UTF-8", "utf16", "utf-16-LE", "UTF32-be",
                         "utf-32" };
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    assert_true (kiln_encoding_is_valid (good[i]));
  const char *bad[] = { "latin1", "utf7", "utf-8-xx", "utf16le", "", "ascii" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_false (kiln_encoding_is_valid (bad[i]));
}

/* Check `inputs` written as YAML for action `name`. */
static gboolean
check (const char *name, const char *inputs_yaml, GHashTable *values,
       KilnDiags *diags)
{
  g_autoptr (KilnDoc) doc = test_yaml (inputs_yaml);
  return kiln_action_check_inputs (kiln_action_lookup (name), doc->root,
                                   doc->root, "step 'S'", values, diags);
}

static void
test_inputs_accepted (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  assert_true (check ("DeleteFile", "- path: /a\n  force: true\n- path: /b\n",
                      NULL, diags));
  assert_true (check ("SetFilePermissions", "- path: /a\n  permissions: 0700\n",
                      NULL, diags));
  assert_true (check ("WebDownload", "- source: https://x/y\n"
                      "  destination: /tmp/\n  algorithm: sha1\n"
                      "  checksum: da39a3ee5e6b4b0d3255bfef95601890afd80709\n",
                      NULL, diags));
  assert_true (check ("ExecuteBash", "commands: [a, 'b', 1]\n", NULL, diags));
  assert_true (check ("UpdateOS", "include: [a]\nexclude: [b]\n", NULL,
                      diags));
  /* run-time values are not type-checked */
  assert_true (check ("Reboot", "delaySeconds: '{{ build.X.outputs.stdout }}'\n",
                      NULL, diags));
  assert_true (check ("ExecuteDocument", "document: child.yaml\n"
                      "phases: build, validate\n"
                      "parameters:\n  - name: a\n    value: b\n", NULL, diags));
  /* fetched and validated when a build compiles its plan */
  assert_true (check ("ExecuteDocument", "document: s3://b/k.yaml\n"
                      "document-s3-bucket-owner: '123456789012'\n", NULL,
                      diags));
  assert_no_errors (diags);
  /* no inputs at all is fine where none are required */
  assert_true (kiln_action_check_inputs (kiln_action_lookup ("Reboot"), NULL,
                                         NULL, "step 'S'", NULL, diags));
}

static void
test_inputs_refused (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  assert_false (check ("CreateFile", "- pth: /a\n", NULL, diags));
  assert_diag (diags, 1, 3, "unknown key 'pth' in inputs[0] of step 'S' "
               "(CreateFile); did you mean 'path'?");
  assert_diag (diags, 1, 3, "missing required key 'path'");

  assert_false (check ("ExecuteBash", "- commands: [a]\n", NULL, diags));
  assert_diag (diags, 1, 1, "expected a mapping for the inputs of step 'S' "
               "(ExecuteBash), found a list");
  assert_false (check ("ExecuteBash", "commands: a\n", NULL, diags));
  assert_diag (diags, 1, 11, "expected a list of strings for 'commands'");
  assert_false (check ("ExecuteBash", "commands: [a, [b]]\n", NULL, diags));
  assert_diag (diags, 1, 15, "expected a string as entry 1 of 'commands'");
  assert_false (check ("Reboot", "delaySeconds: soon\n", NULL, diags));
  assert_diag (diags, 1, 15, "expected a whole number");
  assert_false (check ("WebDownload", "- source: https://x/y\n  destination: "
                       "/t\n  algorithm: SHA256\n  checksum: abcd\n", NULL,
                       diags));
  assert_diag (diags, 4, 13, "expected 64 hexadecimal digits");
  /* an S3 document is fetched at build time; its URI needs a key */
  assert_false (check ("ExecuteDocument", "document: s3://b/\n", NULL,
                       diags));
  assert_diag (diags, 1, 11, "expected an s3://bucket/key URI");
  assert_false (check ("DeleteFile", "[]\n", NULL, diags));
  assert_diag (diags, 1, 1, "expected at least one entry");
  assert_false (check ("S3Download", "- source: /local\n  destination: /x\n",
                       NULL, diags));
  assert_diag (diags, 1, 11, "expected an s3://bucket/key URI");
}

static void
test_inputs_with_parameters (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (values, "Delay", "30");
  g_hash_table_insert (values, "Mode", "0999");
  assert_true (check ("Reboot", "delaySeconds: '{{ Delay }}'\n", values,
                      diags));
  assert_false (check ("SetFilePermissions", "- path: /a\n  permissions: "
                       "'{{ Mode }}'\n", values, diags));
  assert_diag (diags, 2, 16, "found '0999'");
  /* a parameter without a known value is checked when it is bound */
  assert_true (check ("Reboot", "delaySeconds: '{{ Unknown }}'\n", values,
                      diags));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_action_table_knows_linux_actions_and_refuses_windows_ones),
    cmocka_unit_test (test_shapes_outputs_where),
    cmocka_unit_test (test_permissions_and_encoding),
    cmocka_unit_test (test_inputs_accepted),
    cmocka_unit_test (test_inputs_refused),
    cmocka_unit_test (test_inputs_with_parameters),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
