/* test-cron.c - schedules: parsing, error positions, next firing time
 * against a brute-force matcher, systemd OnCalendar= against systemd itself */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "documents/cron.h"

static KilnCron *
parse_ok (const char *s)
{
  gsize off = 0;
  g_autofree char *msg = NULL;
  KilnCron *c = kiln_cron_parse (s, &off, &msg);
  if (!c)
    fail_msg ("'%s' refused at %zu: %s", s, off, msg);
  return c;
}

static void
parse_bad (const char *s, gsize want_off, const char *fragment)
{
  gsize off = 9999;
  g_autofree char *msg = NULL;
  g_autoptr (KilnCron) c = kiln_cron_parse (s, &off, &msg);
  if (c)
    fail_msg ("'%s' accepted", s);
  if (off != want_off || !strstr (msg, fragment))
    fail_msg ("'%s': got %zu '%s', expected %zu '%s'", s, off, msg, want_off,
              fragment);
}

static GDateTime *
utc (int y, int mo, int d, int h, int mi)
{
  return g_date_time_new_utc (y, mo, d, h, mi, 0);
}

static void
expect_next (const char *expr, GDateTime *after, const char *want_iso)
{
  g_autoptr (KilnCron) c = parse_ok (expr);
  g_autoptr (GDateTime) n = kiln_cron_next (c, after, NULL);
  if (!want_iso)
    {
      if (n)
        fail_msg ("'%s': expected never, got %s", expr,
                  g_date_time_format_iso8601 (n));
      return;
    }
  assert_non_null (n);
  g_autofree char *iso = g_date_time_format (n, "%Y-%m-%dT%H:%M");
  if (strcmp (iso, want_iso) != 0)
    fail_msg ("'%s': expected %s, got %s", expr, want_iso, iso);
}

static void
test_parse_good (void **state)
{
  const char *good[] = {
    "cron(0 10 ? * 2-6 *)", "cron(0 3 * * ? *)", "cron(0/15 * * * ? *)",
    "cron(0 0 L * ? *)", "cron(0 0 LW * ? *)", "cron(0 0 15W * ? *)",
    "cron(0 0 ? * 6L *)", "cron(0 0 ? * 3#2 *)", "cron(0 0 ? * L *)",
    "cron(0 0 ? * MON-FRI 2025-2030)", "cron(5,10 1-3/2 1,15 JAN,jul ? *)",
    "cron(  0 3 * * ? *  )", "cron(0 12 ? JAN-DEC sun,SAT */2)",
    "0 3 * * *", "*/5 * * * *", "0 0 * * mon-fri", "0 0 1 jan *",
    "0 0 * * 7", "0 0 * * 0-7", "15 14 1 * *", "0 22 * * 1-5",
    "23 0-20/2 * * *", "5 4 * * sun", "0 0,12 1 */2 *", "@daily",
    "@hourly", "@weekly", "@monthly", "@yearly", "@annually", "@midnight",
    "  0 3 * * *  ", "0\t3\t*\t*\t*", "5/10 * * * *",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (KilnCron) c = parse_ok (good[i]);
      assert_string_equal (c->text, good[i]);
    }
  g_autoptr (KilnCron) c = parse_ok ("cron(0/15 2,4 ? * MON-FRI *)");
  assert_true (c->syntax == KILN_CRON_AWS);
  assert_true (c->minutes == ((1ull << 0) | (1ull << 15) | (1ull << 30)
                              | (1ull << 45)));
  assert_true (c->hours == ((1u << 2) | (1u << 4)));
  assert_true (c->days_ignored);
  assert_int_equal (c->weekdays, 0x3e);   /* Mon..Fri */
  g_autoptr (KilnCron) d = parse_ok ("0 0 * * 7,3");
  assert_int_equal (d->weekdays, (1 << 0) | (1 << 3));
}

static void
test_parse_bad (void **state)
{
  parse_bad ("cron(0 3 ? * 9 *)", 13,
             "expected a day-of-week 1-7 or SUN-SAT, found '9'");
  parse_bad ("cron(60 3 * * ? *)", 5, "expected a minute 0-59, found '60'");
  parse_bad ("cron(0 24 * * ? *)", 7, "expected an hour 0-23, found '24'");
  parse_bad ("cron(0 3 * * * *)", 13, "expected '?' in day-of-month or "
             "day-of-week (exactly one of them), found '*' and '*'");
  parse_bad ("cron(0 3 ? * ? *)", 13, "found it in both");
  parse_bad ("cron(0 3 * * ?)", 5, "expected 6 fields in cron(minutes hours "
             "day-of-month month day-of-week year), found 5; the year field "
             "is required");
  parse_bad ("cron(0 3 * * ? * *)", 17, "found 7");
  parse_bad ("cron(0 3 * JUNE ? *)", 11, "expected a month 1-12 or JAN-DEC, "
             "found 'JUNE'; did you mean 'JUN'?");
  parse_bad ("cron(0 3 1,32 * ? *)", 11, "day-of-month 1-31, found '32'");
  parse_bad ("cron(0 3 5-1 * ? *)", 9, "expected a range from low to high, "
             "found '5-1'");
  parse_bad ("cron(*/0 3 * * ? *)", 7, "expected a step 1-60 after '/', "
             "found '0'");
  parse_bad ("cron(0 3 * * ? 1969)", 15, "year 1970-2199, found '1969'");
  parse_bad ("cron(0 3 ? * 3#6 *)", 15, "week of the month 1-5 after '#', "
             "found '6'");
  parse_bad ("cron(0 3 L,1 * ? *)", 9, "stand alone");
  parse_bad ("cron(0 3 32W * ? *)", 9, "day-of-month 1-31, found '32'");
  parse_bad ("cron(0 3 * * ? *", 16, "expected ')'");
  parse_bad ("cron(0 ? * * * *)", 7, "'?' is only for day-of-month");
  parse_bad ("cron(0 3 1,,2 * ? *)", 11, "empty list item");
  parse_bad ("cron(0 3 1- * ? *)", 11, "after '-', found nothing");
  parse_bad ("cron(0 3 ? * FRI-MON *)", 13, "range from low to high");
  parse_bad ("cron(0 3 ? * MONDAY *)", 13, "found 'MONDAY'; did you mean "
             "'MON'?");
  parse_bad ("cron(0x 3 * * ? *)", 5, "found '0x'");
  parse_bad ("CRON(0 3 * * ? *)", 0, "lowercase");
  parse_bad ("rate(1 day)", 0, "rate()");
  parse_bad ("", 0, "found nothing");
  parse_bad ("0 3 * * ?", 8, "a crontab line uses '*'");
  parse_bad ("0 3 * *", 0, "expected 5 fields");
  parse_bad ("0 3 * * * *", 10, "no year or command field");
  parse_bad ("0 3 ? * MON *", 12, "an AWS expression is written cron(...)");
  parse_bad ("@reboot", 0, "expected a schedule, found '@reboot'");
  parse_bad ("@dayly", 0, "did you mean '@daily'?");
  parse_bad ("@daily 5", 7, "nothing after @daily");
  parse_bad ("0 3 L * *", 4, "L and W need the AWS cron(...) form");
  parse_bad ("0 3 * * 1#2", 8, "need the AWS cron(...) form");
  parse_bad ("0 24 * * *", 2, "hour 0-23, found '24'");
  parse_bad ("0 3 * * 8", 8, "day-of-week 0-7 or SUN-SAT, found '8'");
  parse_bad ("0 3 * * mon-sun", 8, "range from low to high");
  parse_bad ("0 3 1-31/0 * *", 9, "step 1-31 after '/', found '0'");
  parse_bad ("0 3 1-31/x * *", 9, "found 'x'");
  parse_bad ("0 3 */2x * *", 6, "found '2x'");
  parse_bad ("0 3 ** * *", 4, "found '**'");
}

static void
test_next_known (void **state)
{
  g_autoptr (GDateTime) t0 = utc (2026, 1, 1, 3, 0);
  expect_next ("cron(0 3 * * ? *)", t0, "2026-01-02T03:00");
  expect_next ("0 3 * * *", t0, "2026-01-02T03:00");
  g_autoptr (GDateTime) t1 = utc (2026, 1, 1, 2, 59);
  expect_next ("cron(0 3 * * ? *)", t1, "2026-01-01T03:00");
  /* 2026-01-01 is a Thursday; 2-6 = MON-FRI */
  expect_next ("cron(0 10 ? * 2-6 *)", t1, "2026-01-01T10:00");
  g_autoptr (GDateTime) fri = utc (2026, 1, 2, 11, 0);
  expect_next ("cron(0 10 ? * 2-6 *)", fri, "2026-01-05T10:00");
  g_autoptr (GDateTime) feb = utc (2024, 2, 10, 0, 0);
  expect_next ("cron(0 0 L * ? *)", feb, "2024-02-29T00:00");
  /* 2025-05-31 is a Saturday: the last weekday is Friday the 30th */
  g_autoptr (GDateTime) may = utc (2025, 5, 1, 0, 0);
  expect_next ("cron(0 0 LW * ? *)", may, "2025-05-30T00:00");
  /* 2025-06-15 is a Sunday: nearest weekday Monday the 16th */
  g_autoptr (GDateTime) jun = utc (2025, 6, 1, 0, 0);
  expect_next ("cron(0 0 15W * ? *)", jun, "2025-06-16T00:00");
  /* 2025-02-01 is a Saturday: 1W never crosses back, Monday the 3rd */
  g_autoptr (GDateTime) jan31 = utc (2025, 1, 31, 0, 0);
  expect_next ("cron(0 0 1W * ? *)", jan31, "2025-02-03T00:00");
  /* 2025-08-31 is a Sunday: 31W is Friday the 29th */
  g_autoptr (GDateTime) aug = utc (2025, 8, 1, 0, 0);
  expect_next ("cron(0 0 31W * ? *)", aug, "2025-08-29T00:00");
  expect_next ("cron(0 0 ? * 3#2 *)", t0, "2026-01-13T00:00");
  expect_next ("cron(0 0 ? * 6L *)", t0, "2026-01-30T00:00");
  expect_next ("cron(0 0 ? * L *)", t0, "2026-01-03T00:00");
  expect_next ("cron(0 0 1 1 ? 2030)", t0, "2030-01-01T00:00");
  expect_next ("cron(0 0 1 1 ? 2020)", t0, NULL);
  expect_next ("cron(0 0 30 2 ? *)", t0, NULL);
  expect_next ("0 0 30 2 *", t0, NULL);
  expect_next ("0 0 29 2 *", t0, "2028-02-29T00:00");
  /* Vixie: both restricted = either */
  expect_next ("0 0 13 * 5", t0, "2026-01-02T00:00");
  /* star-led day-of-month: both must match (Friday the 1st, 3rd, ...) */
  expect_next ("0 0 */2 * 5", t0, "2026-01-09T00:00");
  expect_next ("@yearly", t0, "2027-01-01T00:00");
  expect_next ("@weekly", t0, "2026-01-04T00:00");
  g_autoptr (GDateTime) late = utc (2026, 12, 31, 23, 59);
  expect_next ("* * * * *", late, "2027-01-01T00:00");
  /* seconds: strictly after */
  g_autoptr (GDateTime) sec = g_date_time_new_utc (2026, 1, 1, 3, 0, 30);
  expect_next ("0 3 * * *", sec, "2026-01-02T03:00");
}

static void
test_next_timezone (void **state)
{
  g_autoptr (GTimeZone) berlin = g_time_zone_new_identifier ("Europe/Berlin");
  g_autoptr (GTimeZone) ny = g_time_zone_new_identifier ("America/New_York");
  assert_non_null (berlin);
  assert_non_null (ny);
  g_autoptr (KilnCron) c = parse_ok ("30 2 * * *");
  /* 2026-03-29 02:30 does not exist in Berlin (clocks jump 02:00->03:00) */
  g_autoptr (GDateTime) t = utc (2026, 3, 28, 12, 0);
  g_autoptr (GDateTime) n = kiln_cron_next (c, t, berlin);
  g_autoptr (GDateTime) nu = g_date_time_to_utc (n);
  g_autofree char *s = g_date_time_format (nu, "%Y-%m-%dT%H:%MZ");
  assert_string_equal (s, "2026-03-30T00:30Z");
  g_autoptr (KilnCron) a = parse_ok ("cron(0 3 * * ? *)");
  g_autoptr (GDateTime) t2 = utc (2026, 1, 10, 0, 0);
  g_autoptr (GDateTime) n2 = kiln_cron_next (a, t2, ny);
  g_autoptr (GDateTime) n2u = g_date_time_to_utc (n2);
  g_autofree char *s2 = g_date_time_format (n2u, "%Y-%m-%dT%H:%MZ");
  assert_string_equal (s2, "2026-01-10T08:00Z");
}

/* ---- property test: random expressions against a brute-force matcher ---- */

typedef struct {
  gboolean minute[60], hour[24], dom[32], month[13], dow[7];
  gboolean dom_star, dow_star;
  gboolean aws;
  /* aws day mode: 0 = dom list, 1 = dow list, 2 = L, 3 = LW, 4 = nW,
   * 5 = nL, 6 = n#k */
  int mode, n, k;
  GString *text;
} Expr;

static const char *const mon_names[] = { "JAN", "FEB", "MAR", "APR", "MAY",
  "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
static const char *const day_names[] = { "SUN", "MON", "TUE", "WED", "THU",
  "FRI", "SAT" };

/* A random field over lo..hi; sets set[v] for the chosen values.  value_of
 * maps a written value to the set index. */
static void
random_field (GRand *r, GString *out, gboolean *set, int lo, int hi,
              int (*index_of) (int), const char *const *names, int name_base,
              gboolean *star)
{
  int kind = g_rand_int_range (r, 0, 7);
  *star = FALSE;
  if (kind == 0)
    {
      g_string_append (out, "*");
      *star = TRUE;
      for (int v = lo; v <= hi; v++)
        set[index_of (v)] = TRUE;
      return;
    }
  if (kind == 1)
    {
      int step = g_rand_int_range (r, 2, MAX (3, (hi - lo) / 2 + 1));
      g_string_append_printf (out, "*/%d", step);
      *star = TRUE;
      for (int v = lo; v <= hi; v += step)
        set[index_of (v)] = TRUE;
      return;
    }
  int parts = kind == 6 ? g_rand_int_range (r, 2, 4) : 1;
  for (int p = 0; p < parts; p++)
    {
      if (p)
        g_string_append_c (out, ',');
      int a = g_rand_int_range (r, lo, hi + 1);
      int b = g_rand_int_range (r, a, hi + 1);
      int step = 1;
      gboolean use_names = names && g_rand_boolean (r) && a - name_base >= 0
                           && b - name_base < (names == mon_names ? 12 : 7);
#define W(v) (use_names ? (g_string_append (out, names[(v) - name_base]), 0) \
                        : (g_string_append_printf (out, "%d", (v)), 0))
      switch (kind)
        {
        case 2:
        case 6:
          W (a);
          b = a;
          break;
        case 3:
          W (a);
          g_string_append_c (out, '-');
          W (b);
          break;
        case 4:
          step = g_rand_int_range (r, 1, 5);
          W (a);
          g_string_append_c (out, '-');
          W (b);
          g_string_append_printf (out, "/%d", step);
          break;
        case 5:
          step = g_rand_int_range (r, 1, 7);
          W (a);
          g_string_append_printf (out, "/%d", step);
          b = hi;
          break;
        }
#undef W
      for (int v = a; v <= b; v += step)
        set[index_of (v)] = TRUE;
    }
}

static int ident (int v) { return v; }
static int crontab_dow (int v) { return v % 7; }
static int aws_dow (int v) { return v - 1; }

static void
random_expr (GRand *r, Expr *e, gboolean aws)
{
  gboolean star;
  memset (e, 0, sizeof *e);
  e->aws = aws;
  e->text = g_string_new (aws ? "cron(" : "");
  random_field (r, e->text, e->minute, 0, 59, ident, NULL, 0, &star);
  g_string_append_c (e->text, ' ');
  random_field (r, e->text, e->hour, 0, 23, ident, NULL, 0, &star);
  g_string_append_c (e->text, ' ');
  if (!aws)
    {
      random_field (r, e->text, e->dom, 1, 31, ident, NULL, 0, &e->dom_star);
      g_string_append_c (e->text, ' ');
      random_field (r, e->text, e->month, 1, 12, ident, mon_names, 1, &star);
      g_string_append_c (e->text, ' ');
      random_field (r, e->text, e->dow, 0, 7, crontab_dow, day_names, 0,
                    &e->dow_star);
      return;
    }
  e->mode = g_rand_int_range (r, 0, 7);
  switch (e->mode)
    {
    case 0:
      random_field (r, e->text, e->dom, 1, 31, ident, NULL, 0, &star);
      break;
    case 1:
      g_string_append (e->text, "?");
      break;
    case 2:
      g_string_append (e->text, "L");
      break;
    case 3:
      g_string_append (e->text, "LW");
      break;
    case 4:
      e->n = g_rand_int_range (r, 1, 32);
      g_string_append_printf (e->text, "%dW", e->n);
      break;
    default:
      g_string_append (e->text, "?");
    }
  g_string_append_c (e->text, ' ');
  random_field (r, e->text, e->month, 1, 12, ident, mon_names, 1, &star);
  g_string_append_c (e->text, ' ');
  switch (e->mode)
    {
    case 1:
      random_field (r, e->text, e->dow, 1, 7, aws_dow, day_names, 1, &star);
      break;
    case 5:
      e->n = g_rand_int_range (r, 0, 7);
      g_string_append_printf (e->text, "%dL", e->n + 1);
      break;
    case 6:
      e->n = g_rand_int_range (r, 0, 7);
      e->k = g_rand_int_range (r, 1, 6);
      g_string_append_printf (e->text, "%d#%d", e->n + 1, e->k);
      break;
    default:
      g_string_append (e->text, "?");
    }
  g_string_append (e->text, g_rand_boolean (r) ? " *)" : " 2027-2029)");
}

static gboolean
is_weekday (int wd)
{
  return wd >= 1 && wd <= 5;
}

/* The brute-force day rule, written plainly from the definitions. */
static gboolean
brute_day (const Expr *e, const int *wd_of, int d, int dim)
{
  int wd = wd_of[d];
  if (!e->aws)
    {
      gboolean a = e->dom[d], b = e->dow[wd];
      return (e->dom_star || e->dow_star) ? (a && b) : (a || b);
    }
  switch (e->mode)
    {
    case 0:
      return e->dom[d];
    case 1:
      return e->dow[wd];
    case 2:
      return d == dim;
    case 3:
      {
        int last = dim;
        while (!is_weekday (wd_of[last]))
          last--;
        return d == last;
      }
    case 4:
      {
        /* the weekday of this month closest to n */
        if (e->n > dim)
          return FALSE;
        int best = -1;
        for (int x = 1; x <= dim; x++)
          if (is_weekday (wd_of[x])
              && (best < 0 || abs (x - e->n) < abs (best - e->n)))
            best = x;
        return d == best;
      }
    case 5:
      {
        int last = -1;
        for (int x = 1; x <= dim; x++)
          if (wd_of[x] == e->n)
            last = x;
        return d == last;
      }
    case 6:
      {
        int count = 0;
        for (int x = 1; x <= d; x++)
          if (wd_of[x] == e->n)
            count++;
        return wd == e->n && count == e->k;
      }
    }
  return FALSE;
}

static void
check_expr_against_brute (GRand *r, Expr *e, int year)
{
  g_autoptr (KilnCron) c = parse_ok (e->text->str);
  g_autoptr (GDateTime) start = utc (year, 1, 1, 0, 0);
  int days_in_year = g_date_is_leap_year ((GDateYear) year) ? 366 : 365;
  int total = days_in_year * 1440;
  g_autofree int *next_match = g_new (int, total + 1);
  g_autofree gboolean *match = g_new0 (gboolean, total);

  int idx = 0;
  for (int m = 1; m <= 12; m++)
    {
      int dim = g_date_get_days_in_month ((GDateMonth) m, (GDateYear) year);
      int wd_of[32];
      for (int d = 1; d <= dim; d++)
        {
          GDate date;
          g_date_clear (&date, 1);
          g_date_set_dmy (&date, (GDateDay) d, (GDateMonth) m,
                          (GDateYear) year);
          wd_of[d] = g_date_get_weekday (&date) % 7;
        }
      for (int d = 1; d <= dim; d++)
        {
          gboolean day_ok = e->month[m] && brute_day (e, wd_of, d, dim);
          for (int h = 0; h < 24; h++)
            for (int mi = 0; mi < 60; mi++, idx++)
              match[idx] = day_ok && e->hour[h] && e->minute[mi];
        }
    }
  assert_int_equal (idx, total);
  next_match[total] = -1;
  for (int i = total - 1; i >= 0; i--)
    next_match[i] = match[i] ? i : next_match[i + 1];

  /* kiln_cron_matches agrees on sampled minutes */
  for (int s = 0; s < 2000; s++)
    {
      int i = g_rand_int_range (r, 0, total);
      g_autoptr (GDateTime) t = g_date_time_add_minutes (start, i);
      if (kiln_cron_matches (c, t) != match[i])
        fail_msg ("'%s' matches %s: kiln %d, brute %d", e->text->str,
                  g_date_time_format_iso8601 (t), !match[i], match[i]);
    }
  /* next() from random points and along the chain of matches */
  int chain = -1;
  for (int s = 0; s < 600; s++)
    {
      int i = s < 300 ? g_rand_int_range (r, -1, total) : chain;
      if (s >= 300 && chain < 0)
        break;
      int sec = s < 300 ? g_rand_int_range (r, 0, 60) : 0;
      g_autoptr (GDateTime) base = g_date_time_add_minutes (start, i);
      g_autoptr (GDateTime) t = g_date_time_add_seconds (base, sec);
      int want = i + 1 < total ? next_match[i + 1] : -1;
      g_autoptr (GDateTime) got = kiln_cron_next (c, t, NULL);
      if (want >= 0)
        {
          g_autoptr (GDateTime) w = g_date_time_add_minutes (start, want);
          if (!got || !g_date_time_equal (got, w))
            fail_msg ("'%s' after %s: expected %s, got %s", e->text->str,
                      g_date_time_format_iso8601 (t),
                      g_date_time_format_iso8601 (w),
                      got ? g_date_time_format_iso8601 (got) : "never");
          if (s >= 299)
            chain = want;
        }
      else
        {
          g_autoptr (GDateTime) end = g_date_time_add_minutes (start, total);
          if (got && g_date_time_compare (got, end) < 0)
            fail_msg ("'%s' after %s: expected nothing this year, got %s",
                      e->text->str, g_date_time_format_iso8601 (t),
                      g_date_time_format_iso8601 (got));
          if (s >= 299)
            chain = -1;
        }
    }
}

static void
test_next_property (void **state)
{
  GRand *r = g_rand_new_with_seed (20261122);
  for (int i = 0; i < 40; i++)
    {
      Expr e;
      random_expr (r, &e, i % 2 == 1);
      check_expr_against_brute (r, &e, i % 4 < 2 ? 2028 : 2027);
      g_string_free (e.text, TRUE);
    }
  g_rand_free (r);
}

/* ---- conversions checked by systemd itself ---- */

static GPtrArray *
systemd_elapses (const char *expr, const char *base, int n)
{
  g_autofree char *iter = g_strdup_printf ("--iterations=%d", n);
  g_autofree char *bt = g_strdup_printf ("--base-time=%s", base);
  const char *argv[] = { "systemd-analyze", "calendar", iter, bt, expr, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_auto (GStrv) envp = g_environ_setenv (g_get_environ (), "TZ", "UTC", TRUE);
  if (!g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_SEARCH_PATH, NULL,
                     NULL, &out, &err, &status, NULL))
    return NULL;
  if (!g_spawn_check_wait_status (status, NULL))
    fail_msg ("systemd-analyze refused '%s': %s", expr, err);
  GPtrArray *times = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      const char *p = strstr (*l, "Next elapse: ");
      if (!p)
        p = strstr (*l, "Iter. #");
      if (!p)
        continue;
      p = strchr (p, ':') + 2;
      /* "Tue 2026-01-13 00:00:00 UTC" -> "2026-01-13 00:00" */
      g_ptr_array_add (times, g_strndup (p + 4, 16));
    }
  return times;
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
check_oncalendar (const char *expr)
{
  const int n = 12;
  g_autoptr (KilnCron) c = parse_ok (expr);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) cal = kiln_cron_to_oncalendar (c, NULL, &error);
  if (!cal)
    fail_msg ("'%s': %s", expr, error->message);
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  for (char **e = cal; *e; e++)
    {
      GPtrArray *t = systemd_elapses (*e, "2025-12-31 23:59:00 UTC", n);
      if (!t)
        {
          print_message ("systemd-analyze not available; skipping\n");
          skip ();
        }
      for (guint i = 0; i < t->len; i++)
        {
          gboolean dup = FALSE;
          for (guint j = 0; j < all->len; j++)
            dup = dup || strcmp (all->pdata[j], t->pdata[i]) == 0;
          if (!dup)
            g_ptr_array_add (all, g_strdup (t->pdata[i]));
        }
      g_ptr_array_unref (t);
    }
  g_ptr_array_sort (all, cmp_str);
  g_autoptr (GDateTime) t = utc (2025, 12, 31, 23, 59);
  for (int i = 0; i < n; i++)
    {
      GDateTime *next = kiln_cron_next (c, t, NULL);
      assert_non_null (next);
      g_date_time_unref (t);
      t = next;
      g_autofree char *mine = g_date_time_format (t, "%Y-%m-%d %H:%M");
      if ((guint) i >= all->len || strcmp (mine, all->pdata[i]) != 0)
        fail_msg ("'%s' -> '%s': #%d kiln %s, systemd %s", expr, cal[0], i,
                  mine, (guint) i < all->len ? (char *) all->pdata[i] : "-");
    }
}

static void
test_cron_converts_to_systemd_oncalendar (void **state)
{
  const char *exprs[] = {
    "cron(0 3 * * ? *)", "cron(0 10 ? * 2-6 *)", "cron(0/15 * * * ? *)",
    "cron(0 0 L * ? *)", "cron(0 0 ? * 6L *)", "cron(0 0 ? * 3#2 *)",
    "cron(0 0 ? * 2#5 *)", "cron(0 0 ? * L *)", "cron(30 1 1,15 */3 ? *)",
    "cron(5 4 ? JAN,JUL MON,WED-FRI 2026-2027,2030)", "0 3 * * *",
    "*/5 * * * *", "0 0 13 * 5", "0 0 */2 * 5", "0 0 1-10 * *",
    "15 14 1 * *", "0 22 * * 1-5", "23 0-20/2 * * *", "@weekly",
    "@monthly", "0 12 * * 0,7", "0 12 1-31 * 3", "0 12 5 * 0-7",
    "5/20 9-17 * * mon-fri", "0 0 29 2 *",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (exprs); i++)
    check_oncalendar (exprs[i]);

  g_autoptr (KilnCron) lw = parse_ok ("cron(0 0 LW * ? *)");
  g_autoptr (GError) error = NULL;
  assert_null (kiln_cron_to_oncalendar (lw, NULL, &error));
  assert_non_null (strstr (error->message, "LW"));
  g_autoptr (KilnCron) daily = parse_ok ("0 3 * * *");
  g_auto (GStrv) tz = kiln_cron_to_oncalendar (daily, "Europe/Berlin", NULL);
  assert_string_equal (tz[0], "*-*-* 03:00:00 Europe/Berlin");
  g_autoptr (KilnCron) weekdays = parse_ok ("cron(0 10 ? * 2-6 *)");
  g_auto (GStrv) aws = kiln_cron_to_oncalendar (weekdays, NULL, NULL);
  assert_string_equal (aws[0], "Mon..Fri *-*-* 10:00:00 UTC");
}

static void
test_to_crontab (void **state)
{
  struct { const char *in, *out; } cases[] = {
    { "cron(0 3 * * ? *)", "0 3 * * *" },
    { "cron(0 10 ? * 2-6 *)", "0 10 * * 1-5" },
    { "cron(0/15 * * * ? *)", "*/15 * * * *" },
    { "cron(5 1 1,15 JAN-MAR ? *)", "5 1 1,15 1-3 *" },
    { "cron(0 0 ? * SUN,SAT *)", "0 0 * * 0,6" },
    { "cron(10/20 8-18/2 * * ? *)", "10-50/20 8-18/2 * * *" },
    { "0 3 * * mon", "0 3 * * mon" },
    { "@daily", "0 0 * * *" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (KilnCron) c = parse_ok (cases[i].in);
      g_autoptr (GError) error = NULL;
      g_autofree char *s = kiln_cron_to_crontab (c, &error);
      if (!s)
        fail_msg ("'%s': %s", cases[i].in, error->message);
      assert_string_equal (s, cases[i].out);
      /* same firing times */
      g_autoptr (KilnCron) back = parse_ok (s);
      g_autoptr (GDateTime) t = utc (2026, 1, 1, 0, 0);
      for (int k = 0; k < 50; k++)
        {
          GDateTime *a = kiln_cron_next (c, t, NULL);
          GDateTime *b = kiln_cron_next (back, t, NULL);
          assert_true (g_date_time_equal (a, b));
          g_date_time_unref (b);
          g_date_time_unref (t);
          t = a;
        }
    }
  const char *bad[] = { "cron(0 0 L * ? *)", "cron(0 0 ? * 3#2 *)",
                        "cron(0 0 1 1 ? 2030)", "cron(0 0 ? * 6L *)" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (KilnCron) c = parse_ok (bad[i]);
      g_autoptr (GError) error = NULL;
      g_autofree char *s = kiln_cron_to_crontab (c, &error);
      assert_null (s);
      assert_non_null (strstr (error->message, "cannot express"));
    }
}

static void
test_schema_positions (void **state)
{
  const char *text =
    "pipeline: p\n"
    "schedule: \"cron(0 3 ? * 9 *)\"\n"
    "s2: cron(0 3 ? * 9 *)\n"
    "s3: 'cron(0 3 ? * 9 *)'\n"
    "s4: \"\\u00e9\"\n"
    "s5: \"cron(0 3 ? *\\t9 *)\"\n"
    "s6: |\n  0 3 * * 9\n"
    "s7: cron(0 0 30 2 ? *)\n"
    "s8: 0 3 * * *\n";
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnDoc) doc = kiln_doc_load_string ("p.yaml", text,
                                                  strlen (text), diags);
  assert_non_null (doc);
  const char *keys[] = { "schedule", "s2", "s3", "s4", "s5", "s6", "s7" };
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr (KilnCron) c = kiln_schema_cron (
          diags, doc, kiln_node_map_get (doc->root, keys[i]), "schedule");
      assert_null (c);
    }
  assert_true (kiln_diags_find (diags, 2, 25, "in schedule: expected a "
                                "day-of-week 1-7 or SUN-SAT, found '9'"));
  assert_true (kiln_diags_find (diags, 3, 18, "found '9'"));
  assert_true (kiln_diags_find (diags, 4, 19, "found '9'"));
  assert_true (kiln_diags_find (diags, 5, 6, "expected 5 fields"));
  assert_true (kiln_diags_find (diags, 6, 20, "found '9'"));
  assert_true (kiln_diags_find (diags, 7, 5, "found '9'"));   /* block */
  assert_true (kiln_diags_find (diags, 9, 5, "never fires"));
  g_autoptr (KilnCron) ok = kiln_schema_cron (
      diags, doc, kiln_node_map_get (doc->root, "s8"), "schedule");
  assert_non_null (ok);
  assert_int_equal (kiln_diags_error_count (diags), 7);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_parse_good),
    cmocka_unit_test (test_parse_bad),
    cmocka_unit_test (test_next_known),
    cmocka_unit_test (test_next_timezone),
    cmocka_unit_test (test_next_property),
    cmocka_unit_test (test_to_crontab),
    cmocka_unit_test (test_schema_positions),
    cmocka_unit_test (test_cron_converts_to_systemd_oncalendar),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
