/* units.c - a pipeline's systemd service and timer (units.h) */
#include "units.h"

#include <string.h>

char *
kiln_pipeline_unit_name (const char *name, const char *suffix)
{
  return g_strconcat ("kiln-pipeline-", name, suffix, NULL);
}

char *
kiln_unit_quote (const char *word, gboolean command)
{
  GString *s = g_string_new (NULL);
  gboolean quote = *word == '\0';
  for (const char *c = word; *c; c++)
    if (g_ascii_isspace (*c) || *c == '"' || *c == '\'' || *c == '\\'
        || *c == ';')
      quote = TRUE;
  if (quote)
    g_string_append_c (s, '"');
  for (const char *c = word; *c; c++)
    {
      if (*c == '%')
        g_string_append (s, "%%");
      else if (*c == '$' && command)
        g_string_append (s, "$$");
      else if (quote && (*c == '"' || *c == '\\'))
        {
          g_string_append_c (s, '\\');
          g_string_append_c (s, *c);
        }
      else
        g_string_append_c (s, *c);
    }
  if (quote)
    g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

char *
kiln_pipeline_service_unit (const KilnPipeline *p, const char *kiln,
                            const char *file, const char *home)
{
  g_autofree char *q_kiln = kiln_unit_quote (kiln, TRUE);
  g_autofree char *q_file = kiln_unit_quote (file, TRUE);
  g_autofree char *env = g_strconcat ("KILN_HOME=", home, NULL);
  g_autofree char *q_env = kiln_unit_quote (env, FALSE);
  return g_strdup_printf (
      "# Written by kiln pipeline install: removed by kiln pipeline "
      "uninstall.\n"
      "[Unit]\n"
      "Description=kiln pipeline %s\n"
      "Documentation=man:kiln(1)\n"
      "\n"
      "[Service]\n"
      "Type=oneshot\n"
      "Environment=%s\n"
      "ExecStart=%s pipeline run --trigger schedule %s\n",
      p->name, q_env, q_kiln, q_file);
}

char *
kiln_pipeline_timer_unit (const KilnPipeline *p, GError **error)
{
  g_auto (GStrv) calendar = kiln_pipeline_oncalendar (p, error);
  if (!calendar)
    return NULL;
  g_autofree char *service = kiln_pipeline_unit_name (p->name, ".service");
  GString *s = g_string_new (NULL);
  g_string_append_printf (
      s,
      "# Written by kiln pipeline install: removed by kiln pipeline "
      "uninstall.\n"
      "[Unit]\n"
      "Description=The schedule of kiln pipeline %s\n"
      "Documentation=man:kiln(1)\n"
      "\n"
      "[Timer]\n", p->name);
  for (guint i = 0; calendar[i]; i++)
    g_string_append_printf (s, "OnCalendar=%s\n", calendar[i]);
  g_string_append_printf (s,
                          "Persistent=true\n"
                          "Unit=%s\n"
                          "\n"
                          "[Install]\n"
                          "WantedBy=timers.target\n", service);
  return g_string_free (s, FALSE);
}
