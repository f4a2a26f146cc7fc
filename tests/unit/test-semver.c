/* test-semver.c - versions, patterns, picking the newest */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "documents/semver.h"

static void
test_semver_parse_takes_exact_versions_only (void **state)
{
  KilnSemver v;
  const char *why;
  assert_true (kiln_semver_parse ("1.2.0", &v, NULL));
  assert_int_equal (v.major, 1);
  assert_int_equal (v.minor, 2);
  assert_int_equal (v.patch, 0);
  assert_true (kiln_semver_parse ("0.0.0", &v, NULL));
  assert_true (kiln_semver_parse ("1073741823.0.1073741823", &v, NULL));
  assert_int_equal (v.major, KILN_SEMVER_MAX);

  struct { const char *s, *why; } bad[] = {
    { "1.2", "three parts" }, { "1.2.3.4", "three parts" },
    { "01.2.3", "leading zeros" }, { "1.02.3", "leading zeros" },
    { "1.2.x", "exact" }, { "v1.2.3", "leading 'v'" },
    { "1.2.3-rc1", "pre-release" }, { "1073741824.0.0", "2^30-1" },
    { "", "empty" }, { "1..3", "a number" }, { "a.b.c", "a number" },
    { "1.2.3 ", "three parts" }, { "99999999999999999999.0.0", "2^30-1" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      why = NULL;
      if (kiln_semver_parse (bad[i].s, &v, &why))
        fail_msg ("'%s' accepted", bad[i].s);
      if (!why || !strstr (why, bad[i].why))
        fail_msg ("'%s': reason '%s', expected '%s'", bad[i].s, why,
                  bad[i].why);
    }
}

static void
test_semver_patterns_parse_or_say_why_not (void **state)
{
  struct { const char *s, *full; } good[] = {
    { "x.x.x", "x.x.x" }, { "1.x.x", "1.x.x" }, { "1.6.x", "1.6.x" },
    { "1.6.8", "1.6.8" }, { "1.x", "1.x.x" }, { "1", "1.x.x" },
    { "1.6", "1.6.x" }, { "x", "x.x.x" }, { "x.x", "x.x.x" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      KilnSemverPattern p;
      const char *why = NULL;
      if (!kiln_semver_pattern_parse (good[i].s, &p, &why))
        fail_msg ("'%s' refused: %s", good[i].s, why);
      g_autofree char *s = kiln_semver_pattern_to_string (&p);
      assert_string_equal (s, good[i].full);
    }
  struct { const char *s, *why; } bad[] = {
    { "x.2.x", "every later part" }, { "1.x.8", "every later part" },
    { "x.x.1", "every later part" }, { "1.2.3.4", "at most three" },
    { "1.", "ends with" }, { "X.x.x", "lowercase" }, { "*", "lowercase" },
    { "01.x", "leading zeros" }, { "", "empty" }, { "1-2", "separated" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      KilnSemverPattern p;
      const char *why = NULL;
      if (kiln_semver_pattern_parse (bad[i].s, &p, &why))
        fail_msg ("'%s' accepted", bad[i].s);
      if (!why || !strstr (why, bad[i].why))
        fail_msg ("'%s': reason '%s', expected '%s'", bad[i].s, why,
                  bad[i].why);
    }
}

static void
test_semver_newest_picks_the_newest_match (void **state)
{
  /* the example of awstoe.md section 4 */
  const char *const avail[] = { "1.6.8", "2.2.4", "1.7.8", "junk", NULL };
  assert_string_equal (kiln_semver_pick_newest_str ("x.x.x", avail), "2.2.4");
  assert_string_equal (kiln_semver_pick_newest_str ("1.x.x", avail), "1.7.8");
  assert_string_equal (kiln_semver_pick_newest_str ("1.x", avail), "1.7.8");
  assert_string_equal (kiln_semver_pick_newest_str ("1.6.x", avail), "1.6.8");
  assert_string_equal (kiln_semver_pick_newest_str ("1.6.8", avail), "1.6.8");
  assert_null (kiln_semver_pick_newest_str ("3.x", avail));
  assert_null (kiln_semver_pick_newest_str ("x.2.x", avail));

  /* property: the picked version matches, and no matching one is newer */
  GRand *r = g_rand_new_with_seed (42);
  for (int round = 0; round < 2000; round++)
    {
      KilnSemver vs[12];
      guint n = (guint) g_rand_int_range (r, 0, 12);
      for (guint i = 0; i < n; i++)
        {
          vs[i].major = (guint32) g_rand_int_range (r, 0, 3);
          vs[i].minor = (guint32) g_rand_int_range (r, 0, 3);
          vs[i].patch = (guint32) g_rand_int_range (r, 0, 3);
        }
      KilnSemverPattern p = { -1, -1, -1 };
      int depth = g_rand_int_range (r, 0, 4);
      if (depth > 0)
        p.major = g_rand_int_range (r, 0, 3);
      if (depth > 1)
        p.minor = g_rand_int_range (r, 0, 3);
      if (depth > 2)
        p.patch = g_rand_int_range (r, 0, 3);
      int best = kiln_semver_pick_newest (&p, vs, n);
      for (guint i = 0; i < n; i++)
        if (kiln_semver_pattern_matches (&p, &vs[i]))
          {
            assert_true (best >= 0);
            assert_true (kiln_semver_compare (&vs[i], &vs[best]) <= 0);
          }
      if (best >= 0)
        assert_true (kiln_semver_pattern_matches (&p, &vs[best]));
      /* round trip through text */
      g_autofree char *ps = kiln_semver_pattern_to_string (&p);
      KilnSemverPattern back;
      assert_true (kiln_semver_pattern_parse (ps, &back, NULL));
      assert_memory_equal (&p, &back, sizeof p);
    }
  g_rand_free (r);
}

static void
test_semver_compare_orders_numerically (void **state)
{
  KilnSemver a = { 1, 10, 0 }, b = { 1, 9, 99 }, c = { 2, 0, 0 };
  assert_true (kiln_semver_compare (&a, &b) > 0);
  assert_true (kiln_semver_compare (&b, &a) < 0);
  assert_true (kiln_semver_compare (&c, &a) > 0);
  assert_true (kiln_semver_compare (&a, &a) == 0);
  g_autofree char *s = kiln_semver_to_string (&a);
  assert_string_equal (s, "1.10.0");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_semver_parse_takes_exact_versions_only),
    cmocka_unit_test (test_semver_patterns_parse_or_say_why_not),
    cmocka_unit_test (test_semver_newest_picks_the_newest_match),
    cmocka_unit_test (test_semver_compare_orders_numerically),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
