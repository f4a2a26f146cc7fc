/* s3-config.c - S3 keys, region and endpoint, found as the AWS CLI finds
 * them (s3-config.h); what the settings mean, and the s3:// URIs.  The
 * shared files' syntax is aws-ini.c's. */
#include "s3-config.h"

#include <errno.h>
#include <string.h>

#include "aws-ini.h"
#include "common/kiln.h"

#define DEFAULT_REGION "us-east-1"
#define S3_MAX_KEY_BYTES 1024

/* ---- the environment ------------------------------------------------------ */

/* a variable's value, NULL when it is unset or empty (as for the CLI) */
static const char *
env_get (const char *const *envp, const char *name)
{
  const char *v = g_environ_getenv ((char **) envp, name);
  return v && *v ? v : NULL;
}

/* path with a leading "~/" made $HOME's */
static char *
expand_home (const char *path, const char *home)
{
  if (g_str_has_prefix (path, "~/"))
    return g_build_filename (home, path + 2, NULL);
  return g_strdup (path);
}

/* ---- the parts -------------------------------------------------------------- */

typedef struct {
  const char *const *envp;
  const char *profile;
  gboolean profile_named;   /* from AWS_PROFILE, not the default */
  KilnAwsIniFile *credentials;
  KilnAwsIniFile *config;
  GHashTable *cred_section; /* the profile in each file, NULL: absent */
  GHashTable *conf_section;
} Sources;

/* The keys of a profile into c (*found); TRUE with *found FALSE when it
 * has none, FALSE with an error when it has half of them. */
static gboolean
keys_from_profile (Sources *s, GHashTable *section,
                   const KilnAwsIniFile *file, KilnS3Config *c,
                   gboolean *found, GError **error)
{
  const KilnAwsIniValue *id = kiln_aws_ini_get (section, "aws_access_key_id");
  const KilnAwsIniValue *secret = kiln_aws_ini_get (section,
                                                    "aws_secret_access_key");
  *found = FALSE;
  if (!id)
    return TRUE;
  if (!secret)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s:%u: profile "
                   "'%s' has aws_access_key_id but no aws_secret_access_key",
                   kiln_aws_ini_path (file), id->line, s->profile);
      return FALSE;
    }
  const KilnAwsIniValue *token = kiln_aws_ini_get (section,
                                                   "aws_session_token");
  if (!token)
    token = kiln_aws_ini_get (section, "aws_security_token");
  c->access_key_id = g_strdup (id->value);
  c->secret_access_key = g_strdup (secret->value);
  c->session_token = token ? g_strdup (token->value) : NULL;
  c->credentials_from = g_strdup_printf ("profile '%s' in %s", s->profile,
                                         kiln_aws_ini_path (file));
  *found = TRUE;
  return TRUE;
}

/* What the profile has instead of keys, for the message: the CLI gets
 * keys from these, kiln does not. */
static const char *
unsupported_source (GHashTable *section)
{
  static const char *const names[] = {
    "sso_session", "sso_start_url", "role_arn", "credential_process",
    "web_identity_token_file", "credential_source", NULL,
  };
  for (guint i = 0; names[i]; i++)
    if (kiln_aws_ini_get (section, names[i]))
      return names[i];
  return NULL;
}

/* "absent", "no profile 'x'", "no keys in profile 'x'" */
static char *
looked_at (const KilnAwsIniFile *file, GHashTable *section,
           const char *profile)
{
  const char *path = kiln_aws_ini_path (file);
  if (kiln_aws_ini_is_empty (file) && !g_file_test (path, G_FILE_TEST_EXISTS))
    return g_strdup_printf ("%s (absent)", path);
  if (!section)
    return g_strdup_printf ("%s (no profile '%s')", path, profile);
  return g_strdup_printf ("%s (no keys in profile '%s')", path, profile);
}

static gboolean
resolve_keys (Sources *s, KilnS3Config *c, GError **error)
{
  const char *id = env_get (s->envp, "AWS_ACCESS_KEY_ID");
  const char *secret = env_get (s->envp, "AWS_SECRET_ACCESS_KEY");
  /* the CLI: a key id without its secret is an error, a secret alone is
   * ignored */
  if (id && !secret)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "AWS_ACCESS_KEY_ID "
                   "is set but AWS_SECRET_ACCESS_KEY is not");
      return FALSE;
    }
  if (id)
    {
      const char *token = env_get (s->envp, "AWS_SESSION_TOKEN");
      if (!token)
        token = env_get (s->envp, "AWS_SECURITY_TOKEN");
      c->access_key_id = g_strdup (id);
      c->secret_access_key = g_strdup (secret);
      c->session_token = g_strdup (token);
      c->credentials_from = g_strdup ("the environment");
      return TRUE;
    }
  gboolean found;
  if (!keys_from_profile (s, s->cred_section, s->credentials, c, &found,
                          error))
    return FALSE;
  if (found)
    return TRUE;
  if (!keys_from_profile (s, s->conf_section, s->config, c, &found, error))
    return FALSE;
  if (found)
    return TRUE;

  const char *other = unsupported_source (s->conf_section);
  if (!other)
    other = unsupported_source (s->cred_section);
  if (other)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "profile '%s' gets "
                   "its credentials through %s, which kiln does not support: "
                   "give static keys (AWS_ACCESS_KEY_ID and "
                   "AWS_SECRET_ACCESS_KEY, or aws_access_key_id and "
                   "aws_secret_access_key in %s)", s->profile, other,
                   kiln_aws_ini_path (s->credentials));
      return FALSE;
    }
  g_autofree char *in_cred = looked_at (s->credentials, s->cred_section,
                                        s->profile);
  g_autofree char *in_conf = looked_at (s->config, s->conf_section,
                                        s->profile);
  g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "no AWS credentials: "
               "looked at AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the "
               "environment (unset), %s and %s", in_cred, in_conf);
  return FALSE;
}

/* A region goes into a host name and the signature's scope: letters,
 * digits and dashes ("us-east-1", "eu-central-2", "cn-north-1"). */
static gboolean
region_ok (const char *r)
{
  if (!*r || strlen (r) > 64 || r[0] == '-')
    return FALSE;
  for (const char *p = r; *p; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

static gboolean
resolve_region (Sources *s, KilnS3Config *c, GError **error)
{
  const char *value = env_get (s->envp, "AWS_REGION");
  g_autofree char *from = g_strdup ("AWS_REGION");
  if (!value && (value = env_get (s->envp, "AWS_DEFAULT_REGION")))
    {
      g_free (from);
      from = g_strdup ("AWS_DEFAULT_REGION");
    }
  const KilnAwsIniValue *v = kiln_aws_ini_get (s->conf_section, "region");
  if (!value && v)
    {
      value = v->value;
      g_free (from);
      from = g_strdup_printf ("%s:%u", kiln_aws_ini_path (s->config),
                              v->line);
    }
  if (!value)
    value = DEFAULT_REGION;
  if (!region_ok (value))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: '%s' is not an "
                   "AWS region name (lower-case letters, digits and dashes, "
                   "such as us-east-1)", from, value);
      return FALSE;
    }
  c->region = g_strdup (value);
  return TRUE;
}

/* scheme://host[:port] from an endpoint URL, or NULL with *problem set */
static char *
endpoint_normal (const char *url, const char **problem)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  *problem = NULL;
  if (!uri)
    *problem = "is not a URL";
  else if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0
           && g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0)
    *problem = "is not an http:// or https:// URL";
  else if (!g_uri_get_host (uri) || !*g_uri_get_host (uri))
    *problem = "has no host";
  else if (g_uri_get_userinfo (uri))
    *problem = "has a user name or password in it";
  else if (*g_uri_get_path (uri) && strcmp (g_uri_get_path (uri), "/") != 0)
    *problem = "has a path: kiln takes scheme://host[:port]";
  else if (g_uri_get_query (uri) || g_uri_get_fragment (uri))
    *problem = "has a query or fragment: kiln takes scheme://host[:port]";
  if (*problem)
    return NULL;
  /* host names are not case-sensitive; the signature's Host is */
  g_autofree char *host = g_ascii_strdown (g_uri_get_host (uri), -1);
  gboolean v6 = strchr (host, ':') != NULL;
  g_autofree char *scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  GString *out = g_string_new (scheme);
  g_string_append_printf (out, "://%s%s%s", v6 ? "[" : "", host,
                          v6 ? "]" : "");
  if (g_uri_get_port (uri) > 0)
    g_string_append_printf (out, ":%d", g_uri_get_port (uri));
  return g_string_free (out, FALSE);
}

static gboolean
is_true (const char *v)
{
  return v && g_ascii_strcasecmp (v, "true") == 0;
}

static gboolean
resolve_endpoint (Sources *s, KilnS3Config *c, GError **error)
{
  const KilnAwsIniValue *ignore =
    kiln_aws_ini_get (s->conf_section, "ignore_configured_endpoint_urls");
  gboolean configured = !is_true (env_get (s->envp,
                                           "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))
                        && !(ignore && is_true (ignore->value));
  const char *value = NULL;
  g_autofree char *from = NULL;
  if (configured)
    {
      static const char *const vars[] = {
        "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", NULL,
      };
      for (guint i = 0; !value && vars[i]; i++)
        if ((value = env_get (s->envp, vars[i])))
          from = g_strdup (vars[i]);
      /* services = NAME in the profile: [services NAME] with s3 = nested */
      const KilnAwsIniValue *services = kiln_aws_ini_get (s->conf_section,
                                                          "services");
      if (!value && services)
        {
          g_autofree char *name = g_strconcat ("services ", services->value,
                                               NULL);
          GHashTable *section = kiln_aws_ini_section (s->config, name);
          const KilnAwsIniValue *v = kiln_aws_ini_get (section,
                                                       "s3.endpoint_url");
          if (v)
            {
              value = v->value;
              from = g_strdup_printf ("%s:%u", kiln_aws_ini_path (s->config),
                                      v->line);
            }
        }
      const KilnAwsIniValue *v = kiln_aws_ini_get (s->conf_section,
                                                   "endpoint_url");
      if (!value && v)
        {
          value = v->value;
          from = g_strdup_printf ("%s:%u", kiln_aws_ini_path (s->config),
                                  v->line);
        }
    }
  if (!value)
    {
      /* the China regions are under their own domain */
      c->endpoint = g_strdup_printf ("https://s3.%s.amazonaws.com%s",
                                     c->region,
                                     g_str_has_prefix (c->region, "cn-")
                                       ? ".cn" : "");
      c->path_style = FALSE;
      return TRUE;
    }
  const char *problem;
  c->endpoint = endpoint_normal (value, &problem);
  if (!c->endpoint)
    {
      /* a URL with a password in it is not repeated */
      if (strchr (value, '@'))
        g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: the S3 "
                     "endpoint %s", from, problem);
      else
        g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: the S3 "
                     "endpoint '%s' %s", from, value, problem);
      return FALSE;
    }
  c->path_style = TRUE;
  return TRUE;
}

KilnS3Config *
kiln_s3_config_resolve (const char *const *envp, GError **error)
{
  Sources s = { .envp = envp };
  s.profile = env_get (envp, "AWS_PROFILE");
  s.profile_named = s.profile != NULL;
  if (!s.profile)
    s.profile = "default";
  const char *home = env_get (envp, "HOME");
  if (!home)
    home = g_get_home_dir ();
  const char *cred = env_get (envp, "AWS_SHARED_CREDENTIALS_FILE");
  const char *conf = env_get (envp, "AWS_CONFIG_FILE");
  g_autofree char *cred_path = expand_home (cred ? cred : "~/.aws/credentials",
                                            home);
  g_autofree char *conf_path = expand_home (conf ? conf : "~/.aws/config",
                                            home);
  g_autoptr (KilnAwsIniFile) credentials = kiln_aws_ini_load (cred_path,
                                                              error);
  if (!credentials)
    return NULL;
  g_autoptr (KilnAwsIniFile) config = kiln_aws_ini_load (conf_path, error);
  if (!config)
    return NULL;
  s.credentials = credentials;
  s.config = config;

  /* [NAME] in the credentials file; [profile NAME] in the config file,
   * but [default] for the default profile */
  s.cred_section = kiln_aws_ini_section (credentials, s.profile);
  g_autofree char *conf_name = g_strconcat ("profile ", s.profile, NULL);
  s.conf_section = kiln_aws_ini_section (config, conf_name);
  if (!s.conf_section && strcmp (s.profile, "default") == 0)
    s.conf_section = kiln_aws_ini_section (config, "default");
  /* the CLI: a profile named but found nowhere is an error, unless it is
   * "default" */
  if (s.profile_named && strcmp (s.profile, "default") != 0
      && !s.cred_section && !s.conf_section)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "AWS_PROFILE names "
                   "profile '%s', which is neither in %s nor in %s",
                   s.profile, cred_path, conf_path);
      return NULL;
    }

  g_autoptr (KilnS3Config) c = g_new0 (KilnS3Config, 1);
  if (!resolve_keys (&s, c, error) || !resolve_region (&s, c, error)
      || !resolve_endpoint (&s, c, error))
    return NULL;
  return g_steal_pointer (&c);
}

/* ---- s3://bucket/key ---------------------------------------------------- */

/* S3's bucket names: today's rules are stricter (3-63 lower-case letters,
 * digits, dots and dashes), older buckets may have capitals and '_'. */
static gboolean
bucket_ok (const char *b)
{
  if (!*b || strlen (b) > 255)
    return FALSE;
  for (const char *p = b; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

gboolean
kiln_s3_uri_parse (const char *uri, char **bucket, char **key,
                   GError **error)
{
  g_return_val_if_fail (uri && bucket && key, FALSE);
  if (!g_str_has_prefix (uri, "s3://"))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "'%s' is not an S3 "
                   "URI: expected s3://BUCKET/KEY", uri);
      return FALSE;
    }
  const char *rest = uri + strlen ("s3://");
  const char *slash = strchr (rest, '/');
  g_autofree char *b = slash ? g_strndup (rest, (gsize) (slash - rest))
                             : g_strdup (rest);
  const char *k = slash ? slash + 1 : "";
  if (!*b)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: no bucket name "
                   "(expected s3://BUCKET/KEY)", uri);
      return FALSE;
    }
  if (!bucket_ok (b))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: '%s' is not an "
                   "S3 bucket name (letters, digits, '.', '-' and '_')",
                   uri, b);
      return FALSE;
    }
  if (!g_utf8_validate (k, -1, NULL))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: the object key "
                   "is not UTF-8", uri);
      return FALSE;
    }
  if (strlen (k) > S3_MAX_KEY_BYTES)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "%s: the object key "
                   "is %zu bytes long; S3 takes at most %d", uri, strlen (k),
                   S3_MAX_KEY_BYTES);
      return FALSE;
    }
  *bucket = g_steal_pointer (&b);
  *key = g_strdup (k);
  return TRUE;
}
