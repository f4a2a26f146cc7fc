/* cmd-components.c - kiln components list | show NAME
 *
 * The built-in library is the directory kiln_components_dir() names (the
 * source tree's components/ when kiln runs from its build tree).  A
 * component's library name is its file name without ".yaml"; recipes use
 * that name.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "documents/component.h"
#include "documents/library.h"
#include "base/diag.h"
#include "common/kiln.h"
#include "common/kiln-json.h"
#include "common/kiln-protocol.h"
#include "base/paths.h"
#include "base/suggest.h"

static const char usage_text[] =
  "Usage: kiln components list [--json]\n"
  "       kiln components show NAME [--json]\n"
  "\n"
  "List and show the built-in component library.\n"
  "\n"
  "  list         every component: name, phases, description\n"
  "  show NAME    one component: description, parameters with defaults,\n"
  "               phases and their steps\n"
  "  --json       print JSON instead of text\n"
  "  -h, --help   show this help\n";

static char *
phase_list (const KilnComponent *c)
{
  GString *s = g_string_new ("");
  for (guint i = 0; i < c->phases->len; i++)
    {
      if (i)
        g_string_append_c (s, ',');
      g_string_append (s, ((KilnPhase *) c->phases->pdata[i])->name);
    }
  return g_string_free (s, FALSE);
}

static void
component_to_json (JsonBuilder *b, const char *name, const char *file,
                   const KilnComponent *c, gboolean with_steps)
{
  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "name", name);
  kiln_json_add_string_or_null (b, "file", file);
  kiln_json_add_string_or_null (b, "documentName", c->name);
  kiln_json_add_string_or_null (b, "description", c->description);
  json_builder_set_member_name (b, "parameters");
  json_builder_begin_array (b);
  for (guint i = 0; i < c->parameters->len; i++)
    {
      const KilnParam *p = c->parameters->pdata[i];
      json_builder_begin_object (b);
      kiln_json_add_string_or_null (b, "name", p->name);
      kiln_json_add_string_or_null (b, "type", p->type);
      kiln_json_add_string_or_null (b, "default", p->default_value);
      kiln_json_add_string_or_null (b, "description", p->description);
      json_builder_set_member_name (b, "required");
      json_builder_add_boolean_value (b, p->default_value == NULL);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "phases");
  json_builder_begin_array (b);
  for (guint i = 0; i < c->phases->len; i++)
    {
      const KilnPhase *ph = c->phases->pdata[i];
      if (!with_steps)
        {
          json_builder_add_string_value (b, ph->name);
          continue;
        }
      json_builder_begin_object (b);
      kiln_json_add_string_or_null (b, "name", ph->name);
      json_builder_set_member_name (b, "steps");
      json_builder_begin_array (b);
      for (guint j = 0; j < ph->steps->len; j++)
        {
          const KilnStep *st = ph->steps->pdata[j];
          json_builder_begin_object (b);
          kiln_json_add_string_or_null (b, "name", st->name);
          kiln_json_add_string_or_null (b, "action", st->action);
          json_builder_set_member_name (b, "timeoutSeconds");
          json_builder_add_int_value (b, st->timeout_seconds);
          kiln_json_add_string_or_null (b, "onFailure", st->on_failure);
          json_builder_set_member_name (b, "maxAttempts");
          json_builder_add_int_value (b, st->max_attempts);
          json_builder_set_member_name (b, "loop");
          json_builder_add_boolean_value (b, st->loop != NULL);
          json_builder_set_member_name (b, "if");
          json_builder_add_boolean_value (b, st->if_expr != NULL);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
print_json (JsonBuilder *b)
{
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = kiln_json_to_text (root);
  fputs (text, stdout);
}

static int
cmd_list (const char *dir, gboolean json)
{
  g_autoptr (GError) err = NULL;
  g_auto (GStrv) names = kiln_library_list (dir, &err);
  if (!names)
    {
      fprintf (stderr, "kiln components: cannot read the library: %s\n",
               err->message);
      return KILN_EXIT_HOST;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "components");
  json_builder_begin_array (b);
  int rc = KILN_EXIT_OK;
  if (!json)
    printf ("%-24s %-22s %s\n", "NAME", "PHASES", "DESCRIPTION");
  for (guint i = 0; names[i]; i++)
    {
      const char *name = names[i];
      g_autofree char *file = g_strconcat (dir, "/", name, ".yaml", NULL);
      g_autoptr (KilnDiags) diags = kiln_diags_new ();
      g_autoptr (KilnComponent) c = kiln_component_load (file, diags);
      if (!c)
        {
          /* a broken library file is a packaging problem: say so */
          kiln_diags_sort (diags);
          kiln_diags_print (diags, stderr);
          rc = KILN_EXIT_HOST;
          continue;
        }
      if (json)
        {
          component_to_json (b, name, file, c, FALSE);
          continue;
        }
      g_autofree char *phases = phase_list (c);
      printf ("%-24s %-22s %s\n", name, phases,
              c->description ? c->description : "");
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  if (json)
    print_json (b);
  return rc;
}

static void
print_component (const char *name, const char *file, const KilnComponent *c)
{
  printf ("%s (%s)\n", name, file);
  if (c->name)
    printf ("  name:        %s\n", c->name);
  if (c->description)
    printf ("  description: %s\n", c->description);
  printf ("\nParameters:\n");
  if (c->parameters->len == 0)
    printf ("  (none)\n");
  for (guint i = 0; i < c->parameters->len; i++)
    {
      const KilnParam *p = c->parameters->pdata[i];
      if (p->default_value)
        printf ("  %s = '%s'", p->name, p->default_value);
      else
        printf ("  %s (required)", p->name);
      if (p->description)
        printf ("  - %s", p->description);
      printf ("\n");
    }
  for (guint i = 0; i < c->phases->len; i++)
    {
      const KilnPhase *ph = c->phases->pdata[i];
      printf ("\nPhase %s:\n", ph->name);
      for (guint j = 0; j < ph->steps->len; j++)
        {
          const KilnStep *st = ph->steps->pdata[j];
          printf ("  %u. %s (%s)", j + 1, st->name, st->action);
          if (st->loop)
            printf (" [loop]");
          if (st->if_expr)
            printf (" [if]");
          if (st->timeout_seconds != KILN_STEP_DEFAULT_TIMEOUT_SECONDS)
            printf (" timeout %" G_GINT64_FORMAT "s", st->timeout_seconds);
          if (g_strcmp0 (st->on_failure, KILN_ON_FAILURE_ABORT) != 0)
            printf (" onFailure %s", st->on_failure);
          if (st->max_attempts != 1)
            printf (" maxAttempts %" G_GINT64_FORMAT, st->max_attempts);
          printf ("\n");
        }
    }
}

static int
cmd_show (const char *dir, const char *name, gboolean json)
{
  g_autofree char *stem = g_str_has_suffix (name, ".yaml")
                            ? g_strndup (name, strlen (name) - 5)
                            : g_strdup (name);
  g_autofree char *file = g_strconcat (dir, "/", stem, ".yaml", NULL);
  if (strchr (stem, '/') || !g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      g_auto (GStrv) names = kiln_library_list (dir, NULL);
      g_autofree char *hint = names ? kiln_suggest_suffix (
          stem, (const char *const *) names) : NULL;
      fprintf (stderr, "kiln components: no built-in component '%s'%s\n"
               "Run 'kiln components list' to see them.\n", stem,
               hint ? hint : "");
      return KILN_EXIT_BAD_INPUT;
    }
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  g_autoptr (KilnComponent) c = kiln_component_load (file, diags);
  if (!c)
    {
      kiln_diags_sort (diags);
      kiln_diags_print (diags, stderr);
      return KILN_EXIT_HOST;
    }
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      component_to_json (b, stem, file, c, TRUE);
      print_json (b);
    }
  else
    print_component (stem, file, c);
  return KILN_EXIT_OK;
}

int
kiln_cmd_components (int argc, char **argv)
{
  gboolean json = FALSE;
  const char *sub = NULL, *name = NULL;

  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      if (strcmp (a, "--help") == 0 || strcmp (a, "-h") == 0)
        {
          fputs (usage_text, stdout);
          return KILN_EXIT_OK;
        }
      if (strcmp (a, "--json") == 0)
        json = TRUE;
      else if (a[0] == '-' && a[1])
        {
          fprintf (stderr, "kiln components: unknown option '%s'\n%s", a,
                   usage_text);
          return KILN_EXIT_BAD_INPUT;
        }
      else if (!sub)
        sub = a;
      else if (!name)
        name = a;
      else
        {
          fprintf (stderr, "kiln components: unexpected argument '%s'\n%s",
                   a, usage_text);
          return KILN_EXIT_BAD_INPUT;
        }
    }

  g_autofree char *dir = kiln_components_dir ();
  if (g_strcmp0 (sub, "list") == 0 && !name)
    return cmd_list (dir, json);
  if (g_strcmp0 (sub, "show") == 0 && name)
    return cmd_show (dir, name, json);
  if (g_strcmp0 (sub, "show") == 0)
    fprintf (stderr, "kiln components show: expected a component NAME\n");
  else if (sub && strcmp (sub, "list") != 0)
    fprintf (stderr, "kiln components: unknown subcommand '%s'\n", sub);
  fputs (usage_text, stderr);
  return KILN_EXIT_BAD_INPUT;
}
