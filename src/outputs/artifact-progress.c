/* artifact-progress.c - per-artifact progress bars or plain lines */
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "artifact-progress.h"
#include "common/kiln-json.h"

typedef struct {
  char *name;
  KilnArtifactPhase phase;
  double fraction;
  int last_quarter;             /* plain lines: last 25 % step printed */
  gint64 started;
} Row;

struct KilnArtifactProgress {
  FILE *out;
  KilnProgressStyle style;
  GPtrArray *rows;              /* Row*, in first-seen order */
  guint drawn;                  /* lines drawn last time (bars) */
  gint64 last_draw;
};

static void
row_free (Row *r)
{
  g_free (r->name);
  g_free (r);
}

KilnArtifactProgress *
kiln_artifact_progress_new (FILE *out, KilnProgressStyle style)
{
  KilnArtifactProgress *p = g_new0 (KilnArtifactProgress, 1);
  p->out = out;
  if (style == KILN_PROGRESS_AUTO)
    {
      const char *term = g_getenv ("TERM");
      style = isatty (fileno (out)) && g_strcmp0 (term, "dumb") != 0
                  ? KILN_PROGRESS_BARS : KILN_PROGRESS_LINES;
    }
  p->style = style;
  p->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  return p;
}

static void draw (KilnArtifactProgress *p, gboolean force);

void
kiln_artifact_progress_free (KilnArtifactProgress *p)
{
  if (!p)
    return;
  if (p->style == KILN_PROGRESS_BARS && p->rows->len)
    draw (p, TRUE);
  g_ptr_array_unref (p->rows);
  g_free (p);
}

static Row *
row_for (KilnArtifactProgress *p, const char *name)
{
  for (guint i = 0; i < p->rows->len; i++)
    {
      Row *r = p->rows->pdata[i];
      if (strcmp (r->name, name) == 0)
        return r;
    }
  Row *r = g_new0 (Row, 1);
  r->name = g_strdup (name);
  r->phase = KILN_ARTIFACT_WAITING;
  r->last_quarter = -1;
  r->started = g_get_monotonic_time ();
  g_ptr_array_add (p->rows, r);
  return r;
}

static void
draw (KilnArtifactProgress *p, gboolean force)
{
  gint64 now = g_get_monotonic_time ();
  if (!force && now - p->last_draw < 100000)
    return; /* at most 10 redraws a second */
  p->last_draw = now;
  if (p->drawn)
    fprintf (p->out, "\033[%uA", p->drawn);
  for (guint i = 0; i < p->rows->len; i++)
    {
      const Row *r = p->rows->pdata[i];
      const int width = 24;
      gboolean active = r->phase == KILN_ARTIFACT_CONVERTING
                        || r->phase == KILN_ARTIFACT_PACKING
                        || r->phase == KILN_ARTIFACT_CHECKSUMMING;
      int fill = r->phase == KILN_ARTIFACT_DONE ? width
                 : active ? (int) (r->fraction * width + 0.5) : 0;
      char bar[64];
      for (int k = 0; k < width; k++)
        bar[k] = k < fill ? '#' : '.';
      bar[width] = '\0';
      char pct[16] = "";
      if (active)
        g_snprintf (pct, sizeof pct, "%3d%%", (int) (r->fraction * 100));
      fprintf (p->out, "\033[K  %-32s [%s] %-12s %s\n", r->name, bar,
               kiln_artifact_phase_name (r->phase), pct);
    }
  p->drawn = p->rows->len;
  fflush (p->out);
}

void
kiln_artifact_progress_update (const char *artifact, KilnArtifactPhase phase,
                               double fraction, gpointer user_data)
{
  KilnArtifactProgress *p = user_data;
  Row *r = row_for (p, artifact);
  gboolean changed = r->phase != phase;
  r->phase = phase;
  r->fraction = fraction;

  switch (p->style)
    {
    case KILN_PROGRESS_QUIET:
      break;
    case KILN_PROGRESS_BARS:
      draw (p, changed);
      break;
    case KILN_PROGRESS_JSON:
      {
        g_autoptr (JsonBuilder) b = json_builder_new ();
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "event");
        json_builder_add_string_value (b, "artifact");
        json_builder_set_member_name (b, "artifact");
        json_builder_add_string_value (b, artifact);
        json_builder_set_member_name (b, "phase");
        json_builder_add_string_value (b, kiln_artifact_phase_name (phase));
        json_builder_set_member_name (b, "fraction");
        json_builder_add_double_value (b, (int) (fraction * 1000) / 1000.0);
        json_builder_end_object (b);
        g_autoptr (JsonNode) root = json_builder_get_root (b);
        g_autofree char *text = kiln_json_string (root, FALSE);
        /* Every phase change, and progress in 1 % steps at most
         * (last_quarter holds the last percent printed here). */
        if (changed || (int) (fraction * 100) != r->last_quarter)
          {
            fprintf (p->out, "%s\n", text);
            fflush (p->out);
          }
        r->last_quarter = (int) (fraction * 100);
        break;
      }
    default:
      {
        int quarter = (int) (fraction * 4);
        gboolean active = phase == KILN_ARTIFACT_CONVERTING
                          || phase == KILN_ARTIFACT_PACKING
                          || phase == KILN_ARTIFACT_CHECKSUMMING;
        if (changed)
          r->last_quarter = 0;
        if (changed && phase == KILN_ARTIFACT_DONE)
          fprintf (p->out, "%s: done (%.1f s)\n", artifact,
                   (g_get_monotonic_time () - r->started) / 1e6);
        else if (changed && phase != KILN_ARTIFACT_WAITING)
          fprintf (p->out, "%s: %s\n", artifact,
                   kiln_artifact_phase_name (phase));
        else if (active && quarter > r->last_quarter && quarter < 4)
          {
            fprintf (p->out, "%s: %s %d%%\n", artifact,
                     kiln_artifact_phase_name (phase), quarter * 25);
            r->last_quarter = quarter;
          }
        fflush (p->out);
        break;
      }
    }
}
