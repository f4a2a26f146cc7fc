/* test-doctor.c - kiln doctor's verdicts, one host situation at a time
 *
 * The judges are pure: each test hands them the facts a host in that
 * situation gives (no /dev/kvm, nested KVM that aborts, a full disk, ...)
 * and checks the verdict, the words and the advice.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "doctor/doctor.h"

#define assert_contains(haystack, needle)                                    \
  do {                                                                       \
    const char *h_ = (haystack);                                             \
    if (!h_ || !strstr (h_, (needle)))                                       \
      fail_msg ("'%s' does not contain '%s'", h_ ? h_ : "(null)", (needle)); \
  } while (0)

static KilnKvmDeviceFacts
device_ok (void)
{
  return (KilnKvmDeviceFacts){ .path = (char *) "/dev/kvm", .present = TRUE,
                               .char_device = TRUE, .mode = 0660,
                               .group = (char *) "kvm",
                               .caller_in_group = TRUE, .api_version = 12,
                               .api_ok = TRUE };
}

static void
test_kvm_no_device (void **state)
{
  KilnKvmDeviceFacts d = { .path = (char *) "/dev/kvm", .present = FALSE,
                           .open_errno = ENOENT, .api_version = -1 };
  KilnKvmEvidence e = { .device = &d, .probe = KILN_ACCEL_TCG,
                        .probe_reason = "/dev/kvm cannot be opened" };
  g_autoptr (KilnCheck) c = kiln_judge_kvm (&e);
  assert_int_equal (c->status, KILN_CHECK_WARN);
  assert_contains (c->found, "no /dev/kvm");
  assert_contains (c->found, "TCG");
  assert_contains (c->advice, "kvm_intel");
  assert_int_equal (kiln_doctor_accel (&e), KILN_ACCEL_TCG);
}

static void
test_kvm_no_permission (void **state)
{
  KilnKvmDeviceFacts d = device_ok ();
  d.caller_in_group = FALSE;
  d.open_errno = EACCES;
  d.api_ok = FALSE;
  KilnKvmEvidence e = { .device = &d, .probe = KILN_ACCEL_TCG };
  g_autoptr (KilnCheck) c = kiln_judge_kvm (&e);
  assert_int_equal (c->status, KILN_CHECK_WARN);
  assert_contains (c->found, "may not open");
  assert_contains (c->found, "group kvm, not a member");
  assert_contains (c->advice, "usermod -aG kvm");

  g_autoptr (KilnCheck) p = kiln_judge_permissions (1000, "alice", &d);
  assert_int_equal (p->status, KILN_CHECK_WARN);
  assert_contains (p->found, "running as alice (uid 1000)");
  assert_contains (p->found, "/dev/kvm is not open to alice (group kvm)");
  assert_contains (p->advice, "sudo usermod -aG kvm alice");
}

static void
test_kvm_nested_aborts (void **state)
{
  KilnKvmDeviceFacts d = device_ok ();
  KilnKvmEvidence e = {
    .device = &d, .probe = KILN_ACCEL_TCG,
    .probe_reason = "the kvm probe guest stopped without reaching userland: "
                    "qemu-system-x86_64: error: failed to set MSR 0x10a to "
                    "0x2000000",
  };
  g_autoptr (KilnCheck) c = kiln_judge_kvm (&e);
  assert_int_equal (c->status, KILN_CHECK_WARN);
  assert_contains (c->found, "qemu aborted: failed to set MSR 0x10a "
                             "(nested KVM)");
  assert_int_equal (kiln_doctor_accel (&e), KILN_ACCEL_TCG);
}

static void
test_kvm_works (void **state)
{
  KilnKvmDeviceFacts d = device_ok ();
  KilnKvmEvidence e = { .device = &d, .probe = KILN_ACCEL_KVM,
                        .probe_reason = "a kvm probe guest reached userland "
                                        "in 1.2 s" };
  g_autoptr (KilnCheck) c = kiln_judge_kvm (&e);
  assert_int_equal (c->status, KILN_CHECK_OK);
  assert_contains (c->found, "1.2 s");
  assert_null (c->advice);
  assert_int_equal (kiln_doctor_accel (&e), KILN_ACCEL_KVM);

  /* KILN_ACCEL=tcg where KVM works: kiln does as asked, doctor says so */
  e.requested = "tcg";
  g_autoptr (KilnCheck) t = kiln_judge_kvm (&e);
  assert_int_equal (t->status, KILN_CHECK_WARN);
  assert_contains (t->found, "KILN_ACCEL=tcg");
  assert_contains (t->advice, "unset KILN_ACCEL");
  assert_int_equal (kiln_doctor_accel (&e), KILN_ACCEL_TCG);
}

static void
test_kvm_probe_impossible (void **state)
{
  KilnKvmDeviceFacts d = device_ok ();
  KilnKvmEvidence e = { .device = &d, .probe = KILN_ACCEL_AUTO,
                        .probe_error = "no kernel in /boot" };
  g_autoptr (KilnCheck) c = kiln_judge_kvm (&e);
  assert_int_equal (c->status, KILN_CHECK_FAIL);
  assert_contains (c->found, "no kernel in /boot");

  /* KILN_ACCEL=kvm without a usable device: every build stops */
  KilnKvmDeviceFacts none = { .path = (char *) "/dev/kvm",
                              .open_errno = ENOENT };
  KilnKvmEvidence k = { .device = &none, .probe = KILN_ACCEL_TCG,
                        .requested = "kvm" };
  g_autoptr (KilnCheck) f = kiln_judge_kvm (&k);
  assert_int_equal (f->status, KILN_CHECK_FAIL);
  assert_contains (f->found, "KILN_ACCEL=kvm");
  assert_int_equal (kiln_doctor_accel (&k), KILN_ACCEL_AUTO);
}

/* A remote target: this host's missing /dev/kvm says nothing about it,
 * its probe decides. */
static void
test_kvm_remote_target (void **state)
{
  KilnKvmDeviceFacts none = { .path = (char *) "/dev/kvm",
                              .open_errno = ENOENT };
  KilnKvmEvidence e = { .device = &none, .probe = KILN_ACCEL_KVM,
                        .probe_reason = "a kvm probe guest reached userland "
                                        "in 1.2 s",
                        .remote = TRUE };
  g_autoptr (KilnCheck) c = kiln_judge_kvm (&e);
  assert_int_equal (c->status, KILN_CHECK_OK);
  assert_contains (c->found, "the target's KVM works");
  assert_int_equal (kiln_doctor_accel (&e), KILN_ACCEL_KVM);

  /* the same evidence on this host: no device, TCG whatever the probe */
  e.remote = FALSE;
  assert_int_equal (kiln_doctor_accel (&e), KILN_ACCEL_TCG);
}

static void
test_appliance (void **state)
{
  KilnApplianceFacts ok = {
    .version = (char *) "1.48.6", .launched = TRUE, .seconds = 23.4,
    .boot_line = (char *) "[    0.000000] Booting paravirtualized kernel on "
                          "bare hardware",
  };
  g_autoptr (KilnCheck) c = kiln_judge_appliance (&ok, TRUE, NULL);
  assert_int_equal (c->status, KILN_CHECK_OK);
  assert_contains (c->found, "launched in 23.4 s under TCG");

  /* kiln asked for KVM, the appliance kernel saw none */
  g_autoptr (KilnCheck) w = kiln_judge_appliance (&ok, FALSE, NULL);
  assert_int_equal (w->status, KILN_CHECK_WARN);
  assert_contains (w->found, "under TCG where kiln asked for KVM");

  KilnApplianceFacts bad = {
    .launched = FALSE, .seconds = 2.0,
    .error = (char *) "guestfs_launch failed.",
    .log_tail = (char *) "qemu-system-x86_64: error: failed to set MSR "
                         "0x10a to 0x1\nlibguestfs: child_cleanup\n",
  };
  g_autoptr (KilnCheck) f = kiln_judge_appliance (&bad, FALSE, NULL);
  assert_int_equal (f->status, KILN_CHECK_FAIL);
  assert_contains (f->found, "did not launch under KVM");
  assert_contains (f->found, "failed to set MSR 0x10a (nested KVM)");
  assert_contains (f->advice, "libguestfs-test-tool");

  g_autoptr (KilnCheck) n = kiln_judge_appliance (NULL, TRUE, "no memory");
  assert_int_equal (n->status, KILN_CHECK_FAIL);
}

static void
test_libvirt (void **state)
{
  g_autoptr (KilnCheck) closed = kiln_judge_libvirt (NULL,
      NULL, "cannot connect to qemu:///embed", NULL, NULL, KILN_ACCEL_TCG);
  assert_int_equal (closed->status, KILN_CHECK_FAIL);
  assert_contains (closed->found, "does not start");

  KilnHypervisorFacts hv = { .uri = (char *) "qemu:///embed?root=/x",
                             .libvirt_version = (char *) "9.0.0",
                             .hypervisor = (char *) "QEMU",
                             .hypervisor_version = (char *) "7.2.0" };
  KilnDomainCheckFacts good = { .started = TRUE, .reached_userland = TRUE,
                                .stopped = TRUE, .seconds = 8.1 };
  g_autoptr (KilnCheck) c = kiln_judge_libvirt (NULL, &hv, NULL, &good, NULL,
                                                KILN_ACCEL_TCG);
  assert_int_equal (c->status, KILN_CHECK_OK);
  assert_contains (c->found, "libvirt 9.0.0 started a QEMU 7.2.0 domain "
                             "under TCG");
  assert_contains (c->found, "8.1 s");

  KilnDomainCheckFacts hang = { .started = TRUE, .stopped = TRUE,
                                .reason = (char *) "its guest did not reach "
                                                   "userland within 180 s" };
  g_autoptr (KilnCheck) h = kiln_judge_libvirt (NULL, &hv, NULL, &hang, NULL,
                                                KILN_ACCEL_TCG);
  assert_int_equal (h->status, KILN_CHECK_FAIL);
  assert_contains (h->found, "within 180 s");

  KilnDomainCheckFacts left = { .started = TRUE, .reached_userland = TRUE };
  g_autoptr (KilnCheck) l = kiln_judge_libvirt (NULL, &hv, NULL, &left, NULL,
                                                KILN_ACCEL_TCG);
  assert_int_equal (l->status, KILN_CHECK_FAIL);
  assert_contains (l->found, "still running");

  /* --connect: the target is named, and the advice is about its daemons */
  g_autoptr (KilnCheck) gone = kiln_judge_libvirt ("qemu:///system", NULL,
      "cannot connect to qemu:///system: Failed to connect socket",
      NULL, NULL, KILN_ACCEL_TCG);
  assert_int_equal (gone->status, KILN_CHECK_FAIL);
  assert_contains (gone->found, "cannot reach qemu:///system");
  assert_contains (gone->advice, "virsh -c qemu:///system version");
  g_autoptr (KilnCheck) there = kiln_judge_libvirt ("qemu:///system", &hv,
      NULL, &good, NULL, KILN_ACCEL_TCG);
  assert_int_equal (there->status, KILN_CHECK_OK);
  assert_contains (there->found, "libvirt 9.0.0 on qemu:///system started");
  KilnDomainCheckFacts denied = { .reason = (char *) "cannot start domain "
      "kiln-doctor-1: qemu: error reading initrd /tmp/x: Permission denied" };
  g_autoptr (KilnCheck) d = kiln_judge_libvirt ("qemu:///system", &hv, NULL,
                                                &denied, NULL,
                                                KILN_ACCEL_TCG);
  assert_int_equal (d->status, KILN_CHECK_FAIL);
  assert_contains (d->found, "on qemu:///system did not start");
  assert_contains (d->advice, "storage pool");
}

/* A daemon target's pool: missing, short of space, fine. */
static void
test_pool (void **state)
{
  (void) state;
  g_autoptr (KilnCheck) none = kiln_judge_pool ("qemu:///system", NULL,
      "cannot define storage pool kiln: access denied");
  assert_int_equal (none->status, KILN_CHECK_FAIL);
  assert_contains (none->found, "no storage pool for kiln's disks on "
                   "qemu:///system: cannot define storage pool kiln");
  assert_contains (none->advice, "build.pool");
  KilnPoolFacts f = { .name = "kiln", .path = "/var/lib/libvirt/kiln",
                      .available = 1ULL << 30, .need = 12ULL << 30,
                      .minimum = 6ULL << 30, .need_for = "a debian-12 "
                      "template build" };
  g_autoptr (KilnCheck) tight = kiln_judge_pool ("qemu:///system", &f, NULL);
  assert_int_equal (tight->status, KILN_CHECK_FAIL);
  assert_contains (tight->found, "only 1.0 GiB is free");
  f.available = 8ULL << 30;
  g_autoptr (KilnCheck) warn = kiln_judge_pool ("qemu:///system", &f, NULL);
  assert_int_equal (warn->status, KILN_CHECK_WARN);
  f.available = 100ULL << 30;
  g_autoptr (KilnCheck) fine = kiln_judge_pool ("qemu:///system", &f, NULL);
  assert_int_equal (fine->status, KILN_CHECK_OK);
  assert_contains (fine->found, "pool kiln (/var/lib/libvirt/kiln) on "
                   "qemu:///system is writable, 100.0 GiB free");
}

static void
test_programs (void **state)
{
  KilnProgramFacts qemu = { "/usr/bin/qemu-system-x86_64",
                            "QEMU emulator version 7.2.22 (Debian 1:7.2)",
                            NULL };
  KilnProgramFacts img = { "/usr/bin/qemu-img",
                           "qemu-img version 7.2.22 (Debian 1:7.2+dfsg-7)",
                           NULL };
  g_autoptr (KilnCheck) q = kiln_judge_qemu (&qemu, &img, NULL);
  assert_int_equal (q->status, KILN_CHECK_OK);
  assert_string_equal (q->found, "QEMU 7.2.22 (/usr/bin/qemu-system-x86_64), "
                                 "its image tool 7.2.22 (/usr/bin/qemu-img)");
  KilnHypervisorFacts hv = { .hypervisor_version = (char *) "7.2.0" };
  g_autoptr (KilnCheck) other = kiln_judge_qemu (&qemu, &img, &hv);
  assert_contains (other->found, "libvirt runs QEMU 7.2.0");
  KilnProgramFacts gone = { "/nope/qemu-img", NULL,
                            "cannot run /nope/qemu-img: No such file" };
  g_autoptr (KilnCheck) m = kiln_judge_qemu (&qemu, &gone, NULL);
  assert_int_equal (m->status, KILN_CHECK_FAIL);
  assert_contains (m->found, "cannot run /nope/qemu-img");
  assert_contains (m->advice, "qemu-utils");

  g_autoptr (KilnCheck) a = kiln_judge_agent ("/x/kiln-agent", NULL,
                                              "No such file or directory");
  assert_int_equal (a->status, KILN_CHECK_FAIL);
  assert_contains (a->advice, "KILN_AGENT");

  g_autoptr (KilnCheck) t = kiln_judge_template_tools (
      "qemu-img (Debian package qemu-utils)", "debian-12", FALSE);
  assert_int_equal (t->status, KILN_CHECK_FAIL);
  assert_contains (t->found, "qemu-img (Debian package qemu-utils)");
  g_autoptr (KilnCheck) tb = kiln_judge_template_tools (
      "mmdebstrap (Debian package mmdebstrap)", "debian-12", TRUE);
  assert_int_equal (tb->status, KILN_CHECK_WARN);
}

static void
test_space (void **state)
{
  const guint64 GiB = G_GUINT64_CONSTANT (1) << 30;
  KilnSpaceFacts d = { .role = "$KILN_HOME", .path = "/srv/kiln",
                       .existing = "/srv", .free_bytes = 50 * GiB,
                       .need = 6 * GiB, .minimum = 3 * GiB,
                       .need_for = "a debian-12 template build" };
  g_autoptr (KilnCheck) ok = kiln_judge_space ("kiln-home", &d, 1);
  assert_int_equal (ok->status, KILN_CHECK_OK);
  assert_contains (ok->found, "50.0 GiB free");

  d.free_bytes = 4 * GiB;
  g_autoptr (KilnCheck) tight = kiln_judge_space ("kiln-home", &d, 1);
  assert_int_equal (tight->status, KILN_CHECK_WARN);

  d.free_bytes = 1 << 20;
  g_autoptr (KilnCheck) full = kiln_judge_space ("kiln-home", &d, 1);
  assert_int_equal (full->status, KILN_CHECK_FAIL);
  assert_contains (full->found, "1.0 MiB free");
  assert_contains (full->advice, "free space under /srv");

  /* libvirt's sockets under a long $KILN_HOME would not fit */
  d.free_bytes = 50 * GiB;
  d.max_path = 20;
  g_autoptr (KilnCheck) longp = kiln_judge_space ("kiln-home", &d, 1);
  assert_int_equal (longp->status, KILN_CHECK_OK);
  d.path = "/srv/a/rather/long/kiln/home";
  g_autoptr (KilnCheck) toolong = kiln_judge_space ("kiln-home", &d, 1);
  assert_int_equal (toolong->status, KILN_CHECK_FAIL);
  assert_contains (toolong->found, "28 characters long");
  assert_contains (toolong->advice, "shorter path");
  d.path = "/srv/kiln";
  d.max_path = 0;

  d.write_errno = EROFS;
  g_autoptr (KilnCheck) ro = kiln_judge_space ("kiln-home", &d, 1);
  assert_int_equal (ro->status, KILN_CHECK_FAIL);
  assert_contains (ro->found, "cannot be written");
  assert_contains (ro->found, g_strerror (EROFS));
}

static void
test_mirror (void **state)
{
  KilnHttpAnswer a200 = { .status = 200, .seconds = 0.2 };
  KilnHttpAnswer a404 = { .status = 404 };
  KilnMirrorFacts m = { .mirror = "http://deb.debian.org/debian",
                        .url = "http://deb.debian.org/debian/dists/bookworm/"
                               "InRelease",
                        .answer = &a200 };
  g_autoptr (KilnCheck) ok = kiln_judge_mirror ("debian-12", &m, 1, FALSE);
  assert_int_equal (ok->status, KILN_CHECK_OK);
  assert_contains (ok->found, "answers (HTTP 200");

  m.answer = &a404;
  g_autoptr (KilnCheck) nf = kiln_judge_mirror ("debian-12", &m, 1, FALSE);
  assert_int_equal (nf->status, KILN_CHECK_FAIL);
  assert_contains (nf->found, "HTTP 404");

  m.answer = NULL;
  m.error = "Could not connect: Connection refused";
  g_autoptr (KilnCheck) down = kiln_judge_mirror ("debian-12", &m, 1, FALSE);
  assert_int_equal (down->status, KILN_CHECK_FAIL);
  assert_contains (down->advice, "kiln template build debian-12");
  g_autoptr (KilnCheck) built = kiln_judge_mirror ("debian-12", &m, 1, TRUE);
  assert_int_equal (built->status, KILN_CHECK_WARN);
}

static void
test_json (void **state)
{
  g_autoptr (KilnCheck) p = kiln_judge_permissions (0, "root", NULL);
  assert_int_equal (p->status, KILN_CHECK_OK);
  g_autoptr (JsonObject) o = kiln_check_to_json (p);
  assert_string_equal (json_object_get_string_member (o, "check"),
                       "permissions");
  assert_string_equal (json_object_get_string_member (o, "status"), "ok");
  assert_true (json_object_get_null_member (o, "advice"));
  JsonObject *facts = json_object_get_object_member (o, "facts");
  assert_int_equal (json_object_get_int_member (facts, "uid"), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_kvm_no_device),
    cmocka_unit_test (test_kvm_no_permission),
    cmocka_unit_test (test_kvm_nested_aborts),
    cmocka_unit_test (test_kvm_works),
    cmocka_unit_test (test_kvm_probe_impossible),
    cmocka_unit_test (test_kvm_remote_target),
    cmocka_unit_test (test_appliance),
    cmocka_unit_test (test_libvirt),
    cmocka_unit_test (test_pool),
    cmocka_unit_test (test_programs),
    cmocka_unit_test (test_space),
    cmocka_unit_test (test_mirror),
    cmocka_unit_test (test_json),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
