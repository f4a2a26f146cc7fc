/* test-recipe.c - recipe documents: defaults, every key, components
 * resolved and bound, errors reported where they are */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <glib/gstdio.h>
#include <cmocka.h>

#include "documents/recipe.h"
#include "documents/units.h"

static KilnRecipe *
parse_string (const char *name, const char *text, KilnDiags *diags)
{
  KilnDoc *doc = kiln_doc_load_string (name, text, strlen (text), diags);
  assert_non_null (doc);
  return kiln_recipe_from_doc (doc, diags);
}

static void
write_file (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_mkdir_with_parents (parent, 0755);
  assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
remove_tree (const char *dir)
{
  const char *argv[] = { "rm", "-rf", dir, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                NULL, NULL, NULL, NULL);
}

static void
print_diags (const KilnDiags *diags)
{
  kiln_diags_print (diags, stderr);
}

static void
test_recipe_minimal_gets_the_defaults (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnRecipe) r = parse_string (
      "/srv/r/recipe.yaml", "name: web\nversion: 1.2.0\nparent: debian-12\n",
      diags);
  if (!r)
    print_diags (diags);
  assert_non_null (r);
  assert_int_equal (kiln_diags_count (diags), 0);
  assert_string_equal (r->name, "web");
  assert_string_equal (r->version_text, "1.2.0");
  assert_int_equal (r->version.minor, 2);
  assert_null (r->description);
  assert_int_equal (r->parent.kind, KILN_PARENT_TEMPLATE);
  assert_string_equal (r->parent.template_name, "debian-12");
  assert_true (r->disk == 0);
  assert_int_equal (r->components->len, 0);
  assert_true (r->build.memory == KILN_GiB);
  assert_int_equal (r->build.vcpus, 2);
  assert_int_equal (r->build.accel, KILN_ACCEL_AUTO);
  assert_int_equal (r->build.network, KILN_NETWORK_NONE);
  assert_int_equal (r->build.timeout, 3600);
  assert_null (r->build.connect);
  assert_string_equal (r->outputs.name, "{{ kiln:name }}-{{ kiln:buildDate }}");
  assert_int_equal (g_strv_length (r->outputs.formats), 1);
  assert_string_equal (r->outputs.formats[0], "qcow2");
  assert_string_equal (r->outputs.directory, "./dist");
  assert_string_equal (r->outputs.directory_path, "/srv/r/dist");
  assert_int_equal (r->outputs.retain, 0);
  assert_int_equal (g_hash_table_size (r->outputs.tags), 0);
  assert_int_equal (g_strv_length (r->outputs.tag_keys), 0);
  assert_false (r->outputs.qcow2_compress);
  assert_string_equal (r->outputs.vmdk_subformat, "streamOptimized");
  assert_string_equal (r->outputs.vhd_subformat, "fixed");
  assert_string_equal (r->outputs.vhdx_subformat, "dynamic");
  assert_int_equal (g_strv_length (r->outputs.targets), 0);
  assert_null (r->outputs.aws_bucket);
  assert_true (kiln_recipe_has_format (r, "qcow2"));
  assert_false (kiln_recipe_has_format (r, "raw"));
  assert_string_equal (kiln_accel_name (r->build.accel), "auto");
  assert_string_equal (kiln_network_name (r->build.network), "none");

  g_autoptr (GDateTime) date = g_date_time_new_utc (2026, 11, 22, 22, 3, 0);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = kiln_recipe_output_name (r, 7, date, &error);
  assert_string_equal (out, "web-2026-11-22T22-03-00Z");
}

static void
test_recipe_full_reads_every_key (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnRecipe) r = kiln_recipe_load (
      TEST_SRCDIR "/tests/fixtures/good/recipe-full.yaml", diags);
  if (!r)
    print_diags (diags);
  assert_non_null (r);
  assert_int_equal (kiln_diags_count (diags), 0);
  assert_string_equal (r->name, "web-golden");
  assert_string_equal (r->description, "NGINX web tier");
  assert_true (r->disk == 8 * KILN_GiB);
  assert_true (r->build.memory == 2 * KILN_GiB);
  assert_int_equal (r->build.accel, KILN_ACCEL_TCG);
  assert_int_equal (r->build.network, KILN_NETWORK_USER);
  assert_int_equal (r->build.timeout, 5400);
  assert_string_equal (r->build.connect, "qemu:///system");
  const char *fmts[] = { "raw", "vmdk", "vhdx", "vhd", "ova", "qcow2" };
  assert_int_equal (g_strv_length (r->outputs.formats), 6);
  for (int i = 0; i < 6; i++)
    assert_string_equal (r->outputs.formats[i], fmts[i]);
  assert_int_equal (r->outputs.retain, 5);
  assert_string_equal (r->outputs.tag_keys[0], "Project");
  assert_string_equal (r->outputs.tag_keys[1], "Owner");
  assert_string_equal (r->outputs.tag_keys[2], "Empty");
  assert_string_equal (g_hash_table_lookup (r->outputs.tags, "Owner"),
                       "platform");
  assert_string_equal (g_hash_table_lookup (r->outputs.tags, "Empty"), "");
  assert_true (r->outputs.qcow2_compress);
  assert_string_equal (r->outputs.vhd_subformat, "dynamic");
  assert_string_equal (r->outputs.vhdx_subformat, "fixed");
  assert_int_equal (g_strv_length (r->outputs.targets), 3);
  assert_string_equal (r->outputs.aws_bucket, "my-image-bucket");
  assert_string_equal (r->outputs.aws_prefix, "images/web/");
  assert_string_equal (r->outputs.aws_region, "eu-west-1");

  /* components: located, loaded, bound */
  assert_int_equal (r->components->len, 2);
  KilnRecipeComponent *a = r->components->pdata[0];
  KilnRecipeComponent *b = r->components->pdata[1];
  assert_false (a->builtin);
  assert_non_null (a->component);
  assert_string_equal (a->component->name, "hello");
  assert_string_equal (g_hash_table_lookup (a->bound, "Greeting"),
                       "Hello from kiln");
  assert_string_equal (g_hash_table_lookup (a->bound, "GreetingFile"),
                       "/etc/kiln-hello");
  assert_string_equal (g_hash_table_lookup (b->bound, "Greeting"),
                       "port 8080");
  assert_true (g_str_has_suffix (b->path,
                                 "/examples/hello/components/hello.yaml"));

  g_autoptr (GDateTime) date = g_date_time_new_utc (2026, 1, 2, 3, 4, 5);
  g_autofree char *out = kiln_recipe_output_name (r, 12, date, NULL);
  assert_string_equal (out, "web-golden-2026-01-02T03-04-05Z-1.2.0-12");
}

static void
test_recipe_parent_is_a_recipe_or_an_image (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnRecipe) r = kiln_recipe_load (
      TEST_SRCDIR "/tests/fixtures/good/recipe-imagebuilder-params.yaml",
      diags);
  if (!r)
    print_diags (diags);
  assert_non_null (r);
  assert_int_equal (r->parent.kind, KILN_PARENT_RECIPE);
  assert_string_equal (r->parent.recipe_name, "web-base");
  assert_int_equal (r->parent.version.major, 1);
  assert_int_equal (r->parent.version.minor, -1);
  KilnRecipeComponent *c = r->components->pdata[0];
  assert_string_equal (g_hash_table_lookup (c->bound, "Greeting"),
                       "hello from Image Builder");

  g_autoptr (KilnDiags) d2 = kiln_diags_new ();
  g_autoptr (KilnRecipe) img = kiln_recipe_load (
      TEST_SRCDIR "/tests/fixtures/good/recipe-image-parent.yaml", d2);
  assert_non_null (img);
  assert_int_equal (img->parent.kind, KILN_PARENT_IMAGE);
  /* TEST_SRCDIR may hold ".." in a VPATH build; the recipe canonicalizes */
  g_autofree char *want_fixture = g_canonicalize_filename (
      TEST_SRCDIR "/tests/tmp/base.qcow2", NULL);
  assert_string_equal (img->parent.image_path, want_fixture);
  assert_true (img->disk == KILN_GiB);
  assert_true (img->build.memory == 256 * KILN_MiB);
  /* missing parent image: a warning, not an error */
  assert_int_equal (kiln_diags_error_count (d2), 0);
  assert_true (kiln_diags_find (d2, 5, 9, "does not exist (yet)"));

  /* an existing image parent: no warning; a directory: an error */
  g_autofree char *tmp = g_dir_make_tmp ("kiln-recipe-XXXXXX", NULL);
  write_file (tmp, "base.qcow2", "not really an image");
  g_autofree char *dir_image = g_build_filename (tmp, "dir.qcow2", NULL);
  g_mkdir (dir_image, 0755);
  g_autofree char *rp = g_build_filename (tmp, "sub/recipe.yaml", NULL);
  write_file (tmp, "sub/recipe.yaml",
              "name: x\nversion: 1.0.0\nparent: ../base.qcow2\n");
  g_autoptr (KilnDiags) d3 = kiln_diags_new ();
  g_autoptr (KilnRecipe) ok = kiln_recipe_load (rp, d3);
  assert_non_null (ok);
  assert_int_equal (kiln_diags_count (d3), 0);
  g_autofree char *want = g_build_filename (tmp, "base.qcow2", NULL);
  assert_string_equal (ok->parent.image_path, want);
  write_file (tmp, "sub/recipe.yaml",
              "name: x\nversion: 1.0.0\nparent: ../dir.qcow2\n");
  g_autoptr (KilnDiags) d4 = kiln_diags_new ();
  assert_null (kiln_recipe_load (rp, d4));
  assert_true (kiln_diags_find (d4, 3, 9, "found '../dir.qcow2', a directory"));
  remove_tree (tmp);
}

static void
test_all_errors_in_one_pass (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnRecipe) r = parse_string (
      "r.yaml",
      "name: Web\n"                       /* 1 */
      "version: 1.2\n"                    /* 2 */
      "parent: web@x.1\n"                 /* 3 */
      "disk: 8 GB\n"                      /* 4 */
      "build:\n"                          /* 5 */
      "  memory: 100M\n"                  /* 6 */
      "  vcpus: 0\n"                      /* 7 */
      "  accel: kvn\n"                    /* 8 */
      "  timeout: 10\n"                   /* 9 */
      "  conect: embed\n"                 /* 10 */
      "outputs:\n"                        /* 11 */
      "  formats: [raw, raw]\n"           /* 12 */
      "  name: '{{ kiln:nam }}'\n"        /* 13 */
      "  vmdk: { subformat: sparse }\n"   /* 14 */
      "extra: 1\n",                       /* 15 */
      diags);
  assert_null (r);
  struct { int line, col; const char *frag; } want[] = {
    { 1, 7, "did you mean 'web'?" },
    { 2, 10, "three parts" },
    { 3, 13, "every later part must be 'x'" },
    { 4, 7, "without a space" },
    { 6, 11, "between 256M and 1T" },
    { 7, 10, "between 1 and 64" },
    { 8, 10, "did you mean 'kvm'?" },
    { 9, 12, "add a unit" },
    { 10, 3, "did you mean 'connect'?" },
    { 12, 18, "duplicate 'raw'" },
    { 13, 13, "did you mean 'kiln:name'?" },
    { 14, 3, "has no effect: vmdk is not in 'outputs.formats'" },
    { 14, 22, "expected one of streamOptimized" },
    { 15, 1, "unknown key 'extra' in a recipe" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (want); i++)
    if (!kiln_diags_find (diags, want[i].line, want[i].col, want[i].frag))
      {
        print_diags (diags);
        fail_msg ("missing %d:%d %s", want[i].line, want[i].col,
                  want[i].frag);
      }
  assert_int_equal (kiln_diags_count (diags), G_N_ELEMENTS (want));
}

static void
test_recipe_components_resolve_with_positions_and_secrets (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("kiln-recipe-XXXXXX", NULL);
  g_autofree char *lib = g_build_filename (tmp, "data", NULL);
  write_file (lib, "components/update-os.yaml",
              "name: update-os\nschemaVersion: 1.0\nphases:\n"
              "  - name: build\n    steps:\n      - name: S\n"
              "        action: ExecuteBash\n        inputs:\n"
              "          commands: [\"true\"]\n");
  write_file (tmp, "c/needs.yaml",
              "name: needs\nschemaVersion: 1.0\nparameters:\n"
              "  - Port:\n      type: string\n"
              "phases:\n  - name: build\n    steps:\n      - name: S\n"
              "        action: ExecuteBash\n        inputs:\n"
              "          commands: [\"echo {{ Port }}\"]\n");
  write_file (tmp, "c/broken.yaml",
              "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n"
              "      - name: S\n        action: ExecuteBsh\n");
  g_setenv ("KILN_DATADIR", lib, TRUE);

  g_autofree char *rp = g_build_filename (tmp, "recipe.yaml", NULL);
  write_file (tmp, "recipe.yaml",
              "name: x\nversion: 1.0.0\nparent: debian-12\ncomponents:\n"
              "  - update-os\n"                                   /* 5 */
              "  - component: c/needs.yaml\n"                     /* 6 */
              "    parameters: { Port: \"80\" }\n"                /* 7 */
              "  - ./c/needs.yaml\n"                              /* 8 */
              "  - update-os2\n"                                  /* 9 */
              "  - c/broken.yaml\n"                               /* 10 */
              "  - component: ./c/needs.yaml\n"                   /* 11 */
              "    parameters: [{name: Prot, value: [\"1\"]}]\n"); /* 12 */
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnRecipe) r = kiln_recipe_load (rp, diags);
  assert_null (r);
  g_autofree char *broken = g_build_filename (tmp, "c/broken.yaml", NULL);
  struct { const char *file; int line, col; const char *frag; } want[] = {
    { rp, 8, 5, "missing a value for parameter 'Port'" },
    { rp, 9, 5, "expected a built-in component, found 'update-os2'; did you "
      "mean 'update-os'?" },
    { broken, 6, 17, "ExecuteBsh" },
    { rp, 12, 25, "unknown parameter 'Prot'" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (want); i++)
    {
      gboolean found = FALSE;
      for (guint k = 0; k < kiln_diags_count (diags); k++)
        {
          const KilnDiag *d = kiln_diags_get (diags, k);
          found |= strcmp (d->file, want[i].file) == 0
                   && d->line == want[i].line && d->col == want[i].col
                   && strstr (d->message, want[i].frag);
        }
      if (!found)
        {
          print_diags (diags);
          fail_msg ("missing %s:%d:%d %s", want[i].file, want[i].line,
                    want[i].col, want[i].frag);
        }
    }

  /* the good part alone resolves, with the library component */
  write_file (tmp, "recipe.yaml",
              "name: x\nversion: 1.0.0\nparent: debian-12\ncomponents:\n"
              "  - update-os\n  - component: c/needs.yaml\n"
              "    parameters: { Port: 80 }\n"
              "  - component: c/needs.yaml\n"
              "    parameters: { Port: { value: \"81\", secret: true } }\n"
              "  - component: c/needs.yaml\n"
              "    parameters: [{name: Port, value: [\"82\"], secret: true}]\n");
  g_autoptr (KilnDiags) d2 = kiln_diags_new ();
  g_autoptr (KilnRecipe) ok = kiln_recipe_load (rp, d2);
  if (!ok)
    print_diags (d2);
  assert_non_null (ok);
  KilnRecipeComponent *lib0 = ok->components->pdata[0];
  assert_true (lib0->builtin);
  g_autofree char *want_path = g_build_filename (lib, "components",
                                                 "update-os.yaml", NULL);
  assert_string_equal (lib0->path, want_path);
  KilnRecipeComponent *c1 = ok->components->pdata[1];
  assert_string_equal (g_hash_table_lookup (c1->bound, "Port"), "80");
  assert_false (g_hash_table_contains (c1->secret_parameters, "Port"));
  /* marked secret, kiln style and Image Builder style: bound as usual */
  KilnRecipeComponent *c2 = ok->components->pdata[2];
  assert_string_equal (g_hash_table_lookup (c2->bound, "Port"), "81");
  assert_true (g_hash_table_contains (c2->secret_parameters, "Port"));
  KilnRecipeComponent *c3 = ok->components->pdata[3];
  assert_string_equal (g_hash_table_lookup (c3->bound, "Port"), "82");
  assert_true (g_hash_table_contains (c3->secret_parameters, "Port"));

  g_unsetenv ("KILN_DATADIR");
  remove_tree (tmp);
}

static void
test_recipe_names_and_paths_relative_to_the_recipe (void **state)
{
  assert_true (kiln_name_is_valid ("web-golden"));
  assert_true (kiln_name_is_valid ("0day"));
  assert_false (kiln_name_is_valid ("-web"));
  assert_false (kiln_name_is_valid ("Web"));
  assert_false (kiln_name_is_valid ("web_golden"));
  assert_false (kiln_name_is_valid (""));
  g_autofree char *longest = g_strnfill (63, 'a');
  g_autofree char *too_long = g_strnfill (64, 'a');
  assert_true (kiln_name_is_valid (longest));
  assert_false (kiln_name_is_valid (too_long));
  g_autofree char *p1 = kiln_path_relative_to_file ("a/b/r.yaml", "./c.yaml");
  assert_string_equal (p1, "a/b/c.yaml");
  g_autofree char *p2 = kiln_path_relative_to_file ("r.yaml", "./c.yaml");
  assert_string_equal (p2, "c.yaml");
  g_autofree char *p3 = kiln_path_relative_to_file ("a/r.yaml", "/abs.yaml");
  assert_string_equal (p3, "/abs.yaml");
}

static void
test_recipe_refuses_wrong_shapes_at_their_position (void **state)
{
  struct { const char *text; int line, col; const char *frag; } cases[] = {
    { "", 1, 1, "found an empty document" },
    { "- a\n", 1, 1, "expected a mapping for a recipe, found a list" },
    { "name: x\nversion: 1.0.0\n", 1, 1, "missing required key 'parent'" },
    { "name: x\nversion: 1.0.0\nparent:\n", 3, 8,
      "expected a value for required key 'parent'" },
    { "name: x\nversion: 1.0.0\nparent: p\nbuild: fast\n", 4, 8,
      "expected a mapping for 'build', found a string" },
    { "name: x\nversion: 1.0.0\nparent: p\ncomponents:\n  - [a]\n", 5, 5,
      "expected a component (a built-in name" },
    { "name: x\nversion: 1.0.0\nparent: p\ncomponents:\n  - {}\n", 5, 5,
      "missing required key 'component'" },
    { "name: x\nversion: 1.0.0\nparent: p\ncomponents:\n"
      "  - {component: a, parameters: 5}\n", 5, 32,
      "expected a mapping of parameters" },
    { "name: x\nversion: 1.0.0\nparent: p\ncomponents:\n"
      "  - {component: a, parameters: [{name: k}]}\n", 5, 33,
      "missing required key 'value' in a parameter" },
    { "name: x\nversion: 1.0.0\nparent: p\ncomponents:\n"
      "  - {component: a, parameters: {pw: {value: s, secret: maybe}}}\n", 5,
      56, "expected true or false for parameter 'pw' secret, found 'maybe'" },
    { "name: x\nversion: 1.0.0\nparent: p\ncomponents:\n"
      "  - {component: a, parameters: {pw: {secret: true}}}\n", 5, 37,
      "found a mapping without 'value'" },
    { "name: x\nversion: 1.0.0\nparent: p\ncomponents:\n"
      "  - {component: a, parameters: {pw: {value: s, hidden: true}}}\n", 5, 48,
      "unknown key 'hidden'" },
    { "name: x\nversion: 1.0.0\nparent: p\ncomponents:\n"
      "  - {component: a, parameters: [{name: k, value: v, secret: 1x}]}\n", 5,
      61, "expected true or false for a parameter's 'secret'" },
    { "name: x\nversion: 1.0.0\nparent: p\nbuild: {connect: 'qemu system'}\n",
      4, 19, "which is not a libvirt URI" },
    { "name: x\nversion: 1.0.0\nparent: p\nbuild: {pool: '../x'}\n",
      4, 18, "storage pool name: letters, digits, '_', '.' and '-', found '/'" },
    { "name: x\nversion: 1.0.0\nparent: p\nbuild: {pool: '-x'}\n",
      4, 16, "not starting with '.' or '-'; found '-x'" },
    { "name: x\nversion: 1.0.0\nparent: p\noutputs: {tags: {aws:x: y}}\n",
      4, 18, "reserved by AWS" },
    { "name: x\nversion: 1.0.0\nparent: p\n"
      "outputs: {aws: {bucket: b-1, prefix: /x}}\n", 4, 38,
      "without a leading '/'" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (KilnDiags) diags = kiln_diags_new ();
      g_autoptr (KilnRecipe) r = parse_string ("r.yaml", cases[i].text, diags);
      assert_null (r);
      if (!kiln_diags_find (diags, cases[i].line, cases[i].col, cases[i].frag))
        {
          print_diags (diags);
          fail_msg ("case %zu: missing %d:%d %s", i, cases[i].line,
                    cases[i].col, cases[i].frag);
        }
    }
  /* good URIs */
  const char *uris[] = { "qemu:///system", "qemu:///session",
                         "qemu+ssh://root@host/system",
                         "qemu+tls://host/session" };
  for (gsize i = 0; i < G_N_ELEMENTS (uris); i++)
    {
      g_autofree char *text = g_strdup_printf (
          "name: x\nversion: 1.0.0\nparent: p\nbuild: {connect: '%s'}\n",
          uris[i]);
      g_autoptr (KilnDiags) diags = kiln_diags_new ();
      g_autoptr (KilnRecipe) r = parse_string ("r.yaml", text, diags);
      assert_non_null (r);
      assert_string_equal (r->build.connect, uris[i]);
    }
  g_autoptr (KilnDiags) pool_diags = kiln_diags_new ();
  g_autoptr (KilnRecipe) pooled = parse_string (
      "r.yaml", "name: x\nversion: 1.0.0\nparent: p\n"
      "build: {connect: 'qemu:///system', pool: default}\n", pool_diags);
  assert_non_null (pooled);
  assert_string_equal (pooled->build.pool, "default");
}

/* A component path that names something else (`component: /etc/shadow`):
 * one error at that file, which never echoes its lines back (issue 13,
 * item 7). */
static void
test_recipe_component_that_is_not_a_document (void **state)
{
  (void) state;
  g_autofree char *tmp = g_dir_make_tmp ("kiln-recipe-XXXXXX", NULL);
  write_file (tmp, "shadow",
              "root:$6$s3cr3tsalt$hash:19000:0:99999:7:::\n"
              "daemon:*:19000:0:99999:7:::\n"
              "builder:$6$other$hash:19000:0:99999:7:::\n");
  write_file (tmp, "recipe.yaml",
              "name: x\nversion: 1.0.0\nparent: p\ncomponents:\n"
              "  - component: ./shadow\n");
  g_autofree char *rp = g_build_filename (tmp, "recipe.yaml", NULL);
  g_autoptr (KilnDiags) d = kiln_diags_new ();
  g_autoptr (KilnRecipe) r = kiln_recipe_load (rp, d);
  assert_null (r);
  guint about_shadow = 0;
  for (guint i = 0; i < kiln_diags_count (d); i++)
    {
      const KilnDiag *x = kiln_diags_get (d, i);
      if (strstr (x->message, "$6$") || strstr (x->message, "daemon")
          || strstr (x->message, "19000"))
        {
          print_diags (d);
          fail_msg ("a line of the file echoed: %s", x->message);
        }
      if (x->file && g_str_has_suffix (x->file, "shadow"))
        about_shadow++;
    }
  if (about_shadow != 1)
    print_diags (d);
  assert_int_equal (about_shadow, 1);
  assert_true (kiln_diags_find (d, 1, 1, "expected a component (a mapping "
                                "with schemaVersion and phases), found a "
                                "mapping with none of its keys (3 keys)"));
  remove_tree (tmp);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_recipe_minimal_gets_the_defaults),
    cmocka_unit_test (test_recipe_full_reads_every_key),
    cmocka_unit_test (test_recipe_parent_is_a_recipe_or_an_image),
    cmocka_unit_test (test_all_errors_in_one_pass),
    cmocka_unit_test (test_recipe_components_resolve_with_positions_and_secrets),
    cmocka_unit_test (test_recipe_names_and_paths_relative_to_the_recipe),
    cmocka_unit_test (test_recipe_refuses_wrong_shapes_at_their_position),
    cmocka_unit_test (test_recipe_component_that_is_not_a_document),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
