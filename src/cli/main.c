/* main.c - kiln: bake golden VM images locally.  Dispatches subcommands. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <unistd.h>

#include "config.h"
#include "commands.h"
#include "base/doctor-hint.h"
#include "common/kiln.h"
#include "base/paths.h"

static const KilnCommand commands[] = {
  { "build", kiln_cmd_build,
    "build, test and export a golden image from a recipe" },
  { "run", kiln_cmd_run,
    "apply one component to an image (like awstoe run)" },
  { "test", kiln_cmd_test,
    "run the test phases of components against an image" },
  { "validate", kiln_cmd_validate,
    "check components, recipes and pipelines without touching any disk" },
  { "components", kiln_cmd_components,
    "list and show the built-in component library" },
  { "convert", kiln_cmd_convert, "convert an image to raw/VMDK/VHDX/VHD/qcow2/OVA + checksums, manifest" },
  { "inspect", kiln_cmd_inspect, "show an image's OS and whether AWS/Azure/vSphere/KVM will boot it" },
  { "template", kiln_cmd_template, "list and build base-image templates" },
  { "images", kiln_cmd_images,
    "list, show, remove, prune and deprecate the builds in the image store" },
  { "logs", kiln_cmd_logs, "print the log of a build" },
  { "pipeline", kiln_cmd_pipeline,
    "run a pipeline (a recipe on a schedule), show its runs, put it on a timer" },
  { "lifecycle", kiln_cmd_lifecycle,
    "apply lifecycle rules now: deprecate and delete old builds" },
  { "doctor", kiln_cmd_doctor,
    "check whether this host can build, and what to do when it cannot" },
};

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: kiln COMMAND [OPTION...]\n"
           "\n"
           "Bake tested, generalized golden VM images on this machine.\n"
           "\n"
           "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\n"
           "Options:\n"
           "  -h, --help     show this help\n"
           "  -V, --version  show the version\n"
           "\n"
           "Run 'kiln COMMAND --help' for a command's options.\n"
           "Exit codes: 0 done, 1 build or test failed, 2 bad input,\n"
           "3 host environment problem (run 'kiln doctor').\n");
}

/* libvirt's embedded driver logs messages to stderr that mean nothing to a
 * kiln user ("tainted: high-privileges" for qemu running as root, "unable
 * to open /dev/mapper/control", no dmidecode, no /dev/kvm); the errors that
 * matter come back through the API and kiln reports them with context.
 * libvirt reads LIBVIRT_LOG_OUTPUTS once, when it initializes, and
 * libguestfs initializes it while loading, before main() runs: so set it
 * and re-execute once.  The log goes to $KILN_HOME/libvirt.log when that
 * directory exists (the commands that use libvirt make it), else nowhere.
 * A value the user set is kept. */
static void
quiet_libvirt_log (char **argv)
{
  if (g_getenv ("LIBVIRT_LOG_OUTPUTS"))
    return;
  g_autofree char *outputs = NULL;
  /* kiln doctor changes nothing in $KILN_HOME but the probe cache;
   * libvirt splits its outputs on spaces */
  gboolean doctor = argv[1] && strcmp (argv[1], "doctor") == 0;
  if (!doctor && g_file_test (kiln_home (), G_FILE_TEST_IS_DIR)
      && !strchr (kiln_home (), ' '))
    outputs = g_strdup_printf ("3:file:%s/libvirt.log", kiln_home ());
  else
    outputs = g_strdup ("4:file:/dev/null");
  g_setenv ("LIBVIRT_LOG_OUTPUTS", outputs, TRUE);
  execv ("/proc/self/exe", argv);
  /* no /proc: run on with libvirt's default log */
}

/* Runs one command.  GLib's option parser names the program in its help
 * ("Usage: kiln build [OPTION…] RECIPE") and errors from g_get_prgname(),
 * so it is the command's full name.  A host problem (exit 3) ends with the
 * one command that looks at the whole host (and at the libvirt target the
 * command used, when it was not the embedded driver). */
static int
run_command (const KilnCommand *cmd, int argc, char **argv)
{
  g_autofree char *prgname = g_strconcat ("kiln ", cmd->name, NULL);
  g_set_prgname (prgname);
  int rc = cmd->fn (argc, argv);
  if (rc == KILN_EXIT_HOST && strcmp (cmd->name, "doctor") != 0)
    {
      fflush (stdout);
      /* on a daemon target the cause may be the target, or the way to it */
      if (kiln_doctor_hint_has_target ())
        fprintf (stderr, "kiln %s: this host or its libvirt target lacks "
                 "something kiln needs, or the target cannot be reached: "
                 "run `%s`\n", cmd->name, kiln_doctor_hint ());
      else
        fprintf (stderr, "kiln %s: this host lacks something kiln needs: "
                 "run `%s`\n", cmd->name, kiln_doctor_hint ());
    }
  return rc;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  quiet_libvirt_log (argv);
  /* after the re-execution above, so the umask remembered is the caller's */
  kiln_umask_init ();

  if (argc < 2)
    {
      usage (stderr);
      return KILN_EXIT_BAD_INPUT;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      usage (stdout);
      return KILN_EXIT_OK;
    }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "-V") == 0)
    {
      printf ("kiln %s\n", PACKAGE_VERSION);
      return KILN_EXIT_OK;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return run_command (&commands[i], argc - 1, argv + 1);

  fprintf (stderr, "kiln: unknown command '%s'\n", argv[1]);
  usage (stderr);
  return KILN_EXIT_BAD_INPUT;
}
