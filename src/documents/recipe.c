/* recipe.c - the recipe document: parse, validate, fill defaults */
#include "recipe.h"

#include <string.h>

#include "base/image-file.h"
#include "common/kiln.h"
#include "connect.h"
#include "naming.h"
#include "scalarpos.h"
#include "schema.h"
#include "base/suggest.h"
#include "units.h"
#include "documents/tables.h"

const char *const kiln_output_formats[] = {
  "qcow2", "raw", "vmdk", "vhdx", "vhd", "ova", NULL
};
const char *const kiln_output_targets[] = { "aws", "azure", "vsphere", NULL };

static const char *const top_keys[] = {
  "name", "version", "description", "parent", "disk", "components", "build",
  "outputs", "lifecycle", "notify", NULL
};
static const char *const build_keys[] = {
  "memory", "vcpus", "accel", "network", "timeout", "connect", "pool", NULL
};
static const char *const output_keys[] = {
  "name", "formats", "directory", "tags", "retain", "targets", "aws",
  "qcow2", "vmdk", "vhd", "vhdx", NULL
};
static const char *const entry_keys[] = { "component", "parameters",
                                          "offline", NULL };
static const char *const accel_names[] = { "auto", "kvm", "tcg", NULL };
static const char *const network_names[] = { "none", "user", NULL };
static const char *const vmdk_subformats[] = {
  "streamOptimized", "monolithicSparse", "monolithicFlat",
  "twoGbMaxExtentSparse", "twoGbMaxExtentFlat", NULL
};
static const char *const vhd_subformats[] = { "fixed", "dynamic", NULL };
static const char *const vhdx_subformats[] = { "dynamic", "fixed", NULL };
/* a parameter value given as { value: ..., secret: true } */
static const char *const marked_value_keys[] = { "value", "secret", NULL };
/* a parameter in Image Builder's list form */
static const char *const parameter_item_keys[] = {
  "name", "value", "secret", NULL
};
static const char *const aws_keys[] = { "bucket", "prefix", "region", NULL };
static const char *const qcow2_keys[] = { "compress", NULL };
static const char *const subformat_keys[] = { "subformat", NULL };

#define DEFAULT_NAME_TEMPLATE "{{ kiln:name }}-{{ kiln:buildDate }}"
#define MIN_MEMORY (256 * KILN_MiB)
#define MAX_MEMORY KILN_TiB
#define MIN_DISK KILN_MiB
#define MAX_DISK (64 * KILN_TiB)
#define MIN_TIMEOUT 60
#define MAX_TIMEOUT (7 * 86400)

const char *
kiln_network_name (KilnNetwork network)
{
  return network_names[network];
}

gboolean
kiln_name_is_valid (const char *s)
{
  if (!s || (!g_ascii_islower (*s) && !g_ascii_isdigit (*s)))
    return FALSE;
  gsize n = 0;
  for (; s[n]; n++)
    if (!g_ascii_islower (s[n]) && !g_ascii_isdigit (s[n]) && s[n] != '-')
      return FALSE;
  return n <= KILN_RECIPE_NAME_MAX;
}

gboolean
kiln_schema_name (KilnDiags *diags, const KilnNode *n, const char *what)
{
  if (!kiln_schema_expect_scalar (diags, n, what))
    return FALSE;
  if (kiln_name_is_valid (n->scalar))
    return TRUE;
  g_autofree char *q = kiln_quote_for_message (n->scalar);
  g_autofree char *lower = g_ascii_strdown (n->scalar, -1);
  gsize len = strlen (n->scalar);
  if (len > KILN_RECIPE_NAME_MAX)
    {
      kiln_schema_error (diags, n, "expected %s of at most %d characters, "
                         "found %zu", what, KILN_RECIPE_NAME_MAX, len);
      return FALSE;
    }
  if (kiln_name_is_valid (lower))
    kiln_schema_error (diags, n, "expected %s of lowercase letters, digits "
                       "and '-', found %s; did you mean '%s'?", what, q,
                       lower);
  else
    kiln_schema_error (diags, n, "expected %s of lowercase letters, digits "
                       "and '-' (starting with a letter or digit), found %s",
                       what, q);
  return FALSE;
}

static void
component_free (gpointer p)
{
  KilnRecipeComponent *c = p;
  g_free (c->ref);
  g_free (c->path);
  g_clear_pointer (&c->parameters, g_hash_table_unref);
  g_clear_pointer (&c->parameter_nodes, g_hash_table_unref);
  g_clear_pointer (&c->parameter_value_nodes, g_hash_table_unref);
  g_clear_pointer (&c->secret_parameters, g_hash_table_unref);
  g_clear_pointer (&c->component, kiln_component_free);
  g_clear_pointer (&c->bound, g_hash_table_unref);
  g_free (c);
}

void
kiln_recipe_free (KilnRecipe *r)
{
  if (!r)
    return;
  kiln_doc_free (r->doc);
  g_free (r->path);
  g_free (r->dir);
  g_free (r->name);
  g_free (r->version_text);
  g_free (r->description);
  g_free (r->parent.text);
  g_free (r->parent.template_name);
  g_free (r->parent.image_path);
  g_free (r->parent.recipe_name);
  g_clear_pointer (&r->components, g_ptr_array_unref);
  g_free (r->build.connect);
  g_free (r->build.pool);
  KilnOutputSettings *o = &r->outputs;
  g_free (o->name);
  g_strfreev (o->formats);
  g_free (o->directory);
  g_free (o->directory_path);
  g_strfreev (o->tag_keys);
  g_clear_pointer (&o->tags, g_hash_table_unref);
  g_free (o->vmdk_subformat);
  g_free (o->vhd_subformat);
  g_free (o->vhdx_subformat);
  g_strfreev (o->targets);
  g_free (o->aws_bucket);
  g_free (o->aws_prefix);
  g_free (o->aws_region);
  g_clear_pointer (&r->lifecycle, g_ptr_array_unref);
  g_clear_pointer (&r->notify, g_ptr_array_unref);
  g_free (r);
}

gboolean
kiln_recipe_has_format (const KilnRecipe *r, const char *format)
{
  return r->outputs.formats
         && g_strv_contains ((const char *const *) r->outputs.formats, format);
}

char *
kiln_recipe_output_name (const KilnRecipe *r, gint64 build_number,
                         GDateTime *build_date, GError **error)
{
  KilnNamingContext ctx = { r->name, r->version_text, build_number,
                            build_date };
  return kiln_naming_expand (r->outputs.name, &ctx, error);
}

/* A path relative to the recipe's directory (absolute paths stay). */
static char *
resolve_path (const KilnRecipe *r, const char *p)
{
  if (g_path_is_absolute (p))
    return g_strdup (p);
  g_autofree char *joined = g_build_filename (r->dir, p, NULL);
  return g_canonicalize_filename (joined, NULL);
}

char *
kiln_path_relative_to_file (const char *file, const char *ref)
{
  if (g_path_is_absolute (ref))
    return g_strdup (ref);
  while (g_str_has_prefix (ref, "./"))
    ref += 2;
  g_autofree char *dir = g_path_get_dirname (file);
  if (strcmp (dir, ".") == 0)
    return g_strdup (ref);
  return g_build_filename (dir, ref, NULL);
}

/* ---- top-level values ---- */

static void
parse_version (KilnRecipe *r, const KilnNode *n, KilnDiags *diags)
{
  const char *why = NULL;
  if (!kiln_schema_expect_scalar (diags, n, "'version'"))
    return;
  g_autofree char *q = kiln_quote_for_message (n->scalar);
  if (!kiln_semver_parse (n->scalar, &r->version, &why))
    {
      kiln_schema_error (diags, n, "expected a version MAJOR.MINOR.PATCH like "
                         "1.2.0 for 'version', found %s%s%s", q,
                         why ? "; " : "", why ? why : "");
      return;
    }
  r->version_text = g_strdup (n->scalar);
}

static gboolean
has_suffix_ci (const char *s, const char *suffix)
{
  gsize n = strlen (s), m = strlen (suffix);
  return n > m && g_ascii_strcasecmp (s + n - m, suffix) == 0;
}

static gboolean
looks_like_image_path (const char *s)
{
  return strchr (s, '/') || has_suffix_ci (s, ".qcow2")
         || has_suffix_ci (s, ".raw") || has_suffix_ci (s, ".img");
}

static void
parse_parent (KilnRecipe *r, const KilnNode *n, KilnDiags *diags)
{
  KilnParentRef *p = &r->parent;
  if (!kiln_schema_expect_scalar (diags, n, "'parent'"))
    return;
  const char *s = n->scalar;
  g_autofree char *q = kiln_quote_for_message (s);
  p->node = n;
  if (looks_like_image_path (s))
    {
      p->kind = KILN_PARENT_IMAGE;
      p->image_path = resolve_path (r, s);
      p->text = g_strdup (s);
      if (!g_file_test (p->image_path, G_FILE_TEST_EXISTS))
        kiln_schema_warning (diags, n, "the parent image %s does not exist "
                             "(yet): a build needs it at %s", q,
                             p->image_path);
      else
        {
          /* a FIFO would hang the build, /dev/zero is no disk
           * (base/image-file.h) */
          const char *what = kiln_image_file_problem (p->image_path, FALSE);
          if (what)
            kiln_schema_error (diags, n, "expected a disk image file for "
                               "'parent', found %s, %s", q, what);
        }
      return;
    }
  const char *at = strchr (s, '@');
  if (at)
    {
      g_autofree char *name = g_strndup (s, (gsize) (at - s));
      const char *why = NULL;
      if (!kiln_name_is_valid (name))
        {
          kiln_schema_error (diags, n, "expected a recipe reference "
                             "NAME@VERSION like web-base@1.x for 'parent', "
                             "found %s; '%s' is not a recipe name", q, name);
          return;
        }
      if (!kiln_semver_pattern_parse (at + 1, &p->version, &why))
        {
          kiln_scalar_error (diags, r->doc, n, (gsize) (at + 1 - s),
                             "expected a version like 1.x, 1.2.x or 1.2.0 "
                             "after '@' in 'parent', found '%s'%s%s", at + 1,
                             why ? "; " : "", why ? why : "");
          return;
        }
      p->kind = KILN_PARENT_RECIPE;
      p->recipe_name = g_steal_pointer (&name);
      p->text = g_strdup (s);
      return;
    }
  if (!kiln_name_is_valid (s))
    {
      kiln_schema_error (diags, n, "expected a template name (like "
                         "debian-12), an image path (like ./base.qcow2) or a "
                         "recipe reference (like web-base@1.x) for 'parent', "
                         "found %s", q);
      return;
    }
  p->kind = KILN_PARENT_TEMPLATE;
  p->template_name = g_strdup (s);
  p->text = g_strdup (s);
}

/* ---- components ---- */

static gboolean
looks_like_component_path (const char *s)
{
  return strchr (s, '/') || has_suffix_ci (s, ".yaml")
         || has_suffix_ci (s, ".yml");
}

/* A parameter value: a scalar; Image Builder's [value] list of one. */
static const KilnNode *
parameter_value (const KilnNode *v, const char *name, KilnDiags *diags)
{
  if (kiln_node_is_seq (v))
    {
      if (kiln_node_seq_size (v) != 1)
        {
          kiln_schema_error (diags, v, "expected one value for parameter "
                             "'%s' (a list of one string), found %u", name,
                             kiln_node_seq_size (v));
          return NULL;
        }
      v = kiln_node_seq_get (v, 0);
    }
  if (!kiln_node_is_scalar (v) || kiln_node_is_null (v))
    {
      kiln_schema_error (diags, v, "expected a string value for parameter "
                         "'%s', found %s", name, kiln_node_describe (v));
      return NULL;
    }
  return v;
}

/* kiln's form of a secret value: { value: V, secret: true }.  Returns the
 * value node (NULL after an error) and sets *secret. */
static const KilnNode *
marked_value (const KilnNode *n, const char *name, gboolean *secret,
              KilnDiags *diags)
{
  if (!kiln_node_map_get (n, "value"))
    {
      kiln_schema_error (diags, n, "expected a string value for parameter "
                         "'%s' (or {value: ..., secret: true}), found a "
                         "mapping without 'value'", name);
      return NULL;
    }
  g_autofree char *what = g_strdup_printf ("parameter '%s'", name);
  kiln_schema_check_keys (diags, n, what, marked_value_keys);
  const KilnNode *v = kiln_node_map_get (n, "value");
  const KilnNode *s = kiln_node_map_get (n, "secret");
  g_autofree char *swhat = g_strdup_printf ("parameter '%s' secret", name);
  if (s && !kiln_schema_bool (diags, s, swhat, secret))
    return NULL;
  return v;
}

static void
add_parameter (KilnRecipeComponent *c, const KilnNode *name_node,
               const KilnNode *value_node, gboolean secret, KilnDiags *diags)
{
  const char *name = name_node->scalar;
  const KilnNode *prev = g_hash_table_lookup (c->parameter_nodes, name);
  if (kiln_node_is_map (value_node))
    {
      value_node = marked_value (value_node, name, &secret, diags);
      if (!value_node)
        return;
    }
  const KilnNode *v = parameter_value (value_node, name, diags);
  if (prev)
    {
      kiln_schema_error (diags, name_node, "duplicate parameter '%s' (first "
                         "given at line %d, column %d)", name, prev->line,
                         prev->col);
      return;
    }
  if (!v)
    return;
  g_hash_table_insert (c->parameters, g_strdup (name), g_strdup (v->scalar));
  g_hash_table_insert (c->parameter_nodes, g_strdup (name),
                       (gpointer) name_node);
  g_hash_table_insert (c->parameter_value_nodes, g_strdup (name),
                       (gpointer) v);
  if (secret)
    g_hash_table_add (c->secret_parameters, g_strdup (name));
}

static void
parse_parameters (KilnRecipeComponent *c, const KilnNode *n,
                  KilnDiags *diags)
{
  if (kiln_node_is_map (n))
    {
      for (guint i = 0; i < kiln_node_map_size (n); i++)
        add_parameter (c, kiln_node_map_key (n, i), kiln_node_map_value (n, i),
                       FALSE, diags);
      return;
    }
  if (!kiln_node_is_seq (n))
    {
      kiln_schema_error (diags, n, "expected a mapping of parameters ({ name: "
                         "value }) or a list of {name, value}, found %s",
                         kiln_node_describe (n));
      return;
    }
  for (guint i = 0; i < kiln_node_seq_size (n); i++)
    {
      const KilnNode *item = kiln_node_seq_get (n, i);
      if (!kiln_schema_expect_map (diags, item, "a parameter (name, value)"))
        continue;
      kiln_schema_check_keys (diags, item, "a parameter", parameter_item_keys);
      const KilnNode *name = kiln_schema_require (diags, item, "name",
                                                  "a parameter");
      const KilnNode *value = kiln_schema_require (diags, item, "value",
                                                   "a parameter");
      if (!name || !kiln_schema_expect_scalar (diags, name,
                                               "a parameter's 'name'"))
        continue;
      const KilnNode *secret_node = kiln_node_map_get (item, "secret");
      gboolean secret = FALSE;
      if (secret_node && !kiln_schema_bool (diags, secret_node,
                                            "a parameter's 'secret'", &secret))
        continue;
      if (value)
        add_parameter (c, name, value, secret, diags);
    }
}

static KilnRecipeComponent *
parse_component_entry (KilnRecipe *r, const KilnNode *n, KilnDiags *diags)
{
  const KilnNode *ref = n;
  const KilnNode *params = NULL;
  const KilnNode *offline = NULL;
  gboolean offline_value = FALSE;
  if (kiln_node_is_map (n))
    {
      kiln_schema_check_keys (diags, n, "a component entry", entry_keys);
      ref = kiln_schema_require (diags, n, "component", "a component entry");
      params = kiln_node_map_get (n, "parameters");
      offline = kiln_node_map_get (n, "offline");
      if (offline && !kiln_schema_bool (diags, offline,
                                        "a component entry's 'offline'",
                                        &offline_value))
        offline = NULL;
      if (!ref)
        return NULL;
    }
  if (!kiln_node_is_scalar (ref) || kiln_node_is_null (ref))
    {
      kiln_schema_error (diags, ref, "expected a component (a built-in name "
                         "like update-os, a path like ./site.yaml, or "
                         "{component: ..., parameters: ...}), found %s",
                         kiln_node_describe (ref));
      return NULL;
    }
  KilnRecipeComponent *c = g_new0 (KilnRecipeComponent, 1);
  c->node = n;
  c->ref_node = ref;
  c->ref = g_strdup (ref->scalar);
  c->offline = offline_value;
  c->offline_node = offline;
  c->parameters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         g_free);
  c->parameter_nodes = g_hash_table_new_full (g_str_hash, g_str_equal,
                                              g_free, NULL);
  c->parameter_value_nodes = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                    g_free, NULL);
  c->secret_parameters = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                g_free, NULL);
  if (looks_like_component_path (c->ref))
    c->path = kiln_path_relative_to_file (r->path, c->ref);
  else if (kiln_name_is_valid (c->ref))
    c->builtin = TRUE;
  else
    {
      g_autofree char *q = kiln_quote_for_message (c->ref);
      kiln_schema_error (diags, ref, "expected a built-in component name "
                         "(lowercase letters, digits, '-') or a path like "
                         "./components/site.yaml, found %s", q);
    }
  if (params && !kiln_node_is_null (params))
    parse_parameters (c, params, diags);
  return c;
}

static void
parse_components (KilnRecipe *r, const KilnNode *n, KilnDiags *diags)
{
  if (kiln_node_is_null (n))
    return;
  if (!kiln_schema_expect_seq (diags, n, "'components'"))
    return;
  for (guint i = 0; i < kiln_node_seq_size (n); i++)
    {
      KilnRecipeComponent *c = parse_component_entry (
          r, kiln_node_seq_get (n, i), diags);
      if (c)
        g_ptr_array_add (r->components, c);
    }
}

/* ---- build ---- */

/* Only the connections connect.h lists: a URI can run programs on this
 * host.  Each problem points at the transport or parameter it names. */
static void
parse_connect (KilnRecipe *r, const KilnNode *n, KilnDiags *diags)
{
  if (!kiln_schema_expect_scalar (diags, n, "'build.connect'"))
    return;
  const char *s = n->scalar;
  g_autoptr (GPtrArray) problems = kiln_connect_problems (s);
  for (guint i = 0; i < problems->len; i++)
    {
      const KilnConnectProblem *p = problems->pdata[i];
      kiln_scalar_error (diags, r->doc, n, p->offset, "%s", p->message);
    }
  if (problems->len == 0 && strcmp (s, "embed") != 0)
    r->build.connect = g_strdup (s);
}

/* A libvirt storage pool name: kiln may make it (target-disks.h), and its
 * directory is named after it, so no path characters. */
static void
parse_pool (KilnRecipe *r, const KilnNode *n, KilnDiags *diags)
{
  if (!kiln_schema_expect_scalar (diags, n, "'build.pool'"))
    return;
  const char *s = n->scalar;
  gsize len = strlen (s);
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && !strchr ("_.-", s[i]))
      {
        kiln_scalar_error (diags, r->doc, n, (int) i, "'build.pool' is a "
                           "storage pool name: letters, digits, '_', '.' "
                           "and '-', found '%c'", s[i]);
        return;
      }
  if (len == 0 || len > 64 || s[0] == '.' || s[0] == '-')
    {
      kiln_scalar_error (diags, r->doc, n, 0, "'build.pool' is a storage "
                         "pool name of 1 to 64 characters, not starting "
                         "with '.' or '-'; found '%s'", s);
      return;
    }
  r->build.pool = g_strdup (s);
}

static void
parse_build (KilnRecipe *r, const KilnNode *n, KilnDiags *diags)
{
  KilnBuildSettings *b = &r->build;
  if (kiln_node_is_null (n))
    return;
  if (!kiln_schema_expect_map (diags, n, "'build'"))
    return;
  kiln_schema_check_keys (diags, n, "'build'", build_keys);
  const KilnNode *v;
  if ((v = kiln_node_map_get (n, "memory")))
    kiln_schema_size (diags, v, "'build.memory'", MIN_MEMORY, MAX_MEMORY,
                      &b->memory);
  if ((v = kiln_node_map_get (n, "vcpus")))
    {
      gint64 x;
      if (kiln_schema_int (diags, v, "'build.vcpus'", 1, 64, &x))
        b->vcpus = (guint) x;
    }
  guint idx;
  if ((v = kiln_node_map_get (n, "accel"))
      && kiln_schema_enum (diags, v, "'build.accel'", accel_names, &idx))
    b->accel = (KilnAccel) idx;
  if ((v = kiln_node_map_get (n, "network"))
      && kiln_schema_enum (diags, v, "'build.network'", network_names, &idx))
    b->network = (KilnNetwork) idx;
  if ((v = kiln_node_map_get (n, "timeout")))
    kiln_schema_duration (diags, v, "'build.timeout'", MIN_TIMEOUT,
                          MAX_TIMEOUT, &b->timeout);
  if ((v = kiln_node_map_get (n, "connect")))
    parse_connect (r, v, diags);
  if ((v = kiln_node_map_get (n, "pool")))
    parse_pool (r, v, diags);
}

/* ---- outputs ---- */

/* A list of distinct values from allowed; NULL-terminated copy in *out. */
static void
parse_enum_list (const KilnNode *n, const char *what,
                 const char *const *allowed, gboolean allow_empty,
                 char ***out, KilnDiags *diags)
{
  if (!kiln_schema_expect_seq (diags, n, what))
    return;
  if (!allow_empty && kiln_node_seq_size (n) == 0)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) allowed);
      kiln_schema_error (diags, n, "expected at least one of %s in %s, found "
                         "an empty list", list, what);
      return;
    }
  g_autoptr (GPtrArray) vals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok = TRUE;
  for (guint i = 0; i < kiln_node_seq_size (n); i++)
    {
      const KilnNode *item = kiln_node_seq_get (n, i);
      if (!kiln_schema_enum (diags, item, what, allowed, NULL))
        {
          ok = FALSE;
          continue;
        }
      const KilnNode *prev = g_hash_table_lookup (seen, item->scalar);
      if (prev)
        {
          kiln_schema_error (diags, item, "duplicate '%s' in %s (already "
                             "listed at line %d, column %d)", item->scalar,
                             what, prev->line, prev->col);
          ok = FALSE;
          continue;
        }
      g_hash_table_insert (seen, item->scalar, (gpointer) item);
      g_ptr_array_add (vals, g_strdup (item->scalar));
    }
  if (!ok)
    return;
  g_ptr_array_add (vals, NULL);
  g_strfreev (*out);
  *out = (char **) g_ptr_array_free (g_steal_pointer (&vals), FALSE);
}

static void
parse_tags (KilnOutputSettings *o, const KilnNode *n, KilnDiags *diags)
{
  if (!kiln_schema_expect_map (diags, n, "'outputs.tags'"))
    return;
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < kiln_node_map_size (n); i++)
    {
      const KilnNode *k = kiln_node_map_key (n, i);
      const KilnNode *v = kiln_node_map_value (n, i);
      glong klen = g_utf8_strlen (k->scalar, -1);
      if (klen < 1 || klen > 128)
        {
          kiln_schema_error (diags, k, "expected a tag key of 1-128 "
                             "characters, found %ld", klen);
          continue;
        }
      if (g_ascii_strncasecmp (k->scalar, "aws:", 4) == 0)
        {
          kiln_schema_error (diags, k, "expected a tag key not starting with "
                             "'aws:' (reserved by AWS), found '%s'",
                             k->scalar);
          continue;
        }
      if (!kiln_node_is_scalar (v))
        {
          kiln_schema_error (diags, v, "expected a string value for tag "
                             "'%s', found %s", k->scalar,
                             kiln_node_describe (v));
          continue;
        }
      const char *value = kiln_node_is_null (v) ? "" : v->scalar;
      if (g_utf8_strlen (value, -1) > 256)
        {
          kiln_schema_error (diags, v, "expected a tag value of at most 256 "
                             "characters for '%s', found %ld", k->scalar,
                             g_utf8_strlen (value, -1));
          continue;
        }
      g_ptr_array_add (keys, g_strdup (k->scalar));
      g_hash_table_insert (o->tags, g_strdup (k->scalar), g_strdup (value));
    }
  g_ptr_array_add (keys, NULL);
  g_strfreev (o->tag_keys);
  o->tag_keys = (char **) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
}

/* S3 bucket names: 3-63 of [a-z0-9.-], starting and ending with a letter or
 * digit, no "..". */
static gboolean
bucket_name_ok (const char *s)
{
  gsize n = strlen (s);
  if (n < 3 || n > 63 || !g_ascii_isalnum (s[0])
      || !g_ascii_isalnum (s[n - 1]) || strstr (s, ".."))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_islower (s[i]) && !g_ascii_isdigit (s[i]) && s[i] != '.'
        && s[i] != '-')
      return FALSE;
  return TRUE;
}

/* AWS regions: af-south-1, us-gov-west-1, eu-central-2 ... */
static gboolean
region_ok (const char *s)
{
  g_auto (GStrv) parts = g_strsplit (s, "-", -1);
  guint n = g_strv_length (parts);
  if (n < 3)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      if (!parts[i][0])
        return FALSE;
      for (const char *p = parts[i]; *p; p++)
        if (i + 1 < n ? !g_ascii_islower (*p) : !g_ascii_isdigit (*p))
          return FALSE;
    }
  return TRUE;
}

static void
parse_aws (KilnOutputSettings *o, const KilnNode *n, KilnDiags *diags)
{
  if (!kiln_schema_expect_map (diags, n, "'outputs.aws'"))
    return;
  kiln_schema_check_keys (diags, n, "'outputs.aws'", aws_keys);
  const KilnNode *b = kiln_schema_require (diags, n, "bucket", "'outputs.aws'");
  if (b && kiln_schema_expect_scalar (diags, b, "'outputs.aws.bucket'"))
    {
      if (bucket_name_ok (b->scalar))
        o->aws_bucket = g_strdup (b->scalar);
      else
        {
          g_autofree char *q = kiln_quote_for_message (b->scalar);
          kiln_schema_error (diags, b, "expected an S3 bucket name (3-63 "
                             "lowercase letters, digits, '.' and '-') for "
                             "'outputs.aws.bucket', found %s", q);
        }
    }
  const KilnNode *p = kiln_node_map_get (n, "prefix");
  o->aws_prefix = g_strdup ("");
  if (p && !kiln_node_is_null (p)
      && kiln_schema_expect_scalar (diags, p, "'outputs.aws.prefix'"))
    {
      if (p->scalar[0] == '/')
        kiln_schema_error (diags, p, "expected an S3 key prefix without a "
                           "leading '/' for 'outputs.aws.prefix', found '%s'",
                           p->scalar);
      else
        {
          g_free (o->aws_prefix);
          o->aws_prefix = g_strdup (p->scalar);
        }
    }
  const KilnNode *rg = kiln_node_map_get (n, "region");
  if (rg && kiln_schema_expect_scalar (diags, rg, "'outputs.aws.region'"))
    {
      if (region_ok (rg->scalar))
        o->aws_region = g_strdup (rg->scalar);
      else
        {
          g_autofree char *q = kiln_quote_for_message (rg->scalar);
          kiln_schema_error (diags, rg, "expected an AWS region like "
                             "eu-west-1 for 'outputs.aws.region', found %s",
                             q);
        }
    }
}

/* outputs.<format>: { subformat: ... } or { compress: ... } */
static void
parse_format_options (KilnRecipe *r, const KilnNode *outputs,
                      KilnDiags *diags)
{
  KilnOutputSettings *o = &r->outputs;
  const char *fmts[] = { "qcow2", "vmdk", "vhd", "vhdx" };
  for (guint f = 0; f < G_N_ELEMENTS (fmts); f++)
    {
      const KilnNode *n = kiln_node_map_get (outputs, fmts[f]);
      if (!n)
        continue;
      g_autofree char *what = g_strdup_printf ("'outputs.%s'", fmts[f]);
      if (!kiln_schema_expect_map (diags, n, what))
        continue;
      if (!kiln_recipe_has_format (r, fmts[f])
          && !(f == 1 && kiln_recipe_has_format (r, "ova")))
        kiln_schema_warning (diags, kiln_node_map_get_key (outputs, fmts[f]),
                             "%s has no effect: %s is not in "
                             "'outputs.formats'", what, fmts[f]);
      if (f == 0)
        {
          kiln_schema_check_keys (diags, n, what, qcow2_keys);
          const KilnNode *c = kiln_node_map_get (n, "compress");
          if (c)
            kiln_schema_bool (diags, c, "'outputs.qcow2.compress'",
                              &o->qcow2_compress);
          continue;
        }
      kiln_schema_check_keys (diags, n, what, subformat_keys);
      const KilnNode *s = kiln_node_map_get (n, "subformat");
      const char *const *allowed = f == 1 ? vmdk_subformats
                                   : f == 2 ? vhd_subformats
                                            : vhdx_subformats;
      char **slot = f == 1 ? &o->vmdk_subformat
                    : f == 2 ? &o->vhd_subformat : &o->vhdx_subformat;
      g_autofree char *swhat = g_strdup_printf ("'outputs.%s.subformat'",
                                                fmts[f]);
      guint idx;
      if (s && kiln_schema_enum (diags, s, swhat, allowed, &idx))
        {
          g_free (*slot);
          *slot = g_strdup (allowed[idx]);
        }
    }
}

static void
parse_outputs (KilnRecipe *r, const KilnNode *n, KilnDiags *diags)
{
  KilnOutputSettings *o = &r->outputs;
  if (kiln_node_is_null (n))
    return;
  if (!kiln_schema_expect_map (diags, n, "'outputs'"))
    return;
  kiln_schema_check_keys (diags, n, "'outputs'", output_keys);
  const KilnNode *v;
  if ((v = kiln_node_map_get (n, "formats")))
    parse_enum_list (v, "'outputs.formats'", kiln_output_formats, FALSE,
                     &o->formats, diags);
  if ((v = kiln_node_map_get (n, "name"))
      && kiln_schema_naming (diags, r->doc, v, "'outputs.name'", r->name,
                             r->version_text))
    {
      g_free (o->name);
      o->name = g_strdup (v->scalar);
    }
  if ((v = kiln_node_map_get (n, "directory"))
      && kiln_schema_expect_scalar (diags, v, "'outputs.directory'"))
    {
      if (!*v->scalar)
        kiln_schema_error (diags, v, "expected a directory for "
                           "'outputs.directory', found an empty string");
      else
        {
          g_free (o->directory);
          o->directory = g_strdup (v->scalar);
        }
    }
  if ((v = kiln_node_map_get (n, "tags")) && !kiln_node_is_null (v))
    parse_tags (o, v, diags);
  if ((v = kiln_node_map_get (n, "retain")))
    {
      gint64 x;
      if (kiln_schema_int (diags, v, "'outputs.retain'", 1, 10000, &x))
        o->retain = (guint) x;
    }
  if ((v = kiln_node_map_get (n, "targets")))
    parse_enum_list (v, "'outputs.targets'", kiln_output_targets, TRUE,
                     &o->targets, diags);
  if ((v = kiln_node_map_get (n, "aws")))
    parse_aws (o, v, diags);
  parse_format_options (r, n, diags);
}

static void
set_defaults (KilnRecipe *r)
{
  r->components = g_ptr_array_new_with_free_func (component_free);
  r->build.memory = KILN_GiB;
  r->build.vcpus = 2;
  r->build.accel = KILN_ACCEL_AUTO;
  r->build.network = KILN_NETWORK_NONE;
  r->build.timeout = 60 * 60;
  KilnOutputSettings *o = &r->outputs;
  o->name = g_strdup (DEFAULT_NAME_TEMPLATE);
  o->formats = g_new0 (char *, 2);
  o->formats[0] = g_strdup ("qcow2");
  o->directory = g_strdup ("./dist");
  o->tag_keys = g_new0 (char *, 1);
  o->tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  o->vmdk_subformat = g_strdup ("streamOptimized");
  o->vhd_subformat = g_strdup ("fixed");
  o->vhdx_subformat = g_strdup ("dynamic");
  o->targets = g_new0 (char *, 1);
}

KilnRecipe *
kiln_recipe_parse_lenient (KilnDoc *doc, KilnDiags *diags)
{
  g_autoptr (KilnRecipe) r = g_new0 (KilnRecipe, 1);
  r->doc = doc;
  r->path = g_strdup (doc->file);
  {
    g_autofree char *d = g_path_get_dirname (doc->file);
    g_autofree char *cwd = g_get_current_dir ();
    r->dir = g_canonicalize_filename (d, cwd);
  }
  set_defaults (r);

  const KilnNode *root = doc->root;
  if (!root)
    {
      kiln_diags_add (diags, KILN_DIAG_ERROR, doc->file, 1, 1, "expected a "
                      "recipe (name, version, parent, ...), found an empty "
                      "document");
      return NULL;
    }
  if (!kiln_schema_expect_map (diags, root, "a recipe")
      || !kiln_schema_has_known_key (diags, root, "a recipe (name, version, "
                                     "parent, ...)", top_keys))
    return NULL;
  kiln_schema_check_keys (diags, root, "a recipe", top_keys);

  const KilnNode *v;
  if ((v = kiln_schema_require (diags, root, "name", "a recipe"))
      && kiln_schema_name (diags, v, "'name'"))
    r->name = g_strdup (v->scalar);
  if ((v = kiln_schema_require (diags, root, "version", "a recipe")))
    parse_version (r, v, diags);
  if ((v = kiln_node_map_get (root, "description")) && !kiln_node_is_null (v)
      && kiln_schema_expect_scalar (diags, v, "'description'"))
    r->description = g_strdup (v->scalar);
  if ((v = kiln_schema_require (diags, root, "parent", "a recipe")))
    parse_parent (r, v, diags);
  if ((v = kiln_node_map_get (root, "disk")))
    kiln_schema_size (diags, v, "'disk'", MIN_DISK, MAX_DISK, &r->disk);
  parse_components (r, kiln_node_map_get (root, "components"), diags);
  parse_build (r, kiln_node_map_get (root, "build"), diags);
  parse_outputs (r, kiln_node_map_get (root, "outputs"), diags);
  r->outputs.directory_path = resolve_path (r, r->outputs.directory);
  r->lifecycle = kiln_lifecycle_parse (kiln_node_map_get (root, "lifecycle"),
                                       diags);
  r->notify = kiln_notify_parse (kiln_node_map_get (root, "notify"), r->dir,
                                 diags);
  return g_steal_pointer (&r);
}

KilnRecipe *
kiln_recipe_parse (KilnDoc *doc, KilnDiags *diags)
{
  guint errors = kiln_diags_error_count (diags);
  g_autoptr (KilnRecipe) r = kiln_recipe_parse_lenient (doc, diags);
  if (kiln_diags_error_count (diags) != errors)
    return NULL;
  return g_steal_pointer (&r);
}

const KilnDocTable kiln_recipe_tables[] = {
  { "recipe", top_keys },
  { "recipe.component", entry_keys },
  { "recipe.parameter.marked", marked_value_keys },
  { "recipe.parameter.item", parameter_item_keys },
  { "recipe.build", build_keys },
  { "recipe.build.accel", accel_names },
  { "recipe.build.network", network_names },
  { "recipe.outputs", output_keys },
  { "recipe.outputs.formats", kiln_output_formats },
  { "recipe.outputs.targets", kiln_output_targets },
  { "recipe.outputs.aws", aws_keys },
  { "recipe.outputs.qcow2", qcow2_keys },
  { "recipe.outputs.subformat", subformat_keys },
  { "recipe.outputs.vmdk.subformat", vmdk_subformats },
  { "recipe.outputs.vhd.subformat", vhd_subformats },
  { "recipe.outputs.vhdx.subformat", vhdx_subformats },
  { NULL, NULL }
};
