/* apt-sources.c - read the host's apt sources to find its mirrors */
#include "apt-sources.h"

#include <string.h>

void
kiln_apt_source_free (KilnAptSource *s)
{
  if (!s)
    return;
  g_free (s->uri);
  g_strfreev (s->suites);
  g_strfreev (s->areas);
  g_free (s);
}

static char *
strip_uri (const char *uri)
{
  char *u = g_strdup (uri);
  gsize n = strlen (u);
  while (n > 0 && u[n - 1] == '/')
    u[--n] = '\0';
  return u;
}

static void
add_source (GPtrArray *out, const char *uri, char **suites, char **areas)
{
  if (!uri || !*uri || !suites || !suites[0])
    return;
  KilnAptSource *s = g_new0 (KilnAptSource, 1);
  s->uri = strip_uri (uri);
  s->suites = g_strdupv (suites);
  s->areas = g_strdupv (areas ? areas : (char *[]){ NULL });
  g_ptr_array_add (out, s);
}

/* "deb [opt=val ...] URI SUITE [AREA...]" */
static void
parse_one_line (const char *line, GPtrArray *out)
{
  g_autofree char *copy = g_strdup (line);
  char *hash = strchr (copy, '#');
  if (hash)
    *hash = '\0';
  g_strstrip (copy);
  if (!g_str_has_prefix (copy, "deb ") && !g_str_has_prefix (copy, "deb\t"))
    return;
  char *rest = copy + 3;
  /* options in brackets */
  rest = g_strchug (rest);
  if (*rest == '[')
    {
      char *close = strchr (rest, ']');
      if (!close)
        return;
      rest = close + 1;
    }
  g_auto (GStrv) words = g_regex_split_simple ("\\s+", g_strstrip (rest), 0,
                                               0);
  guint n = g_strv_length (words);
  if (n < 2)
    return;
  char *suites[] = { words[1], NULL };
  add_source (out, words[0], suites, n > 2 ? words + 2 : NULL);
}

/* deb822 stanzas separated by blank lines; Enabled: no skips one. */
static void
parse_deb822 (const char *text, GPtrArray *out)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GHashTable) fields = g_hash_table_new_full (g_str_hash,
                                                         g_str_equal, g_free,
                                                         g_free);
  char *last_key = NULL;
  for (guint i = 0;; i++)
    {
      const char *line = lines[i];
      gboolean end = line == NULL || g_strstrip (lines[i])[0] == '\0';
      if (end)
        {
          if (g_hash_table_size (fields) > 0)
            {
              const char *types = g_hash_table_lookup (fields, "types");
              const char *enabled = g_hash_table_lookup (fields, "enabled");
              const char *uris = g_hash_table_lookup (fields, "uris");
              const char *suites = g_hash_table_lookup (fields, "suites");
              const char *areas = g_hash_table_lookup (fields, "components");
              g_auto (GStrv) tv = types ? g_regex_split_simple (
                                              "\\s+", types, 0, 0) : NULL;
              gboolean is_deb = tv && g_strv_contains ((const char *const *) tv,
                                                       "deb");
              gboolean on = !enabled || g_ascii_strcasecmp (enabled, "no");
              if (is_deb && on && uris && suites)
                {
                  g_auto (GStrv) uv = g_regex_split_simple ("\\s+", uris, 0, 0);
                  g_auto (GStrv) sv = g_regex_split_simple ("\\s+", suites, 0,
                                                            0);
                  g_auto (GStrv) av = areas ? g_regex_split_simple (
                                                  "\\s+", areas, 0, 0) : NULL;
                  for (guint u = 0; uv[u]; u++)
                    if (*uv[u])
                      add_source (out, uv[u], sv, av);
                }
            }
          g_hash_table_remove_all (fields);
          last_key = NULL;
          if (line == NULL)
            break;
          continue;
        }
      if (line[0] == '#')
        continue;
      /* g_strstrip above removed leading space; continuation lines are
       * recognised by having no ':' before any space */
      const char *colon = strchr (line, ':');
      const char *space = strpbrk (line, " \t");
      if (colon && (!space || colon < space))
        {
          char *key = g_ascii_strdown (line, colon - line);
          char *val = g_strstrip (g_strdup (colon + 1));
          g_hash_table_replace (fields, key, val);
          last_key = key;
        }
      else if (last_key)
        {
          const char *prev = g_hash_table_lookup (fields, last_key);
          char *val = g_strconcat (prev, " ", line, NULL);
          char *key = g_strdup (last_key);
          g_hash_table_replace (fields, key, val);
          last_key = key;
        }
    }
}

void
kiln_apt_sources_parse (const char *filename, const char *text,
                        GPtrArray *out)
{
  if (g_str_has_suffix (filename, ".sources"))
    {
      parse_deb822 (text, out);
      return;
    }
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    parse_one_line (lines[i], out);
}

static void
read_file_into (const char *path, GPtrArray *out)
{
  g_autofree char *text = NULL;
  if (g_file_get_contents (path, &text, NULL, NULL))
    kiln_apt_sources_parse (path, text, out);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
kiln_apt_sources_read_host (const char *root)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_apt_source_free);
  const char *r = root ? root : "/";
  g_autofree char *list = g_build_filename (r, "etc/apt/sources.list", NULL);
  read_file_into (list, out);
  g_autofree char *dir = g_build_filename (r, "etc/apt/sources.list.d", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *e;
  while (d && (e = g_dir_read_name (d)))
    if (g_str_has_suffix (e, ".list") || g_str_has_suffix (e, ".sources"))
      g_ptr_array_add (names, g_strdup (e));
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *p = g_build_filename (dir, names->pdata[i], NULL);
      read_file_into (p, out);
    }
  return out;
}

static gboolean
lists_suite (const KilnAptSource *s, const char *suite)
{
  return g_strv_contains ((const char *const *) s->suites, suite);
}

char *
kiln_apt_sources_find_mirror (GPtrArray *sources, const char *distribution,
                              const char *suite, gboolean security)
{
  g_autofree char *updates = g_strconcat (suite, "-updates", NULL);
  g_autofree char *sec = g_strconcat (suite, "-security", NULL);
  g_autofree char *tail = g_strconcat ("/", distribution,
                                       security && g_str_equal (distribution,
                                                                "debian")
                                           ? "-security" : "", NULL);
  /* 1. an entry for exactly this suite */
  for (guint i = 0; sources && i < sources->len; i++)
    {
      const KilnAptSource *s = sources->pdata[i];
      if (lists_suite (s, security ? sec : suite))
        return g_strdup (s->uri);
    }
  if (!security)
    for (guint i = 0; sources && i < sources->len; i++)
      {
        const KilnAptSource *s = sources->pdata[i];
        if (lists_suite (s, updates))
          return g_strdup (s->uri);
      }
  /* 2. a mirror of the distribution for another release */
  for (guint i = 0; sources && i < sources->len; i++)
    {
      const KilnAptSource *s = sources->pdata[i];
      if (g_str_has_suffix (s->uri, tail))
        return g_strdup (s->uri);
    }
  return NULL;
}

const char *
kiln_apt_default_mirror (const char *distribution, gboolean security)
{
  if (g_strcmp0 (distribution, "ubuntu") == 0)
    return security ? "http://security.ubuntu.com/ubuntu"
                    : "http://archive.ubuntu.com/ubuntu";
  return security ? "http://security.debian.org/debian-security"
                  : "http://deb.debian.org/debian";
}
