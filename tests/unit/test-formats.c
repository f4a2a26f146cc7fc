/* test-formats.c - format names, qemu-img profiles, VHD/VMDK header readers */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "outputs/formats.h"
#include "common/kiln.h"

static void
test_parse_defaults (void **state)
{
  struct { const char *in, *canon; } cases[] = {
    { "qcow2", "qcow2" },
    { "qcow2:compressed", "qcow2:compressed" },
    { "raw", "raw" },
    { "vmdk", "vmdk:streamOptimized" },
    { "VMDK:monolithicsparse", "vmdk:monolithicSparse" },
    { "vhdx", "vhdx:dynamic" },
    { "vhd", "vhd:fixed" },
    { "vpc", "vhd:fixed" },
    { "vhd:dynamic", "vhd:dynamic" },
    { "ova", "ova" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KilnFormat) f = kiln_format_parse (cases[i].in, &error);
      assert_non_null (f);
      g_autofree char *s = kiln_format_to_string (f);
      assert_string_equal (s, cases[i].canon);
    }
}

static void
test_parse_errors (void **state)
{
  g_autoptr (GError) error = NULL;
  assert_null (kiln_format_parse ("vmkd", &error));
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  assert_non_null (strstr (error->message, "did you mean 'vmdk'"));
  g_clear_error (&error);

  assert_null (kiln_format_parse ("vmdk:streamoptimised", &error));
  assert_non_null (strstr (error->message, "streamOptimized"));
  g_clear_error (&error);

  assert_null (kiln_format_parse ("raw:sparse", &error));
  assert_non_null (strstr (error->message, "takes no subformat"));
  g_clear_error (&error);

  assert_null (kiln_format_parse ("vmdk:monolithicFlat", &error));
  assert_non_null (strstr (error->message, "several files"));
  g_clear_error (&error);

  /* name + subformat, as a recipe gives them */
  g_autoptr (KilnFormat) f = kiln_format_new ("vmdk", "monolithicSparse", NULL);
  g_autofree char *s = kiln_format_to_string (f);
  assert_string_equal (s, "vmdk:monolithicSparse");
  g_autoptr (KilnFormat) q = kiln_format_new ("qcow2", NULL, NULL);
  assert_null (q->subformat);
  assert_null (kiln_format_new ("vhd", "sparse", &error));
}

static void
test_format_list_refuses_duplicates_clashes_and_nothing (void **state)
{
  g_autoptr (GError) error = NULL;
  const char *const ok[] = { "raw, vmdk", "ova", NULL };
  g_autoptr (GPtrArray) l = kiln_format_list_parse (ok, &error);
  assert_non_null (l);
  assert_int_equal (l->len, 3);

  const char *const twice[] = { "raw,raw", NULL };
  assert_null (kiln_format_list_parse (twice, &error));
  assert_non_null (strstr (error->message, "given twice"));
  g_clear_error (&error);

  const char *const clash[] = { "vmdk", "vmdk:monolithicSparse", NULL };
  assert_null (kiln_format_list_parse (clash, &error));
  assert_non_null (strstr (error->message, "both write a .vmdk"));
  g_clear_error (&error);

  const char *const none[] = { " , ", NULL };
  assert_null (kiln_format_list_parse (none, &error));
  assert_non_null (strstr (error->message, "no output format"));
}

static gboolean
has_opt (const KilnFormatProfile *p, const char *opt)
{
  return g_strv_contains ((const char *const *) p->options, opt);
}

static void
test_format_profiles_give_the_qemu_img_options (void **state)
{
  g_autoptr (KilnFormat) vmdk = kiln_format_parse ("vmdk", NULL);
  g_autoptr (KilnFormatProfile) p = kiln_format_profile (vmdk, NULL);
  assert_string_equal (p->qemu_format, "vmdk");
  assert_true (has_opt (p, "subformat=streamOptimized"));
  assert_true (has_opt (p, "adapter_type=lsilogic"));
  assert_true (has_opt (p, "hwversion=13"));
  assert_false (p->out_of_order);
  assert_false (p->align_mib);

  g_autoptr (KilnFormat) vhd = kiln_format_parse ("vhd", NULL);
  g_autoptr (KilnFormatProfile) pv = kiln_format_profile (vhd, NULL);
  assert_string_equal (pv->qemu_format, "vpc");
  assert_true (has_opt (pv, "subformat=fixed"));
  assert_true (has_opt (pv, "force_size=on"));
  assert_true (pv->align_mib);

  KilnFormatOptions o = { .vmdk_adapter = "ide", .vmdk_hwversion = "4" };
  g_autoptr (KilnFormat) ova = kiln_format_parse ("ova", NULL);
  g_autoptr (KilnFormatProfile) po = kiln_format_profile (ova, &o);
  assert_true (has_opt (po, "subformat=streamOptimized"));
  assert_true (has_opt (po, "adapter_type=ide"));
  assert_true (has_opt (po, "hwversion=4"));

  g_autoptr (KilnFormat) q = kiln_format_parse ("qcow2:compressed", NULL);
  g_autoptr (KilnFormatProfile) pq = kiln_format_profile (q, NULL);
  assert_true (pq->compress);

  /* ova needs the same disk as vmdk (shared conversion). */
  g_autoptr (KilnFormat) d1 = kiln_format_disk_for (ova);
  g_autoptr (KilnFormat) d2 = kiln_format_disk_for (vmdk);
  assert_true (kiln_format_equal (d1, d2));
  g_autoptr (KilnFormat) ms = kiln_format_parse ("vmdk:monolithicSparse", NULL);
  assert_false (kiln_format_equal (d1, ms));
}

static void
test_round_up (void **state)
{
  assert_int_equal (kiln_round_up_mib (0), 0);
  assert_int_equal (kiln_round_up_mib (1), 1048576);
  assert_int_equal (kiln_round_up_mib (1048576), 1048576);
  assert_int_equal (kiln_round_up_mib (100000000), 100663296);
}

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static void
put_be64 (guint8 *p, guint64 v)
{
  put_be32 (p, v >> 32);
  put_be32 (p + 4, (guint32) v);
}

static void
test_vhd_footer (void **state)
{
  guint8 f[512] = { 0 };
  memcpy (f, "conectix", 8);
  memcpy (f + 28, "qem2", 4);
  put_be64 (f + 40, 104857600);
  put_be64 (f + 48, 104857600);
  put_be32 (f + 60, 2);
  guint32 sum = 0;
  for (int i = 0; i < 512; i++)
    sum += f[i];
  put_be32 (f + 64, ~sum);

  KilnVhdFooter out;
  assert_true (kiln_vhd_footer_parse (f, &out));
  assert_int_equal (out.disk_type, 2);
  assert_int_equal (out.current_size, 104857600);
  assert_string_equal (out.creator_app, "qem2");

  f[100] ^= 1; /* checksum no longer matches */
  assert_false (kiln_vhd_footer_parse (f, &out));
  memcpy (f, "conectiy", 8);
  assert_false (kiln_vhd_footer_parse (f, &out));
}

static void
test_vmdk_header (void **state)
{
  guint8 buf[1024] = { 0 };
  memcpy (buf, "KDMV", 4);
  buf[4] = 3;                        /* version */
  buf[12] = 0x00; buf[13] = 0x08;    /* capacity 2048 sectors */
  buf[28] = 1;                       /* descriptor at sector 1 */
  buf[36] = 1;                       /* one sector */
  buf[77] = 1;                       /* deflate */
  const char *desc = "# Disk DescriptorFile\nversion=1\n"
                     "createType=\"streamOptimized\"\n"
                     "ddb.virtualHWVersion = \"13\"\n"
                     "ddb.adapterType = \"lsilogic\"\n";
  memcpy (buf + 512, desc, strlen (desc));

  KilnVmdkHeader h;
  assert_true (kiln_vmdk_header_parse (buf, sizeof buf, &h));
  assert_int_equal (h.version, 3);
  assert_int_equal (h.capacity_sectors, 2048);
  assert_int_equal (h.compress_algorithm, 1);
  assert_string_equal (h.create_type, "streamOptimized");
  assert_string_equal (h.adapter_type, "lsilogic");
  assert_string_equal (h.hw_version, "13");
  kiln_vmdk_header_clear (&h);

  memcpy (buf, "KDMW", 4);
  assert_false (kiln_vmdk_header_parse (buf, sizeof buf, &h));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_parse_defaults),
    cmocka_unit_test (test_parse_errors),
    cmocka_unit_test (test_format_list_refuses_duplicates_clashes_and_nothing),
    cmocka_unit_test (test_format_profiles_give_the_qemu_img_options),
    cmocka_unit_test (test_round_up),
    cmocka_unit_test (test_vhd_footer),
    cmocka_unit_test (test_vmdk_header),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
