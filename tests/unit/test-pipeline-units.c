/* test-pipeline-units.c - the systemd units of a pipeline
 * (src/automation/units.h): quoting for systemd, and the service's command
 * line for paths that need it.  (The whole units are checked by
 * systemd-analyze in tests/integration/pipeline-install.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "automation/units.h"

static void
check_quote (const char *word, gboolean command, const char *want)
{
  g_autofree char *got = kiln_unit_quote (word, command);
  assert_string_equal (got, want);
}

static void
test_quote (void **state)
{
  (void) state;
  check_quote ("/usr/bin/kiln", TRUE, "/usr/bin/kiln");
  check_quote ("/srv/my images/p.yaml", TRUE, "\"/srv/my images/p.yaml\"");
  check_quote ("/srv/100%/p.yaml", TRUE, "/srv/100%%/p.yaml");
  check_quote ("/srv/$HOME/p.yaml", TRUE, "/srv/$$HOME/p.yaml");
  check_quote ("KILN_HOME=/srv/$x", FALSE, "KILN_HOME=/srv/$x");
  check_quote ("a\"b\\c", TRUE, "\"a\\\"b\\\\c\"");
  check_quote ("x;y", TRUE, "\"x;y\"");
  check_quote ("", TRUE, "\"\"");
}

static void
test_names (void **state)
{
  (void) state;
  g_autofree char *s = kiln_pipeline_unit_name ("web-nightly", ".timer");
  assert_string_equal (s, "kiln-pipeline-web-nightly.timer");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_quote),
    cmocka_unit_test (test_names),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
