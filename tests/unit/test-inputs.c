/* test-inputs.c - a pipeline's inputs (src/automation/inputs.h): real
 * recipe and component files loaded as kiln build loads them, changed one
 * at a time; each change is named, and nothing is named when nothing
 * changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "automation/inputs.h"
#include "base/diag.h"
#include "build/recipe-job.h"
#include "documents/recipe.h"

static const char component_text[] =
  "name: greet\n"
  "schemaVersion: 1.0\n"
  "parameters:\n"
  "  - Word:\n"
  "      type: string\n"
  "      default: hello\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: Say\n"
  "        action: ExecuteBash\n"
  "        inputs:\n"
  "          commands: [\"echo {{ Word }}\"]\n";

static char *dir;
/* the home's build-key secret (store/build-secret.h); the inputs' digests
 * are keyed with it */
static GBytes *secret;

static void
write_files (const char *word, const char *extra_step)
{
  g_autofree char *recipe = g_strdup_printf (
      "name: inputs-test\nversion: 1.0.0\nparent: debian-12\n"
      "components:\n  - component: ./c.yaml\n    parameters:\n"
      "      Word: %s\n", word);
  g_autofree char *component = g_strconcat (component_text, extra_step,
                                            NULL);
  g_autofree char *rp = g_build_filename (dir, "recipe.yaml", NULL);
  g_autofree char *cp = g_build_filename (dir, "c.yaml", NULL);
  assert_true (g_file_set_contents (rp, recipe, -1, NULL));
  assert_true (g_file_set_contents (cp, component, -1, NULL));
}

/* The inputs of the recipe in dir, parent resolved to parent_path. */
static char *
inputs_now (const char *parent_path, const char *parent_digest)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autofree char *rp = g_build_filename (dir, "recipe.yaml", NULL);
  g_autoptr (KilnRecipe) recipe = kiln_recipe_load (rp, diags);
  if (!recipe || kiln_diags_error_count (diags))
    {
      kiln_diags_print (diags, stderr);
      fail_msg ("the test recipe does not load");
    }
  g_autoptr (KilnJob) job = kiln_job_for_recipe (recipe, rp);
  job->parent = g_strdup (parent_path);
  return kiln_inputs_json (secret, recipe->doc->text, recipe->doc->text_len,
                           job, parent_digest);
}

static char *
changes_text (const char *before, const char *now)
{
  g_autoptr (GPtrArray) changes = kiln_inputs_changes (before, now);
  g_ptr_array_add (changes, NULL);
  return g_strjoinv ("|", (char **) changes->pdata);
}

static int
setup (void **state)
{
  (void) state;
  dir = g_dir_make_tmp ("kiln-test-inputs-XXXXXX", NULL);
  secret = g_bytes_new_static ("0123456789abcdef0123456789abcdef", 32);
  return dir ? 0 : -1;
}

static int
teardown (void **state)
{
  (void) state;
  g_autofree char *rp = g_build_filename (dir, "recipe.yaml", NULL);
  g_autofree char *cp = g_build_filename (dir, "c.yaml", NULL);
  g_unlink (rp);
  g_unlink (cp);
  g_rmdir (dir);
  g_clear_pointer (&dir, g_free);
  g_clear_pointer (&secret, g_bytes_unref);
  return 0;
}

static void
test_nothing_changed (void **state)
{
  (void) state;
  write_files ("howdy", "");
  g_autofree char *a = inputs_now ("/img/a.qcow2", "d1");
  g_autofree char *b = inputs_now ("/img/a.qcow2", "d1");
  g_autofree char *c = changes_text (a, b);
  assert_string_equal (c, "");
  /* the parameter's value is not in the inputs, only its digest */
  assert_null (strstr (a, "howdy"));
}

/* The digests are keyed: the plain SHA-256 of the parameters (which anyone
 * could compute from a guessed value) is not in the inputs, and another
 * home's secret gives other digests, so the same inputs compare as
 * changed there (one rebuild), never as equal by accident. */
static void
test_digests_keyed (void **state)
{
  (void) state;
  write_files ("howdy", "");
  g_autofree char *a = inputs_now ("/img/a.qcow2", "d1");
  g_autofree char *plain = g_compute_checksum_for_string (
      G_CHECKSUM_SHA256, "Word=howdy\n", -1);
  assert_null (strstr (a, plain));
  g_clear_pointer (&secret, g_bytes_unref);
  secret = g_bytes_new_static ("fedcba9876543210fedcba9876543210", 32);
  g_autofree char *b = inputs_now ("/img/a.qcow2", "d1");
  g_autofree char *c = changes_text (a, b);
  assert_string_equal (c, "the recipe's text changed|component ./c.yaml: "
                          "its text changed|component ./c.yaml: its "
                          "parameters changed");
}

static void
test_no_earlier_build (void **state)
{
  (void) state;
  write_files ("howdy", "");
  g_autofree char *a = inputs_now ("/img/a.qcow2", "d1");
  g_autofree char *c = changes_text (NULL, a);
  assert_string_equal (c, "no earlier build of this pipeline to compare "
                          "with");
  g_autofree char *d = changes_text ("not json", a);
  assert_string_equal (d, c);
}

static void
test_parameter_changed (void **state)
{
  (void) state;
  write_files ("howdy", "");
  g_autofree char *a = inputs_now ("/img/a.qcow2", "d1");
  write_files ("hi", "");
  g_autofree char *b = inputs_now ("/img/a.qcow2", "d1");
  g_autofree char *c = changes_text (a, b);
  assert_string_equal (c, "the recipe's text changed|component ./c.yaml: "
                          "its parameters changed");
}

static void
test_component_text_changed (void **state)
{
  (void) state;
  write_files ("howdy", "");
  g_autofree char *a = inputs_now ("/img/a.qcow2", "d1");
  write_files ("howdy", "      - name: Again\n        action: ExecuteBash\n"
                        "        inputs:\n          commands: [true]\n");
  g_autofree char *b = inputs_now ("/img/a.qcow2", "d1");
  g_autofree char *c = changes_text (a, b);
  assert_string_equal (c, "component ./c.yaml: its text changed");
}

static void
test_parent_changed (void **state)
{
  (void) state;
  write_files ("howdy", "");
  g_autofree char *a = inputs_now ("/img/a.qcow2", "d1");
  g_autofree char *rebuilt = inputs_now ("/img/a.qcow2", "d2");
  g_autofree char *newer = inputs_now ("/img/b.qcow2", "d3");
  g_autofree char *c1 = changes_text (a, rebuilt);
  g_autofree char *c2 = changes_text (a, newer);
  assert_string_equal (c1, "parent debian-12: its digest changed");
  assert_string_equal (c2, "parent debian-12: now resolves to /img/b.qcow2 "
                           "(was /img/a.qcow2)");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_nothing_changed, setup, teardown),
    cmocka_unit_test_setup_teardown (test_digests_keyed, setup, teardown),
    cmocka_unit_test_setup_teardown (test_no_earlier_build, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_parameter_changed, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_component_text_changed, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_parent_changed, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
