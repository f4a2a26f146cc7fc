/* test-connect.c - the libvirt URIs a document may name in build.connect */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "documents/connect.h"
#include "documents/recipe.h"

static void
assert_allowed (const char *uri)
{
  g_autoptr (GPtrArray) p = kiln_connect_problems (uri);
  if (p->len)
    fail_msg ("'%s' refused: %s", uri,
              ((KilnConnectProblem *) p->pdata[0])->message);
}

/* The problem at `offset` mentions fragment. */
static void
assert_refused (const char *uri, gsize offset, const char *fragment)
{
  g_autoptr (GPtrArray) p = kiln_connect_problems (uri);
  for (guint i = 0; i < p->len; i++)
    {
      const KilnConnectProblem *x = p->pdata[i];
      if (x->offset == offset && strstr (x->message, fragment))
        return;
    }
  for (guint i = 0; i < p->len; i++)
    print_message ("  %zu: %s\n", ((KilnConnectProblem *) p->pdata[i])->offset,
                   ((KilnConnectProblem *) p->pdata[i])->message);
  fail_msg ("'%s': no problem at %zu mentioning '%s'", uri, offset,
            fragment);
}

static void
test_allowed (void **state)
{
  (void) state;
  assert_allowed ("embed");
  assert_allowed ("qemu:///system");
  assert_allowed ("qemu:///session");
  assert_allowed ("qemu+ssh://builder@kvm-1.example.com:2222/system");
  assert_allowed ("qemu+ssh://kvm-1/session");
  assert_allowed ("qemu+tls://kvm-1.example.com/system");
  assert_allowed ("qemu+ssh://kvm-1/system?no_tty=1");
}

static void
test_transports_that_run_programs_or_pick_sockets (void **state)
{
  (void) state;
  /* 0123456789 */
  assert_refused ("qemu+ext:///system?command=/tmp/canary", 5,
                  "the transport 'ext' (it runs a program on this host)");
  assert_refused ("qemu+ext:///system?command=/tmp/canary", 19,
                  "no 'command' parameter");
  assert_refused ("QEMU+EXT:///system", 5, "'EXT'");
  assert_refused ("qemu+unix:///system", 5, "picks a local socket");
  assert_refused ("qemu+tcp://h/system", 5, "neither encrypted");
  assert_refused ("qemu+libssh://h/system", 5, "'libssh'");
  assert_refused ("qemu+libssh2://h/system", 5, "'libssh2'");
  assert_refused ("qemu+fancy://h/system", 5, "not a transport kiln knows");
  assert_refused ("xen:///system", 0, "found 'xen'");
  assert_refused ("lxc+ssh://h/system", 0, "found 'lxc'");
}

static void
test_parameters_that_weaken_or_redirect (void **state)
{
  (void) state;
  static const char *const names[] = {
    "command", "socket", "netcat", "keyfile", "pkipath", "no_verify",
    "known_hosts", "known_hosts_verify", "proxy", "mode", "name",
    "tls_priority", "sshauth", "whatever",
  };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      /* "qemu+ssh://h/system?" is 20 bytes */
      g_autofree char *uri = g_strdup_printf ("qemu+ssh://h/system?%s=x",
                                              names[i]);
      g_autofree char *want = g_strdup_printf ("no '%s' parameter",
                                               names[i]);
      assert_refused (uri, 20, want);
    }
  /* every one of several, ';' separates too, names are %-decoded and
   * compared without case as libvirt does */
  assert_refused ("qemu+ssh://h/system?no_tty=1&keyfile=/k", 29,
                  "'keyfile'");
  assert_refused ("qemu+ssh://h/system?a=1;NO_VERIFY=1", 24, "'NO_VERIFY'");
  assert_refused ("qemu+ssh://h/system?comm%61nd=x", 20, "'command'");
}

static void
test_hosts_paths_and_shapes (void **state)
{
  (void) state;
  assert_refused ("qemu://remote/system", 7, "found the host 'remote'");
  assert_refused ("qemu:///embed?root=/etc", 7, "kiln's own embedded driver");
  assert_refused ("qemu:///embed?root=/etc", 14, "no 'root' parameter");
  assert_refused ("qemu:///", 7, "the path /system or /session");
  assert_refused ("qemu+ssh://u:pw@h/system", 11, "no password");
  assert_refused ("qemu:///system#x", 14, "no '#' fragment");
  assert_refused ("embd", 0, "did you mean 'embed'");
  assert_refused ("", 0, "not a libvirt URI");
}

/* Through the recipe: FILE:LINE:COL at the transport, exit-2 errors. */
static void
test_recipe_positions (void **state)
{
  (void) state;
  static const char text[] =
    "name: x\nversion: 1.0.0\nparent: debian-12\nbuild:\n"
    "  connect: qemu+ext:///system?command=/tmp/canary\n";
  g_autoptr (KilnDiags) d = kiln_diags_new ();
  KilnDoc *doc = kiln_doc_load_string ("r.yaml", text, strlen (text), d);
  g_autoptr (KilnRecipe) r = kiln_recipe_parse (doc, d);
  assert_null (r);
  assert_true (kiln_diags_find (d, 5, 17, "transport 'ext'"));
  assert_true (kiln_diags_find (d, 5, 31, "'command'"));

  static const char good[] =
    "name: x\nversion: 1.0.0\nparent: debian-12\nbuild:\n"
    "  connect: qemu+ssh://kvm-1/system\n";
  g_autoptr (KilnDiags) d2 = kiln_diags_new ();
  doc = kiln_doc_load_string ("r.yaml", good, strlen (good), d2);
  g_autoptr (KilnRecipe) r2 = kiln_recipe_parse (doc, d2);
  assert_non_null (r2);
  assert_string_equal (r2->build.connect, "qemu+ssh://kvm-1/system");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_allowed),
    cmocka_unit_test (test_transports_that_run_programs_or_pick_sockets),
    cmocka_unit_test (test_parameters_that_weaken_or_redirect),
    cmocka_unit_test (test_hosts_paths_and_shapes),
    cmocka_unit_test (test_recipe_positions),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
