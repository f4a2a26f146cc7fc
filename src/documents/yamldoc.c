/* yamldoc.c - YAML loader on libyaml that keeps line:column for every node */
#include "yamldoc.h"

#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

typedef struct {
  KilnNode *node;
  GHashTable *keys;     /* MAP frames: key text -> key node (borrowed) */
  KilnNode *pending_key;
} Frame;

typedef struct {
  KilnDoc *doc;
  KilnDiags *diags;
  GArray *stack;        /* Frame */
  gboolean failed;
} Loader;

static void
node_free (KilnNode *n)
{
  if (!n)
    return;
  if (n->items)
    {
      for (guint i = 0; i < n->items->len; i++)
        node_free (n->items->pdata[i]);
      g_ptr_array_free (n->items, TRUE);
    }
  g_free (n->scalar);
  g_free (n->tag);
  g_free (n);
}

void
kiln_doc_free (KilnDoc *doc)
{
  if (!doc)
    return;
  node_free (doc->root);
  g_free (doc->file);
  g_free (doc->text);
  g_free (doc);
}

static void
fail_at (Loader *l, int line, int col, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static void
fail_at (Loader *l, int line, int col, const char *fmt, ...)
{
  va_list ap;
  if (l->failed)
    return;
  l->failed = TRUE;
  va_start (ap, fmt);
  kiln_diags_addv (l->diags, KILN_DIAG_ERROR, l->doc->file, line, col, fmt, ap);
  va_end (ap);
}

static KilnNode *
node_new (Loader *l, KilnNodeKind kind, yaml_mark_t mark, const yaml_char_t *tag)
{
  KilnNode *n = g_new0 (KilnNode, 1);
  n->kind = kind;
  n->line = (int) mark.line + 1;
  n->col = (int) mark.column + 1;
  n->file = l->doc->file;
  if (tag)
    n->tag = g_strdup ((const char *) tag);
  if (kind != KILN_NODE_SCALAR)
    n->items = g_ptr_array_new ();
  return n;
}

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

static gboolean
is_null_text (const char *s)
{
  return s[0] == '\0' || strcmp (s, "~") == 0 || strcmp (s, "null") == 0
         || strcmp (s, "Null") == 0 || strcmp (s, "NULL") == 0;
}

static gboolean
is_decimal_text (const char *s)
{
  if (*s == '+' || *s == '-')
    s++;
  if (!*s)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

/* YAML tags are honoured as YAML says or refused by name, never ignored:
 * !!str (and the non-specific !) make a scalar a string; !!int, !!bool and
 * !!null must be written as kiln reads those; !!seq and !!map must tag a
 * list and a mapping.  Everything else (!!float, !!binary, !!timestamp,
 * local tags like !foo, !!python/object ...) is refused.  n->tag is set;
 * reports and returns FALSE on a refused tag. */
static gboolean
check_tag (Loader *l, KilnNode *n)
{
  const char *tag = n->tag;
  if (!tag)
    return TRUE;
  gboolean std = g_str_has_prefix (tag, YAML_TAG_PREFIX);
  const char *local = std ? tag + strlen (YAML_TAG_PREFIX) : NULL;
  /* shown as written: !!str, not tag:yaml.org,2002:str */
  g_autofree char *shown = std ? g_strconcat ("!!", local, NULL)
                               : g_strdup (tag);
  gboolean scalar = n->kind == KILN_NODE_SCALAR;

  if (strcmp (tag, "!") == 0 || (std && strcmp (local, "str") == 0))
    {
      if (scalar)
        n->str_tag = TRUE;
      else if (strcmp (tag, "!") != 0)
        goto wrong_kind;
      return TRUE;
    }
  if (std && strcmp (local, "seq") == 0)
    {
      if (n->kind != KILN_NODE_SEQ)
        goto wrong_kind;
      return TRUE;
    }
  if (std && strcmp (local, "map") == 0)
    {
      if (n->kind != KILN_NODE_MAP)
        goto wrong_kind;
      return TRUE;
    }
  if (std && (strcmp (local, "int") == 0 || strcmp (local, "bool") == 0
              || strcmp (local, "null") == 0))
    {
      if (!scalar)
        goto wrong_kind;
      const char *s = n->scalar;
      gboolean fits;
      const char *as;
      if (local[0] == 'i')
        fits = is_decimal_text (s), as = "a decimal integer";
      else if (local[0] == 'b')
        fits = g_ascii_strcasecmp (s, "true") == 0
               || g_ascii_strcasecmp (s, "false") == 0,
        as = "true or false";
      else
        fits = is_null_text (s), as = "null, ~ or nothing";
      if (!fits)
        {
          g_autofree char *q = g_strescape (s, NULL);
          fail_at (l, n->line, n->col, "expected %s after the YAML tag '%s', "
                   "found '%.60s'", as, shown, q);
          return FALSE;
        }
      n->null_tag = local[0] == 'n';
      return TRUE;
    }
  if (std && strcmp (local, "float") == 0)
    fail_at (l, n->line, n->col, "YAML tag '%s' is not supported: kiln "
             "documents hold no fractional numbers", shown);
  else
    fail_at (l, n->line, n->col, "YAML tag '%.80s' is not supported (kiln "
             "reads !!str, !!int, !!bool, !!null, !!seq and !!map)", shown);
  return FALSE;

wrong_kind:
  fail_at (l, n->line, n->col, "expected %s after the YAML tag '%s', found %s",
           strcmp (local, "seq") == 0 ? "a list"
           : strcmp (local, "map") == 0 ? "a mapping" : "a scalar",
           shown, kiln_node_describe (n));
  return FALSE;
}

/* Attach a finished node to its parent (or make it the root).  Takes
 * ownership of n even on failure. */
static void
attach (Loader *l, KilnNode *n)
{
  if (l->stack->len == 0)
    {
      l->doc->root = n;
      return;
    }
  Frame *top = &g_array_index (l->stack, Frame, l->stack->len - 1);
  if (top->node->kind == KILN_NODE_SEQ)
    {
      g_ptr_array_add (top->node->items, n);
      return;
    }
  if (!top->pending_key)
    {
      if (n->kind != KILN_NODE_SCALAR)
        {
          fail_at (l, n->line, n->col,
                   "expected a plain string as mapping key, found %s",
                   kiln_node_describe (n));
          node_free (n);
          return;
        }
      KilnNode *prev = g_hash_table_lookup (top->keys, n->scalar);
      if (prev)
        {
          fail_at (l, n->line, n->col,
                   "duplicate key '%s' (first defined at line %d, column %d)",
                   n->scalar, prev->line, prev->col);
          node_free (n);
          return;
        }
      g_hash_table_insert (top->keys, n->scalar, n);
      g_ptr_array_add (top->node->items, n);
      top->pending_key = n;
      return;
    }
  g_ptr_array_add (top->node->items, n);
  top->pending_key = NULL;
}

static void
push (Loader *l, KilnNode *n)
{
  if (l->stack->len >= KILN_DOC_MAX_DEPTH)
    {
      fail_at (l, n->line, n->col,
               "expected nesting of at most %d levels, found deeper nesting",
               KILN_DOC_MAX_DEPTH);
      node_free (n);
      return;
    }
  Frame f = { .node = n };
  if (n->kind == KILN_NODE_MAP)
    f.keys = g_hash_table_new (g_str_hash, g_str_equal);
  g_array_append_val (l->stack, f);
}

static void
pop (Loader *l)
{
  Frame f = g_array_index (l->stack, Frame, l->stack->len - 1);
  g_array_set_size (l->stack, l->stack->len - 1);
  if (f.keys)
    g_hash_table_destroy (f.keys);
  attach (l, f.node);
}

static void
free_stack (Loader *l)
{
  /* On failure the open collections still belong to the stack; free the
   * outermost one, which owns everything attached below it. */
  for (guint i = 0; i < l->stack->len; i++)
    {
      Frame *f = &g_array_index (l->stack, Frame, i);
      if (f->keys)
        g_hash_table_destroy (f->keys);
    }
  if (l->stack->len > 0)
    {
      /* Inner frames are not yet attached to outer ones: free each. */
      for (guint i = 0; i < l->stack->len; i++)
        node_free (g_array_index (l->stack, Frame, i).node);
    }
  g_array_set_size (l->stack, 0);
}

/* Line and column (1-based, in characters) of a byte offset. */
static void
offset_position (const char *text, gsize len, gsize offset, int *line, int *col)
{
  *line = 1;
  *col = 1;
  for (gsize i = 0; i < offset && i < len; i++)
    {
      if (text[i] == '\n')
        {
          (*line)++;
          *col = 1;
        }
      else if (((guchar) text[i] & 0xC0) != 0x80)
        (*col)++;
    }
}

static void
report_parser_error (Loader *l, yaml_parser_t *p, const char *text, gsize len)
{
  int line, col;
  if (p->error == YAML_READER_ERROR)
    offset_position (text, len, p->problem_offset, &line, &col);
  else
    {
      line = (int) p->problem_mark.line + 1;
      col = (int) p->problem_mark.column + 1;
    }
  const char *problem = p->problem ? p->problem : "malformed YAML";
  if (p->context)
    fail_at (l, line, col, "YAML syntax error: %s %s", problem, p->context);
  else
    fail_at (l, line, col, "YAML syntax error: %s", problem);
}

static void
parse (Loader *l, const char *text, gsize len)
{
  yaml_parser_t parser;
  gboolean seen_document = FALSE;

  if (!yaml_parser_initialize (&parser))
    {
      fail_at (l, 0, 0, "cannot initialise the YAML parser");
      return;
    }
  yaml_parser_set_input_string (&parser, (const unsigned char *) text, len);

  for (;;)
    {
      yaml_event_t ev;
      if (!yaml_parser_parse (&parser, &ev))
        {
          report_parser_error (l, &parser, text, len);
          break;
        }
      yaml_event_type_t type = ev.type;
      yaml_mark_t mark = ev.start_mark;
      int line = (int) mark.line + 1, col = (int) mark.column + 1;

      switch (type)
        {
        case YAML_DOCUMENT_START_EVENT:
          if (seen_document)
            fail_at (l, line, col,
                     "expected one YAML document per file, found a second "
                     "document");
          seen_document = TRUE;
          break;
        case YAML_ALIAS_EVENT:
          fail_at (l, line, col,
                   "expected plain YAML, found an alias (*%s); anchors and "
                   "aliases are not supported", ev.data.alias.anchor);
          break;
        case YAML_SCALAR_EVENT:
          if (ev.data.scalar.anchor)
            {
              fail_at (l, line, col,
                       "expected plain YAML, found an anchor (&%s); anchors "
                       "and aliases are not supported",
                       ev.data.scalar.anchor);
              break;
            }
          {
            KilnNode *n = node_new (l, KILN_NODE_SCALAR, mark,
                                    ev.data.scalar.tag);
            n->scalar = g_strndup ((const char *) ev.data.scalar.value,
                                   ev.data.scalar.length);
            if (strlen (n->scalar) != ev.data.scalar.length)
              {
                fail_at (l, line, col,
                         "expected text, found a NUL character in a string");
                node_free (n);
                break;
              }
            n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
            if (!check_tag (l, n))
              {
                node_free (n);
                break;
              }
            attach (l, n);
          }
          break;
        case YAML_SEQUENCE_START_EVENT:
          if (ev.data.sequence_start.anchor)
            {
              fail_at (l, line, col,
                       "expected plain YAML, found an anchor (&%s); anchors "
                       "and aliases are not supported",
                       ev.data.sequence_start.anchor);
              break;
            }
          {
            KilnNode *n = node_new (l, KILN_NODE_SEQ, mark,
                                    ev.data.sequence_start.tag);
            if (!check_tag (l, n))
              {
                node_free (n);
                break;
              }
            push (l, n);
          }
          break;
        case YAML_MAPPING_START_EVENT:
          if (ev.data.mapping_start.anchor)
            {
              fail_at (l, line, col,
                       "expected plain YAML, found an anchor (&%s); anchors "
                       "and aliases are not supported",
                       ev.data.mapping_start.anchor);
              break;
            }
          {
            KilnNode *n = node_new (l, KILN_NODE_MAP, mark,
                                    ev.data.mapping_start.tag);
            if (!check_tag (l, n))
              {
                node_free (n);
                break;
              }
            push (l, n);
          }
          break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          pop (l);
          break;
        default:
          break;
        }
      yaml_event_delete (&ev);
      if (l->failed || type == YAML_STREAM_END_EVENT)
        break;
    }
  yaml_parser_delete (&parser);
}

KilnDoc *
kiln_doc_load_string (const char *name, const char *text, gsize len,
                      KilnDiags *diags)
{
  Loader l = { 0 };
  const char *bad = NULL;

  l.doc = g_new0 (KilnDoc, 1);
  l.doc->file = g_strdup (name);
  l.diags = diags;

  if (len > KILN_DOC_MAX_BYTES)
    {
      fail_at (&l, 1, 1, "expected a document of at most 1 MiB, found %"
               G_GSIZE_FORMAT " bytes", len);
      kiln_doc_free (l.doc);
      return NULL;
    }
  if (!g_utf8_validate (text, (gssize) len, &bad))
    {
      int line, col;
      offset_position (text, len, (gsize) (bad - text), &line, &col);
      if (*bad == '\0')
        fail_at (&l, line, col, "expected UTF-8 text, found a NUL byte");
      else
        fail_at (&l, line, col, "expected UTF-8 text, found the invalid "
                 "byte 0x%02x", (guchar) *bad);
      kiln_doc_free (l.doc);
      return NULL;
    }

  l.doc->text = g_strndup (text, len);
  l.doc->text_len = len;
  l.stack = g_array_new (FALSE, FALSE, sizeof (Frame));
  parse (&l, text, len);
  if (l.failed)
    {
      free_stack (&l);
      g_array_free (l.stack, TRUE);
      kiln_doc_free (l.doc);
      return NULL;
    }
  g_array_free (l.stack, TRUE);
  return l.doc;
}

KilnDoc *
kiln_doc_load_file (const char *path, KilnDiags *diags)
{
  struct stat st;
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (GError) err = NULL;

  if (stat (path, &st) == 0 && S_ISREG (st.st_mode)
      && st.st_size > KILN_DOC_MAX_BYTES)
    {
      kiln_diags_add (diags, KILN_DIAG_ERROR, path, 1, 1,
                      "expected a document of at most 1 MiB, found %lld bytes",
                      (long long) st.st_size);
      return NULL;
    }
  if (!g_file_get_contents (path, &text, &len, &err))
    {
      kiln_diags_add (diags, KILN_DIAG_ERROR, path, 0, 0,
                      "cannot read the file: %s", err->message);
      return NULL;
    }
  return kiln_doc_load_string (path, text, len, diags);
}

guint
kiln_node_map_size (const KilnNode *map)
{
  return kiln_node_is_map (map) ? map->items->len / 2 : 0;
}

const KilnNode *
kiln_node_map_key (const KilnNode *map, guint i)
{
  if (!kiln_node_is_map (map) || 2 * i >= map->items->len)
    return NULL;
  return map->items->pdata[2 * i];
}

const KilnNode *
kiln_node_map_value (const KilnNode *map, guint i)
{
  if (!kiln_node_is_map (map) || 2 * i + 1 >= map->items->len)
    return NULL;
  return map->items->pdata[2 * i + 1];
}

const KilnNode *
kiln_node_map_get_key (const KilnNode *map, const char *key)
{
  guint n = kiln_node_map_size (map);
  for (guint i = 0; i < n; i++)
    {
      const KilnNode *k = kiln_node_map_key (map, i);
      if (g_strcmp0 (k->scalar, key) == 0)
        return k;
    }
  return NULL;
}

const KilnNode *
kiln_node_map_get (const KilnNode *map, const char *key)
{
  guint n = kiln_node_map_size (map);
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (kiln_node_map_key (map, i)->scalar, key) == 0)
      return kiln_node_map_value (map, i);
  return NULL;
}

guint
kiln_node_seq_size (const KilnNode *seq)
{
  return kiln_node_is_seq (seq) ? seq->items->len : 0;
}

const KilnNode *
kiln_node_seq_get (const KilnNode *seq, guint i)
{
  if (!kiln_node_is_seq (seq) || i >= seq->items->len)
    return NULL;
  return seq->items->pdata[i];
}

gboolean
kiln_node_is_scalar (const KilnNode *n)
{
  return n && n->kind == KILN_NODE_SCALAR;
}

gboolean
kiln_node_is_map (const KilnNode *n)
{
  return n && n->kind == KILN_NODE_MAP;
}

gboolean
kiln_node_is_seq (const KilnNode *n)
{
  return n && n->kind == KILN_NODE_SEQ;
}

gboolean
kiln_node_is_null (const KilnNode *n)
{
  if (!n)
    return TRUE;
  if (n->kind != KILN_NODE_SCALAR || n->str_tag)
    return FALSE;
  if (n->null_tag)
    return TRUE;
  return !n->quoted && is_null_text (n->scalar);
}

gboolean
kiln_node_is_string_tagged (const KilnNode *n)
{
  return n && n->kind == KILN_NODE_SCALAR && n->str_tag;
}

const char *
kiln_node_describe (const KilnNode *n)
{
  if (kiln_node_is_null (n))
    return "nothing (null)";
  switch (n->kind)
    {
    case KILN_NODE_SCALAR:
      return "a string";
    case KILN_NODE_MAP:
      return "a mapping";
    case KILN_NODE_SEQ:
      return "a list";
    }
  return "?";
}

JsonNode *
kiln_node_to_json (const KilnNode *n)
{
  if (kiln_node_is_null (n))
    return json_node_new (JSON_NODE_NULL);
  switch (n->kind)
    {
    case KILN_NODE_SCALAR:
      {
        JsonNode *j = json_node_new (JSON_NODE_VALUE);
        json_node_set_string (j, n->scalar);
        return j;
      }
    case KILN_NODE_SEQ:
      {
        JsonArray *a = json_array_sized_new (n->items->len);
        for (guint i = 0; i < n->items->len; i++)
          json_array_add_element (a, kiln_node_to_json (n->items->pdata[i]));
        JsonNode *j = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (j, a);
        return j;
      }
    case KILN_NODE_MAP:
      {
        JsonObject *o = json_object_new ();
        guint size = kiln_node_map_size (n);
        for (guint i = 0; i < size; i++)
          json_object_set_member (o, kiln_node_map_key (n, i)->scalar,
                                  kiln_node_to_json (kiln_node_map_value (n, i)));
        JsonNode *j = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (j, o);
        return j;
      }
    }
  return json_node_new (JSON_NODE_NULL);
}
