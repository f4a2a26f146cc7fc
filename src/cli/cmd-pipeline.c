/* cmd-pipeline.c - kiln pipeline run | status | list | install |
 * uninstall | enable | disable
 *
 * A pipeline (documents/pipeline.h) is a recipe on a schedule.  `run`
 * runs it once (automation/pipeline-run.h); the catalog keeps every run
 * (store/catalog-pipelines.h), which `status` and `list` read; `install`
 * and the rest put it on systemd (automation/install.h).
 */
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "commands.h"
#include "automation/install.h"
#include "automation/pipeline-run.h"
#include "base/diag.h"
#include "base/escape.h"
#include "base/paths.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "documents/pipeline.h"
#include "store/catalog-pipelines.h"
#include "store/store.h"

static const char usage_text[] =
  "Usage: kiln pipeline run FILE [--trigger manual|schedule]\n"
  "       kiln pipeline status [FILE] [--json]\n"
  "       kiln pipeline list [--json]\n"
  "       kiln pipeline install FILE [--user] [--root DIR]\n"
  "       kiln pipeline uninstall|enable|disable FILE [--user] [--root DIR]\n"
  "\n"
  "A pipeline builds its recipe on a schedule; every run is recorded in\n"
  "the catalog.\n"
  "\n"
  "  run         run the pipeline once: build its recipe as `kiln build`\n"
  "              does, unless it is disabled, its previous run is still\n"
  "              going, or (when: changed) nothing it depends on changed;\n"
  "              a skipped run is recorded with its reason\n"
  "  status      the pipeline's last run, its result and build, the next\n"
  "              run of its schedule, enabled or not (every pipeline kiln\n"
  "              has run without FILE)\n"
  "  list        the pipelines kiln has run, one line each\n"
  "  install     write a systemd service and timer for the pipeline's\n"
  "              schedule (OnCalendar=, its time zone, Persistent=true) and\n"
  "              enable the timer; without systemd, print a crontab line\n"
  "  uninstall   remove them\n"
  "  enable      enable the pipeline again (also after kiln disabled it\n"
  "              for disable_after failed runs in a row) and its timer\n"
  "  disable     skip the pipeline's runs, disable its timer\n"
  "  --user      install: the user's units (~/.config/systemd/user), not\n"
  "              the system's (/etc/systemd/system)\n"
  "  --root      install: write under DIR, call no systemctl\n"
  "  --trigger   run: what started the run, as recorded (default manual)\n"
  "  --json      print JSON instead of text\n"
  "  -h, --help  show this help\n";

static int usage_error (const char *fmt, const char *arg) G_GNUC_PRINTF (1, 0);

static int
usage_error (const char *fmt, const char *arg)
{
  g_autofree char *msg = g_strdup_printf (fmt, arg);
  kiln_print_text (stderr, "kiln pipeline: %s\nRun 'kiln pipeline --help' "
                   "for usage.\n", msg);
  return KILN_EXIT_BAD_INPUT;
}

/* The pipeline in path, fully validated (its recipe and components too);
 * NULL after printing every problem. */
static KilnPipeline *
load_pipeline (const char *path)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnPipeline) p = kiln_pipeline_load (path, diags);
  kiln_diags_sort (diags);
  kiln_diags_print (diags, stderr);
  if (!p || kiln_diags_error_count (diags))
    return NULL;
  return g_steal_pointer (&p);
}

static int
cmd_run (const char *path, const char *trigger)
{
  g_autoptr (KilnPipeline) p = load_pipeline (path);
  if (!p)
    return KILN_EXIT_BAD_INPUT;
  return kiln_pipeline_run (p, trigger);
}

/* What status says about one pipeline. */
typedef struct {
  char *name;
  char *path;
  gboolean enabled;
  char *disabled_why;        /* NULL: enabled (or disabled in the file) */
  guint failures;
  KilnRunRecord *last;       /* NULL: never run */
  KilnRunRecord *last_build; /* the newest run that made a build, or NULL */
  char *next_run;            /* ISO 8601 in the pipeline's zone, or NULL */
  char *problem;             /* the file cannot be read any more */
} Status;

static void
status_free (Status *s)
{
  g_free (s->name);
  g_free (s->path);
  g_free (s->disabled_why);
  kiln_run_record_free (s->last);
  kiln_run_record_free (s->last_build);
  g_free (s->next_run);
  g_free (s->problem);
  g_free (s);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Status, status_free)

static void
status_fill_from_file (Status *s, const KilnPipeline *p)
{
  s->enabled = s->enabled && p->enabled;
  if (!p->enabled && !s->disabled_why)
    s->disabled_why = g_strdup_printf ("%s says enabled: false", p->path);
  g_autoptr (GDateTime) now = g_date_time_new_now (p->tz);
  g_autoptr (GDateTime) next = kiln_pipeline_next_run (p, now);
  if (next)
    s->next_run = g_date_time_format (next, "%Y-%m-%dT%H:%M:%S%:z");
}

/* cat may be NULL (kiln never ran anything); p may be NULL (then the
 * file named in the catalog is read, quietly). */
static Status *
status_get (KilnCatalog *cat, const char *name, const KilnPipeline *p,
            GError **error)
{
  g_autoptr (Status) s = g_new0 (Status, 1);
  s->name = g_strdup (name);
  s->enabled = TRUE;
  if (p)
    s->path = g_canonicalize_filename (p->path, NULL);
  if (cat)
    {
      g_autoptr (KilnPipelineRecord) rec
          = kiln_catalog_get_pipeline (cat, name, error);
      if (!rec && *error)
        return NULL;
      if (rec)
        {
          if (!s->path)
            s->path = g_strdup (rec->path);
          s->failures = rec->failures;
          if (rec->disabled)
            {
              s->enabled = FALSE;
              s->disabled_why = g_strdup (rec->disabled);
            }
        }
      /* newest first: the last run (maybe still going, or a tick skipped
       * while an earlier run built), and the last that made a build */
      g_autoptr (GPtrArray) runs = kiln_catalog_list_runs (cat, name, 0,
                                                           error);
      if (!runs)
        return NULL;
      for (guint i = 0; i < runs->len; i++)
        {
          KilnRunRecord *r = runs->pdata[i];
          if (!s->last)
            s->last = g_steal_pointer (&runs->pdata[i]);
          else if (!s->last_build && r->build)
            s->last_build = g_steal_pointer (&runs->pdata[i]);
        }
    }
  if (p)
    status_fill_from_file (s, p);
  else if (s->path)
    {
      g_autoptr (KilnDiags) diags = kiln_diags_new ();
      g_autoptr (KilnPipeline) loaded = kiln_pipeline_load (s->path, diags);
      if (loaded && !kiln_diags_error_count (diags))
        status_fill_from_file (s, loaded);
      else
        s->problem = g_strdup_printf ("%s no longer loads (kiln validate "
                                      "%s)", s->path, s->path);
    }
  return g_steal_pointer (&s);
}

static void run_to_json (JsonBuilder *b, const KilnRunRecord *r);

static void
status_to_json (JsonBuilder *b, const Status *s)
{
  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "pipeline", s->name);
  kiln_json_add_string_or_null (b, "file", s->path);
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, s->enabled);
  kiln_json_add_string_or_null (b, "disabled", s->disabled_why);
  json_builder_set_member_name (b, "failuresInARow");
  json_builder_add_int_value (b, s->failures);
  kiln_json_add_string_or_null (b, "nextRun", s->next_run);
  kiln_json_add_string_or_null (b, "problem", s->problem);
  json_builder_set_member_name (b, "lastRun");
  run_to_json (b, s->last);
  json_builder_set_member_name (b, "lastBuild");
  run_to_json (b, s->last && s->last->build ? s->last : s->last_build);
  json_builder_end_object (b);
}

static void
run_to_json (JsonBuilder *b, const KilnRunRecord *r)
{
  if (!r)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "number");
      json_builder_add_int_value (b, r->number);
      kiln_json_add_string_or_null (b, "trigger", r->trigger);
      kiln_json_add_string_or_null (b, "result", r->state);
      kiln_json_add_string_or_null (b, "reason", r->reason);
      kiln_json_add_string_or_null (b, "build", r->build);
      kiln_json_add_string_or_null (b, "started", r->started);
      kiln_json_add_string_or_null (b, "finished", r->finished);
      json_builder_end_object (b);
    }
}

static void
status_print (const Status *s)
{
  kiln_print_text (stdout, "pipeline %s\n", s->name);
  kiln_print_text (stdout, "  file:     %s\n", s->path ? s->path : "-");
  if (s->enabled)
    kiln_print_text (stdout, "  enabled:  yes\n");
  else
    kiln_print_text (stdout, "  enabled:  no (%s)\n", s->disabled_why);
  if (s->problem)
    kiln_print_text (stdout, "  problem:  %s\n", s->problem);
  if (!s->last)
    kiln_print_text (stdout, "  last run: none\n");
  else
    {
      const KilnRunRecord *r = s->last;
      kiln_print_text (stdout, "  last run: %" G_GINT64_FORMAT " (%s), started %s: %s%s%s\n",
              r->number, r->trigger, r->started, r->state,
              r->reason ? ": " : "", r->reason ? r->reason : "");
      if (r->build)
        kiln_print_text (stdout, "  build:    %s\n", r->build);
      else if (s->last_build)
        kiln_print_text (stdout, "  last build: run %" G_GINT64_FORMAT " (%s): %s %s\n",
                s->last_build->number, s->last_build->trigger,
                s->last_build->state, s->last_build->build);
    }
  kiln_print_text (stdout, "  failed runs in a row: %u\n", s->failures);
  kiln_print_text (stdout, "  next run: %s\n", s->next_run ? s->next_run : "none");
}

static void
print_json (JsonBuilder *b)
{
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = kiln_json_to_text (root);
  fputs (text, stdout);
}

static KilnStore *
open_store_or_null (GError **error)
{
  return kiln_store_open_existing (kiln_home (), error);
}

/* Every pipeline the catalog knows, by name. */
static GPtrArray *
all_statuses (GError **error)
{
  g_autoptr (GPtrArray) out
      = g_ptr_array_new_with_free_func ((GDestroyNotify) status_free);
  g_autoptr (KilnStore) store = open_store_or_null (error);
  if (!store)
    return *error ? NULL : g_steal_pointer (&out);
  KilnCatalog *cat = kiln_store_catalog (store);
  g_autoptr (GPtrArray) recs = kiln_catalog_list_pipelines (cat, error);
  if (!recs)
    return NULL;
  for (guint i = 0; i < recs->len; i++)
    {
      const KilnPipelineRecord *rec = recs->pdata[i];
      Status *s = status_get (cat, rec->name, NULL, error);
      if (!s)
        return NULL;
      g_ptr_array_add (out, s);
    }
  return g_steal_pointer (&out);
}

static int
cmd_status (const char *path, gboolean json)
{
  g_autoptr (GError) error = NULL;
  if (path)
    {
      g_autoptr (KilnPipeline) p = load_pipeline (path);
      if (!p)
        return KILN_EXIT_BAD_INPUT;
      g_autoptr (KilnStore) store = open_store_or_null (&error);
      if (!store && error)
        goto fail;
      g_autoptr (Status) s = status_get (
          store ? kiln_store_catalog (store) : NULL, p->name, p, &error);
      if (!s)
        goto fail;
      if (json)
        {
          g_autoptr (JsonBuilder) b = json_builder_new ();
          status_to_json (b, s);
          print_json (b);
        }
      else
        status_print (s);
      return KILN_EXIT_OK;
    }
  g_autoptr (GPtrArray) all = all_statuses (&error);
  if (!all)
    goto fail;
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_array (b);
      for (guint i = 0; i < all->len; i++)
        status_to_json (b, all->pdata[i]);
      json_builder_end_array (b);
      print_json (b);
    }
  else
    for (guint i = 0; i < all->len; i++)
      status_print (all->pdata[i]);
  return KILN_EXIT_OK;
fail:
  kiln_print_text (stderr, "kiln pipeline: %s\n", error->message);
  return kiln_exit_code_for_error (error);
}

static int
cmd_list (gboolean json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = all_statuses (&error);
  if (!all)
    {
      kiln_print_text (stderr, "kiln pipeline: %s\n", error->message);
      return kiln_exit_code_for_error (error);
    }
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_array (b);
      for (guint i = 0; i < all->len; i++)
        status_to_json (b, all->pdata[i]);
      json_builder_end_array (b);
      print_json (b);
      return KILN_EXIT_OK;
    }
  if (all->len)
    kiln_print_text (stdout, "%-24s %-8s %-10s %-25s %s\n", "PIPELINE", "ENABLED",
            "LAST RUN", "NEXT RUN", "FILE");
  for (guint i = 0; i < all->len; i++)
    {
      const Status *s = all->pdata[i];
      kiln_print_text (stdout, "%-24s %-8s %-10s %-25s %s\n", s->name,
              s->enabled ? "yes" : "no", s->last ? s->last->state : "-",
              s->next_run ? s->next_run : "-", s->path ? s->path : "-");
    }
  return KILN_EXIT_OK;
}

/* install, uninstall, enable, disable: the pipeline in path, and where its
 * units go. */
static int
cmd_unit (const char *sub, const char *path, gboolean user,
          const char *root)
{
  g_autoptr (KilnPipeline) p = load_pipeline (path);
  if (!p)
    return KILN_EXIT_BAD_INPUT;
  KilnUnitTarget t = { .user = user, .root = root };
  if (strcmp (sub, "install") == 0)
    return kiln_pipeline_install (p, &t);
  if (strcmp (sub, "uninstall") == 0)
    return kiln_pipeline_uninstall (p, &t);
  if (strcmp (sub, "enable") == 0)
    return kiln_pipeline_enable (p, &t);
  return kiln_pipeline_disable (p, &t);
}

int
kiln_cmd_pipeline (int argc, char **argv)
{
  gboolean json = FALSE, user = FALSE;
  g_autofree char *trigger = NULL;
  g_autofree char *root = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON", NULL },
    { "trigger", 0, 0, G_OPTION_ARG_STRING, &trigger,
      "run: manual or schedule", "TRIGGER" },
    { "user", 0, 0, G_OPTION_ARG_NONE, &user, "the user's units", NULL },
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &root, "write under DIR", "DIR" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx
      = g_option_context_new (
      "run|status|list|install|uninstall|enable|disable");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_help_enabled (ctx, FALSE);
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0)
      {
        fputs (usage_text, stdout);
        return KILN_EXIT_OK;
      }
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage_error ("%s", error->message);
  if (argc < 2)
    return usage_error ("%s", "expected run, status, list, install, "
                        "uninstall, enable or disable");
  const char *sub = argv[1];
  if (trigger && strcmp (sub, "run") != 0)
    return usage_error ("%s", "--trigger is for run only");
  if (json && strcmp (sub, "status") != 0 && strcmp (sub, "list") != 0)
    return usage_error ("%s", "--json is for status and list only");
  gboolean units = strcmp (sub, "install") == 0
                   || strcmp (sub, "uninstall") == 0
                   || strcmp (sub, "enable") == 0
                   || strcmp (sub, "disable") == 0;
  if ((user || root) && !units)
    return usage_error ("%s", "--user and --root are for install, "
                        "uninstall, enable and disable only");
  if (strcmp (sub, "run") == 0)
    {
      if (argc != 3)
        return usage_error ("%s", "run takes one pipeline FILE");
      if (trigger && strcmp (trigger, "manual") != 0
          && strcmp (trigger, "schedule") != 0)
        return usage_error ("--trigger: expected manual or schedule, found "
                            "'%s'", trigger);
      return cmd_run (argv[2], trigger ? trigger : "manual");
    }
  if (strcmp (sub, "status") == 0)
    {
      if (argc > 3)
        return usage_error ("status takes at most one FILE, found '%s'",
                            argv[3]);
      return cmd_status (argc == 3 ? argv[2] : NULL, json);
    }
  if (strcmp (sub, "list") == 0 || strcmp (sub, "ls") == 0)
    {
      if (argc != 2)
        return usage_error ("list takes no arguments, found '%s'", argv[2]);
      return cmd_list (json);
    }
  if (units)
    {
      if (argc != 3)
        return usage_error ("%s takes one pipeline FILE", sub);
      return cmd_unit (sub, argv[2], user, root);
    }
  return usage_error ("unknown subcommand '%s' (expected run, status, list, "
                      "install, uninstall, enable or disable)", sub);
}
