/* test-accel-decide.c - the one-line cause of a KVM fallback
 *
 * The user sees one short line when kiln falls back to TCG; the probe's raw
 * text (qemu's log line, the /dev/kvm error) goes to the log.  These are
 * the texts the libvirt backend hands back on the hosts kiln meets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "build/accel-decide.h"

static void
assert_brief (const char *raw, const char *want)
{
  g_autofree char *got = kiln_accel_cause_brief (raw);
  assert_string_equal (got, want);
}

static void
test_nested_kvm_msr_abort_is_named_in_words (void **state)
{
  (void) state;
  assert_brief ("the kvm probe guest stopped without reaching userland: "
                "qemu-system-x86_64: error: failed to set MSR 0x10a to "
                "0x2000000eb",
                "qemu aborted: failed to set MSR 0x10a (nested KVM)");
}

static void
test_probe_timeout_says_the_guest_hangs (void **state)
{
  (void) state;
  assert_brief ("the kvm probe guest did not reach userland within 60 s",
                "a KVM guest hangs while booting (nested KVM)");
}

static void
test_missing_dev_kvm_and_permission_get_advice (void **state)
{
  (void) state;
  assert_brief ("/dev/kvm cannot be opened read-write: No such file or "
                "directory",
                "no /dev/kvm (no hardware virtualization, or the kvm module "
                "is not loaded)");
  assert_brief ("/dev/kvm cannot be opened read-write: Permission denied",
                "no permission to open /dev/kvm (join the kvm group)");
}

static void
test_unknown_cause_is_its_first_line_cut_short (void **state)
{
  (void) state;
  assert_brief ("something odd\nmore detail", "something odd");
  g_autofree char *longer = g_strnfill (150, 'x');
  g_autofree char *got = kiln_accel_cause_brief (longer);
  assert_int_equal (strlen (got), 100);
  assert_true (g_str_has_suffix (got, "..."));
  assert_brief (NULL, "no reason given");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_nested_kvm_msr_abort_is_named_in_words),
    cmocka_unit_test (test_probe_timeout_says_the_guest_hangs),
    cmocka_unit_test (test_missing_dev_kvm_and_permission_get_advice),
    cmocka_unit_test (test_unknown_cause_is_its_first_line_cut_short),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
