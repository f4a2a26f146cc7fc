/* cmd-doctor.c - kiln doctor [--json]: can kiln build on this host?
 *
 * One line per check (ok, warn or fail, what was found, what to do), as
 * each check finishes; exit 0 when kiln can build (TCG is a warning), 3
 * when it cannot.  src/doctor/ does the checking and judging.
 */
#include "config.h"

#include <stdio.h>

#include <json-glib/json-glib.h>

#include "commands.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "base/paths.h"
#include "doctor/doctor.h"

static const char description[] =
  "Checks what kiln needs on this host, the way a build uses it: /dev/kvm\n"
  "and the KVM probe, a libguestfs appliance launch, the embedded libvirt\n"
  "driver starting and stopping a domain, qemu-img and QEMU, free space\n"
  "under $KILN_HOME and the temporary directory, the default template's\n"
  "mirror, the guest agent, the template build's tools and permissions.\n"
  "Takes 20-60 s without KVM (one appliance, one small domain).  Changes\n"
  "nothing on disk but the KVM probe's cache.\n"
  "\n"
  "With --connect URI the KVM probe and the test domain run on that\n"
  "libvirt target instead (the other checks stay on this host, where\n"
  "libguestfs and qemu-img run).\n"
  "\n"
  "Exit status: 0 when kiln can build here (warnings allowed: TCG instead\n"
  "of KVM is one), 3 when it cannot.";

static void
print_line (const KilnCheck *c, gpointer user_data)
{
  printf ("%-4s  %-14s  %s%s%s\n", kiln_check_status_name (c->status),
          c->name, c->found ? c->found : "", c->advice ? " -- " : "",
          c->advice ? c->advice : "");
  fflush (stdout);
}

int
kiln_cmd_doctor (int argc, char **argv)
{
  gboolean json = FALSE;
  g_autofree char *connect = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Print one JSON document with every check and its raw facts", NULL },
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &connect,
      "Check the libvirt target builds would use (qemu:///system, "
      "qemu+ssh://HOST/system; default: the embedded driver)", "URI" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_option_context_set_summary (ctx, "Check whether kiln can build on this "
                                "host, and what to do when it cannot.");
  g_option_context_set_description (ctx, description);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "kiln doctor: %s\n", error->message);
      return KILN_EXIT_BAD_INPUT;
    }
  if (argc != 1)
    {
      fprintf (stderr, "kiln doctor: unexpected argument '%s'\n", argv[1]);
      return KILN_EXIT_BAD_INPUT;
    }

  if (!json)
    {
      printf ("kiln %s on this host ($KILN_HOME %s)%s%s\n",
              PACKAGE_VERSION, kiln_home (), connect ? ", target " : "",
              connect ? connect : "");
      fflush (stdout);
    }
  g_autoptr (GPtrArray) checks = kiln_doctor_run (connect,
                                                  json ? NULL : print_line,
                                                  NULL);
  gboolean can_build = kiln_doctor_can_build (checks);
  int rc = can_build ? KILN_EXIT_OK : KILN_EXIT_HOST;
  guint warnings = 0, failures = 0;
  for (guint i = 0; i < checks->len; i++)
    {
      const KilnCheck *c = checks->pdata[i];
      warnings += c->status == KILN_CHECK_WARN;
      failures += c->status == KILN_CHECK_FAIL;
    }

  if (json)
    {
      g_autoptr (JsonObject) o = json_object_new ();
      json_object_set_string_member (o, "kiln", PACKAGE_VERSION);
      json_object_set_string_member (o, "home", kiln_home ());
      json_object_set_string_member (o, "target",
                                     connect ? connect : "embed");
      JsonArray *arr = json_array_new ();
      for (guint i = 0; i < checks->len; i++)
        json_array_add_object_element (arr,
                                       kiln_check_to_json (checks->pdata[i]));
      json_object_set_array_member (o, "checks", arr);
      json_object_set_boolean_member (o, "canBuild", can_build);
      json_object_set_int_member (o, "warnings", warnings);
      json_object_set_int_member (o, "failures", failures);
      json_object_set_int_member (o, "exitCode", rc);
      g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (root, o);
      g_autofree char *text = kiln_json_to_text (root);
      fputs (text, stdout);
      return rc;
    }
  if (can_build)
    printf ("kiln can build on this host%s.\n",
            warnings ? " (see the warnings above)" : "");
  else
    printf ("kiln cannot build on this host: fix the %u failed check%s "
            "above.\n", failures, failures == 1 ? "" : "s");
  return rc;
}
