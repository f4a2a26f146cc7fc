/* test-outputs.c - kiln_distribute end to end on a small image with the
 * real qemu-img: every format, read-back checks, sidecars, all-or-nothing */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "outputs/checksums.h"
#include "common/kiln.h"
#include "outputs/outputs.h"

/* 8 MiB + 1536 bytes: not a whole MiB, so the VHD is padded. */
#define SRC_SIZE (8 * 1024 * 1024 + 1536)

typedef struct {
  char *dir;
  char *src;
  char *out;
} Fixture;

static void
rm_rf (const char *path)
{
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  const char *n;
  while (d && (n = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (path, n, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        rm_rf (p);
      else
        g_unlink (p);
    }
  g_rmdir (path);
}

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->dir = g_dir_make_tmp ("kiln-outputs-XXXXXX", NULL);
  f->src = g_build_filename (f->dir, "src.raw", NULL);
  f->out = g_build_filename (f->dir, "out", NULL);
  /* A sparse raw disk with a little data in three places. */
  FILE *fp = fopen (f->src, "wb");
  assert_non_null (fp);
  assert_int_equal (ftruncate (fileno (fp), SRC_SIZE), 0);
  for (int k = 0; k < 3; k++)
    {
      fseek (fp, (long) k * 3 * 1024 * 1024, SEEK_SET);
      for (int i = 0; i < 200000; i++)
        fputc ((i * 31 + k) & 0xff, fp);
    }
  fclose (fp);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  if (g_getenv ("KILN_TEST_KEEP")) /* debugging: look at the files */
    fprintf (stderr, "kept %s\n", f->dir);
  else
    rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->src);
  g_free (f->out);
  g_free (f);
  return 0;
}

static GPtrArray *
formats (const char *list)
{
  const char *const t[] = { list, NULL };
  GPtrArray *a = kiln_format_list_parse (t, NULL);
  assert_non_null (a);
  return a;
}

static guint
count_entries (const char *dir, gboolean hidden_only)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    if (!hidden_only || name[0] == '.')
      n++;
  return n;
}

typedef struct {
  GHashTable *phases;           /* "artifact phase" seen */
  GMainContext *ctx;
  gboolean wrong_thread;
} Seen;

static void
on_progress (const char *artifact, KilnArtifactPhase phase, double fraction,
             gpointer user_data)
{
  Seen *s = user_data;
  if (!g_main_context_is_owner (s->ctx))
    s->wrong_thread = TRUE;
  g_hash_table_add (s->phases, g_strdup_printf ("%s %s", artifact,
                                                kiln_artifact_phase_name (phase)));
}

static KilnArtifact *
find_artifact (GPtrArray *a, const char *file)
{
  for (guint i = 0; i < a->len; i++)
    if (strcmp (((KilnArtifact *) a->pdata[i])->file, file) == 0)
      return a->pdata[i];
  return NULL;
}

static void
test_all_formats (void **state)
{
  Fixture *f = *state;
  g_autoptr (GPtrArray) fmts = formats ("qcow2,raw,vmdk,vhdx,vhd,ova");
  Seen seen = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
                g_main_context_ref_thread_default (), FALSE };
  KilnDistributeSpec spec = {
    .source = f->src, .source_format = "raw", .formats = fmts,
    .output_dir = f->out, .base_name = "img", .parallel = 3,
    .progress = on_progress, .progress_data = &seen,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnDistributeResult) r = NULL;
  if (!kiln_distribute (&spec, &r, NULL, &error))
    fail_msg ("%s", error->message);

  assert_int_equal (r->artifacts->len, 6);
  /* manifest.json, SHA256SUMS, three aws files (no package list: no SBOM) */
  assert_int_equal (r->files->len, 5);
  assert_int_equal (count_entries (f->out, FALSE), 11);
  assert_int_equal (count_entries (f->out, TRUE), 0); /* no temp dir */

  /* Digests and sizes are those of the files on disk. */
  for (guint i = 0; i < r->artifacts->len; i++)
    {
      const KilnArtifact *a = r->artifacts->pdata[i];
      g_autofree char *sha = kiln_sha256_file (a->path, NULL, NULL, NULL, NULL);
      assert_string_equal (sha, a->sha256);
      struct stat st;
      assert_int_equal (stat (a->path, &st), 0);
      assert_int_equal (a->file_size, st.st_size);
      /* Sparse-aware: no artifact occupies much more than the data. */
      assert_true ((guint64) st.st_blocks * 512 < 4 * 1024 * 1024);
    }
  const KilnArtifact *vhd = find_artifact (r->artifacts, "img.vhd");
  assert_int_equal (vhd->virtual_size, 9 * 1024 * 1024);
  assert_int_equal (vhd->file_size, 9 * 1024 * 1024 + 512);
  const KilnArtifact *raw = find_artifact (r->artifacts, "img.raw");
  assert_int_equal (raw->virtual_size, SRC_SIZE);
  g_autofree char *src_sha = kiln_sha256_file (f->src, NULL, NULL, NULL, NULL);
  assert_string_equal (raw->sha256, src_sha); /* byte-identical */
  assert_string_equal (find_artifact (r->artifacts, "img.vmdk")->subformat,
                       "streamOptimized");

  /* SHA256SUMS covers every other file. */
  g_autofree char *sums_path = g_build_filename (f->out, "SHA256SUMS", NULL);
  g_autofree char *sums = NULL;
  assert_true (g_file_get_contents (sums_path, &sums, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (g_strstrip (sums), "\n", -1);
  assert_int_equal (g_strv_length (lines), 10);

  assert_false (seen.wrong_thread);
  assert_true (g_hash_table_contains (seen.phases, "img.vmdk converting"));
  assert_true (g_hash_table_contains (seen.phases, "img.ova packing"));
  assert_true (g_hash_table_contains (seen.phases, "img.ova done"));
  g_hash_table_unref (seen.phases);
  g_main_context_unref (seen.ctx);

  /* The same names again: refused before any work, nothing changed. */
  g_autoptr (GError) e2 = NULL;
  assert_false (kiln_distribute (&spec, NULL, NULL, &e2));
  assert_true (g_error_matches (e2, KILN_ERROR, KILN_ERROR_INPUT));
  assert_non_null (strstr (e2->message, "already exists"));
  assert_int_equal (count_entries (f->out, FALSE), 11);

  /* overwrite replaces them. */
  spec.overwrite = TRUE;
  spec.progress = NULL;
  assert_true (kiln_distribute (&spec, NULL, NULL, NULL));
  assert_int_equal (count_entries (f->out, FALSE), 11);
}

static void
test_ova_only_uses_a_hidden_vmdk (void **state)
{
  Fixture *f = *state;
  g_autoptr (GPtrArray) fmts = formats ("ova");
  KilnDistributeSpec spec = {
    .source = f->src, .source_format = "raw", .formats = fmts,
    .output_dir = f->out, .base_name = "only", .vm_controller = "pvscsi",
  };
  g_autoptr (KilnDistributeResult) r = NULL;
  g_autoptr (GError) error = NULL;
  if (!kiln_distribute (&spec, &r, NULL, &error))
    fail_msg ("%s", error->message);
  assert_int_equal (r->artifacts->len, 1);
  /* An OVA is importable: import-image only (no raw/VMDK for a snapshot). */
  assert_int_equal (r->files->len, 3);
  g_autofree char *vmdk = g_build_filename (f->out, "only-disk1.vmdk", NULL);
  assert_false (g_file_test (vmdk, G_FILE_TEST_EXISTS));
}

static void
cancel_on_convert (const char *artifact, KilnArtifactPhase phase,
                   double fraction, gpointer user_data)
{
  if (phase == KILN_ARTIFACT_CONVERTING)
    g_cancellable_cancel (user_data);
}

static void
test_cancel_leaves_nothing (void **state)
{
  Fixture *f = *state;
  g_autoptr (GPtrArray) fmts = formats ("raw,vmdk,ova,vhd");
  g_autoptr (GCancellable) c = g_cancellable_new ();
  KilnDistributeSpec spec = {
    .source = f->src, .source_format = "raw", .formats = fmts,
    .output_dir = f->out, .base_name = "c",
    .progress = cancel_on_convert, .progress_data = c,
  };
  g_autoptr (GError) error = NULL;
  assert_false (kiln_distribute (&spec, NULL, c, &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_CANCELLED));
  assert_int_equal (count_entries (f->out, FALSE), 0);
}

static void
test_failure_leaves_nothing (void **state)
{
  Fixture *f = *state;
  /* 3 TiB: qemu-img refuses a VHD over 2040 GiB; raw still converts. */
  g_autofree char *big = g_build_filename (f->dir, "big.qcow2", NULL);
  g_autofree char *cmd = g_strdup_printf ("qemu-img create -q -f qcow2 %s 3T",
                                          big);
  assert_int_equal (system (cmd), 0);
  g_autoptr (GPtrArray) fmts = formats ("vhd,qcow2");
  KilnDistributeSpec spec = {
    .source = big, .source_format = "qcow2", .formats = fmts,
    .output_dir = f->out, .base_name = "big",
  };
  g_autoptr (GError) error = NULL;
  assert_false (kiln_distribute (&spec, NULL, NULL, &error));
  assert_non_null (strstr (error->message, "big.vhd"));
  assert_int_equal (count_entries (f->out, FALSE), 0);
}

static void
test_bad_specs (void **state)
{
  Fixture *f = *state;
  g_autoptr (GPtrArray) fmts = formats ("raw");
  KilnDistributeSpec spec = {
    .source = f->src, .source_format = "raw", .formats = fmts,
    .output_dir = f->out, .base_name = "../escape",
  };
  g_autoptr (GError) error = NULL;
  assert_false (kiln_distribute (&spec, NULL, NULL, &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  g_clear_error (&error);

  spec.base_name = "ok";
  spec.vm_controller = "virtio";
  assert_false (kiln_distribute (&spec, NULL, NULL, &error));
  assert_non_null (strstr (error->message, "controller"));
  g_clear_error (&error);

  /* Lint targets need facts. */
  spec.vm_controller = NULL;
  g_autoptr (GPtrArray) t = g_ptr_array_new ();
  g_ptr_array_add (t, "aws");
  spec.lint_targets = t;
  assert_false (kiln_distribute (&spec, NULL, NULL, &error));
  assert_non_null (strstr (error->message, "facts"));
  g_clear_error (&error);

  /* The source itself is never a destination, even with overwrite. */
  spec.lint_targets = NULL;
  spec.output_dir = f->dir;
  spec.base_name = "src";
  spec.overwrite = TRUE;
  assert_false (kiln_distribute (&spec, NULL, NULL, &error));
  assert_non_null (strstr (error->message, "source"));
  assert_false (kiln_artifact_name_valid (".hidden", NULL));
  assert_true (kiln_artifact_name_valid ("web-golden-2025.01.02+7", NULL));
}

static void
test_lint_blocks (void **state)
{
  Fixture *f = *state;
  g_autoptr (GPtrArray) fmts = formats ("raw");
  g_autoptr (KilnLintFacts) facts = kiln_lint_facts_new ();
  facts->os_type = g_strdup ("linux");
  facts->firmware = g_strdup ("bios"); /* no boot loader, no kernel */
  g_autoptr (GPtrArray) t = g_ptr_array_new ();
  g_ptr_array_add (t, "aws");
  KilnDistributeSpec spec = {
    .source = f->src, .source_format = "raw", .formats = fmts,
    .output_dir = f->out, .base_name = "l", .facts = facts,
    .lint_targets = t,
  };
  g_autoptr (GError) error = NULL;
  assert_false (kiln_distribute (&spec, NULL, NULL, &error));
  assert_non_null (strstr (error->message, "bootloader-missing"));
  assert_non_null (strstr (error->message, "--allow-lint-errors"));
  assert_false (g_file_test (f->out, G_FILE_TEST_EXISTS));
  assert_null (facts->formats); /* not left pointing at the caller's list */

  spec.allow_lint_errors = TRUE;
  g_autoptr (KilnDistributeResult) r = NULL;
  assert_true (kiln_distribute (&spec, &r, NULL, NULL));
  assert_true (r->findings->len >= 2);
  g_autofree char *mpath = g_build_filename (f->out, "manifest.json", NULL);
  g_autofree char *m = NULL;
  assert_true (g_file_get_contents (mpath, &m, NULL, NULL));
  assert_non_null (strstr (m, "\"bootloader-missing\""));
}

/* A qcow2 source: the streamOptimized VMDK is written from a temporary raw
 * copy (vmdk alone) or from the raw artifact (raw,vmdk), same content. */
static void
test_stream_vmdk_from_qcow2 (void **state)
{
  Fixture *f = *state;
  g_autofree char *q = g_build_filename (f->dir, "src.qcow2", NULL);
  g_autofree char *mk = g_strdup_printf (
      "qemu-img convert -q -f raw -O qcow2 %s %s", f->src, q);
  assert_int_equal (system (mk), 0);
  const char *lists[] = { "vmdk", "raw,vmdk" };
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr (GPtrArray) fmts = formats (lists[i]);
      g_autofree char *name = g_strdup_printf ("q%u", i);
      g_autofree char *out = g_build_filename (f->out, name, NULL);
      KilnDistributeSpec spec = {
        .source = q, .source_format = "qcow2", .formats = fmts,
        .output_dir = out, .base_name = name,
      };
      g_autoptr (GError) error = NULL;
      if (!kiln_distribute (&spec, NULL, NULL, &error))
        fail_msg ("%s: %s", lists[i], error->message);
      g_autofree char *cmp = g_strdup_printf (
          "qemu-img compare -q -f qcow2 -F vmdk %s %s/%s.vmdk", q, out, name);
      assert_int_equal (system (cmp), 0);
      /* no temporary raw left beside the artifacts */
      g_autoptr (GDir) d = g_dir_open (out, 0, NULL);
      const char *n;
      while ((n = g_dir_read_name (d)))
        assert_null (strstr (n, ".src.raw"));
    }
  g_autofree char *q0raw = g_build_filename (f->out, "q0", "q0.raw", NULL);
  assert_false (g_file_test (q0raw, G_FILE_TEST_EXISTS));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_all_formats, setup, teardown),
    cmocka_unit_test_setup_teardown (test_ova_only_uses_a_hidden_vmdk, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_cancel_leaves_nothing, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_failure_leaves_nothing, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_bad_specs, setup, teardown),
    cmocka_unit_test_setup_teardown (test_lint_blocks, setup, teardown),
    cmocka_unit_test_setup_teardown (test_stream_vmdk_from_qcow2, setup,
                                     teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
