/* manifest.c - manifest.json with json-glib */
#include <string.h>

#include "common/kiln-json.h"
#include "lint.h"
#include "manifest.h"
#include "sbom.h"

KilnArtifact *
kiln_artifact_new (void)
{
  return g_new0 (KilnArtifact, 1);
}

void
kiln_artifact_free (KilnArtifact *a)
{
  if (!a)
    return;
  g_free (a->format);
  g_free (a->subformat);
  g_free (a->file);
  g_free (a->path);
  g_free (a->sha256);
  g_free (a);
}

gboolean
kiln_param_name_looks_secret (const char *name)
{
  static const char *const words[] = {
    "password", "passwd", "passphrase", "secret", "token", "credential",
    "apikey", "privatekey", "accesskey", "secretkey", NULL
  };
  if (!name)
    return FALSE;
  /* Compare without separators: api_key, api-key, ApiKey all match. */
  GString *n = g_string_new (NULL);
  for (const char *p = name; *p; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (n, g_ascii_tolower (*p));
  gboolean hit = FALSE;
  for (gsize i = 0; words[i] && !hit; i++)
    hit = strstr (n->str, words[i]) != NULL;
  /* A setting about a secret is not one: harden-ssh's
   * passwordAuthentication is "no", and masking "no" would hide nothing
   * and garble every log line that has the word. */
  static const char *const setting_suffixes[] = {
    "authentication", "auth", "policy", "enabled", "required", "length",
    "expiry", "maxage", "minage", NULL
  };
  for (gsize i = 0; hit && setting_suffixes[i]; i++)
    if (g_str_has_suffix (n->str, setting_suffixes[i]))
      hit = FALSE;
  g_string_free (n, TRUE);
  return hit;
}

gboolean
kiln_param_is_secret (const KilnManifestParam *p)
{
  return p->secret || kiln_param_name_looks_secret (p->name);
}

static void
set_int (JsonBuilder *b, const char *key, gint64 value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, value);
}

static void
add_artifact (JsonBuilder *b, const KilnArtifact *a, gboolean disk)
{
  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "file", a->file);
  if (disk)
    {
      kiln_json_add_string_or_null (b, "format", a->format);
      kiln_json_add_string_or_null (b, "subformat", a->subformat);
      set_int (b, "virtualSize", (gint64) a->virtual_size);
    }
  set_int (b, "fileSize", (gint64) a->file_size);
  if (disk)
    set_int (b, "allocatedSize", (gint64) a->allocated_size);
  kiln_json_add_string_or_null (b, "sha256", a->sha256);
  json_builder_end_object (b);
}

static void
add_timings (JsonBuilder *b, GPtrArray *timings, double *total)
{
  for (guint i = 0; timings && i < timings->len; i++)
    {
      const KilnStageTiming *t = timings->pdata[i];
      json_builder_begin_object (b);
      kiln_json_add_string_or_null (b, "stage", t->stage);
      /* Whole milliseconds: JSON doubles would print 4.1369999999999996. */
      json_builder_set_member_name (b, "milliseconds");
      json_builder_add_int_value (b, (gint64) (t->seconds * 1000 + 0.5));
      json_builder_end_object (b);
      *total += t->seconds;
    }
}

static void
add_component (JsonBuilder *b, const KilnManifestComponent *c)
{
  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "name", c->name);
  kiln_json_add_string_or_null (b, "version", c->version);
  kiln_json_add_string_or_null (b, "source", c->source);
  kiln_json_add_string_or_null (b, "sha256", c->digest);
  json_builder_set_member_name (b, "parameters");
  json_builder_begin_object (b);
  for (guint i = 0; c->parameters && i < c->parameters->len; i++)
    {
      const KilnManifestParam *p = c->parameters->pdata[i];
      kiln_json_add_string_or_null (b, p->name, kiln_param_is_secret (p)
                                                ? KILN_REDACTED : p->value);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "redacted");
  json_builder_begin_array (b);
  for (guint i = 0; c->parameters && i < c->parameters->len; i++)
    {
      const KilnManifestParam *p = c->parameters->pdata[i];
      if (kiln_param_is_secret (p))
        json_builder_add_string_value (b, p->name);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
add_guest (JsonBuilder *b, const KilnOsInfo *os, const char *kernel)
{
  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "os", os->type);
  kiln_json_add_string_or_null (b, "distro", os->distro);
  g_autofree char *version = g_strdup_printf ("%d.%d", os->major_version,
                                              os->minor_version);
  kiln_json_add_string_or_null (b, "version", version);
  set_int (b, "majorVersion", os->major_version);
  set_int (b, "minorVersion", os->minor_version);
  kiln_json_add_string_or_null (b, "product", os->product_name);
  kiln_json_add_string_or_null (b, "arch", os->arch);
  kiln_json_add_string_or_null (b, "firmware", os->firmware);
  kiln_json_add_string_or_null (b, "partitionTable", os->partition_table);
  kiln_json_add_string_or_null (b, "rootFilesystem", os->root_fstype);
  kiln_json_add_string_or_null (b, "packageFormat", os->package_format);
  kiln_json_add_string_or_null (b, "kernel", kernel);
  json_builder_set_member_name (b, "kernels");
  json_builder_begin_array (b);
  for (guint i = 0; os->kernels && i < os->kernels->len; i++)
    json_builder_add_string_value (b, os->kernels->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

JsonNode *
kiln_manifest_build (const KilnManifestInput *in)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *created = NULL;
  if (in->created)
    created = g_strdup (in->created);
  else
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      created = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
    }
  const KilnManifestBuild *br = in->build;

  json_builder_begin_object (b);
  set_int (b, "manifestVersion", KILN_MANIFEST_VERSION);
  kiln_json_add_string_or_null (b, "name", in->name);
  kiln_json_add_string_or_null (b, "created", created);
  json_builder_set_member_name (b, "kiln");
  json_builder_begin_object (b);
  kiln_json_add_string_or_null (b, "version", in->kiln_version);
  json_builder_end_object (b);

  kiln_json_add_string_or_null (b, "buildKey", br ? br->build_key : NULL);
  json_builder_set_member_name (b, "recipe");
  if (br && br->recipe_name)
    {
      json_builder_begin_object (b);
      kiln_json_add_string_or_null (b, "name", br->recipe_name);
      kiln_json_add_string_or_null (b, "version", br->recipe_version);
      json_builder_set_member_name (b, "buildNumber");
      if (br->build_number > 0)
        json_builder_add_int_value (b, br->build_number);
      else
        json_builder_add_null_value (b);
      kiln_json_add_string_or_null (b, "description", br->recipe_description);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);

  json_builder_set_member_name (b, "parent");
  if (br && (br->parent_name || br->parent_digest))
    {
      json_builder_begin_object (b);
      kiln_json_add_string_or_null (b, "name", br->parent_name);
      kiln_json_add_string_or_null (b, "digest", br->parent_digest);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);

  json_builder_set_member_name (b, "source");
  if (in->source_path)
    {
      json_builder_begin_object (b);
      kiln_json_add_string_or_null (b, "path", in->source_path);
      kiln_json_add_string_or_null (b, "format", in->source_format);
      set_int (b, "virtualSize", (gint64) in->source_virtual_size);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);

  json_builder_set_member_name (b, "components");
  json_builder_begin_array (b);
  for (guint i = 0; br && br->components && i < br->components->len; i++)
    add_component (b, br->components->pdata[i]);
  json_builder_end_array (b);

  json_builder_set_member_name (b, "tags");
  json_builder_begin_object (b);
  if (in->tags)
    {
      g_autoptr (GList) keys = g_hash_table_get_keys (in->tags);
      keys = g_list_sort (keys, (GCompareFunc) strcmp);
      for (GList *k = keys; k; k = k->next)
        kiln_json_add_string_or_null (
            b, k->data, g_hash_table_lookup (in->tags, k->data));
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "guest");
  if (in->os)
    add_guest (b, in->os, in->kernel);
  else
    json_builder_add_null_value (b);

  json_builder_set_member_name (b, "packages");
  if (in->packages)
    {
      json_builder_begin_array (b);
      for (guint i = 0; i < in->packages->len; i++)
        {
          const KilnPackage *p = in->packages->pdata[i];
          json_builder_begin_object (b);
          kiln_json_add_string_or_null (b, "name", p->name);
          kiln_json_add_string_or_null (b, "version", p->version);
          kiln_json_add_string_or_null (b, "arch", p->arch);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  else
    json_builder_add_null_value (b);

  double total = 0;
  json_builder_set_member_name (b, "timings");
  json_builder_begin_array (b);
  add_timings (b, br ? br->timings : NULL, &total);
  add_timings (b, in->extra_timings, &total);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "totalMilliseconds");
  json_builder_add_int_value (b, (gint64) (total * 1000 + 0.5));

  json_builder_set_member_name (b, "lint");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "targets");
  json_builder_begin_array (b);
  for (guint i = 0; in->lint_targets && i < in->lint_targets->len; i++)
    json_builder_add_string_value (b, in->lint_targets->pdata[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "findings");
  json_builder_add_value (b, kiln_lint_findings_to_json (in->findings));
  json_builder_end_object (b);

  json_builder_set_member_name (b, "artifacts");
  json_builder_begin_array (b);
  for (guint i = 0; in->artifacts && i < in->artifacts->len; i++)
    add_artifact (b, in->artifacts->pdata[i], TRUE);
  json_builder_end_array (b);

  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; in->files && i < in->files->len; i++)
    add_artifact (b, in->files->pdata[i], FALSE);
  json_builder_end_array (b);

  json_builder_end_object (b);
  return json_builder_get_root (b);
}
