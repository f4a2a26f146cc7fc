/* offline.c - steps an offline component cannot run (offline.h) */
#include "offline.h"

#include <string.h>

#include "schema.h"

static const char *const offline_phases[] = { "build", "validate", NULL };

/* The first scalar under n that exits 194 (`exit 194`, with any blanks
 * between), or NULL. */
static const KilnNode *
find_exit_194 (const KilnNode *n)
{
  if (!n)
    return NULL;
  if (kiln_node_is_scalar (n))
    {
      for (const char *p = strstr (n->scalar, "exit"); p;
           p = strstr (p + 4, "exit"))
        {
          gboolean word_start = p == n->scalar
                                || (!g_ascii_isalnum (p[-1]) && p[-1] != '_');
          const char *q = p + 4;
          if (!word_start || (*q != ' ' && *q != '\t'))
            continue;
          while (*q == ' ' || *q == '\t')
            q++;
          if (strncmp (q, "194", 3) == 0 && !g_ascii_isdigit (q[3]))
            return n;
        }
      return NULL;
    }
  if (n->items)
    for (guint i = 0; i < n->items->len; i++)
      {
        const KilnNode *hit = find_exit_194 (n->items->pdata[i]);
        if (hit)
          return hit;
      }
  return NULL;
}

gboolean
kiln_offline_check (const KilnComponent *c, const KilnNode *entry,
                    KilnDiags *diags)
{
  guint errors = kiln_diags_error_count (diags);
  g_autofree char *where = g_strdup_printf ("%s:%d:%d", entry->file,
                                            entry->line, entry->col);
  for (guint p = 0; p < c->phases->len; p++)
    {
      const KilnPhase *ph = c->phases->pdata[p];
      if (!g_strv_contains (offline_phases, ph->name))
        continue;
      for (guint s = 0; s < ph->steps->len; s++)
        {
          const KilnStep *st = ph->steps->pdata[s];
          const KilnNode *hit = NULL;
          if (g_strcmp0 (st->action, "Reboot") == 0)
            kiln_schema_error (diags, kiln_node_map_get (st->node, "action"),
                               "step '%s' (%s phase): expected an action that "
                               "runs offline, found Reboot, which needs a "
                               "running system (the component is marked "
                               "offline at %s; remove that to boot it)",
                               st->name, ph->name, where);
          else if ((hit = find_exit_194 (st->inputs)))
            kiln_schema_error (diags, hit,
                               "step '%s' (%s phase): expected a command "
                               "that runs offline, found 'exit 194' (reboot "
                               "and run again), which needs a running "
                               "system (the component is marked offline at "
                               "%s; remove that to boot it)",
                               st->name, ph->name, where);
        }
    }
  return kiln_diags_error_count (diags) == errors;
}
