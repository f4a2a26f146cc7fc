/* cmd-template.c - kiln template list | build NAME [--mirror URL] [--refresh]
 *
 * A template (templates/NAME.yaml) builds a base image from a
 * distribution's packages; the image is stored once per template digest
 * and reused until the template changes or --refresh asks again.
 */
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "commands.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "base/paths.h"
#include "base/reporter.h"
#include "backends/guestfs.h"
#include "base/signals.h"
#include "templates/template.h"

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: kiln template list [--json]\n"
           "       kiln template build NAME|FILE [--mirror URL] [--refresh] "
           "[--json]\n"
           "\n"
           "Base-image templates build a cloud-style image from a "
           "distribution's own\n"
           "packages (Debian with mmdebstrap).  A recipe uses one with "
           "'parent: NAME'.\n"
           "\n"
           "  list            the templates and whether each is built\n"
           "  build NAME      build it now (reused while the template is "
           "unchanged)\n"
           "      --mirror URL  the distribution mirror (default: the "
           "template's, else\n"
           "                    the one this machine's apt uses)\n"
           "      --refresh     rebuild even when an image for this template "
           "exists\n"
           "      --json        one JSON object per line on stdout\n");
}

static char *
human_size (guint64 bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

static JsonObject *
image_json (const KilnTemplateImage *img)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "name", img->name);
  json_object_set_string_member (o, "digest", img->digest);
  json_object_set_string_member (o, "image", img->image_path);
  json_object_set_string_member (o, "format", img->image_format);
  json_object_set_string_member (o, "firmware", img->firmware);
  json_object_set_string_member (o, "mirror", img->mirror);
  json_object_set_string_member (o, "built", img->built);
  json_object_set_int_member (o, "virtualSize", (gint64) img->virtual_size);
  json_object_set_int_member (o, "allocatedSize",
                              (gint64) img->allocated_size);
  json_object_set_boolean_member (o, "cacheHit", img->cache_hit);
  if (img->timings)
    json_object_set_object_member (o, "timings",
                                   json_object_ref (img->timings));
  return o;
}

static void
print_json (JsonObject *o)
{
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (n, o);
  g_autofree char *s = kiln_json_string (n, FALSE);
  printf ("%s\n", s);
}

static int
cmd_list (gboolean json)
{
  g_autoptr (GPtrArray) names = kiln_template_list_names ();
  g_autofree char *dir = kiln_templates_dir ();
  int rc = KILN_EXIT_OK;
  if (!json)
    printf ("%-16s %-9s %-5s %-30s %s\n", "NAME", "SUITE", "BOOT", "IMAGE",
            "DESCRIPTION");
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *path = kiln_template_find (name);
      g_autoptr (KilnDiags) diags = kiln_diags_new ();
      g_autoptr (KilnTemplate) t = path ? kiln_template_load (path, diags)
                                        : NULL;
      if (!t)
        {
          kiln_diags_print (diags, stderr);
          rc = KILN_EXIT_BAD_INPUT;
          continue;
        }
      g_autoptr (GError) err = NULL;
      g_autoptr (KilnTemplateImage) img = kiln_template_lookup (t, &err);
      g_autoptr (GPtrArray) older = kiln_template_list_built (t->name, NULL);
      if (json)
        {
          g_autoptr (JsonObject) o = json_object_new ();
          json_object_set_string_member (o, "name", t->name);
          json_object_set_string_member (o, "file", path);
          json_object_set_string_member (o, "description",
                                         t->description ? t->description : "");
          json_object_set_string_member (o, "distribution", t->distribution);
          json_object_set_string_member (o, "suite", t->suite);
          json_object_set_string_member (o, "firmware",
                                         kiln_template_firmware_name (
                                             t->firmware));
          json_object_set_string_member (o, "digest", t->digest);
          if (img)
            json_object_set_object_member (o, "built", image_json (img));
          else
            json_object_set_null_member (o, "built");
          print_json (o);
          continue;
        }
      g_autofree char *state = NULL;
      if (img)
        {
          g_autofree char *size = human_size (img->allocated_size);
          g_autofree char *day = g_strndup (img->built ? img->built : "", 10);
          state = g_strdup_printf ("built %s, %s", day, size);
        }
      else if (older && older->len)
        state = g_strdup ("outdated: template changed");
      else
        state = g_strdup ("not built");
      printf ("%-16s %-9s %-5s %-30s %s\n", t->name, t->suite,
              kiln_template_firmware_name (t->firmware), state,
              t->description ? t->description : "");
    }
  if (!json && names->len == 0)
    printf ("(no templates in %s)\n", dir);
  return rc;
}

static int
cmd_build (const char *name, const char *mirror, gboolean refresh,
           gboolean json)
{
  g_autoptr (KilnReporter) r = kiln_reporter_new (json);
  /* SIGINT, SIGTERM, SIGHUP stop the build as they stop `kiln build`: the
   * cancellable stops mmdebstrap and qemu-img, registered stops stop
   * guests, the build cleans up and kiln exits 128 + the signal */
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (KilnSignalWatch) signals = kiln_signal_watch_new (cancellable);
  /* the appliance stages (partition, bootloader, ...) stop at once, a
   * launching appliance included, as in `kiln build` */
  guint appliance_stop = kiln_signal_stop_add (kiln_guest_kill_appliances,
                                               NULL);
  KilnTemplateBuildOptions opts = { .refresh = refresh, .mirror = mirror,
                                    .reporter = r,
                                    .cancellable = cancellable };
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (KilnTemplateImage) img = kiln_template_ensure (name, &opts,
                                                            &error);
  double secs = (g_get_monotonic_time () - t0) / 1e6;
  kiln_signal_stop_remove (appliance_stop);
  int signo = kiln_signal_watch_fired (signals);
  if (!img || signo)
    {
      g_autofree char *msg = signo ? g_strdup_printf (
                                 "kiln template build %s: interrupted by "
                                 "signal %d", name, signo)
                                   : g_strdup_printf (
                                 "kiln template build %s: %s", name,
                                 error->message);
      kiln_reporter_result (r, FALSE, msg);
      return signo ? 128 + signo : kiln_exit_code_for_error (error);
    }
  if (json)
    {
      g_autoptr (JsonObject) o = image_json (img);
      json_object_set_double_member (o, "seconds", secs);
      kiln_reporter_event (r, "template", o);
    }
  g_autofree char *size = human_size (img->allocated_size);
  g_autofree char *vsize = human_size (img->virtual_size);
  g_autofree char *summary = g_strdup_printf (
      "template %s %s: %s (qcow2, %s allocated, %s virtual, %s boot) in "
      "%.1f s", img->name, img->cache_hit ? "is up to date" : "built",
      img->image_path, size, vsize, img->firmware, secs);
  kiln_reporter_result (r, TRUE, summary);
  return KILN_EXIT_OK;
}

int
kiln_cmd_template (int argc, char **argv)
{
  gboolean json = FALSE, refresh = FALSE, help = FALSE;
  g_autofree char *mirror = NULL;
  GOptionEntry entries[] = {
    { "mirror", 0, 0, G_OPTION_ARG_STRING, &mirror, NULL, NULL },
    { "refresh", 0, 0, G_OPTION_ARG_NONE, &refresh, NULL, NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, NULL, NULL },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_option_context_set_help_enabled (ctx, FALSE);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "kiln template: %s\n", error->message);
      usage (stderr);
      return KILN_EXIT_BAD_INPUT;
    }
  if (help)
    {
      usage (stdout);
      return KILN_EXIT_OK;
    }
  if (argc >= 2 && strcmp (argv[1], "list") == 0 && argc == 2)
    {
      if (mirror || refresh)
        {
          fprintf (stderr, "kiln template list: --mirror and --refresh "
                   "are options of 'build'\n");
          return KILN_EXIT_BAD_INPUT;
        }
      return cmd_list (json);
    }
  if (argc == 3 && strcmp (argv[1], "build") == 0)
    return cmd_build (argv[2], mirror, refresh, json);
  if (argc >= 2 && strcmp (argv[1], "build") == 0)
    fprintf (stderr, "kiln template build: expected one template name\n");
  else if (argc >= 2 && strcmp (argv[1], "list") != 0)
    fprintf (stderr, "kiln template: unknown subcommand '%s'\n", argv[1]);
  usage (stderr);
  return KILN_EXIT_BAD_INPUT;
}
