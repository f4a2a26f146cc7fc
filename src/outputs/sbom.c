/* sbom.c - CycloneDX 1.5 JSON from the inspected package list */
#include <string.h>

#include "sbom.h"

/* A copy of text that is valid UTF-8: package databases and os-release
 * come from the guest, and JSON (the SBOM, the manifest) must be UTF-8. */
static char *
utf8_copy (const char *text)
{
  if (!text)
    return NULL;
  return g_utf8_validate (text, -1, NULL) ? g_strdup (text)
                                          : g_utf8_make_valid (text, -1);
}

KilnPackage *
kiln_package_new (const char *name, const char *version, const char *arch)
{
  KilnPackage *p = g_new0 (KilnPackage, 1);
  p->name = utf8_copy (name);
  p->version = utf8_copy (version);
  p->arch = utf8_copy (arch);
  return p;
}

void
kiln_package_free (KilnPackage *p)
{
  if (!p)
    return;
  g_free (p->name);
  g_free (p->version);
  g_free (p->arch);
  g_free (p);
}

KilnPackage *
kiln_package_from_row (const KilnPackageRow *row)
{
  if (!row || !row->name)
    return NULL;
  g_autoptr (GString) v = g_string_new (NULL);
  if (row->epoch > 0)
    g_string_append_printf (v, "%d:", row->epoch);
  g_string_append (v, row->version ? row->version : "");
  if (row->release && *row->release)
    g_string_append_printf (v, "-%s", row->release);
  return kiln_package_new (row->name, v->str, row->arch ? row->arch : "");
}

/* purl percent-encoding: everything outside A-Z a-z 0-9 . - _ ~ ('+' and
 * ':' included, as the purl spec requires for versions). */
static void
append_encoded (GString *s, const char *text)
{
  for (const guchar *p = (const guchar *) text; *p; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '.' || *p == '-' || *p == '_'
          || *p == '~')
        g_string_append_c (s, *p);
      else
        g_string_append_printf (s, "%%%02X", *p);
    }
}

static const char *
purl_namespace (const char *distro)
{
  if (!distro)
    return NULL;
  if (strcmp (distro, "rhel") == 0 || strcmp (distro, "redhat-based") == 0)
    return "redhat";
  if (strcmp (distro, "sles") == 0 || strcmp (distro, "suse-based") == 0)
    return "suse";
  if (strcmp (distro, "oraclelinux") == 0)
    return "oracle";
  if (strcmp (distro, "unknown") == 0)
    return NULL;
  return distro;
}

char *
kiln_purl (const char *package_format, const char *distro, int major,
           const KilnPackage *p)
{
  const char *type = NULL;
  if (g_strcmp0 (package_format, "deb") == 0)
    type = "deb";
  else if (g_strcmp0 (package_format, "rpm") == 0)
    type = "rpm";
  else if (g_strcmp0 (package_format, "apk") == 0)
    type = "apk";
  else if (g_strcmp0 (package_format, "pacman") == 0)
    type = "alpm";
  if (!type || !p->name || !*p->name)
    return NULL;

  const char *ns = purl_namespace (distro);
  g_autofree char *version = g_strdup (p->version);
  g_autofree char *epoch = NULL;
  /* rpm: the epoch is a qualifier, not part of the version. */
  if (version && strcmp (type, "rpm") == 0)
    {
      char *colon = strchr (version, ':');
      if (colon)
        {
          epoch = g_strndup (version, colon - version);
          char *rest = g_strdup (colon + 1);
          g_free (version);
          version = rest;
        }
    }

  GString *s = g_string_new ("pkg:");
  g_string_append (s, type);
  g_string_append_c (s, '/');
  if (ns)
    {
      append_encoded (s, ns);
      g_string_append_c (s, '/');
    }
  append_encoded (s, p->name);
  if (version && *version)
    {
      g_string_append_c (s, '@');
      append_encoded (s, version);
    }
  /* Qualifiers sorted by key. */
  char sep = '?';
  if (p->arch && *p->arch)
    {
      g_string_append_printf (s, "%carch=", sep);
      append_encoded (s, p->arch);
      sep = '&';
    }
  if (ns)
    {
      g_string_append_printf (s, "%cdistro=", sep);
      append_encoded (s, distro);
      if (major > 0)
        g_string_append_printf (s, "-%d", major);
      sep = '&';
    }
  if (epoch)
    {
      g_string_append_printf (s, "%cepoch=", sep);
      append_encoded (s, epoch);
    }
  return g_string_free (s, FALSE);
}

static char *
now_iso8601 (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

JsonNode *
kiln_sbom_build (const KilnSbomInput *in)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *ts = in->timestamp ? g_strdup (in->timestamp)
                                      : now_iso8601 ();
  g_autofree char *serial = NULL;
  if (in->serial)
    serial = g_strdup (in->serial);
  else
    {
      g_autofree char *uuid = g_uuid_string_random ();
      serial = g_strconcat ("urn:uuid:", uuid, NULL);
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "bomFormat");
  json_builder_add_string_value (b, "CycloneDX");
  json_builder_set_member_name (b, "specVersion");
  json_builder_add_string_value (b, "1.5");
  json_builder_set_member_name (b, "serialNumber");
  json_builder_add_string_value (b, serial);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);

  json_builder_set_member_name (b, "metadata");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "timestamp");
  json_builder_add_string_value (b, ts);
  json_builder_set_member_name (b, "tools");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "components");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "application");
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, "kiln");
  if (in->kiln_version)
    {
      json_builder_set_member_name (b, "version");
      json_builder_add_string_value (b, in->kiln_version);
    }
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);

  /* The image itself: an operating system with the packages below. */
  json_builder_set_member_name (b, "component");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "operating-system");
  json_builder_set_member_name (b, "bom-ref");
  json_builder_add_string_value (b, "image");
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, in->image_name ? in->image_name : "image");
  if (in->image_version)
    {
      json_builder_set_member_name (b, "version");
      json_builder_add_string_value (b, in->image_version);
    }
  if (in->product_name)
    {
      g_autofree char *product = utf8_copy (in->product_name);
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, product);
    }
  json_builder_set_member_name (b, "properties");
  json_builder_begin_array (b);
  struct { const char *k; char *v; } props[] = {
    { "kiln:guest:distro", utf8_copy (in->distro) },
    { "kiln:guest:version",
      in->distro ? g_strdup_printf ("%d.%d", in->major_version,
                                    in->minor_version) : NULL },
    { "kiln:guest:arch", utf8_copy (in->arch) },
    { "kiln:guest:packageFormat", utf8_copy (in->package_format) },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (props); i++)
    {
      if (props[i].v)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, props[i].k);
          json_builder_set_member_name (b, "value");
          json_builder_add_string_value (b, props[i].v);
          json_builder_end_object (b);
        }
      g_free (props[i].v);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_object (b); /* metadata */

  json_builder_set_member_name (b, "components");
  json_builder_begin_array (b);
  g_autoptr (GHashTable) refs = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                       g_free, NULL);
  g_autoptr (GPtrArray) dep_refs = g_ptr_array_new ();
  for (guint i = 0; in->packages && i < in->packages->len; i++)
    {
      const KilnPackage *p = in->packages->pdata[i];
      char *purl = kiln_purl (in->package_format, in->distro,
                              in->major_version, p);
      char *ref = purl ? purl
                       : g_strdup_printf ("pkg-%s-%s", p->name,
                                          p->version ? p->version : "");
      /* bom-ref must be unique within the BOM. */
      if (g_hash_table_contains (refs, ref))
        {
          g_free (ref);
          continue;
        }
      g_hash_table_add (refs, ref);
      g_ptr_array_add (dep_refs, ref);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "library");
      json_builder_set_member_name (b, "bom-ref");
      json_builder_add_string_value (b, ref);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, p->name);
      if (p->version)
        {
          json_builder_set_member_name (b, "version");
          json_builder_add_string_value (b, p->version);
        }
      if (purl)
        {
          json_builder_set_member_name (b, "purl");
          json_builder_add_string_value (b, purl);
        }
      if (p->arch)
        {
          json_builder_set_member_name (b, "properties");
          json_builder_begin_array (b);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, "kiln:package:arch");
          json_builder_set_member_name (b, "value");
          json_builder_add_string_value (b, p->arch);
          json_builder_end_object (b);
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  /* The image depends on every package it holds. */
  json_builder_set_member_name (b, "dependencies");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ref");
  json_builder_add_string_value (b, "image");
  json_builder_set_member_name (b, "dependsOn");
  json_builder_begin_array (b);
  for (guint i = 0; i < dep_refs->len; i++)
    json_builder_add_string_value (b, dep_refs->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_array (b);

  json_builder_end_object (b);
  return json_builder_get_root (b);
}
