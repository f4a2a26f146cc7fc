/* s3-xml.c - S3's answers read: an error status as a message, a
 * ListObjectsV2 page as keys (s3-private.h)
 *
 * S3 answers in XML (libxml2, no network, no error output); an answer that
 * is not S3's XML (a proxy's page) is still shown, cut short and without
 * control characters, since it comes from outside. */
#include "config.h"
#include "s3-private.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "common/kiln.h"

/* ---- reading XML ------------------------------------------------------- */

/* text fit for a message: UTF-8, no control characters, not too long */
static char *
shown (const char *s)
{
  g_autofree char *valid = g_utf8_make_valid (s, -1);
  g_strstrip (valid);
  GString *out = g_string_new (NULL);
  for (const char *p = valid; *p && out->len < 300; p = g_utf8_next_char (p))
    {
      gunichar ch = g_utf8_get_char (p);
      if (ch < 0x20 || (ch >= 0x7f && ch < 0xa0))
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, ch);
    }
  return g_string_free (out, FALSE);
}

static xmlDocPtr
parse_xml (const GString *body)
{
  if (body->len == 0 || body->len > G_MAXINT)
    return NULL;
  return xmlReadMemory (body->str, (int) body->len, "s3.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR
                        | XML_PARSE_NOWARNING);
}

static char *
child_text (xmlNodePtr parent, const char *name)
{
  for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE
        && strcmp ((const char *) n->name, name) == 0)
      {
        xmlChar *t = xmlNodeGetContent (n);
        char *s = g_strdup (t ? (const char *) t : "");
        xmlFree (t);
        return s;
      }
  return NULL;
}

/* ---- errors ------------------------------------------------------------- */

void
kiln_s3_set_status_error (const KilnS3Exchange *x, const char *what,
                          const char *method, GError **error)
{
  xmlDocPtr doc = parse_xml (x->body);
  xmlNodePtr root = doc ? xmlDocGetRootElement (doc) : NULL;
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;
  if (root && strcmp ((const char *) root->name, "Error") == 0)
    {
      code = child_text (root, "Code");
      message = child_text (root, "Message");
    }
  if (doc)
    xmlFreeDoc (doc);
  GString *m = g_string_new (NULL);
  g_string_append_printf (m, "%s: %s failed: %ld", what, method, x->status);
  if (code && *code)
    {
      g_autofree char *c = shown (code);
      g_string_append_printf (m, " %s", c);
    }
  if (message && *message)
    {
      g_autofree char *t = shown (message);
      g_string_append_printf (m, ": %s", t);
    }
  else if (!code && x->body->len > 0)
    {
      /* not S3's XML: a proxy's page, say */
      g_autofree char *t = shown (x->body->str);
      g_string_append_printf (m, ": %s", t);
    }
  if (x->bucket_region)
    {
      g_autofree char *r = shown (x->bucket_region);
      g_string_append_printf (m, " (the bucket is in region %s)", r);
    }
  g_set_error_literal (error, KILN_ERROR, KILN_ERROR_FAILED, m->str);
  g_string_free (m, TRUE);
}

/* ---- ListObjectsV2 ------------------------------------------------------ */

/* With encoding-type=url S3 sends keys form-encoded ('+' for a space), so
 * that any key fits in XML 1.0.  NULL when s is not so encoded. */
static char *
form_decode (const char *s)
{
  g_autofree char *plus = g_strdup (s);
  g_strdelimit (plus, "+", ' ');
  return g_uri_unescape_string (plus, NULL);
}

gboolean
kiln_s3_parse_list_page (const GString *body, const char *what,
                         GPtrArray *keys, char **next, GError **error)
{
  xmlDocPtr doc = parse_xml (body);
  xmlNodePtr root = doc ? xmlDocGetRootElement (doc) : NULL;
  *next = NULL;
  if (!root || strcmp ((const char *) root->name, "ListBucketResult") != 0)
    {
      if (doc)
        xmlFreeDoc (doc);
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s: LIST: the "
                   "answer is not a ListBucketResult", what);
      return FALSE;
    }
  g_autofree char *encoding = child_text (root, "EncodingType");
  g_autofree char *truncated = child_text (root, "IsTruncated");
  gboolean url = encoding && strcmp (encoding, "url") == 0;
  gboolean ok = TRUE;
  for (xmlNodePtr n = root->children; ok && n; n = n->next)
    {
      if (n->type != XML_ELEMENT_NODE
          || strcmp ((const char *) n->name, "Contents") != 0)
        continue;
      g_autofree char *key = child_text (n, "Key");
      char *k = key && url ? form_decode (key) : g_strdup (key);
      if (!k)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s: LIST: an "
                       "entry without a key, or with a badly encoded one",
                       what);
          ok = FALSE;
        }
      else
        g_ptr_array_add (keys, k);
    }
  if (ok && truncated && strcmp (truncated, "true") == 0)
    {
      *next = child_text (root, "NextContinuationToken");
      if (!*next || !**next)
        {
          g_clear_pointer (next, g_free);
          g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED, "%s: LIST: the "
                       "answer says there is more but gives no continuation "
                       "token", what);
          ok = FALSE;
        }
    }
  xmlFreeDoc (doc);
  return ok;
}
