/* install.c - a pipeline on the machine's own scheduler (install.h) */
#include "install.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "units.h"
#include "backends/program.h"
#include "base/escape.h"
#include "base/paths.h"
#include "common/kiln.h"
#include "store/catalog-pipelines.h"
#include "store/store.h"

/* systemd is the running init (sd_booted(3)'s test). */
static gboolean
systemd_running (void)
{
  return g_file_test ("/run/systemd/system", G_FILE_TEST_IS_DIR);
}

/* systemctl is called only for the running system, never under a root. */
static gboolean
live (const KilnUnitTarget *t)
{
  return !t->root && systemd_running ();
}

static char *
unit_dir (const KilnUnitTarget *t)
{
  g_autofree char *dir
      = t->user ? g_build_filename (g_get_user_config_dir (), "systemd",
                                    "user", NULL)
                : g_strdup ("/etc/systemd/system");
  return t->root ? g_build_filename (t->root, dir, NULL)
                 : g_steal_pointer (&dir);
}

static int
fail_with (const KilnPipeline *p, const GError *error)
{
  kiln_print_text (stderr, "kiln pipeline: %s: %s\n", p->name, error->message);
  return kiln_exit_code_for_error (error);
}

static gboolean
systemctl (const KilnUnitTarget *t, const char *verb, const char *unit,
           GError **error)
{
  const char *argv[5];
  guint n = 0;
  argv[n++] = "systemctl";
  if (t->user)
    argv[n++] = "--user";
  argv[n++] = verb;
  if (unit)
    argv[n++] = unit;
  argv[n] = NULL;
  g_auto (KilnProgramResult) res = { 0 };
  if (!kiln_program_run (argv, NULL, 120, &res, error))
    return FALSE;
  if (!res.exited || res.status != 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "systemctl %s%s %s failed: %s", t->user ? "--user " : "",
                   verb, unit ? unit : "",
                   res.output && *res.output ? res.output
                                             : "(no output)");
      return FALSE;
    }
  return TRUE;
}

static KilnStore *
open_store (GError **error)
{
  return kiln_store_open (kiln_home (), error);
}

/* A unit file is the system's (or the user's) configuration, not kiln's
 * private state: it gets the caller's umask, not kiln's (base/paths.h). */
static gboolean
write_unit (const char *path, const char *text, GError **error)
{
  if (!g_file_set_contents (path, text, -1, error))
    return FALSE;
  if (g_chmod (path, kiln_user_file_mode ()) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot chmod %s: %s",
                   path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* timers.target.wants/UNIT -> ../UNIT, as `systemctl enable` makes it. */
static gboolean
set_wanted (const char *dir, const char *timer, gboolean wanted,
            GError **error)
{
  g_autofree char *wants = g_build_filename (dir, "timers.target.wants",
                                             NULL);
  g_autofree char *link = g_build_filename (wants, timer, NULL);
  if (g_unlink (link) < 0 && errno != ENOENT)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot remove %s: %s",
                   link, g_strerror (errno));
      return FALSE;
    }
  if (!wanted)
    {
      g_rmdir (wants); /* only when empty */
      return TRUE;
    }
  g_autofree char *target = g_build_filename ("..", timer, NULL);
  if (kiln_mkdir_for_user (wants) < 0 || symlink (target, link) < 0)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot link %s: %s",
                   link, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* No systemd: the line for the user's crontab, printed, nothing written. */
static int
print_crontab (const KilnPipeline *p, const char *kiln, const char *file)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *when = kiln_cron_to_crontab (p->schedule, &error);
  if (!when)
    {
      kiln_print_text (stderr, "kiln pipeline: %s: systemd is not running here and "
               "the schedule has no crontab form: %s\n", p->name,
               error->message);
      return KILN_EXIT_BAD_INPUT;
    }
  g_autofree char *q_kiln = g_shell_quote (kiln);
  g_autofree char *q_file = g_shell_quote (file);
  g_autofree char *q_home = g_shell_quote (kiln_home ());
  kiln_print_text (stdout, "systemd is not running here: nothing was installed.  Add this "
          "line to a crontab (crontab -e):\n");
  if (p->timezone)
    kiln_print_text (stdout, "# the schedule is in %s; cron reads it in its own time zone\n",
            p->timezone);
  kiln_print_text (stdout, "%s KILN_HOME=%s %s pipeline run --trigger schedule %s\n", when,
          q_home, q_kiln, q_file);
  return KILN_EXIT_OK;
}

int
kiln_pipeline_install (const KilnPipeline *p, const KilnUnitTarget *t)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *kiln = g_file_read_link ("/proc/self/exe", &error);
  if (!kiln)
    return fail_with (p, error);
  g_autofree char *file = g_canonicalize_filename (p->path, NULL);
  if (!t->root && !systemd_running ())
    return print_crontab (p, kiln, file);

  /* Everything that can fail on the document before anything is written */
  g_autofree char *timer_text = kiln_pipeline_timer_unit (p, &error);
  if (!timer_text)
    {
      kiln_print_text (stderr, "%s: %s\n", p->path, error->message);
      return KILN_EXIT_BAD_INPUT;
    }
  g_autofree char *service_text
      = kiln_pipeline_service_unit (p, kiln, file, kiln_home ());
  g_autofree char *dir = unit_dir (t);
  g_autofree char *service = kiln_pipeline_unit_name (p->name, ".service");
  g_autofree char *timer = kiln_pipeline_unit_name (p->name, ".timer");
  g_autofree char *service_path = g_build_filename (dir, service, NULL);
  g_autofree char *timer_path = g_build_filename (dir, timer, NULL);
  g_autoptr (KilnStore) store = open_store (&error);
  if (!store)
    return fail_with (p, error);
  KilnCatalog *cat = kiln_store_catalog (store);

  if (kiln_mkdir_for_user (dir) < 0)
    {
      kiln_print_text (stderr, "kiln pipeline: cannot create %s: %s\n", dir,
               g_strerror (errno));
      return KILN_EXIT_HOST;
    }
  if (!write_unit (service_path, service_text, &error)
      || !write_unit (timer_path, timer_text, &error)
      || !set_wanted (dir, timer, TRUE, &error)
      || !kiln_catalog_register_pipeline (cat, p->name, file, &error)
      || !kiln_catalog_set_pipeline_installed (cat, p->name, dir, &error))
    return fail_with (p, error);
  kiln_print_text (stdout, "pipeline %s: wrote %s and %s, enabled\n", p->name, service_path,
          timer_path);
  if (live (t))
    {
      if (!systemctl (t, "daemon-reload", NULL, &error)
          || !systemctl (t, "start", timer, &error))
        return fail_with (p, error);
      kiln_print_text (stdout, "pipeline %s: %s started\n", p->name, timer);
    }
  return KILN_EXIT_OK;
}

int
kiln_pipeline_uninstall (const KilnPipeline *p, const KilnUnitTarget *t)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = unit_dir (t);
  g_autofree char *service = kiln_pipeline_unit_name (p->name, ".service");
  g_autofree char *timer = kiln_pipeline_unit_name (p->name, ".timer");
  g_autofree char *service_path = g_build_filename (dir, service, NULL);
  g_autofree char *timer_path = g_build_filename (dir, timer, NULL);
  if (!g_file_test (timer_path, G_FILE_TEST_EXISTS)
      && !g_file_test (service_path, G_FILE_TEST_EXISTS))
    {
      kiln_print_text (stderr, "kiln pipeline: %s: not installed in %s\n", p->name,
               dir);
      return KILN_EXIT_BAD_INPUT;
    }
  if (live (t) && !systemctl (t, "stop", timer, &error))
    return fail_with (p, error);
  if (!set_wanted (dir, timer, FALSE, &error))
    return fail_with (p, error);
  g_unlink (timer_path);
  g_unlink (service_path);
  if (live (t) && !systemctl (t, "daemon-reload", NULL, &error))
    return fail_with (p, error);
  g_autoptr (KilnStore) store = open_store (&error);
  if (!store
      || !kiln_catalog_set_pipeline_installed (kiln_store_catalog (store),
                                               p->name, NULL, &error))
    return fail_with (p, error);
  kiln_print_text (stdout, "pipeline %s: removed %s and %s\n", p->name, service_path,
          timer_path);
  return KILN_EXIT_OK;
}

/* The timer on or off, when it is installed. */
static gboolean
switch_timer (const KilnPipeline *p, const KilnUnitTarget *t, gboolean on,
              GError **error)
{
  g_autofree char *dir = unit_dir (t);
  g_autofree char *timer = kiln_pipeline_unit_name (p->name, ".timer");
  g_autofree char *timer_path = g_build_filename (dir, timer, NULL);
  if (!g_file_test (timer_path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!set_wanted (dir, timer, on, error))
    return FALSE;
  if (live (t) && !systemctl (t, on ? "start" : "stop", timer, error))
    return FALSE;
  kiln_print_text (stdout, "pipeline %s: %s %s\n", p->name, timer_path,
          on ? "enabled" : "disabled");
  return TRUE;
}

static int
set_enabled (const KilnPipeline *p, const KilnUnitTarget *t, gboolean on)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnStore) store = open_store (&error);
  g_autofree char *file = g_canonicalize_filename (p->path, NULL);
  if (!store
      || !kiln_catalog_register_pipeline (kiln_store_catalog (store),
                                          p->name, file, &error)
      || !kiln_catalog_set_pipeline_disabled (
          kiln_store_catalog (store), p->name,
          on ? NULL : "disabled with `kiln pipeline disable`", &error)
      || !switch_timer (p, t, on, &error))
    return fail_with (p, error);
  if (on && !p->enabled)
    kiln_print_text (stdout, "pipeline %s: enabled in the catalog; %s still says enabled: "
            "false\n", p->name, p->path);
  else
    kiln_print_text (stdout, "pipeline %s: %s\n", p->name, on ? "enabled" : "disabled");
  return KILN_EXIT_OK;
}

int
kiln_pipeline_enable (const KilnPipeline *p, const KilnUnitTarget *t)
{
  return set_enabled (p, t, TRUE);
}

int
kiln_pipeline_disable (const KilnPipeline *p, const KilnUnitTarget *t)
{
  return set_enabled (p, t, FALSE);
}
