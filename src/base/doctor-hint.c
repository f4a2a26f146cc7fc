/* doctor-hint.c - which `kiln doctor` a host failure points to */
#include "doctor-hint.h"

#include <string.h>

#include <glib.h>

static char *hint;

void
kiln_doctor_hint_set_target (const char *uri)
{
  g_free (hint);
  hint = NULL;
  if (uri == NULL || *uri == '\0' || g_str_equal (uri, "embed"))
    return;
  /* quoted only when a shell would need it (qemu+ext://h/system?command=...) */
  gboolean plain = TRUE;
  for (const char *p = uri; *p; p++)
    plain = plain && (g_ascii_isalnum (*p) || strchr ("+:/._@-", *p));
  g_autofree char *quoted = plain ? g_strdup (uri) : g_shell_quote (uri);
  hint = g_strdup_printf ("kiln doctor --connect %s", quoted);
}

gboolean
kiln_doctor_hint_has_target (void)
{
  return hint != NULL;
}

const char *
kiln_doctor_hint (void)
{
  return hint ? hint : "kiln doctor";
}
