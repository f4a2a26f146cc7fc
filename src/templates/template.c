/* template.c - parse and validate base-image templates (docs/templates.md) */
#include "template.h"

#include <string.h>

#include "base/paths.h"
#include "common/kiln-json.h"
#include "documents/schema.h"
#include "documents/tables.h"

#define MIB (G_GUINT64_CONSTANT (1024) * 1024)
#define GIB (MIB * 1024)

static const char *const top_keys[] = {
  "name", "description", "distribution", "suite", "architecture", "variant",
  "areas", "updates", "security", "mirror", "security-mirror", "packages",
  "disk", "bootloader", "firmware", "system", "cloud-init", "store", NULL
};
static const char *const disk_keys[] = {
  "size", "partition-table", "root", "esp-size", NULL
};
static const char *const root_keys[] = { "filesystem", "label", NULL };
static const char *const system_keys[] = {
  "hostname", "timezone", "locale", "kernel-cmdline", NULL
};
static const char *const cloud_init_keys[] = { "datasources", NULL };
static const char *const store_keys[] = { "compress", NULL };

static const char *const distributions[] = { "debian", "ubuntu", NULL };
static const char *const architectures[] = { "amd64", NULL };
/* mmdebstrap's variants that give a bootable system with dpkg configured */
static const char *const variants[] = {
  "essential", "apt", "required", "minbase", "buildd", "important",
  "debootstrap", "standard", NULL
};
static const char *const partition_tables[] = { "msdos", "gpt", NULL };
static const char *const filesystems[] = { "ext4", NULL };
static const char *const bootloaders[] = { "grub", NULL };
static const char *const firmwares[] = { "bios", "uefi", NULL };

const char *
kiln_template_firmware_name (KilnFirmware fw)
{
  return fw == KILN_FIRMWARE_UEFI ? "uefi" : "bios";
}

void
kiln_template_free (KilnTemplate *t)
{
  if (!t)
    return;
  kiln_doc_free (t->doc);
  g_free (t->path);
  g_free (t->name);
  g_free (t->description);
  g_free (t->distribution);
  g_free (t->suite);
  g_free (t->architecture);
  g_free (t->variant);
  g_clear_pointer (&t->areas, g_ptr_array_unref);
  g_free (t->mirror);
  g_free (t->security_mirror);
  g_clear_pointer (&t->packages, g_ptr_array_unref);
  g_free (t->partition_table);
  g_free (t->root_fs);
  g_free (t->root_label);
  g_free (t->bootloader);
  g_free (t->hostname);
  g_free (t->timezone);
  g_free (t->locale);
  g_clear_pointer (&t->datasources, g_ptr_array_unref);
  g_free (t->kernel_cmdline);
  g_free (t->digest);
  g_free (t);
}

static gboolean
matches (const char *pattern, const char *s)
{
  return g_regex_match_simple (pattern, s, 0, 0);
}

gboolean
kiln_template_name_is_valid (const char *name)
{
  return name && strlen (name) <= 64
         && matches ("^[a-z0-9][a-z0-9.-]*$", name);
}

/* "3G", "512M", "2048MiB", "1T", or a plain number of bytes. */
static gboolean
parse_size (const char *s, guint64 *out)
{
  g_autoptr (GMatchInfo) mi = NULL;
  g_autoptr (GRegex) re = g_regex_new (
      "^([0-9]+)\\s*(|[KMGT]|[KMGT]i?B)$", G_REGEX_CASELESS, 0, NULL);
  if (!g_regex_match (re, s, 0, &mi))
    return FALSE;
  g_autofree char *num = g_match_info_fetch (mi, 1);
  g_autofree char *unit = g_match_info_fetch (mi, 2);
  guint64 v = g_ascii_strtoull (num, NULL, 10);
  guint64 mult = 1;
  switch (g_ascii_toupper (unit[0]))
    {
    case 'K': mult = 1024; break;
    case 'M': mult = MIB; break;
    case 'G': mult = GIB; break;
    case 'T': mult = GIB * 1024; break;
    default: break;
    }
  if (strlen (num) > 15 || v > G_MAXUINT64 / mult)
    return FALSE;
  *out = v * mult;
  return TRUE;
}

/* An optional scalar matching pattern; *out keeps its default when absent. */
static void
get_string (KilnDiags *diags, const KilnNode *map, const char *key,
            const char *what, const char *pattern, const char *expected,
            char **out)
{
  const KilnNode *n = kiln_node_map_get (map, key);
  if (!n)
    return;
  if (!kiln_schema_expect_scalar (diags, n, what))
    return;
  if (pattern && !matches (pattern, n->scalar))
    {
      g_autofree char *q = kiln_quote_for_message (n->scalar);
      kiln_schema_error (diags, n, "expected %s for %s, found %s", expected,
                         what, q);
      return;
    }
  g_free (*out);
  *out = g_strdup (n->scalar);
}

static void
get_enum (KilnDiags *diags, const KilnNode *map, const char *key,
          const char *what, const char *const *allowed, char **out)
{
  const KilnNode *n = kiln_node_map_get (map, key);
  guint idx;
  if (n && kiln_schema_enum (diags, n, what, allowed, &idx))
    {
      g_free (*out);
      *out = g_strdup (allowed[idx]);
    }
}

static void
get_bool (KilnDiags *diags, const KilnNode *map, const char *key,
          const char *what, gboolean *out)
{
  const KilnNode *n = kiln_node_map_get (map, key);
  if (n)
    kiln_schema_bool (diags, n, what, out);
}

static void
get_size (KilnDiags *diags, const KilnNode *map, const char *key,
          const char *what, guint64 min, guint64 max, guint64 *out)
{
  const KilnNode *n = kiln_node_map_get (map, key);
  guint64 v;
  if (!n || !kiln_schema_expect_scalar (diags, n, what))
    return;
  g_autofree char *q = kiln_quote_for_message (n->scalar);
  if (!parse_size (n->scalar, &v))
    {
      kiln_schema_error (diags, n, "expected a size such as 3G or 512M for "
                         "%s, found %s", what, q);
      return;
    }
  if (v < min || v > max)
    {
      kiln_schema_error (diags, n, "expected %s between %" G_GUINT64_FORMAT
                         " MiB and %" G_GUINT64_FORMAT " GiB, found %s", what,
                         min / MIB, max / GIB, q);
      return;
    }
  if (v % MIB)
    {
      kiln_schema_error (diags, n, "expected %s to be a whole number of MiB, "
                         "found %s", what, q);
      return;
    }
  *out = v;
}

/* A list of scalars each matching pattern; duplicates are warned about. */
static GPtrArray *
get_list (KilnDiags *diags, const KilnNode *map, const char *key,
          const char *what, const char *pattern, const char *expected,
          gboolean required)
{
  const KilnNode *n = required ? kiln_schema_require (diags, map, key, "the "
                                                      "template")
                               : kiln_node_map_get (map, key);
  if (!n || !kiln_schema_expect_seq (diags, n, what))
    return NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < kiln_node_seq_size (n); i++)
    {
      const KilnNode *item = kiln_node_seq_get (n, i);
      g_autofree char *item_what = g_strdup_printf ("item %u of %s", i + 1,
                                                    what);
      if (!kiln_schema_expect_scalar (diags, item, item_what))
        continue;
      if (!matches (pattern, item->scalar))
        {
          g_autofree char *q = kiln_quote_for_message (item->scalar);
          kiln_schema_error (diags, item, "expected %s for %s, found %s",
                             expected, item_what, q);
          continue;
        }
      gboolean dup = FALSE;
      for (guint j = 0; j < out->len; j++)
        dup |= strcmp (out->pdata[j], item->scalar) == 0;
      if (dup)
        kiln_schema_warning (diags, item, "'%s' is listed twice in %s",
                             item->scalar, what);
      else
        g_ptr_array_add (out, g_strdup (item->scalar));
    }
  if (required && out->len == 0)
    kiln_schema_error (diags, n, "expected at least one entry in %s, found "
                       "an empty list", what);
  return out;
}

static GPtrArray *
strv_array (const char *const *v)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  for (; *v; v++)
    g_ptr_array_add (a, g_strdup (*v));
  return a;
}

static gboolean
array_contains (GPtrArray *a, const char *s)
{
  for (guint i = 0; a && i < a->len; i++)
    if (strcmp (a->pdata[i], s) == 0)
      return TRUE;
  return FALSE;
}

#define URL_PATTERN "^(https?|file)://[^\\s\"'\\\\]+$"
/* Words for the kernel command line: they end up in a shell-sourced
 * /etc/default/grub.d file, so no quotes, $, backquotes or backslashes. */
#define CMDLINE_PATTERN "^([A-Za-z0-9_.,:=/+@-]+( [A-Za-z0-9_.,:=/+@-]+)*)?$"

static void
parse_mirror (KilnDiags *diags, const KilnNode *root, const char *key,
              char **out)
{
  const KilnNode *n = kiln_node_map_get (root, key);
  if (!n || kiln_node_is_null (n))
    return;
  g_autofree char *what = g_strdup_printf ("'%s'", key);
  if (!kiln_schema_expect_scalar (diags, n, what))
    return;
  if (strcmp (n->scalar, "default") == 0)
    return;
  if (!matches (URL_PATTERN, n->scalar))
    {
      g_autofree char *q = kiln_quote_for_message (n->scalar);
      kiln_schema_error (diags, n, "expected 'default' or an http://, "
                         "https:// or file:// URL for %s, found %s", what, q);
      return;
    }
  *out = g_strdup (n->scalar);
}

static void
parse_disk (KilnDiags *diags, const KilnNode *disk, KilnTemplate *t,
            gboolean *table_given)
{
  if (!kiln_schema_expect_map (diags, disk, "'disk'"))
    return;
  kiln_schema_check_keys (diags, disk, "'disk'", disk_keys);
  get_size (diags, disk, "size", "'disk.size'", GIB, 2048 * GIB, &t->size);
  *table_given = kiln_node_map_get (disk, "partition-table") != NULL;
  get_enum (diags, disk, "partition-table", "'disk.partition-table'",
            partition_tables, &t->partition_table);
  get_size (diags, disk, "esp-size", "'disk.esp-size'", 32 * MIB, 4 * GIB,
            &t->esp_size);
  const KilnNode *root = kiln_node_map_get (disk, "root");
  if (root && kiln_schema_expect_map (diags, root, "'disk.root'"))
    {
      kiln_schema_check_keys (diags, root, "'disk.root'", root_keys);
      get_enum (diags, root, "filesystem", "'disk.root.filesystem'",
                filesystems, &t->root_fs);
      /* ext4 labels are at most 16 bytes */
      get_string (diags, root, "label", "'disk.root.label'",
                  "^[A-Za-z0-9_-]{1,16}$",
                  "1 to 16 letters, digits, '_' or '-'", &t->root_label);
    }
}

static void
parse_system (KilnDiags *diags, const KilnNode *sys, KilnTemplate *t)
{
  if (!kiln_schema_expect_map (diags, sys, "'system'"))
    return;
  kiln_schema_check_keys (diags, sys, "'system'", system_keys);
  get_string (diags, sys, "hostname", "'system.hostname'",
              "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
              "a host name (letters, digits and '-', at most 63)",
              &t->hostname);
  get_string (diags, sys, "timezone", "'system.timezone'",
              "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9][A-Za-z0-9_+-]*)*$",
              "a time zone name such as Etc/UTC or Europe/Paris",
              &t->timezone);
  get_string (diags, sys, "locale", "'system.locale'",
              "^[A-Za-z]{1,3}(_[A-Z]{2})?(\\.[A-Za-z0-9-]+)?(@[a-z]+)?$",
              "a locale such as C.UTF-8 or en_US.UTF-8", &t->locale);
  get_string (diags, sys, "kernel-cmdline", "'system.kernel-cmdline'",
              CMDLINE_PATTERN,
              "kernel parameters (words of letters, digits and _.,:=/+@-)",
              &t->kernel_cmdline);
}

static void
validate (KilnTemplate *t, KilnDiags *diags)
{
  const KilnNode *root = t->doc->root;
  if (!root)
    {
      kiln_diags_add (diags, KILN_DIAG_ERROR, t->path, 1, 1,
                      "expected a template (a mapping with 'name', 'suite' "
                      "and 'packages'), found an empty document");
      return;
    }
  if (!kiln_schema_expect_map (diags, root, "the template"))
    return;
  kiln_schema_check_keys (diags, root, "the template", top_keys);

  const KilnNode *n = kiln_schema_require (diags, root, "name", "the template");
  if (n && kiln_schema_expect_scalar (diags, n, "'name'"))
    {
      if (kiln_template_name_is_valid (n->scalar))
        t->name = g_strdup (n->scalar);
      else
        {
          g_autofree char *q = kiln_quote_for_message (n->scalar);
          kiln_schema_error (diags, n, "expected a template name (lower-case "
                             "letters, digits, '.' and '-', at most 64) for "
                             "'name', found %s", q);
        }
    }
  get_string (diags, root, "description", "'description'", NULL, NULL,
              &t->description);

  n = kiln_schema_require (diags, root, "distribution", "the template");
  guint idx;
  if (n && kiln_schema_enum (diags, n, "'distribution'", distributions, &idx))
    t->distribution = g_strdup (distributions[idx]);
  if (kiln_schema_require (diags, root, "suite", "the template"))
    get_string (diags, root, "suite", "'suite'", "^[a-z][a-z0-9.-]{0,40}$",
                "a suite name such as bookworm", &t->suite);
  get_enum (diags, root, "architecture", "'architecture'", architectures,
            &t->architecture);
  get_enum (diags, root, "variant", "'variant'", variants, &t->variant);

  GPtrArray *areas = get_list (diags, root, "areas", "'areas'",
                               "^[a-z][a-z0-9-]*$",
                               "an archive area such as main", FALSE);
  if (areas)
    {
      g_ptr_array_unref (t->areas);
      t->areas = areas;
      if (areas->len == 0)
        kiln_schema_error (diags, kiln_node_map_get (root, "areas"),
                           "expected at least one entry in 'areas', found an "
                           "empty list");
    }
  get_bool (diags, root, "updates", "'updates'", &t->updates);
  get_bool (diags, root, "security", "'security'", &t->security);
  parse_mirror (diags, root, "mirror", &t->mirror);
  parse_mirror (diags, root, "security-mirror", &t->security_mirror);

  t->packages = get_list (diags, root, "packages", "'packages'",
                          "^[a-z0-9][a-z0-9+.-]+(:[a-z0-9]+)?$",
                          "a package name such as openssh-server", TRUE);

  gboolean table_given = FALSE;
  n = kiln_node_map_get (root, "disk");
  if (n)
    parse_disk (diags, n, t, &table_given);
  get_enum (diags, root, "bootloader", "'bootloader'", bootloaders,
            &t->bootloader);
  n = kiln_node_map_get (root, "firmware");
  if (n && kiln_schema_enum (diags, n, "'firmware'", firmwares, &idx))
    t->firmware = idx == 1 ? KILN_FIRMWARE_UEFI : KILN_FIRMWARE_BIOS;
  if (!table_given)
    {
      g_free (t->partition_table);
      t->partition_table = g_strdup (t->firmware == KILN_FIRMWARE_UEFI
                                     ? "gpt" : "msdos");
    }
  if (t->firmware == KILN_FIRMWARE_BIOS && strcmp (t->partition_table, "gpt") == 0)
    kiln_schema_error (diags, kiln_node_map_get (root, "firmware"),
                       "expected 'disk.partition-table: msdos' with "
                       "'firmware: bios' (GRUB on a GPT disk needs a BIOS "
                       "boot partition kiln does not make), found gpt");

  n = kiln_node_map_get (root, "system");
  if (n)
    parse_system (diags, n, t);

  n = kiln_node_map_get (root, "cloud-init");
  if (n && kiln_schema_expect_map (diags, n, "'cloud-init'"))
    {
      kiln_schema_check_keys (diags, n, "'cloud-init'", cloud_init_keys);
      GPtrArray *ds = get_list (diags, n, "datasources",
                                "'cloud-init.datasources'",
                                "^[A-Za-z][A-Za-z0-9]*$",
                                "a cloud-init datasource name such as NoCloud",
                                FALSE);
      if (ds)
        {
          g_ptr_array_unref (t->datasources);
          t->datasources = ds;
        }
      if (t->packages && !array_contains (t->packages, "cloud-init"))
        kiln_schema_warning (diags, n, "'cloud-init' is configured but the "
                             "cloud-init package is not in 'packages'");
    }

  n = kiln_node_map_get (root, "store");
  if (n && kiln_schema_expect_map (diags, n, "'store'"))
    {
      kiln_schema_check_keys (diags, n, "'store'", store_keys);
      get_bool (diags, n, "compress", "'store.compress'", &t->compress);
    }

  if (t->packages)
    {
      gboolean kernel = FALSE;
      for (guint i = 0; i < t->packages->len; i++)
        kernel |= g_str_has_prefix (t->packages->pdata[i], "linux-image-");
      if (!kernel)
        kiln_schema_error (diags, kiln_node_map_get (root, "packages"),
                           "expected a kernel package (linux-image-...) in "
                           "'packages', found none: the image could not "
                           "boot");
    }
}

static KilnTemplate *
template_new (void)
{
  KilnTemplate *t = g_new0 (KilnTemplate, 1);
  t->architecture = g_strdup ("amd64");
  t->variant = g_strdup ("required");
  t->areas = strv_array ((const char *const[]){ "main", NULL });
  t->updates = TRUE;
  t->security = TRUE;
  t->size = 3 * GIB;
  t->partition_table = g_strdup ("msdos");
  t->root_fs = g_strdup ("ext4");
  t->root_label = g_strdup ("root");
  t->esp_size = 128 * MIB;
  t->bootloader = g_strdup ("grub");
  t->firmware = KILN_FIRMWARE_BIOS;
  t->hostname = g_strdup ("localhost");
  t->timezone = g_strdup ("Etc/UTC");
  t->locale = g_strdup ("C.UTF-8");
  t->kernel_cmdline = g_strdup ("");
  t->datasources = strv_array ((const char *const[]){ "NoCloud", "Ec2",
                                                      "None", NULL });
  return t;
}

static void
add_strings (JsonBuilder *b, const char *member, GPtrArray *a)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (guint i = 0; a && i < a->len; i++)
    json_builder_add_string_value (b, a->pdata[i]);
  json_builder_end_array (b);
}

char *
kiln_template_canonical_text (const KilnTemplate *t)
{
  /* Everything that changes the built image, in a fixed order.  The name
   * and description do not (the store is per name anyway). */
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "builder");
  json_builder_add_int_value (b, KILN_TEMPLATE_BUILDER_VERSION);
  kiln_json_add_string_or_null (b, "distribution", t->distribution);
  kiln_json_add_string_or_null (b, "suite", t->suite);
  kiln_json_add_string_or_null (b, "architecture", t->architecture);
  kiln_json_add_string_or_null (b, "variant", t->variant);
  add_strings (b, "areas", t->areas);
  json_builder_set_member_name (b, "updates");
  json_builder_add_boolean_value (b, t->updates);
  json_builder_set_member_name (b, "security");
  json_builder_add_boolean_value (b, t->security);
  kiln_json_add_string_or_null (b, "mirror", t->mirror);
  kiln_json_add_string_or_null (b, "security-mirror", t->security_mirror);
  add_strings (b, "packages", t->packages);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) t->size);
  kiln_json_add_string_or_null (b, "partition-table", t->partition_table);
  kiln_json_add_string_or_null (b, "root-filesystem", t->root_fs);
  kiln_json_add_string_or_null (b, "root-label", t->root_label);
  json_builder_set_member_name (b, "esp-size");
  json_builder_add_int_value (b, t->firmware == KILN_FIRMWARE_UEFI
                                 ? (gint64) t->esp_size : 0);
  kiln_json_add_string_or_null (b, "bootloader", t->bootloader);
  kiln_json_add_string_or_null (b, "firmware",
                                kiln_template_firmware_name (t->firmware));
  kiln_json_add_string_or_null (b, "hostname", t->hostname);
  kiln_json_add_string_or_null (b, "timezone", t->timezone);
  kiln_json_add_string_or_null (b, "locale", t->locale);
  kiln_json_add_string_or_null (b, "kernel-cmdline", t->kernel_cmdline);
  add_strings (b, "datasources", t->datasources);
  json_builder_set_member_name (b, "compress");
  json_builder_add_boolean_value (b, t->compress);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return kiln_json_string (root, FALSE);
}

static KilnTemplate *
from_doc (KilnDoc *doc, const char *path, KilnDiags *diags)
{
  g_autoptr (KilnTemplate) t = template_new ();
  t->doc = doc;
  t->path = g_strdup (path);
  guint errors = kiln_diags_error_count (diags);
  validate (t, diags);
  if (kiln_diags_error_count (diags) > errors)
    return NULL;
  g_autofree char *canon = kiln_template_canonical_text (t);
  t->digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, canon, -1);
  return g_steal_pointer (&t);
}

KilnTemplate *
kiln_template_load (const char *path, KilnDiags *diags)
{
  KilnDoc *doc = kiln_doc_load_file (path, diags);
  if (!doc)
    return NULL;
  KilnTemplate *t = from_doc (doc, path, diags);
  if (t)
    {
      /* templates/NAME.yaml is found by NAME: the two must agree */
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *expect = g_strconcat (t->name, ".yaml", NULL);
      if (strcmp (base, expect) != 0)
        kiln_schema_warning (diags, kiln_node_map_get (t->doc->root, "name"),
                             "template '%s' is in a file named '%s': "
                             "'kiln template build %s' will not find it by "
                             "name", t->name, base, t->name);
    }
  return t;
}

KilnTemplate *
kiln_template_load_string (const char *name, const char *text,
                           KilnDiags *diags)
{
  KilnDoc *doc = kiln_doc_load_string (name, text, strlen (text), diags);
  if (!doc)
    return NULL;
  return from_doc (doc, name, diags);
}

char *
kiln_template_find (const char *name)
{
  if (!name || !*name)
    return NULL;
  if ((g_str_has_suffix (name, ".yaml") || g_str_has_suffix (name, ".yml")
       || strchr (name, '/'))
      && g_file_test (name, G_FILE_TEST_IS_REGULAR))
    return g_strdup (name);
  if (!kiln_template_name_is_valid (name))
    return NULL;
  g_autofree char *dir = kiln_templates_dir ();
  g_autofree char *file = g_strconcat (name, ".yaml", NULL);
  char *path = g_build_filename (dir, file, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return path;
  g_free (path);
  return NULL;
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
kiln_template_list_names (void)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir = kiln_templates_dir ();
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *e;
  while (d && (e = g_dir_read_name (d)))
    {
      if (!g_str_has_suffix (e, ".yaml"))
        continue;
      g_autofree char *name = g_strndup (e, strlen (e) - 5);
      if (kiln_template_name_is_valid (name))
        g_ptr_array_add (names, g_steal_pointer (&name));
    }
  g_ptr_array_sort (names, compare_strings);
  return names;
}

const KilnDocTable kiln_template_tables[] = {
  { "template", top_keys },
  { "template.disk", disk_keys },
  { "template.disk.root", root_keys },
  { "template.system", system_keys },
  { "template.cloud-init", cloud_init_keys },
  { "template.store", store_keys },
  { "template.distribution", distributions },
  { "template.architecture", architectures },
  { "template.variant", variants },
  { "template.disk.partition-table", partition_tables },
  { "template.disk.root.filesystem", filesystems },
  { "template.bootloader", bootloaders },
  { "template.firmware", firmwares },
  { NULL, NULL }
};
