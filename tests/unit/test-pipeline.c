/* test-pipeline.c - pipeline documents, their schedules and time zones */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <glib/gstdio.h>
#include <cmocka.h>

#include "documents/pipeline.h"

static void
print_diags (const KilnDiags *diags)
{
  kiln_diags_print (diags, stderr);
}

static char *
utc_string (GDateTime *t)
{
  g_autoptr (GDateTime) u = g_date_time_to_utc (t);
  return g_date_time_format (u, "%Y-%m-%dT%H:%MZ");
}

static void
test_aws_in_berlin (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnPipeline) p = kiln_pipeline_load (
      TEST_SRCDIR "/tests/fixtures/good/pipeline-aws-cron.yaml", diags);
  if (!p)
    print_diags (diags);
  assert_non_null (p);
  assert_int_equal (kiln_diags_count (diags), 0);
  assert_string_equal (p->name, "web-weekdays");
  assert_string_equal (p->description, "Weekday builds at 06:30 Berlin time");
  assert_int_equal (p->when, KILN_WHEN_ALWAYS);
  assert_string_equal (kiln_pipeline_when_name (p->when), "always");
  assert_true (p->enabled);
  assert_string_equal (p->timezone, "Europe/Berlin");
  assert_true (p->schedule->syntax == KILN_CRON_AWS);
  assert_non_null (p->recipe);
  assert_string_equal (p->recipe->name, "web-golden");
  assert_true (g_str_has_suffix (p->recipe_path, "good/recipe-full.yaml"));

  /* Friday 2026-01-09 07:00 UTC = 08:00 Berlin: next is Monday 06:30
   * Berlin = 05:30 UTC; in summer (CEST) 06:30 is 04:30 UTC */
  g_autoptr (GDateTime) fri = g_date_time_new_utc (2026, 1, 9, 7, 0, 0);
  g_autoptr (GDateTime) n1 = kiln_pipeline_next_run (p, fri);
  g_autofree char *s1 = utc_string (n1);
  assert_string_equal (s1, "2026-01-12T05:30Z");
  g_autoptr (GDateTime) jul = g_date_time_new_utc (2026, 7, 1, 12, 0, 0);
  g_autoptr (GDateTime) n2 = kiln_pipeline_next_run (p, jul);
  g_autofree char *s2 = utc_string (n2);
  assert_string_equal (s2, "2026-07-02T04:30Z");

  g_autoptr (GError) error = NULL;
  g_auto (GStrv) cal = kiln_pipeline_oncalendar (p, &error);
  assert_non_null (cal);
  assert_string_equal (cal[0], "Mon..Fri *-*-* 06:30:00 Europe/Berlin");
  assert_null (cal[1]);
}

static void
test_crontab_defaults (void **state)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnPipeline) p = kiln_pipeline_load (
      TEST_SRCDIR "/tests/fixtures/good/pipeline-crontab.yaml", diags);
  if (!p)
    print_diags (diags);
  assert_non_null (p);
  assert_int_equal (p->when, KILN_WHEN_CHANGED);
  assert_false (p->enabled);
  assert_null (p->timezone);
  assert_null (p->description);
  assert_true (p->schedule->syntax == KILN_CRON_CRONTAB);
  g_autoptr (GDateTime) t = g_date_time_new_utc (2026, 3, 1, 2, 15, 0);
  g_autoptr (GDateTime) n = kiln_pipeline_next_run (p, t);
  g_autofree char *s = utc_string (n);
  assert_string_equal (s, "2026-03-02T02:15Z");
  g_auto (GStrv) cal = kiln_pipeline_oncalendar (p, NULL);
  assert_string_equal (cal[0], "*-*-* 02:15:00 UTC");
  g_autofree char *line = kiln_cron_to_crontab (p->schedule, NULL);
  assert_string_equal (line, "15 2 * * *");

  /* the last Friday of a month */
  g_autoptr (KilnDiags) d2 = kiln_diags_new ();
  g_autoptr (KilnPipeline) last = kiln_pipeline_load (
      TEST_SRCDIR "/tests/fixtures/good/pipeline-special-days.yaml", d2);
  assert_non_null (last);
  g_autoptr (GDateTime) n2 = kiln_pipeline_next_run (last, t);
  g_autofree char *s2 = utc_string (n2);
  assert_string_equal (s2, "2026-03-27T04:00Z");
}

static void
test_timezone_names_only_from_tzdata (void **state)
{
  assert_true (kiln_timezone_is_valid ("UTC"));
  assert_true (kiln_timezone_is_valid ("Europe/Berlin"));
  assert_true (kiln_timezone_is_valid ("America/Argentina/Buenos_Aires"));
  assert_true (kiln_timezone_is_valid ("Etc/GMT+5"));
  assert_false (kiln_timezone_is_valid ("Europe/Berln"));
  assert_false (kiln_timezone_is_valid ("EST5EDT,M3.2.0,M11.1.0"));
  assert_false (kiln_timezone_is_valid ("+01:00"));
  assert_false (kiln_timezone_is_valid ("../../etc/passwd"));
  assert_false (kiln_timezone_is_valid ("Europe"));   /* a directory */
  assert_false (kiln_timezone_is_valid (""));
}

static KilnPipeline *
load_string (const char *name, const char *text, KilnDiags *diags)
{
  KilnDoc *doc = kiln_doc_load_string (name, text, strlen (text), diags);
  assert_non_null (doc);
  return kiln_pipeline_from_doc (doc, diags);
}

static void
test_pipeline_errors_at_their_position (void **state)
{
  const char *good_recipe = "recipe: " TEST_SRCDIR
                            "/tests/fixtures/good/recipe-minimal.yaml\n";
  struct { const char *text; int line, col; const char *frag; } cases[] = {
    { "", 1, 1, "found an empty document" },
    { "[]", 1, 1, "expected a mapping for a pipeline" },
    { "pipeline: p\nschedule: '@daily'\n", 1, 1,
      "missing required key 'recipe'" },
    { "pipeline: p\nschedule: '@daily'\nrecipe: [a]\n", 3, 9,
      "expected a value for 'recipe', found a list" },
    { "pipeline: p\nschedule: '@daily'\ntimezone: Mars/Olympus\n", 3, 11,
      "expected a time zone like UTC" },
    { "pipeline: p\nschedule: 'cron(0 3 ? * MON-FRI)'\n", 2, 17,
      "the year field is required" },
    { "pipeline: p\nschedule: {cron: x}\n", 2, 11,
      "expected a value for schedule, found a mapping" },
    { "pipeline: p\nschedule: '@daily'\nwhen: change\n", 3, 7,
      "did you mean 'changed'?" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup (cases[i].text);
      if (*text && *text != '[' && !strstr (text, "recipe")
          && !strstr (cases[i].frag, "'recipe'"))
        {
          g_free (text);
          text = g_strconcat (cases[i].text, good_recipe, NULL);
        }
      g_autoptr (KilnDiags) diags = kiln_diags_new ();
      g_autoptr (KilnPipeline) p = load_string ("p.yaml", text, diags);
      assert_null (p);
      if (!kiln_diags_find (diags, cases[i].line, cases[i].col, cases[i].frag))
        {
          print_diags (diags);
          fail_msg ("case %zu: missing %d:%d %s", i, cases[i].line,
                    cases[i].col, cases[i].frag);
        }
    }
}

static void
test_recipe_errors_in_recipe_file (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("kiln-pipeline-XXXXXX", NULL);
  g_autofree char *rp = g_build_filename (tmp, "recipe.yaml", NULL);
  g_autofree char *pp = g_build_filename (tmp, "pipeline.yaml", NULL);
  assert_true (g_file_set_contents (rp, "name: r\nversion: 1\nparent: x\n", -1,
                                    NULL));
  assert_true (g_file_set_contents (pp, "pipeline: p\nrecipe: ./recipe.yaml\n"
                                    "schedule: '@hourly'\n", -1, NULL));
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnPipeline) p = kiln_pipeline_load (pp, diags);
  assert_null (p);
  assert_int_equal (kiln_diags_error_count (diags), 1);
  const KilnDiag *d = kiln_diags_get (diags, 0);
  assert_string_equal (d->file, rp);
  assert_int_equal (d->line, 2);
  assert_int_equal (d->col, 10);
  assert_non_null (strstr (d->message, "three parts"));
  g_unlink (rp);
  g_unlink (pp);
  g_rmdir (tmp);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_aws_in_berlin),
    cmocka_unit_test (test_crontab_defaults),
    cmocka_unit_test (test_timezone_names_only_from_tzdata),
    cmocka_unit_test (test_pipeline_errors_at_their_position),
    cmocka_unit_test (test_recipe_errors_in_recipe_file),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
