/* test-target-claims.c - what kiln is about to make on a libvirt target,
 * written down first (src/store/target-claims.c): a live owner's claim is
 * nobody else's business and goes when freed; a killed owner's (a real
 * child process that never freed it) is found, for its URI only, and
 * dropped once settled; only "kiln-...-" prefixes that can never name a
 * cached parent are claimed.  Real files, real processes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/confine.h"
#include "common/kiln.h"
#include "store/target-claims.h"

static char *top;

static guint
claim_files (void)
{
  g_autofree char *dir = g_build_filename (top, "targets", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  while (d && g_dir_read_name (d))
    n++;
  return n;
}

static void
test_prefixes (void **state)
{
  (void) state;
  assert_true (kiln_target_claim_prefix_valid ("kiln-0a1b2c3d-"));
  assert_true (kiln_target_claim_prefix_valid ("kiln-probe-Ab12Cd-"));
  assert_false (kiln_target_claim_prefix_valid ("kiln-parent-"));
  assert_false (kiln_target_claim_prefix_valid ("kiln-parent-abcdef-"));
  assert_false (kiln_target_claim_prefix_valid ("kiln-"));
  assert_false (kiln_target_claim_prefix_valid ("kiln-abc-"));
  assert_false (kiln_target_claim_prefix_valid ("kiln-0a1b2c3d"));
  assert_false (kiln_target_claim_prefix_valid ("kiln-0a1b/c3d-"));
  assert_false (kiln_target_claim_prefix_valid ("other-0a1b2c3d-"));
  g_autoptr (GError) error = NULL;
  assert_null (kiln_target_claim_new ("qemu:///system", "kiln-parent-", &error));
  assert_non_null (error);
  g_clear_error (&error);
  assert_null (kiln_target_claim_new ("qemu:///system\nx", "kiln-0a1b2c3d-",
                                      &error));
  assert_non_null (error);
  assert_int_equal (claim_files (), 0);
}

static void
test_live_claim_is_not_orphaned_and_goes_when_freed (void **state)
{
  (void) state;
  g_autoptr (GError) error = NULL;
  KilnTargetClaim *c = kiln_target_claim_new ("qemu+ssh://h/system",
                                              "kiln-0a1b2c3d-", &error);
  assert_non_null (c);
  assert_int_equal (claim_files (), 1);
  g_autoptr (GPtrArray) none = kiln_target_claims_orphaned (top, NULL);
  assert_int_equal (none->len, 0);
  kiln_target_claim_free (c);
  assert_int_equal (claim_files (), 0);
}

/* A child that claims and is gone without freeing: a killed kiln. */
static void
claim_in_dead_child (const char *uri, const char *prefix)
{
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      KilnTargetClaim *c = kiln_target_claim_new (uri, prefix, NULL);
      _exit (c ? 0 : 1);
    }
  int status = 0;
  assert_int_equal (waitpid (pid, &status, 0), pid);
  assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
}

static void
test_dead_owners_claims_found_per_uri_then_dropped (void **state)
{
  (void) state;
  claim_in_dead_child ("qemu+ssh://builder3/system", "kiln-11111111-");
  claim_in_dead_child ("qemu:///system", "kiln-probe-Xy12Zw-");
  assert_int_equal (claim_files (), 2);

  g_autoptr (GPtrArray) all = kiln_target_claims_orphaned (top, NULL);
  assert_int_equal (all->len, 2);
  g_autoptr (GPtrArray) remote = kiln_target_claims_orphaned (
      top, "qemu+ssh://builder3/system");
  assert_int_equal (remote->len, 1);
  const KilnOrphanClaim *c = remote->pdata[0];
  assert_string_equal (c->uri, "qemu+ssh://builder3/system");
  assert_string_equal (c->prefix, "kiln-11111111-");
  g_autoptr (GPtrArray) other = kiln_target_claims_orphaned (
      top, "qemu+ssh://builder4/system");
  assert_int_equal (other->len, 0);

  kiln_orphan_claim_drop (c);
  g_autoptr (GPtrArray) left = kiln_target_claims_orphaned (top, NULL);
  assert_int_equal (left->len, 1);
  assert_string_equal (((KilnOrphanClaim *) left->pdata[0])->prefix,
                       "kiln-probe-Xy12Zw-");
  kiln_orphan_claim_drop (left->pdata[0]);
  assert_int_equal (claim_files (), 0);
}

/* A file in the claims' folder that is not a whole claim (one being
 * written, or edited by hand into a parent's name) is never acted on. */
static void
test_odd_files_are_not_claims (void **state)
{
  (void) state;
  g_autofree char *dir = g_build_filename (top, "targets", NULL);
  g_autofree char *empty = g_build_filename (dir, "claim-empty0", NULL);
  g_autofree char *parent = g_build_filename (dir, "claim-parent", NULL);
  assert_int_equal (g_mkdir_with_parents (dir, 0700), 0);
  assert_true (g_file_set_contents (empty, "", 0, NULL));
  assert_true (g_file_set_contents (parent, "1 1\nqemu:///system\n"
                                    "kiln-parent-\n", -1, NULL));
  g_autoptr (GPtrArray) none = kiln_target_claims_orphaned (top, NULL);
  assert_int_equal (none->len, 0);
  g_unlink (empty);
  g_unlink (parent);
}

int
main (void)
{
  top = g_dir_make_tmp ("kiln-target-claims-XXXXXX", NULL);
  g_setenv ("KILN_HOME", top, TRUE);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_prefixes),
    cmocka_unit_test (test_live_claim_is_not_orphaned_and_goes_when_freed),
    cmocka_unit_test (test_dead_owners_claims_found_per_uri_then_dropped),
    cmocka_unit_test (test_odd_files_are_not_claims),
  };
  int rc = cmocka_run_group_tests (tests, NULL, NULL);
  kiln_remove_tree (top);
  g_free (top);
  return rc;
}
