/* lifecycle.c - lifecycle rules (lifecycle.h) */
#include "lifecycle.h"

#include <string.h>

#include "schema.h"
#include "units.h"
#include "documents/tables.h"

static const char *const rule_keys[] = {
  "action", "resource", "after", "keep", "versions", "exclude", "artifacts",
  NULL
};
static const char *const action_names[] = { "deprecate", "delete", NULL };
static const char *const resource_names[] = {
  "builds", "cached-parents", NULL
};
/* the keys that choose builds: not in a rule for cached parents */
static const char *const build_only_keys[] = {
  "versions", "exclude", "artifacts", NULL
};

#define MAX_AGE (100 * 365 * 86400LL)
#define MAX_KEEP 10000

const char *
kiln_lifecycle_action_name (KilnLifecycleAction action)
{
  return action_names[action];
}

const char *
kiln_lifecycle_resource_name (KilnLifecycleResource resource)
{
  return resource_names[resource];
}

gboolean
kiln_lifecycle_rules_act_on (GPtrArray *rules, KilnLifecycleResource resource)
{
  for (guint i = 0; rules && i < rules->len; i++)
    if (((const KilnLifecycleRule *) rules->pdata[i])->resource == resource)
      return TRUE;
  return FALSE;
}

void
kiln_lifecycle_rule_free (KilnLifecycleRule *rule)
{
  if (!rule)
    return;
  if (rule->exclude)
    g_array_unref (rule->exclude);
  g_free (rule->source);
  g_free (rule);
}

/* "1.2.x" or "1.2.0/7" */
static gboolean
parse_exclusion (const KilnNode *n, KilnLifecycleExclusion *out,
                 KilnDiags *diags)
{
  if (!kiln_schema_expect_scalar (diags, n, "an 'exclude' entry"))
    return FALSE;
  g_autofree char *q = kiln_quote_for_message (n->scalar);
  const char *slash = strchr (n->scalar, '/');
  const char *why = NULL;
  memset (out, 0, sizeof *out);
  if (!slash)
    {
      if (kiln_semver_pattern_parse (n->scalar, &out->version, &why))
        return TRUE;
    }
  else
    {
      g_autofree char *version = g_strndup (n->scalar, slash - n->scalar);
      KilnSemver v;
      gint64 number;
      if (kiln_semver_parse (version, &v, &why)
          && kiln_parse_int (slash + 1, &number) && number > 0)
        {
          out->version.major = (gint32) v.major;
          out->version.minor = (gint32) v.minor;
          out->version.patch = (gint32) v.patch;
          out->number = number;
          return TRUE;
        }
    }
  kiln_schema_error (diags, n, "expected a version like 1.2.x or one build "
                     "like 1.2.0/7 in 'exclude', found %s%s%s", q,
                     why ? "; " : "", why ? why : "");
  return FALSE;
}

/* A rule for cached parents only deletes, and has nothing that chooses
 * builds. */
static void
check_parent_rule (const KilnNode *n, KilnDiags *diags)
{
  /* an action that is neither was reported already */
  const KilnNode *v = kiln_node_map_get (n, "action");
  if (v && kiln_node_is_scalar (v)
      && g_str_equal (v->scalar, action_names[KILN_LIFECYCLE_DEPRECATE]))
    {
      g_autofree char *q = kiln_quote_for_message (v->scalar);
      kiln_schema_error (diags, v, "expected 'delete' for 'action' with "
                         "'resource: cached-parents' (a cached parent is "
                         "deleted, never deprecated), found %s", q);
    }
  for (guint i = 0; build_only_keys[i]; i++)
    {
      const KilnNode *key = kiln_node_map_get_key (n, build_only_keys[i]);
      if (key)
        kiln_schema_error (diags, key, "expected only 'action', 'after' and "
                           "'keep' with 'resource: cached-parents', found "
                           "'%s' (it chooses builds, not parents)",
                           build_only_keys[i]);
    }
}

/* versions, exclude and artifacts: which builds, and what of them */
static void
parse_build_choice (const KilnNode *n, KilnLifecycleRule *rule,
                    KilnDiags *diags)
{
  const KilnNode *v;
  if ((v = kiln_node_map_get (n, "versions"))
      && kiln_schema_expect_scalar (diags, v, "'versions'"))
    {
      const char *why = NULL;
      if (kiln_semver_pattern_parse (v->scalar, &rule->versions, &why))
        rule->has_versions = TRUE;
      else
        {
          g_autofree char *q = kiln_quote_for_message (v->scalar);
          kiln_schema_error (diags, v, "expected a version like 1.x, 1.2.x "
                             "or 1.2.0 for 'versions', found %s; %s", q, why);
        }
    }
  if ((v = kiln_node_map_get (n, "exclude")) && !kiln_node_is_null (v)
      && kiln_schema_expect_seq (diags, v, "'exclude'"))
    for (guint i = 0; i < kiln_node_seq_size (v); i++)
      {
        KilnLifecycleExclusion e;
        if (parse_exclusion (kiln_node_seq_get (v, i), &e, diags))
          g_array_append_val (rule->exclude, e);
      }
  if ((v = kiln_node_map_get (n, "artifacts"))
      && kiln_schema_bool (diags, v, "'artifacts'", &rule->artifacts)
      && rule->artifacts && rule->action != KILN_LIFECYCLE_DELETE)
    kiln_schema_error (diags, v, "expected 'artifacts' only in a delete "
                       "rule, found it in a %s rule",
                       kiln_lifecycle_action_name (rule->action));
}

static KilnLifecycleRule *
parse_rule (const KilnNode *n, guint index, KilnDiags *diags)
{
  g_autofree char *what = g_strdup_printf ("lifecycle rule %u", index);
  if (!kiln_schema_expect_map (diags, n, what))
    return NULL;
  guint errors = kiln_diags_error_count (diags);
  kiln_schema_check_keys (diags, n, what, rule_keys);
  g_autoptr (KilnLifecycleRule) rule = g_new0 (KilnLifecycleRule, 1);
  rule->exclude = g_array_new (FALSE, TRUE, sizeof (KilnLifecycleExclusion));
  rule->source = g_strdup_printf ("%s:%d", n->file, n->line);

  const KilnNode *v;
  guint idx;
  if ((v = kiln_schema_require (diags, n, "action", what))
      && kiln_schema_enum (diags, v, "'action'", action_names, &idx))
    rule->action = (KilnLifecycleAction) idx;
  if ((v = kiln_node_map_get (n, "resource"))
      && kiln_schema_enum (diags, v, "'resource'", resource_names, &idx))
    rule->resource = (KilnLifecycleResource) idx;
  if ((v = kiln_node_map_get (n, "after")))
    kiln_schema_duration (diags, v, "'after'", 60, MAX_AGE, &rule->after);
  if ((v = kiln_node_map_get (n, "keep")))
    {
      gint64 keep;
      if (kiln_schema_int (diags, v, "'keep'", 1, MAX_KEEP, &keep))
        rule->keep = (guint) keep;
    }
  if (!kiln_node_map_get (n, "after") && !kiln_node_map_get (n, "keep"))
    kiln_schema_error (diags, n, "expected 'after' (an age like 90d) or "
                       "'keep' (how many of the newest builds %s) in %s, "
                       "found neither",
                       rule->resource == KILN_LIFECYCLE_CACHED_PARENTS
                           ? "keep their parents" : "stay", what);
  if (rule->resource == KILN_LIFECYCLE_CACHED_PARENTS)
    check_parent_rule (n, diags);
  else
    parse_build_choice (n, rule, diags);
  if (kiln_diags_error_count (diags) != errors)
    return NULL;
  return g_steal_pointer (&rule);
}

GPtrArray *
kiln_lifecycle_parse (const KilnNode *n, KilnDiags *diags)
{
  g_autoptr (GPtrArray) rules = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_lifecycle_rule_free);
  if (!n || kiln_node_is_null (n))
    return g_steal_pointer (&rules);
  if (!kiln_schema_expect_seq (diags, n, "'lifecycle' (a list of rules)"))
    return NULL;
  gboolean ok = TRUE;
  for (guint i = 0; i < kiln_node_seq_size (n); i++)
    {
      KilnLifecycleRule *rule = parse_rule (kiln_node_seq_get (n, i), i + 1,
                                            diags);
      if (rule)
        g_ptr_array_add (rules, rule);
      else
        ok = FALSE;
    }
  return ok ? g_steal_pointer (&rules) : NULL;
}

gboolean
kiln_lifecycle_rule_selects (const KilnLifecycleRule *rule,
                             const char *version, gint64 number)
{
  KilnSemver v;
  if (!kiln_semver_parse (version, &v, NULL))
    return FALSE;
  if (rule->has_versions
      && !kiln_semver_pattern_matches (&rule->versions, &v))
    return FALSE;
  for (guint i = 0; rule->exclude && i < rule->exclude->len; i++)
    {
      const KilnLifecycleExclusion *e
          = &g_array_index (rule->exclude, KilnLifecycleExclusion, i);
      if (kiln_semver_pattern_matches (&e->version, &v)
          && (e->number == 0 || e->number == number))
        return FALSE;
    }
  return TRUE;
}

char *
kiln_lifecycle_rule_describe (const KilnLifecycleRule *rule)
{
  GString *s = g_string_new (kiln_lifecycle_action_name (rule->action));
  if (rule->resource == KILN_LIFECYCLE_CACHED_PARENTS)
    {
      g_string_append (s, " cached parents");
      if (rule->after)
        {
          g_autofree char *age = kiln_duration_format (rule->after);
          g_string_append_printf (s, " unused for %s", age);
        }
      if (rule->keep == 1)
        g_string_append (s, " beyond that of the newest build");
      else if (rule->keep)
        g_string_append_printf (s, " beyond those of the newest %u builds",
                                rule->keep);
      g_string_append_printf (s, " (%s)", rule->source);
      return g_string_free (s, FALSE);
    }
  g_string_append (s, " builds");
  if (rule->after)
    {
      g_autofree char *age = kiln_duration_format (rule->after);
      g_string_append_printf (s, " older than %s", age);
    }
  if (rule->keep)
    g_string_append_printf (s, " beyond the newest %u", rule->keep);
  if (rule->has_versions)
    {
      g_autofree char *p = kiln_semver_pattern_to_string (&rule->versions);
      g_string_append_printf (s, " of %s", p);
    }
  if (rule->artifacts)
    g_string_append (s, ", with their output files");
  g_string_append_printf (s, " (%s)", rule->source);
  return g_string_free (s, FALSE);
}

const KilnDocTable kiln_lifecycle_tables[] = {
  { "lifecycle.rule", rule_keys },
  { "lifecycle.action", action_names },
  { "lifecycle.resource", resource_names },
  { NULL, NULL }
};
