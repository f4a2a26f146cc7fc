/* diag.c - document diagnostics */
#include "diag.h"

#include <string.h>

#include "escape.h"

struct KilnDiags {
  GPtrArray *items;   /* KilnDiag*, owned */
};

static void
diag_free (gpointer p)
{
  KilnDiag *d = p;
  g_free (d->file);
  g_free (d->message);
  g_free (d);
}

KilnDiags *
kiln_diags_new (void)
{
  KilnDiags *diags = g_new0 (KilnDiags, 1);
  diags->items = g_ptr_array_new_with_free_func (diag_free);
  return diags;
}

void
kiln_diags_free (KilnDiags *diags)
{
  if (!diags)
    return;
  g_ptr_array_unref (diags->items);
  g_free (diags);
}

void
kiln_diags_addv (KilnDiags *diags, KilnDiagSeverity severity,
                 const char *file, int line, int col,
                 const char *fmt, va_list ap)
{
  KilnDiag *d = g_new0 (KilnDiag, 1);
  d->file = g_strdup (file ? file : "<input>");
  d->line = line;
  d->col = col;
  d->severity = severity;
  d->message = g_strdup_vprintf (fmt, ap);
  g_ptr_array_add (diags->items, d);
}

void
kiln_diags_add (KilnDiags *diags, KilnDiagSeverity severity,
                const char *file, int line, int col, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  kiln_diags_addv (diags, severity, file, line, col, fmt, ap);
  va_end (ap);
}

guint
kiln_diags_count (const KilnDiags *diags)
{
  return diags->items->len;
}

guint
kiln_diags_error_count (const KilnDiags *diags)
{
  guint n = 0;
  for (guint i = 0; i < diags->items->len; i++)
    if (((KilnDiag *) diags->items->pdata[i])->severity == KILN_DIAG_ERROR)
      n++;
  return n;
}

const KilnDiag *
kiln_diags_get (const KilnDiags *diags, guint i)
{
  g_return_val_if_fail (i < diags->items->len, NULL);
  return diags->items->pdata[i];
}

void
kiln_diags_merge (KilnDiags *dst, const KilnDiags *src)
{
  for (guint i = 0; i < src->items->len; i++)
    {
      const KilnDiag *d = src->items->pdata[i];
      kiln_diags_add (dst, d->severity, d->file, d->line, d->col, "%s",
                      d->message);
    }
}

static gint
diag_cmp (gconstpointer a, gconstpointer b)
{
  const KilnDiag *x = *(KilnDiag * const *) a;
  const KilnDiag *y = *(KilnDiag * const *) b;
  int c = strcmp (x->file, y->file);
  if (c)
    return c;
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  if (x->col != y->col)
    return x->col < y->col ? -1 : 1;
  return 0;
}

void
kiln_diags_sort (KilnDiags *diags)
{
  /* g_ptr_array_sort is a stable merge sort in GLib >= 2.32 */
  g_ptr_array_sort (diags->items, diag_cmp);
}

char *
kiln_diag_format (const KilnDiag *d)
{
  const char *sev = d->severity == KILN_DIAG_ERROR ? "error" : "warning";
  g_autofree char *text = NULL;
  if (d->line > 0)
    text = g_strdup_printf ("%s:%d:%d: %s: %s", d->file, d->line,
                            d->col > 0 ? d->col : 1, sev, d->message);
  else
    text = g_strdup_printf ("%s: %s: %s", d->file, sev, d->message);
  /* file names and quoted values come from documents: text output shows
   * their control characters escaped (kiln_diags_to_json keeps them) */
  return kiln_escape_text (text, -1);
}

void
kiln_diags_print (const KilnDiags *diags, FILE *out)
{
  for (guint i = 0; i < diags->items->len; i++)
    {
      g_autofree char *s = kiln_diag_format (diags->items->pdata[i]);
      fprintf (out, "%s\n", s);
    }
}

JsonNode *
kiln_diags_to_json (const KilnDiags *diags)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < diags->items->len; i++)
    {
      const KilnDiag *d = diags->items->pdata[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, d->file);
      json_builder_set_member_name (b, "line");
      json_builder_add_int_value (b, d->line);
      json_builder_set_member_name (b, "column");
      json_builder_add_int_value (b, d->col);
      json_builder_set_member_name (b, "severity");
      json_builder_add_string_value (b, d->severity == KILN_DIAG_ERROR
                                          ? "error" : "warning");
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, d->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

gboolean
kiln_diags_find (const KilnDiags *diags, int line, int col,
                 const char *fragment)
{
  for (guint i = 0; i < diags->items->len; i++)
    {
      const KilnDiag *d = diags->items->pdata[i];
      if (line > 0 && d->line != line)
        continue;
      if (col > 0 && d->col != col)
        continue;
      if (!fragment || strstr (d->message, fragment))
        return TRUE;
    }
  return FALSE;
}
