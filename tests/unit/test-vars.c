/* test-vars.c - {{ references }}: scanning, checking, substitution */
#include "doc-test-util.h"

#include "documents/vars.h"

static const KilnVarRef *
ref_at (GPtrArray *refs, guint i)
{
  assert_true (i < refs->len);
  return refs->pdata[i];
}

static void
test_scan_kinds (void **state)
{
  g_autoptr (GPtrArray) refs = kiln_vars_scan (
    "a {{Name}} b {{  loop.value }} {{ items.index }} "
    "{{ build.Step.outputs.stdout }} {{ test.S.inputs[2].path }} "
    "{{ validate.S.inputs.path }} {{ kiln:buildDate }} {{ .Go }} "
    "{{ build.S.outputs }} {{ aws:ssm:x }} {{ a[1] }} {{}} "
    "{{ build.My Step.outputs.stdout }} {{ range .Items }}");
  assert_int_equal (refs->len, 14);

  const KilnVarRef *r = ref_at (refs, 0);
  assert_int_equal (r->kind, KILN_VAR_NAME);
  assert_string_equal (r->expr, "Name");
  assert_string_equal (r->text, "{{Name}}");
  assert_int_equal (r->start, 2);
  assert_int_equal (r->end, 10);

  r = ref_at (refs, 1);
  assert_int_equal (r->kind, KILN_VAR_LOOP);
  assert_string_equal (r->scope, "loop");
  assert_string_equal (r->field, "value");
  r = ref_at (refs, 2);
  assert_int_equal (r->kind, KILN_VAR_LOOP);
  assert_string_equal (r->scope, "items");
  assert_string_equal (r->field, "index");

  r = ref_at (refs, 3);
  assert_int_equal (r->kind, KILN_VAR_CHAIN);
  assert_string_equal (r->scope, "build");
  assert_string_equal (r->step, "Step");
  assert_true (r->output);
  assert_int_equal (r->index, -1);
  assert_string_equal (r->field, "stdout");
  r = ref_at (refs, 4);
  assert_int_equal (r->kind, KILN_VAR_CHAIN);
  assert_false (r->output);
  assert_int_equal (r->index, 2);
  assert_string_equal (r->field, "path");
  r = ref_at (refs, 5);
  assert_int_equal (r->kind, KILN_VAR_CHAIN);
  assert_int_equal (r->index, -1);

  r = ref_at (refs, 6);
  assert_int_equal (r->kind, KILN_VAR_NAMING);
  assert_string_equal (r->scope, "kiln");
  assert_string_equal (r->field, "buildDate");
  assert_int_equal (ref_at (refs, 7)->kind, KILN_VAR_FOREIGN);
  assert_int_equal (ref_at (refs, 8)->kind, KILN_VAR_INVALID);
  assert_int_equal (ref_at (refs, 9)->kind, KILN_VAR_INVALID);
  assert_int_equal (ref_at (refs, 10)->kind, KILN_VAR_INVALID);
  assert_int_equal (ref_at (refs, 11)->kind, KILN_VAR_FOREIGN);
  r = ref_at (refs, 12);
  assert_int_equal (r->kind, KILN_VAR_CHAIN);
  assert_string_equal (r->step, "My Step");
  assert_int_equal (ref_at (refs, 13)->kind, KILN_VAR_FOREIGN);
}

static void
test_scan_edges (void **state)
{
  g_autoptr (GPtrArray) none = kiln_vars_scan ("no refs } here {");
  assert_int_equal (none->len, 0);
  g_autoptr (GPtrArray) open = kiln_vars_scan ("{{ a {{ b }}");
  assert_int_equal (open->len, 1);
  assert_string_equal (ref_at (open, 0)->expr, "b");
  g_autoptr (GPtrArray) unclosed = kiln_vars_scan ("{{ a ");
  assert_int_equal (unclosed->len, 0);
  g_autoptr (GPtrArray) multi = kiln_vars_scan ("{{ a\n}}");
  assert_string_equal (ref_at (multi, 0)->expr, "a");
  assert_false (kiln_vars_has_refs ("{{ .Go }} ${x}"));
  assert_true (kiln_vars_has_refs ("x{{ y }}"));

  /* hostile input: a megabyte of "{{" and one "}}" (a scan that is not
   * linear would take hours here; the per-test limit turns that into a
   * failure) */
  gsize n = 1 << 20;
  g_autofree char *big = g_malloc (n + 3);
  memset (big, '{', n);
  memcpy (big + n, "}}", 3);
  g_autoptr (GPtrArray) refs = kiln_vars_scan (big);
  assert_int_equal (refs->len, 1);
}

static void
test_vars_substitute_known_names_and_keep_the_rest (void **state)
{
  g_autoptr (GHashTable) v = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (v, "Port", "8080");
  g_hash_table_insert (v, "Host", "web");
  g_hash_table_insert (v, "Loop", "{{ Port }}");

  g_autofree char *a = kiln_vars_substitute (
    "http://{{Host}}:{{ Port }}/{{ loop.value }}/"
    "{{ build.S.outputs.stdout }}/{{ Unknown }}/{{ .Go }}/{{ Loop }}", v);
  assert_string_equal (a, "http://web:8080/{{ loop.value }}/"
                          "{{ build.S.outputs.stdout }}/{{ Unknown }}/"
                          "{{ .Go }}/{{ Port }}");
  g_autofree char *b = kiln_vars_substitute ("plain", v);
  assert_string_equal (b, "plain");
  g_autofree char *c = kiln_vars_substitute ("{{Port}}{{Port}}", v);
  assert_string_equal (c, "80808080");
  g_autofree char *d = kiln_vars_substitute ("{{ Port }}", NULL);
  assert_string_equal (d, "{{ Port }}");
  assert_null (kiln_vars_substitute (NULL, v));

  g_autofree char *e = kiln_vars_resolve_static ("{{ Port }}s", v);
  assert_string_equal (e, "8080s");
  assert_null (kiln_vars_resolve_static ("{{ Nope }}", v));
  assert_null (kiln_vars_resolve_static ("{{ loop.index }}", v));
  g_autofree char *f = kiln_vars_resolve_static ("{{.Go}}", v);
  assert_string_equal (f, "{{.Go}}");
}

static const char block_doc[] =
  "name: t\n"
  "schemaVersion: 1.0\n"
  "parameters:\n"
  "  - Port:\n"
  "      type: string\n"
  "      default: '1'\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: A\n"
  "        action: ExecuteBash\n"
  "        inputs:\n"
  "          commands:\n"
  "            - |\n"
  "              echo one\n"
  "              echo {{ Prot }} and {{ Prot }} and {{ Port }}\n"
  "            - \"é {{ Nope }}\"\n"
  "            - plain {{ loop.value }}\n";

static void
test_vars_unknown_references_at_their_position (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnComponent) c = test_component (block_doc, diags);
  assert_null (c);
  assert_diag (diags, 16, 20, "'{{ Prot }}' refers to 'Prot'");
  assert_diag (diags, 16, 20, "did you mean 'Port'?");
  assert_diag (diags, 16, 35, "'{{ Prot }}' refers to 'Prot'");
  /* a multi-byte character before the reference counts as one column */
  assert_diag (diags, 17, 18, "'{{ Nope }}'");
  assert_diag (diags, 18, 21, "which has no loop");
  assert_int_equal (kiln_diags_error_count (diags), 3);
}

static const char chain_doc[] =
  "name: t\n"
  "schemaVersion: 1.0\n"
  "phases:\n"
  "  - name: build\n"
  "    steps:\n"
  "      - name: Get\n"
  "        action: S3Download\n"
  "        inputs:\n"
  "          - source: s3://b/k\n"
  "            destination: /tmp/k\n"
  "      - name: Run\n"
  "        action: ExecuteBash\n"
  "        inputs:\n"
  "          commands:\n"
  "            - cat {{ build.Get.inputs[0].destination }}\n"
  "            - echo {{ build.Get.inputs[1].destination }}\n"
  "            - echo {{ build.Get.outputs.stdout }}\n"
  "            - echo {{ build.Run.outputs.stdout }}\n"
  "            - echo {{ validate.Later.outputs.stdout }}\n"
  "  - name: validate\n"
  "    steps:\n"
  "      - name: Later\n"
  "        action: ExecuteBash\n"
  "        inputs:\n"
  "          commands:\n"
  "            - echo {{ build.Run.outputs.stdout }}\n"
  "  - name: test\n"
  "    steps:\n"
  "      - name: T\n"
  "        action: ExecuteBash\n"
  "        if:\n"
  "          stringEquals: x\n"
  "          value: '{{ validate.Later.outputs.stdout }}'\n"
  "        inputs:\n"
  "          commands: ['{{ test.T.outputs.stdout }}']\n";

static void
test_vars_chaining_refuses_steps_that_do_not_run_before (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnComponent) c = test_component (chain_doc, diags);
  assert_null (c);
  assert_diag (diags, 16, 20, "index 1 is out of range; step 'Get' has 1 "
               "input entry");
  assert_diag (diags, 17, 20, "S3Download produces no outputs");
  assert_diag (diags, 18, 20, "refers to step 'Run', which does not run "
               "before step 'Run' in phase 'build'");
  assert_diag (diags, 19, 20, "refers to step 'Later', which does not run "
               "before step 'Run' in phase 'build'");
  assert_diag (diags, 33, 19, "chaining does not cross into the test stage");
  assert_diag (diags, 35, 23, "refers to step 'T', which does not run before "
               "step 'T' in phase 'test'");
  assert_int_equal (kiln_diags_error_count (diags), 6);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_scan_kinds),
    cmocka_unit_test (test_scan_edges),
    cmocka_unit_test (test_vars_substitute_known_names_and_keep_the_rest),
    cmocka_unit_test (test_vars_unknown_references_at_their_position),
    cmocka_unit_test (test_vars_chaining_refuses_steps_that_do_not_run_before),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
