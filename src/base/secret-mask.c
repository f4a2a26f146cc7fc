/* secret-mask.c - replace secret values with *** in what kiln writes */
#include "secret-mask.h"

#include <string.h>

#include "common/kiln-protocol.h"

static gint
longer_first (gconstpointer a, gconstpointer b)
{
  gsize la = strlen (*(char *const *) a), lb = strlen (*(char *const *) b);
  return la < lb ? 1 : la > lb ? -1 : 0;
}

char **
kiln_mask_secrets_prepare (const char *const *values)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; values && values[i]; i++)
    if (values[i][0]
        && !g_ptr_array_find_with_equal_func (out, values[i], g_str_equal,
                                              NULL))
      g_ptr_array_add (out, g_strdup (values[i]));
  if (out->len == 0)
    return NULL;
  g_ptr_array_sort (out, longer_first);
  g_ptr_array_add (out, NULL);
  g_ptr_array_set_free_func (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

char *
kiln_mask_secrets (const char *text, gssize len, const char *const *secrets,
                   gsize *out_len)
{
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  if (!secrets || !secrets[0])
    {
      if (out_len)
        *out_len = n;
      char *copy = g_malloc (n + 1);
      memcpy (copy, text, n);
      copy[n] = '\0';
      return copy;
    }
  GString *out = g_string_sized_new (n);
  gsize i = 0;
  while (i < n)
    {
      gsize match = 0;
      for (guint k = 0; secrets[k] && !match; k++)
        {
          gsize sl = strlen (secrets[k]);
          if (sl && sl <= n - i && memcmp (text + i, secrets[k], sl) == 0)
            match = sl;
        }
      if (match)
        {
          g_string_append (out, KILN_SECRET_MASK);
          i += match;
        }
      else
        g_string_append_c (out, text[i++]);
    }
  if (out_len)
    *out_len = out->len;
  return g_string_free (out, FALSE);
}

void
kiln_mask_secrets_json (JsonNode *node, const char *const *secrets)
{
  if (!node || !secrets || !secrets[0])
    return;
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_autofree char *m
              = kiln_mask_secrets (json_node_get_string (node), -1, secrets, NULL);
          json_node_set_string (node, m);
        }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (node);
        for (guint i = 0; i < json_array_get_length (a); i++)
          kiln_mask_secrets_json (json_array_get_element (a, i), secrets);
        break;
      }
    case JSON_NODE_OBJECT:
      {
        JsonObject *o = json_node_get_object (node);
        g_autoptr (GList) names = json_object_get_members (o);
        for (GList *l = names; l; l = l->next)
          kiln_mask_secrets_json (json_object_get_member (o, l->data),
                                  secrets);
        break;
      }
    case JSON_NODE_NULL:
      break;
    }
}
