/* yamldoc.h - a YAML document as a tree of nodes that remember where they are
 *
 * Built on libyaml's event parser.  Every node keeps its 1-based line and
 * column so validators can say FILE:LINE:COL.  The loader refuses what a
 * configuration file has no business containing and what could make memory
 * use unbounded: anchors and aliases, duplicate keys, non-scalar keys,
 * documents over KILN_DOC_MAX_BYTES, nesting deeper than KILN_DOC_MAX_DEPTH,
 * invalid UTF-8 and more than one document per file.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "base/diag.h"

#define KILN_DOC_MAX_BYTES (1024 * 1024)
#define KILN_DOC_MAX_DEPTH 64

typedef enum {
  KILN_NODE_SCALAR,
  KILN_NODE_MAP,
  KILN_NODE_SEQ,
} KilnNodeKind;

typedef struct KilnNode KilnNode;
struct KilnNode {
  KilnNodeKind kind;
  int line;             /* 1-based */
  int col;              /* 1-based */
  const char *file;     /* owned by the KilnDoc */
  char *scalar;         /* SCALAR: the value, UTF-8, never NULL */
  gboolean quoted;      /* SCALAR: written quoted or as a block (not plain) */
  char *tag;            /* explicit tag, or NULL (checked by the loader:
                         * only !!str, !!int, !!bool, !!null, !!seq, !!map
                         * and the non-specific ! get through) */
  gboolean str_tag;     /* SCALAR: tagged !!str or !: a string, never null,
                         * never a number or a boolean */
  gboolean null_tag;    /* SCALAR: tagged !!null */
  GPtrArray *items;     /* SEQ: KilnNode*; MAP: key, value, key, value ... */
};

typedef struct {
  char *file;
  KilnNode *root;       /* NULL for an empty document */
  char *text;           /* the source text, for canonical digests */
  gsize text_len;
} KilnDoc;

/* Returns NULL and adds to diags when the file cannot be read or parsed. */
KilnDoc *kiln_doc_load_file (const char *path, KilnDiags *diags);
KilnDoc *kiln_doc_load_string (const char *name, const char *text, gsize len,
                               KilnDiags *diags);
void kiln_doc_free (KilnDoc *doc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnDoc, kiln_doc_free)

/* Accessors.  All accept NULL and return NULL/0 where that makes sense. */
guint kiln_node_map_size (const KilnNode *map);
const KilnNode *kiln_node_map_key (const KilnNode *map, guint i);
const KilnNode *kiln_node_map_value (const KilnNode *map, guint i);
const KilnNode *kiln_node_map_get (const KilnNode *map, const char *key);
/* The key node of `key`, for positions of "unknown key" errors. */
const KilnNode *kiln_node_map_get_key (const KilnNode *map, const char *key);
guint kiln_node_seq_size (const KilnNode *seq);
const KilnNode *kiln_node_seq_get (const KilnNode *seq, guint i);

gboolean kiln_node_is_scalar (const KilnNode *n);
gboolean kiln_node_is_map (const KilnNode *n);
gboolean kiln_node_is_seq (const KilnNode *n);
/* A scalar tagged !!str (or the non-specific !): YAML says it is a string,
 * so where a number or a boolean is expected it is refused. */
gboolean kiln_node_is_string_tagged (const KilnNode *n);
/* A plain (unquoted) empty scalar, "~", "null", "Null" or "NULL", or any
 * scalar tagged !!null; never one tagged !!str. */
gboolean kiln_node_is_null (const KilnNode *n);
/* "a string", "a mapping", "a list", "null" - for "found ..." messages. */
const char *kiln_node_describe (const KilnNode *n);

/* Scalars become JSON strings (null stays null), maps objects, lists arrays.
 * Key order is kept. */
JsonNode *kiln_node_to_json (const KilnNode *n);
