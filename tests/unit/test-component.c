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
    "extra: 1\n"
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
  assert_diag (diags, 3, 1, "unknown key 'extra' in the component");
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
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
