/* test-units.c - sizes and durations */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "documents/units.h"

static guint64
size_ok (const char *s)
{
  guint64 v = 0;
  const char *why = NULL;
  if (!kiln_size_parse (s, &v, &why))
    fail_msg ("'%s' refused: %s", s, why ? why : "(no reason)");
  return v;
}

static const char *
size_bad (const char *s)
{
  guint64 v = 12345;
  const char *why = NULL;
  if (kiln_size_parse (s, &v, &why))
    fail_msg ("'%s' accepted as %" G_GUINT64_FORMAT, s, v);
  assert_int_equal (v, 12345);
  return why ? why : "";
}

static void
test_size_parse (void **state)
{
  assert_true (size_ok ("8G") == 8 * KILN_GiB);
  assert_true (size_ok ("8g") == 8 * KILN_GiB);
  assert_true (size_ok ("8GB") == 8 * KILN_GiB);
  assert_true (size_ok ("8GiB") == 8 * KILN_GiB);
  assert_true (size_ok ("8gib") == 8 * KILN_GiB);
  assert_true (size_ok ("512M") == 512 * KILN_MiB);
  assert_true (size_ok ("1T") == KILN_TiB);
  assert_true (size_ok ("64K") == 64 * KILN_KiB);
  assert_true (size_ok ("1048576") == KILN_MiB);
  assert_true (size_ok ("100B") == 100);
  assert_true (size_ok ("0") == 0);
  assert_true (size_ok ("2P") == 2 * 1024 * KILN_TiB);
  assert_true (size_ok ("18446744073709551615") == G_MAXUINT64);

  assert_non_null (strstr (size_bad ("8 GB"), "without a space"));
  assert_non_null (strstr (size_bad ("1.5G"), "whole number"));
  assert_non_null (strstr (size_bad ("-1G"), "negative"));
  assert_non_null (strstr (size_bad ("8X"), "units are"));
  assert_non_null (strstr (size_bad ("8Gi"), "units are"));
  assert_non_null (strstr (size_bad ("8GiBs"), "units are"));
  assert_non_null (strstr (size_bad ("16384P"), "too large"));
  assert_non_null (strstr (size_bad ("18446744073709551616"), "too large"));
  size_bad ("");
  size_bad ("G");
  size_bad ("8 gigs");
  size_bad (" 8G");
  size_bad ("8G ");
  size_bad ("0x10");
}

static void
test_size_format (void **state)
{
  struct { guint64 v; const char *human, *shrt; } cases[] = {
    { 0, "0 B", "0" },
    { 512, "512 B", "512" },
    { 8 * KILN_GiB, "8 GiB", "8G" },
    { 1536 * KILN_MiB, "1.5 GiB", "1536M" },
    { KILN_TiB, "1 TiB", "1T" },
    { 1000, "1000 B", "1000" },
    { 1025, "1.0 KiB", "1025" },
    { 3 * KILN_KiB, "3 KiB", "3K" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *h = kiln_size_format (cases[i].v);
      g_autofree char *s = kiln_size_format_short (cases[i].v);
      assert_string_equal (h, cases[i].human);
      assert_string_equal (s, cases[i].shrt);
    }
  /* short forms parse back to the same value, for many values */
  for (guint64 v = 1; v < G_MAXUINT64 / 3; v = v * 3 + (v & 7))
    {
      g_autofree char *s = kiln_size_format_short (v);
      assert_true (size_ok (s) == v);
      g_autofree char *s2 = kiln_size_format_short (v * 1024);
      if (v < G_MAXUINT64 / 1024)
        assert_true (size_ok (s2) == v * 1024);
    }
}

static void
test_duration_parse_wants_units_largest_first (void **state)
{
  struct { const char *s; gint64 v; } good[] = {
    { "90s", 90 }, { "60m", 3600 }, { "2h", 7200 }, { "1h30m", 5400 },
    { "1d", 86400 }, { "1d2h3m4s", 93784 }, { "0s", 0 }, { "45m30s", 2730 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      gint64 v = -1;
      const char *why = NULL;
      if (!kiln_duration_parse (good[i].s, &v, &why))
        fail_msg ("'%s' refused: %s", good[i].s, why);
      assert_int_equal (v, good[i].v);
    }
  struct { const char *s; const char *why; } bad[] = {
    { "45", "add a unit" }, { "1h30", "no unit" }, { "30m1h", "largest first" },
    { "1h1h", "largest first" }, { "1H", "lowercase" }, { "5x", "units are" },
    { "-5m", "negative" }, { "1 h", "without spaces" }, { "", "empty" },
    { "99999999999999999999s", "too large" }, { "999999999999999d", "too long" },
    { "m", NULL }, { "1.5h", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gint64 v = 0;
      const char *why = NULL;
      if (kiln_duration_parse (bad[i].s, &v, &why))
        fail_msg ("'%s' accepted as %" G_GINT64_FORMAT, bad[i].s, v);
      if (bad[i].why && (!why || !strstr (why, bad[i].why)))
        fail_msg ("'%s': reason '%s', expected '%s'", bad[i].s, why,
                  bad[i].why);
    }
  /* format and parse back */
  for (gint64 v = 0; v < 3 * 86400; v += 37)
    {
      g_autofree char *s = kiln_duration_format (v);
      gint64 back = -1;
      assert_true (kiln_duration_parse (s, &back, NULL));
      assert_int_equal (back, v);
    }
  g_autofree char *f = kiln_duration_format (5400);
  assert_string_equal (f, "1h30m");
}

static void
test_schema_sizes_and_durations_check_their_bounds (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  const char *text = "disk: 8 gigs\nmemory: 128M\ntimeout: 45\nok: 2G\n"
                     "t2: 1h\nbig: 9T\n";
  g_autoptr (KilnDoc) doc = kiln_doc_load_string ("r.yaml", text,
                                                  strlen (text), diags);
  assert_non_null (doc);
  guint64 v;
  gint64 d;
  assert_false (kiln_schema_size (diags, kiln_node_map_get (doc->root, "disk"),
                                  "'disk'", 0, 0, &v));
  assert_true (kiln_diags_find (diags, 1, 7, "expected a size like 8G or "
                                "512M for 'disk', found '8 gigs'"));
  assert_false (kiln_schema_size (diags,
                                  kiln_node_map_get (doc->root, "memory"),
                                  "'build.memory'", 256 * KILN_MiB, 0, &v));
  assert_true (kiln_diags_find (diags, 2, 9, "expected 'build.memory' of at "
                                "least 256M, found '128M'"));
  assert_false (kiln_schema_duration (diags,
                                      kiln_node_map_get (doc->root, "timeout"),
                                      "'build.timeout'", 60, 0, &d));
  assert_true (kiln_diags_find (diags, 3, 10, "add a unit"));
  assert_true (kiln_schema_size (diags, kiln_node_map_get (doc->root, "ok"),
                                 "'x'", 0, 4 * KILN_GiB, &v));
  assert_true (v == 2 * KILN_GiB);
  assert_true (kiln_schema_duration (diags,
                                     kiln_node_map_get (doc->root, "t2"),
                                     "'x'", 60, 86400, &d));
  assert_int_equal (d, 3600);
  assert_false (kiln_schema_size (diags, kiln_node_map_get (doc->root, "big"),
                                  "'disk'", KILN_MiB, 8 * KILN_TiB, &v));
  assert_true (kiln_diags_find (diags, 6, 6, "between 1M and 8T"));
  assert_int_equal (kiln_diags_error_count (diags), 4);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_size_parse),
    cmocka_unit_test (test_size_format),
    cmocka_unit_test (test_duration_parse_wants_units_largest_first),
    cmocka_unit_test (test_schema_sizes_and_durations_check_their_bounds),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
