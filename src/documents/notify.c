/* notify.c - notification targets (notify.h) */
#include "notify.h"

#include <string.h>

#include "schema.h"
#include "units.h"
#include "documents/tables.h"

static const char *const target_keys[] = {
  "on", "command", "webhook", "timeout", NULL
};
static const char *const event_names[] = {
  "failed", "available", "skipped", "cancelled", NULL
};

#define DEFAULT_TIMEOUT 30
#define MAX_TIMEOUT (10 * 60)

const char *
kiln_event_name (KilnEventKind kind)
{
  for (guint i = 0; event_names[i]; i++)
    if (kind == (KilnEventKind) (1u << i))
      return event_names[i];
  return NULL;
}

KilnEventKind
kiln_event_from_state (const char *state)
{
  for (guint i = 0; state && event_names[i]; i++)
    if (strcmp (state, event_names[i]) == 0)
      return (KilnEventKind) (1u << i);
  return 0;
}

void
kiln_notify_target_free (KilnNotifyTarget *t)
{
  if (!t)
    return;
  g_strfreev (t->command);
  g_free (t->webhook);
  g_free (t->source);
  g_free (t);
}

static void
parse_events (KilnNotifyTarget *t, const KilnNode *n, KilnDiags *diags)
{
  if (!kiln_schema_expect_seq (diags, n, "'on'"))
    return;
  if (kiln_node_seq_size (n) == 0)
    {
      kiln_schema_error (diags, n, "expected at least one of failed, "
                         "available, skipped, cancelled in 'on', found an "
                         "empty list");
      return;
    }
  t->events = 0;
  for (guint i = 0; i < kiln_node_seq_size (n); i++)
    {
      guint idx;
      if (kiln_schema_enum (diags, kiln_node_seq_get (n, i), "'on'",
                            event_names, &idx))
        t->events |= 1u << idx;
    }
}

/* http:// or https:// with a host, nothing a shell or a header could
 * misread (no blanks or control characters). */
static void
parse_webhook (KilnNotifyTarget *t, const KilnNode *n, KilnDiags *diags)
{
  if (!kiln_schema_expect_scalar (diags, n, "'webhook'"))
    return;
  g_autofree char *q = kiln_quote_for_message (n->scalar);
  g_autoptr (GUri) uri = g_uri_parse (n->scalar, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;
  gboolean clean = TRUE;
  for (const char *p = n->scalar; *p; p++)
    if ((guchar) *p <= ' ' || *p == 0x7f)
      clean = FALSE;
  if (!uri || !clean || !g_uri_get_host (uri) || !*g_uri_get_host (uri)
      || (g_ascii_strcasecmp (scheme, "http") != 0
          && g_ascii_strcasecmp (scheme, "https") != 0))
    {
      kiln_schema_error (diags, n, "expected an http:// or https:// URL for "
                         "'webhook', found %s", q);
      return;
    }
  t->webhook = g_strdup (n->scalar);
}

static void
parse_command (KilnNotifyTarget *t, const KilnNode *n, const char *base_dir,
               KilnDiags *diags)
{
  if (!kiln_schema_expect_seq (diags, n, "'command' (a list: the program "
                               "and its arguments)"))
    return;
  if (kiln_node_seq_size (n) == 0)
    {
      kiln_schema_error (diags, n, "expected the program and its arguments "
                         "in 'command', found an empty list");
      return;
    }
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < kiln_node_seq_size (n); i++)
    {
      const KilnNode *a = kiln_node_seq_get (n, i);
      if (!kiln_schema_expect_scalar (diags, a, "a 'command' word"))
        return;
      if (i == 0 && !*a->scalar)
        {
          kiln_schema_error (diags, a, "expected a program in 'command', "
                             "found an empty string");
          return;
        }
      if (i == 0 && strchr (a->scalar, '/') && base_dir)
        g_ptr_array_add (argv, g_canonicalize_filename (a->scalar, base_dir));
      else
        g_ptr_array_add (argv, g_strdup (a->scalar));
    }
  g_ptr_array_add (argv, NULL);
  t->command = (char **) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

static KilnNotifyTarget *
parse_target (const KilnNode *n, const char *base_dir, KilnDiags *diags)
{
  if (!kiln_schema_expect_map (diags, n, "a notification"))
    return NULL;
  guint errors = kiln_diags_error_count (diags);
  kiln_schema_check_keys (diags, n, "a notification", target_keys);
  g_autoptr (KilnNotifyTarget) t = g_new0 (KilnNotifyTarget, 1);
  t->events = KILN_EVENT_FAILED | KILN_EVENT_AVAILABLE;
  t->timeout = DEFAULT_TIMEOUT;
  t->source = g_strdup_printf ("%s:%d", n->file, n->line);

  const KilnNode *v;
  if ((v = kiln_node_map_get (n, "on")))
    parse_events (t, v, diags);
  const KilnNode *command = kiln_node_map_get (n, "command");
  const KilnNode *webhook = kiln_node_map_get (n, "webhook");
  if (command && webhook)
    kiln_schema_error (diags, webhook, "expected either 'command' or "
                       "'webhook' in a notification, found both (the other "
                       "at line %d)", command->line);
  else if (!command && !webhook)
    kiln_schema_error (diags, n, "expected 'command' (a program and its "
                       "arguments) or 'webhook' (a URL) in a notification, "
                       "found neither");
  else if (command)
    parse_command (t, command, base_dir, diags);
  else
    parse_webhook (t, webhook, diags);
  if ((v = kiln_node_map_get (n, "timeout")))
    kiln_schema_duration (diags, v, "'timeout'", 1, MAX_TIMEOUT, &t->timeout);
  if (kiln_diags_error_count (diags) != errors)
    return NULL;
  return g_steal_pointer (&t);
}

GPtrArray *
kiln_notify_parse (const KilnNode *n, const char *base_dir, KilnDiags *diags)
{
  g_autoptr (GPtrArray) targets = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_notify_target_free);
  if (!n || kiln_node_is_null (n))
    return g_steal_pointer (&targets);
  gboolean ok = TRUE;
  if (kiln_node_is_map (n))
    {
      KilnNotifyTarget *t = parse_target (n, base_dir, diags);
      if (!t)
        return NULL;
      g_ptr_array_add (targets, t);
      return g_steal_pointer (&targets);
    }
  if (!kiln_schema_expect_seq (diags, n, "'notify' (a notification or a "
                               "list of them)"))
    return NULL;
  for (guint i = 0; i < kiln_node_seq_size (n); i++)
    {
      KilnNotifyTarget *t = parse_target (kiln_node_seq_get (n, i), base_dir,
                                          diags);
      if (t)
        g_ptr_array_add (targets, t);
      else
        ok = FALSE;
    }
  return ok ? g_steal_pointer (&targets) : NULL;
}

const KilnDocTable kiln_notify_tables[] = {
  { "notify", target_keys },
  { "notify.on", event_names },
  { NULL, NULL }
};
