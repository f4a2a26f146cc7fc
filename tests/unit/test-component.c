/* test-component.c - component documents: the model and full validation */
#include "doc-test-util.h"

#include <glib/gstdio.h>

#include "documents/doc.h"

static char *
fixture (const char *rel)
{
  return g_build_filename (TEST_SRCDIR, "tests", "fixtures", rel, NULL);
}

static void
test_component_loads_parameters_constants_and_phases (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autofree char *path = fixture ("good/transfers.yaml");
  g_autoptr (KilnComponent) c = kiln_component_load (path, diags);
  assert_no_errors (diags);
  assert_non_null (c);
  assert_string_equal (c->name, "Transfers");
  assert_string_equal (c->schema_version, "1.0");
  assert_string_equal (c->path, path);
  assert_int_equal (c->parameters->len, 2);
  const KilnParam *p = kiln_component_get_param (c, "Bucket");
  assert_string_equal (p->default_value, "demo-artifacts");
  assert_string_equal (p->type, "string");
  assert_non_null (p->description);
  assert_null (kiln_component_get_param (c, "Nope"));
  /* constants of any scalar type are strings */
  assert_int_equal (c->constants->len, 3);
  assert_string_equal (((KilnConstant *) c->constants->pdata[1])->value, "3");
  assert_string_equal (((KilnConstant *) c->constants->pdata[2])->value,
                       "true");

  assert_int_equal (c->phases->len, 2);
  const KilnPhase *build = kiln_component_get_phase (c, "build");
  assert_non_null (build);
  assert_null (kiln_component_get_phase (c, "test"));
  assert_int_equal (build->steps->len, 4);
  const KilnStep *st = build->steps->pdata[1];
  assert_string_equal (st->name, "FetchInstaller");
  assert_string_equal (st->action, "WebDownload");
  assert_int_equal (st->timeout_seconds, 600);
  assert_int_equal (st->max_attempts, 3);
  assert_string_equal (st->on_failure, "Abort");
  assert_true (kiln_node_is_seq (st->inputs));
  assert_null (st->loop);
  const KilnStep *first = build->steps->pdata[0];
  assert_int_equal (first->timeout_seconds, 7200);
  assert_int_equal (first->max_attempts, 1);
  const KilnPhase *validate = c->phases->pdata[1];
  assert_string_equal (((KilnStep *) validate->steps->pdata[1])->on_failure,
                       "Ignore");
  assert_true (kiln_component_doc_looks_like (c->doc));
}

static void
test_fixtures_valid (void **state)
{
  const char *dirs[] = { "good", "awstoe" };
  guint n = 0;
  for (guint d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autofree char *dir = fixture (dirs[d]);
      g_autoptr (GDir) gd = g_dir_open (dir, 0, NULL);
      assert_non_null (gd);
      const char *f;
      while ((f = g_dir_read_name (gd)))
        {
          if (!g_str_has_suffix (f, ".yaml"))
            continue;
          /* other kinds, checked by test-recipe and test-pipeline */
          if (g_str_has_prefix (f, "recipe-")
              || g_str_has_prefix (f, "pipeline-"))
            continue;
          g_autofree char *path = g_build_filename (dir, f, NULL);
          g_autoptr (KilnDiags) diags = kiln_diags_new ();
          g_autoptr (KilnComponent) c = kiln_component_load (path, diags);
          if (!c)
            {
              test_dump_diags (diags);
              fail_msg ("%s is not valid", path);
            }
          n++;
        }
    }
  assert_true (n >= 12);
}

static void
test_collects_every_error (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnComponent) c = test_component (
    "name: t\n"
    "schemaVersion: 2\n"
    "phase: 1\n"
    "phases:\n"
    "  - name: build\n"
    "    steps:\n"
    "      - name: A\n"
    "        action: ExecuteBash\n"
    "        onFailure: Stop\n"
    "        inputs:\n"
    "          commands: [echo]\n"
    "      - name: A\n"
    "        action: CreateFile\n"
    "        inputs:\n"
    "          - path: /x\n"
    "            permissions: rwx\n"
    "  - name: test\n"
    "    steps:\n"
    "      - name: T\n"
    "        action: Nope\n", diags);
  assert_null (c);
  assert_diag (diags, 2, 16, "expected schemaVersion 1.0, found '2'");
  assert_diag (diags, 3, 1, "unknown key 'phase' in the component; did you "
               "mean 'phases'?");
  assert_diag (diags, 9, 20, "expected one of Abort, Continue, Ignore");
  assert_diag (diags, 12, 15, "duplicate step name 'A'");
  assert_diag (diags, 16, 26, "expected octal permissions");
  assert_diag (diags, 20, 17, "unknown action 'Nope'");
  assert_int_equal (kiln_diags_error_count (diags), 6);
}

static void
test_schema_versions (void **state)
{
  const char *versions[] = { "1.0", "'1.0'", "\"1.0\"", "1" };
  for (guint i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      g_autoptr (KilnDiags) diags = kiln_diags_new ();
      g_autofree char *doc = g_strdup_printf (
        "schemaVersion: %s\nphases:\n  - name: build\n    steps:\n"
        "      - name: R\n        action: Reboot\n", versions[i]);
      g_autoptr (KilnComponent) c = test_component (doc, diags);
      assert_no_errors (diags);
      assert_string_equal (c->schema_version, "1.0");
      assert_null (c->name);
    }
}

static void
test_warnings_keep_component (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autofree char *doc = test_build_doc (NULL,
    "      - name: A\n"
    "        action: ExecuteBash\n"
    "        inputs:\n"
    "          commands: ['echo {{ loop.value }}']\n");
  g_autoptr (KilnComponent) c = test_component (doc, diags);
  assert_non_null (c);
  assert_int_equal (kiln_diags_error_count (diags), 0);
  assert_int_equal (kiln_diags_count (diags), 1);
  assert_diag (diags, 9, 28, "AWSTOE leaves it as literal text");
}

static void
test_error_flood_is_bounded (void **state)
{
  GString *s = g_string_new ("schemaVersion: 1.0\nphases:\n  - name: build\n"
                             "    steps:\n");
  for (guint i = 0; i < 3000; i++)
    g_string_append_printf (s, "      - name: S%u\n        action: Bad\n", i);
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnComponent) c = test_component (s->str, diags);
  g_string_free (s, TRUE);
  assert_null (c);
  assert_true (kiln_diags_count (diags) < 600);
  assert_diag (diags, 0, 0, "too many problems");
}

static void
test_execute_document (void **state)
{
  g_autofree char *path = fixture ("good/execute-document.yaml");
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnComponent) c = kiln_component_load (path, diags);
  assert_no_errors (diags);

  /* a child with errors makes the parent invalid, at both places */
  g_autofree char *dir = g_dir_make_tmp ("kiln-test-XXXXXX", NULL);
  g_autofree char *child = g_build_filename (dir, "child.yaml", NULL);
  g_autofree char *parent = g_build_filename (dir, "parent.yaml", NULL);
  g_file_set_contents (child, "schemaVersion: 1.0\nphases:\n  - name: build\n"
                       "    steps:\n      - name: C\n        action: Bad\n",
                       -1, NULL);
  g_file_set_contents (parent, "schemaVersion: 1.0\nphases:\n  - name: build\n"
                       "    steps:\n      - name: P\n"
                       "        action: ExecuteDocument\n"
                       "        inputs:\n          document: child.yaml\n",
                       -1, NULL);
  g_autoptr (KilnDiags) d2 = kiln_diags_new ();
  g_autoptr (KilnComponent) p = kiln_component_load (parent, d2);
  assert_null (p);
  assert_diag (d2, 6, 17, "unknown action 'Bad'");
  assert_diag (d2, 8, 21, "is not a valid component");
  g_unlink (child);
  g_unlink (parent);
  g_rmdir (dir);
}

static void
test_doc_kinds (void **state)
{
  g_autoptr (KilnDoc) comp = test_yaml ("phases: []\n");
  g_autoptr (KilnDoc) recipe = test_yaml ("name: r\nparent: debian-12\n");
  g_autoptr (KilnDoc) pipe = test_yaml ("pipeline: p\n");
  g_autoptr (KilnDoc) other = test_yaml ("hello: world\n");
  assert_int_equal (kiln_doc_detect_kind (comp), KILN_DOC_KIND_COMPONENT);
  assert_int_equal (kiln_doc_detect_kind (recipe), KILN_DOC_KIND_RECIPE);
  assert_int_equal (kiln_doc_detect_kind (pipe), KILN_DOC_KIND_PIPELINE);
  assert_int_equal (kiln_doc_detect_kind (other), KILN_DOC_KIND_UNKNOWN);
  KilnDocKind k;
  assert_true (kiln_doc_kind_from_name ("recipe", &k));
  assert_int_equal (k, KILN_DOC_KIND_RECIPE);
  assert_false (kiln_doc_kind_from_name ("Recipe", &k));
  assert_string_equal (kiln_doc_kind_name (KILN_DOC_KIND_PIPELINE),
                       "pipeline");

  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  assert_false (kiln_doc_validate (test_yaml ("hello: world\n"),
                                   KILN_DOC_KIND_UNKNOWN, &k, diags));
  assert_diag (diags, 1, 1, "cannot tell what kind of document");
  /* --kind overrides detection */
  assert_false (kiln_doc_validate (test_yaml ("hello: world\n"),
                                   KILN_DOC_KIND_COMPONENT, &k, diags));
  assert_int_equal (k, KILN_DOC_KIND_COMPONENT);
  /* none of a component's keys: one error, the file's keys not echoed */
  assert_diag (diags, 1, 1, "found a mapping with none of its keys (1 key)");
}

/* allowedValues: a non-empty list of strings holding the default, which is
 * reported at its own position when it is not one of them. */
static void
test_allowed_values_declared (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnComponent) c = test_component (
    "schemaVersion: 1.0\n"
    "parameters:\n"
    "  - Mode:\n"
    "      type: string\n"
    "      default: fast\n"
    "      allowedValues: [fast, safe]\n"
    "phases:\n"
    "  - name: build\n"
    "    steps:\n"
    "      - name: A\n"
    "        action: ExecuteBash\n"
    "        inputs:\n"
    "          commands: ['echo {{ Mode }}']\n", diags);
  assert_non_null (c);
  assert_int_equal (kiln_diags_count (diags), 0);
  const KilnParam *mode = kiln_component_get_param (c, "Mode");
  assert_non_null (mode->allowed_values);
  assert_int_equal (g_strv_length (mode->allowed_values), 2);
  assert_string_equal (mode->allowed_values[1], "safe");

  g_autoptr (KilnDiags) d2 = kiln_diags_new ();
  g_autoptr (KilnComponent) c2 = test_component (
    "schemaVersion: 1.0\n"
    "parameters:\n"
    "  - Mode:\n"
    "      type: string\n"
    "      default: Fast\n"
    "      allowedValues: [fast, safe]\n"
    "  - Empty:\n"
    "      type: string\n"
    "      allowedValues: []\n"
    "  - Nested:\n"
    "      type: string\n"
    "      allowedValues: [[a]]\n"
    "  - Scalar:\n"
    "      type: string\n"
    "      allowedValues: a\n"
    "phases:\n"
    "  - name: build\n"
    "    steps:\n"
    "      - name: A\n"
    "        action: ExecuteBash\n"
    "        inputs:\n"
    "          commands: [echo]\n", d2);
  assert_null (c2);
  assert_diag (d2, 5, 16, "expected one of the allowedValues of parameter "
               "'Mode' (fast, safe) for its default, found 'Fast'; did you "
               "mean 'fast'?");
  assert_diag (d2, 9, 22, "expected at least one value in 'allowedValues' "
               "of parameter 'Empty', found an empty list");
  assert_diag (d2, 12, 23, "expected a string in 'allowedValues' of "
               "parameter 'Nested', found a list");
  assert_int_equal (kiln_diags_error_count (d2), 4);
}

/* Phase names as AWSTOE takes them: any unique name, at least one of
 * build, validate, test; chaining reaches any phase of the component. */
/* One step whose line 7 is `extra`; the component must be refused with
 * fragment at line:col. */
static void
expect_step_refused (const char *name, const char *extra, int line, int col,
                     const char *fragment)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autofree char *text = g_strdup_printf (
    "schemaVersion: 1.0\n"
    "phases:\n"
    "  - name: build\n"
    "    steps:\n"
    "      - name: %s\n"
    "        action: ExecuteBash\n"
    "%s"
    "        inputs:\n"
    "          commands: [echo]\n", name, extra);
  g_autoptr (KilnComponent) c = test_component (text, diags);
  if (!kiln_diags_find (diags, line, col, fragment))
    {
      test_dump_diags (diags);
      fail_msg ("expected %d:%d '%s'", line, col, fragment);
    }
}

static void
test_numbers_and_names_have_rules (void **state)
{
  const char *none = "";
  expect_step_refused ("''", none, 5, 15, "expected a step name, found an empty string");
  expect_step_refused ("a/b", none, 5, 15, "expected a step name without '/'");
  expect_step_refused ("'{{ x }}'", none, 5, 15, "without '{{' or '}}'");
  expect_step_refused ("'x}}'", none, 5, 15, "without '{{' or '}}'");
  expect_step_refused ("\"a\\tb\"", none, 5, 15, "without control characters");
  expect_step_refused ("\"a\\u0085b\"", none, 5, 15, "without control characters");
  expect_step_refused ("Step", "        timeoutSeconds: 604801\n", 7, 25,
                       "expected -1 (no limit) or 1 to 604800 seconds");
  expect_step_refused ("Step", "        timeoutSeconds: -2\n", 7, 25,
                       "expected -1 (no limit) or 1 to 604800 seconds");
  expect_step_refused ("Step", "        maxAttempts: 101\n", 7, 22,
                       "expected 1 to 100 for 'maxAttempts'");
  expect_step_refused ("Step", "        maxAttempts: !!str 2\n", 7, 22,
                       "found the string '2' (tagged !!str)");
  expect_step_refused ("Step", "        loop: {for: {start: 0, end: 2147483648, updateBy: 1}}\n",
                       7, 37, "expected an integer from -2147483648 to "
                       "2147483647 for 'end'");
  expect_step_refused ("Step", "        loop: {for: {start: 0, end: 3, updateBy: "
                       "-2147483649}}\n", 7, 50, "for 'updateBy'");

  /* the limits themselves are fine; so is a name with spaces, dots, Unicode */
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnComponent) c = test_component (
    "schemaVersion: 1.0\n"
    "phases:\n"
    "  - name: build\n"
    "    steps:\n"
    "      - name: Install the web server (nginx 1.2) – ünïcode\n"
    "        action: ExecuteBash\n"
    "        timeoutSeconds: 604800\n"
    "        maxAttempts: 100\n"
    "        loop: {for: {start: -2147483648, end: 2147483647, updateBy: 2147483647}}\n"
    "        inputs:\n"
    "          commands: [echo]\n", diags);
  if (kiln_diags_error_count (diags))
    test_dump_diags (diags);
  assert_int_equal (kiln_diags_error_count (diags), 0);
  assert_non_null (c);
}

static void
test_phase_names (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnComponent) c = test_component (
    "schemaVersion: 1.0\n"
    "phases:\n"
    "  - name: prepare-host\n"
    "    steps:\n"
    "      - name: A\n"
    "        action: ExecuteBash\n"
    "        inputs:\n"
    "          commands: [echo a]\n"
    "  - name: container-host-test\n"
    "    steps:\n"
    "      - name: A\n"
    "        action: ExecuteBash\n"
    "        inputs:\n"
    "          commands: ['echo {{ prepare-host.A.outputs.stdout }}']\n"
    "  - name: test\n"
    "    steps:\n"
    "      - name: A\n"
    "        action: ExecuteBash\n"
    "        inputs:\n"
    "          commands: ['echo {{ container-host-test.A.outputs.stdout }}']\n"
    "      - name: B\n"
    "        action: ExecuteBash\n"
    "        inputs:\n"
    "          commands: ['echo {{ test.A.outputs.stdout }}']\n",
    diags);
  if (!c)
    kiln_diags_print (diags, stderr);
  assert_non_null (c);
  assert_int_equal (kiln_diags_count (diags), 0);
  assert_int_equal (c->phases->len, 3);
  assert_string_equal (((KilnPhase *) c->phases->pdata[0])->name,
                       "prepare-host");

  /* no standard phase: the near miss is the error */
  g_autoptr (KilnDiags) d3 = kiln_diags_new ();
  g_autoptr (KilnComponent) c3 = test_component (
    "schemaVersion: 1.0\n"
    "phases:\n"
    "  - name: Build\n"
    "    steps: [{name: A, action: Reboot}]\n"
    "  - name: deploy\n"
    "    steps: [{name: A, action: Reboot}]\n", d3);
  assert_null (c3);
  assert_diag (d3, 3, 11, "expected at least one phase named build, validate "
               "or test, found 'Build'; did you mean 'build'?");
  /* none at all */
  g_autoptr (KilnDiags) d4 = kiln_diags_new ();
  g_autoptr (KilnComponent) c4 = test_component (
    "schemaVersion: 1.0\n"
    "phases:\n"
    "  - name: deploy\n"
    "    steps: [{name: A, action: Reboot}]\n", d4);
  assert_null (c4);
  assert_diag (d4, 3, 3, "expected at least one phase named build, validate "
               "or test (AWSTOE's rule), found only 'deploy'");
  /* a near miss next to a standard phase is a warning; a duplicate is
   * still an error */
  g_autoptr (KilnDiags) d5 = kiln_diags_new ();
  g_autoptr (KilnComponent) c5 = test_component (
    "schemaVersion: 1.0\n"
    "phases:\n"
    "  - name: build\n"
    "    steps: [{name: A, action: Reboot}]\n"
    "  - name: tset\n"
    "    steps: [{name: A, action: Reboot}]\n"
    "  - name: tset\n"
    "    steps: [{name: A, action: Reboot}]\n", d5);
  assert_null (c5);
  assert_diag (d5, 5, 11, "phase 'tset' runs only when named (kiln run "
               "--phases tset); kiln build runs build, validate and test; "
               "did you mean 'test'?");
  assert_diag (d5, 7, 11, "duplicate phase 'tset'");

  /* chaining: into a phase the component lacks (with a hint from its own
   * phases); across the build and test boots of kiln build */
  g_autoptr (KilnDiags) d6 = kiln_diags_new ();
  g_autoptr (KilnComponent) c6 = test_component (
    "schemaVersion: 1.0\n"
    "phases:\n"
    "  - name: build\n"
    "    steps:\n"
    "      - name: A\n"
    "        action: ExecuteBash\n"
    "        inputs:\n"
    "          commands: [echo a]\n"
    "  - name: test\n"
    "    steps:\n"
    "      - name: B\n"
    "        action: ExecuteBash\n"
    "        inputs:\n"
    "          commands:\n"
    "            - echo {{ biuld.A.outputs.stdout }}\n"
    "            - echo {{ build.A.outputs.stdout }}\n", d6);
  assert_null (c6);
  assert_diag (d6, 15, 20, "'{{ biuld.A.outputs.stdout }}' refers to phase "
               "'biuld', which this component does not have; did you mean "
               "'build'?");
  assert_diag (d6, 16, 20, "chaining does not cross into the test stage");
}

/* Top-level keys AWSTOE does not know: a warning; one close to a known key
 * (it would lose that part of the document) stays an error. */
static void
test_top_level_keys (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnComponent) c = test_component (
    "version: 2.1.0\n"
    "schemaVersion: 1\n"
    "phases:\n"
    "  - name: build\n"
    "    steps: [{name: A, action: Reboot}]\n", diags);
  assert_non_null (c);
  assert_diag (diags, 1, 1, "unknown top-level key 'version' in the "
               "component: ignored");
  assert_int_equal (kiln_diags_count (diags), 1);
  assert_int_equal (kiln_diags_error_count (diags), 0);

  g_autoptr (KilnDiags) d2 = kiln_diags_new ();
  g_autoptr (KilnComponent) c2 = test_component (
    "schemaVersion: 1.0\n"
    "Phases:\n"
    "  - name: build\n"
    "    steps: [{name: A, action: Reboot}]\n", d2);
  assert_null (c2);
  assert_diag (d2, 2, 1, "unknown key 'Phases' in the component; did you "
               "mean 'phases'?");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_component_loads_parameters_constants_and_phases),
    cmocka_unit_test (test_fixtures_valid),
    cmocka_unit_test (test_collects_every_error),
    cmocka_unit_test (test_schema_versions),
    cmocka_unit_test (test_warnings_keep_component),
    cmocka_unit_test (test_error_flood_is_bounded),
    cmocka_unit_test (test_execute_document),
    cmocka_unit_test (test_doc_kinds),
    cmocka_unit_test (test_allowed_values_declared),
    cmocka_unit_test (test_phase_names),
    cmocka_unit_test (test_numbers_and_names_have_rules),
    cmocka_unit_test (test_top_level_keys),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
