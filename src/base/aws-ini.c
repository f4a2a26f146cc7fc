/* aws-ini.c - a tolerant reader of the AWS shared credentials and config
 * files, configparser's syntax (aws-ini.h) */
#include "aws-ini.h"

#include <string.h>

#include "common/kiln.h"

struct KilnAwsIniFile {
  char *path;
  GHashTable *sections;   /* name -> GHashTable (setting -> KilnAwsIniValue) */
};

static void
ini_value_free (KilnAwsIniValue *v)
{
  if (!v)
    return;
  /* values may be keys: kiln_s3_config_free wipes its copies, and so do we */
  void *(*volatile wipe) (void *, int, size_t) = memset;
  wipe (v->value, 0, strlen (v->value));
  g_free (v->value);
  g_free (v);
}

void
kiln_aws_ini_free (KilnAwsIniFile *f)
{
  if (!f)
    return;
  g_free (f->path);
  g_hash_table_unref (f->sections);
  g_free (f);
}

static GHashTable *
ini_section_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                (GDestroyNotify) ini_value_free);
}

/* A section's name with its runs of blanks made one space: configparser
 * keeps "profile  dev" as written and the CLI splits it on blanks. */
static char *
section_name (const char *s, gsize len)
{
  GString *out = g_string_new (NULL);
  gboolean blank = FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == ' ' || s[i] == '\t')
        blank = out->len > 0;
      else
        {
          if (blank)
            g_string_append_c (out, ' ');
          blank = FALSE;
          g_string_append_c (out, s[i]);
        }
    }
  return g_string_free (out, FALSE);
}

/* value without a trailing " # comment" or " ; comment", stripped */
static char *
value_text (const char *s)
{
  char *v = g_strstrip (g_strdup (s));
  for (char *p = v; *p; p++)
    if ((*p == '#' || *p == ';') && p > v && (p[-1] == ' ' || p[-1] == '\t'))
      {
        *p = '\0';
        break;
      }
  return g_strstrip (v);
}

static gboolean
ini_error (GError **error, const char *path, guint line, const char *what)
{
  /* never the line itself: a line with a typo in it may hold a key */
  g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s:%u: %s", path, line,
               what);
  return FALSE;
}

/* Splits "name = value" (or "name: value") into a lower-case name and the
 * value; FALSE when the line has no separator or no name. */
static gboolean
split_setting (const char *line, char **name, char **value)
{
  const char *sep = strchr (line, '=');
  if (!sep)
    sep = strchr (line, ':');
  if (!sep)
    return FALSE;
  g_autofree char *n = g_strstrip (g_strndup (line, (gsize) (sep - line)));
  if (!*n)
    return FALSE;
  *name = g_ascii_strdown (n, -1);
  *value = value_text (sep + 1);
  return TRUE;
}

/* Lines as configparser takes them: a line indented deeper than the
 * setting above belongs to it (nested settings under an empty value, else
 * more of the value); any other line, indented or not, is a [section] or a
 * setting of its own. */
static gboolean
ini_parse_lines (KilnAwsIniFile *f, char *text, GError **error)
{
  GHashTable *section = NULL;
  char *parent = NULL;        /* the last setting, for the lines under it */
  gsize parent_indent = 0;
  gboolean parent_empty = FALSE;
  gboolean ok = TRUE;
  guint n = 0;
  for (char *line = text; ok && line; )
    {
      char *end = strchr (line, '\n');
      if (end)
        *end = '\0';
      n++;
      gsize len = strlen (line);
      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      const char *p = line + strspn (line, " \t");
      gsize indent = (gsize) (p - line);

      if (*p == '\0' || *p == '#' || *p == ';')
        ;
      else if (parent && indent > parent_indent)
        {
          KilnAwsIniValue *above = g_hash_table_lookup (section, parent);
          g_autofree char *name = NULL;
          g_autofree char *value = NULL;
          if (!parent_empty)
            {
              g_autofree char *more = value_text (p);
              char *joined = g_strconcat (above->value, "\n", more, NULL);
              g_free (g_steal_pointer (&above->value));
              above->value = joined;
            }
          else if (!split_setting (p, &name, &value))
            ok = ini_error (error, f->path, n, "expected an indented "
                            "'name = value' under the setting above");
          else
            {
              KilnAwsIniValue *v = g_new0 (KilnAwsIniValue, 1);
              v->value = g_steal_pointer (&value);
              v->line = n;
              g_hash_table_replace (section,
                                    g_strconcat (parent, ".", name, NULL), v);
            }
        }
      else if (*p == '[')
        {
          const char *close = strchr (p, ']');
          const char *after = close ? close + 1 + strspn (close + 1, " \t")
                                    : NULL;
          g_autofree char *name = close ? section_name (p + 1,
                                                        (gsize) (close - p - 1))
                                        : NULL;
          if (!close)
            ok = ini_error (error, f->path, n, "a section header without "
                            "its closing ']'");
          else if (*after && *after != '#' && *after != ';')
            ok = ini_error (error, f->path, n, "text after a section "
                            "header's ']'");
          else if (!*name)
            ok = ini_error (error, f->path, n, "a section header with no "
                            "name");
          else
            {
              section = g_hash_table_lookup (f->sections, name);
              if (!section)
                {
                  section = ini_section_new ();
                  g_hash_table_insert (f->sections, g_steal_pointer (&name),
                                       section);
                }
              g_clear_pointer (&parent, g_free);
            }
        }
      else if (!section)
        ok = ini_error (error, f->path, n, "a setting before the first "
                        "[section]");
      else
        {
          g_autofree char *name = NULL;
          g_autofree char *value = NULL;
          if (!split_setting (p, &name, &value))
            ok = ini_error (error, f->path, n, "expected 'name = value', a "
                            "[section] or a comment");
          else
            {
              KilnAwsIniValue *v = g_new0 (KilnAwsIniValue, 1);
              parent_empty = *value == '\0';
              parent_indent = indent;
              v->value = g_steal_pointer (&value);
              v->line = n;
              g_free (parent);
              parent = g_strdup (name);
              g_hash_table_replace (section, g_steal_pointer (&name), v);
            }
        }
      line = end ? end + 1 : NULL;
    }
  g_free (parent);
  return ok;
}

/* a file with no sections yet */
static KilnAwsIniFile *
ini_file_new (const char *path)
{
  KilnAwsIniFile *f = g_new0 (KilnAwsIniFile, 1);
  f->path = g_strdup (path);
  f->sections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_hash_table_unref);
  return f;
}

KilnAwsIniFile *
kiln_aws_ini_parse (const char *path, char *text, gsize len, GError **error)
{
  g_autoptr (KilnAwsIniFile) f = ini_file_new (path);
  const char *nul = memchr (text, '\0', len);
  if (nul)
    {
      guint line = 1;
      for (const char *p = text; p < nul; p++)
        line += *p == '\n';
      ini_error (error, path, line, "a NUL byte: this is not a text file");
      return NULL;
    }
  if (!ini_parse_lines (f, text, error))
    return NULL;
  return g_steal_pointer (&f);
}

KilnAwsIniFile *
kiln_aws_ini_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return ini_file_new (path);
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot read %s: %s",
                   path, local->message);
      return NULL;
    }
  KilnAwsIniFile *f = kiln_aws_ini_parse (path, text, len, error);
  /* the text held the keys */
  memset (text, 0, len);
  return f;
}

const char *
kiln_aws_ini_path (const KilnAwsIniFile *f)
{
  return f->path;
}

gboolean
kiln_aws_ini_is_empty (const KilnAwsIniFile *f)
{
  return g_hash_table_size (f->sections) == 0;
}

GHashTable *
kiln_aws_ini_section (const KilnAwsIniFile *f, const char *name)
{
  return f ? g_hash_table_lookup (f->sections, name) : NULL;
}

const KilnAwsIniValue *
kiln_aws_ini_get (GHashTable *section, const char *name)
{
  KilnAwsIniValue *v = section ? g_hash_table_lookup (section, name) : NULL;
  return v && *v->value ? v : NULL;
}
