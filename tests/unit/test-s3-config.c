/* test-s3-config.c - S3 keys, region and endpoint found as the AWS CLI
 * finds them (src/base/s3-config.c), with real files in a temporary home */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "base/s3-config.h"
#include "common/kiln.h"

/* Every secret and token below has SEKRIT in it: no message may. */
#define NO_SECRET "SEKRIT"

/* ---- fixtures ---------------------------------------------------------- */

static void
rm_rf (const char *path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  if (d)
    {
      const char *name;
      while ((name = g_dir_read_name (d)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          rm_rf (child);
        }
      g_dir_close (d);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static int
setup (void **state)
{
  char *dir = g_dir_make_tmp ("kiln-s3-config-XXXXXX", NULL);
  assert_non_null (dir);
  *state = dir;
  return 0;
}

static int
teardown (void **state)
{
  rm_rf (*state);
  g_free (*state);
  return 0;
}

/* writes text to dir/name (folders made); returns the path */
static char *
put_file (const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  assert_int_equal (g_mkdir_with_parents (parent, 0700), 0);
  assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
put (const char *dir, const char *name, const char *text)
{
  g_free (put_file (dir, name, text));
}

/* an environment: HOME=home and the NAME, VALUE pairs that follow */
static char **
env_of (const char *home, ...)
{
  char **envp = g_environ_setenv (NULL, "HOME", home, TRUE);
  va_list ap;
  va_start (ap, home);
  const char *name;
  while ((name = va_arg (ap, const char *)))
    envp = g_environ_setenv (envp, name, va_arg (ap, const char *), TRUE);
  va_end (ap);
  return envp;
}

static KilnS3Config *
resolve_ok (char **envp)
{
  g_autoptr (GError) error = NULL;
  KilnS3Config *c = kiln_s3_config_resolve ((const char *const *) envp,
                                            &error);
  if (!c)
    fail_msg ("resolve failed: %s", error->message);
  assert_non_null (c->region);
  assert_non_null (c->endpoint);
  assert_null (strstr (c->credentials_from, NO_SECRET));
  return c;
}

/* resolving fails with code; the message has want in it and no secret */
static void
resolve_fails (char **envp, int code, const char *want)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KilnS3Config) c =
    kiln_s3_config_resolve ((const char *const *) envp, &error);
  assert_null (c);
  assert_non_null (error);
  assert_true (g_error_matches (error, KILN_ERROR, code));
  if (!strstr (error->message, want))
    fail_msg ("'%s' does not say '%s'", error->message, want);
  if (strstr (error->message, NO_SECRET))
    fail_msg ("a secret in the message: %s", error->message);
}

/* ---- keys ------------------------------------------------------------------ */

static void
test_env_keys (void **state)
{
  const char *home = *state;
  g_auto (GStrv) env = env_of (home, "AWS_ACCESS_KEY_ID", "AKIDENV",
                               "AWS_SECRET_ACCESS_KEY", "SEKRITenv", NULL);
  g_autoptr (KilnS3Config) c = resolve_ok (env);
  assert_string_equal (c->access_key_id, "AKIDENV");
  assert_string_equal (c->secret_access_key, "SEKRITenv");
  assert_null (c->session_token);
  assert_string_equal (c->credentials_from, "the environment");
  /* nothing else set: AWS itself, its default region, virtual-hosted */
  assert_string_equal (c->region, "us-east-1");
  assert_string_equal (c->endpoint, "https://s3.us-east-1.amazonaws.com");
  assert_false (c->path_style);
}

static void
test_env_session_token (void **state)
{
  const char *home = *state;
  g_auto (GStrv) env = env_of (home, "AWS_ACCESS_KEY_ID", "AKIDENV",
                               "AWS_SECRET_ACCESS_KEY", "SEKRITenv",
                               "AWS_SESSION_TOKEN", "SEKRITtoken", NULL);
  g_autoptr (KilnS3Config) c = resolve_ok (env);
  assert_string_equal (c->session_token, "SEKRITtoken");

  /* the older name */
  g_auto (GStrv) old = env_of (home, "AWS_ACCESS_KEY_ID", "AKIDENV",
                               "AWS_SECRET_ACCESS_KEY", "SEKRITenv",
                               "AWS_SECURITY_TOKEN", "SEKRIToldtoken", NULL);
  g_autoptr (KilnS3Config) o = resolve_ok (old);
  assert_string_equal (o->session_token, "SEKRIToldtoken");
}

static void
test_env_beats_files (void **state)
{
  const char *home = *state;
  put (home, ".aws/credentials",
       "[default]\naws_access_key_id = AKIDFILE\n"
       "aws_secret_access_key = SEKRITfile\n");
  g_auto (GStrv) env = env_of (home, "AWS_ACCESS_KEY_ID", "AKIDENV",
                               "AWS_SECRET_ACCESS_KEY", "SEKRITenv", NULL);
  g_autoptr (KilnS3Config) c = resolve_ok (env);
  assert_string_equal (c->access_key_id, "AKIDENV");
  assert_string_equal (c->credentials_from, "the environment");

  /* empty variables count as unset */
  g_auto (GStrv) empty = env_of (home, "AWS_ACCESS_KEY_ID", "",
                                 "AWS_SECRET_ACCESS_KEY", "", NULL);
  g_autoptr (KilnS3Config) f = resolve_ok (empty);
  assert_string_equal (f->access_key_id, "AKIDFILE");
}

static void
test_env_partial (void **state)
{
  const char *home = *state;
  put (home, ".aws/credentials",
       "[default]\naws_access_key_id = AKIDFILE\n"
       "aws_secret_access_key = SEKRITfile\n");
  /* a key id without its secret is a mistake, as for the CLI ... */
  g_auto (GStrv) env = env_of (home, "AWS_ACCESS_KEY_ID", "AKIDENV", NULL);
  resolve_fails (env, KILN_ERROR_INPUT, "AWS_SECRET_ACCESS_KEY is not");
  /* ... a secret alone is ignored */
  g_auto (GStrv) secret = env_of (home, "AWS_SECRET_ACCESS_KEY", "SEKRITenv",
                                  NULL);
  g_autoptr (KilnS3Config) c = resolve_ok (secret);
  assert_string_equal (c->secret_access_key, "SEKRITfile");
}

static void
test_credentials_file (void **state)
{
  const char *home = *state;
  g_autofree char *cred = put_file (home, ".aws/credentials",
                                    "[default]\n"
                                    "aws_access_key_id = AKIDDEFAULT\n"
                                    "aws_secret_access_key = SEKRITdefault\n"
                                    "aws_session_token = SEKRITdeftoken\n"
                                    "\n"
                                    "[dev]\n"
                                    "aws_access_key_id = AKIDDEV\n"
                                    "aws_secret_access_key = SEKRITdev\n");
  g_auto (GStrv) env = env_of (home, NULL);
  g_autoptr (KilnS3Config) c = resolve_ok (env);
  assert_string_equal (c->access_key_id, "AKIDDEFAULT");
  assert_string_equal (c->secret_access_key, "SEKRITdefault");
  assert_string_equal (c->session_token, "SEKRITdeftoken");
  g_autofree char *from = g_strdup_printf ("profile 'default' in %s", cred);
  assert_string_equal (c->credentials_from, from);

  g_auto (GStrv) dev = env_of (home, "AWS_PROFILE", "dev", NULL);
  g_autoptr (KilnS3Config) d = resolve_ok (dev);
  assert_string_equal (d->access_key_id, "AKIDDEV");
  assert_string_equal (d->secret_access_key, "SEKRITdev");
  assert_null (d->session_token);
  g_autofree char *dev_from = g_strdup_printf ("profile 'dev' in %s", cred);
  assert_string_equal (d->credentials_from, dev_from);
}

static void
test_credentials_file_beats_config (void **state)
{
  const char *home = *state;
  put (home, ".aws/credentials",
       "[dev]\naws_access_key_id = AKIDCRED\n"
       "aws_secret_access_key = SEKRITcred\n");
  put (home, ".aws/config",
       "[profile dev]\n"
       "aws_access_key_id = AKIDCONF\n"
       "aws_secret_access_key = SEKRITconf\n"
       "region = eu-west-3\n");
  g_auto (GStrv) env = env_of (home, "AWS_PROFILE", "dev", NULL);
  g_autoptr (KilnS3Config) c = resolve_ok (env);
  assert_string_equal (c->access_key_id, "AKIDCRED");
  /* the region is still the config file's */
  assert_string_equal (c->region, "eu-west-3");
}

static void
test_config_file_keys (void **state)
{
  const char *home = *state;
  g_autofree char *conf = put_file (home, ".aws/config",
                                    "[default]\n"
                                    "aws_access_key_id = AKIDCONFDEF\n"
                                    "aws_secret_access_key = SEKRITconfdef\n"
                                    "[dev]\n"
                                    "aws_access_key_id = AKIDWRONG\n"
                                    "aws_secret_access_key = SEKRITwrong\n"
                                    "[profile dev]\n"
                                    "aws_access_key_id = AKIDCONFDEV\n"
                                    "aws_secret_access_key = SEKRITconfdev\n"
                                    "aws_session_token = SEKRITconftoken\n");
  g_auto (GStrv) env = env_of (home, NULL);
  g_autoptr (KilnS3Config) c = resolve_ok (env);
  assert_string_equal (c->access_key_id, "AKIDCONFDEF");
  g_autofree char *from = g_strdup_printf ("profile 'default' in %s", conf);
  assert_string_equal (c->credentials_from, from);

  /* [dev] is not a profile in the config file: [profile dev] is */
  g_auto (GStrv) dev = env_of (home, "AWS_PROFILE", "dev", NULL);
  g_autoptr (KilnS3Config) d = resolve_ok (dev);
  assert_string_equal (d->access_key_id, "AKIDCONFDEV");
  assert_string_equal (d->session_token, "SEKRITconftoken");
}

static void
test_file_variables (void **state)
{
  const char *home = *state;
  /* decoys where the files are by default */
  put (home, ".aws/credentials",
       "[default]\naws_access_key_id = AKIDHOME\n"
       "aws_secret_access_key = SEKRITh\n");
  put (home, ".aws/config",
       "[default]\nregion = eu-north-1\n");
  g_autofree char *cred = put_file (home, "elsewhere/creds",
                                    "[default]\naws_access_key_id = AKIDVAR\n"
                                    "aws_secret_access_key = SEKRITv\n");
  g_autofree char *conf = put_file (home, "elsewhere/conf",
                                    "[default]\nregion = ap-south-1\n");
  g_auto (GStrv) env = env_of (home,
                               "AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds",
                               "AWS_CONFIG_FILE", conf, NULL);
  g_autoptr (KilnS3Config) c = resolve_ok (env);
  assert_string_equal (c->access_key_id, "AKIDVAR");
  assert_string_equal (c->region, "ap-south-1");
  g_autofree char *from = g_strdup_printf ("profile 'default' in %s", cred);
  assert_string_equal (c->credentials_from, from);
}

static void
test_profile_not_found (void **state)
{
  const char *home = *state;
  put (home, ".aws/credentials",
       "[default]\naws_access_key_id = AKID\n"
       "aws_secret_access_key = SEKRITd\n");
  /* a named profile found nowhere is an error, even with keys at hand */
  g_auto (GStrv) env = env_of (home, "AWS_PROFILE", "nope",
                               "AWS_ACCESS_KEY_ID", "AKIDENV",
                               "AWS_SECRET_ACCESS_KEY", "SEKRITenv", NULL);
  resolve_fails (env, KILN_ERROR_INPUT, "profile 'nope'");
  /* AWS_PROFILE=default with no files is not */
  g_autofree char *other = g_build_filename (home, "empty", NULL);
  g_auto (GStrv) def = env_of (other, "AWS_PROFILE", "default",
                               "AWS_ACCESS_KEY_ID", "AKIDENV",
                               "AWS_SECRET_ACCESS_KEY", "SEKRITenv", NULL);
  g_autoptr (KilnS3Config) c = resolve_ok (def);
  assert_string_equal (c->access_key_id, "AKIDENV");
}

static void
test_partial_profile (void **state)
{
  const char *home = *state;
  g_autofree char *cred = put_file (home, ".aws/credentials",
                                    "[default]\n"
                                    "# no secret here\n"
                                    "aws_access_key_id = AKID\n");
  g_auto (GStrv) env = env_of (home, NULL);
  g_autofree char *want = g_strdup_printf ("%s:3: profile 'default' has "
                                           "aws_access_key_id but no "
                                           "aws_secret_access_key", cred);
  resolve_fails (env, KILN_ERROR_INPUT, want);
}

static void
test_no_credentials (void **state)
{
  const char *home = *state;
  g_auto (GStrv) env = env_of (home, NULL);
  g_autofree char *cred = g_build_filename (home, ".aws", "credentials", NULL);
  g_autofree char *conf = g_build_filename (home, ".aws", "config", NULL);
  g_autofree char *want = g_strdup_printf ("no AWS credentials: looked at "
                                           "AWS_ACCESS_KEY_ID and "
                                           "AWS_SECRET_ACCESS_KEY in the "
                                           "environment (unset), %s (absent) "
                                           "and %s (absent)", cred, conf);
  resolve_fails (env, KILN_ERROR_INPUT, want);

  /* files without the profile's keys */
  put (home, ".aws/credentials",
       "[other]\naws_access_key_id = AKID\n"
       "aws_secret_access_key = SEKRITo\n");
  put (home, ".aws/config",
       "[default]\nregion = eu-west-1\n");
  g_autofree char *want2 = g_strdup_printf ("%s (no profile 'default') and "
                                            "%s (no keys in profile "
                                            "'default')", cred, conf);
  resolve_fails (env, KILN_ERROR_INPUT, want2);

  /* keys the CLI gets some other way are named */
  put (home, ".aws/config",
       "[default]\nsso_session = corp\n"
       "region = eu-west-1\n");
  resolve_fails (env, KILN_ERROR_INPUT, "through sso_session, which kiln "
                 "does not support");
}

/* ---- the files' syntax ---------------------------------------------------- */

static void
test_tolerant_syntax (void **state)
{
  const char *home = *state;
  put (home, ".aws/credentials",
       "# comment\r\n"
       "; another\r\n"
       "[  dev  ]   # a comment after the header\r\n"
       "   # an indented comment\r\n"
       "  AWS_ACCESS_KEY_ID=AKIDDEV\r\n"
       "  aws_secret_access_key : SEKRITdev ; note\r\n"
       "\r\n");
  put (home, ".aws/config",
       "[profile   dev]\n"
       "region=eu-central-1\n"
       "s3 =\n"
       "  addressing_style = path\n"
       "  max_concurrent_requests = 20\n"
       "services = local\n"
       "output = text\n"
       "   continued\n"
       "\n"
       "[services local]\n"
       "s3 =\n"
       "\tendpoint_url = http://127.0.0.1:9000\n"
       "sts =\n"
       "  endpoint_url = http://127.0.0.1:9999\n");
  g_auto (GStrv) env = env_of (home, "AWS_PROFILE", "dev", NULL);
  g_autoptr (KilnS3Config) c = resolve_ok (env);
  assert_string_equal (c->access_key_id, "AKIDDEV");
  assert_string_equal (c->secret_access_key, "SEKRITdev");
  assert_string_equal (c->region, "eu-central-1");
  assert_string_equal (c->endpoint, "http://127.0.0.1:9000");
  assert_true (c->path_style);
}

/* a file with text on line `line` that does not parse */
static void
expect_malformed (const char *home, const char *text, guint line,
                  const char *what)
{
  g_autofree char *cred = put_file (home, ".aws/credentials", text);
  g_auto (GStrv) env = env_of (home, "AWS_ACCESS_KEY_ID", "AKIDENV",
                               "AWS_SECRET_ACCESS_KEY", "SEKRITenv", NULL);
  g_autofree char *want = g_strdup_printf ("%s:%u: %s", cred, line, what);
  resolve_fails (env, KILN_ERROR_INPUT, want);
}

static void
test_malformed_files (void **state)
{
  const char *home = *state;
  /* the secret on the bad line is not repeated */
  expect_malformed (home, "[default]\naws_access_key_id = AKID\n"
                    "aws_secret_access_key SEKRITtypo\n", 3,
                    "expected 'name = value', a [section] or a comment");
  expect_malformed (home, "[default\naws_access_key_id = AKID\n", 1,
                    "a section header without its closing ']'");
  expect_malformed (home, "[default] SEKRITafter\n", 1,
                    "text after a section header's ']'");
  expect_malformed (home, "[ ]\n", 1, "a section header with no name");
  expect_malformed (home, "aws_secret_access_key = SEKRITx\n[default]\n", 1,
                    "a setting before the first [section]");
  expect_malformed (home, "\n  SEKRITindented\n[default]\n", 2,
                    "a setting before the first [section]");
  expect_malformed (home, "[default]\n= SEKRITnoname\n", 2,
                    "expected 'name = value', a [section] or a comment");
  expect_malformed (home, "[default]\ns3 =\n  SEKRITnested\n", 3,
                    "expected an indented 'name = value' under the setting "
                    "above");
  /* a binary file */
  g_autofree char *cred = g_build_filename (home, ".aws", "credentials",
                                            NULL);
  assert_true (g_file_set_contents (cred, "[default]\nx = 1\n\0SEKRIT", 20,
                                    NULL));
  g_auto (GStrv) env = env_of (home, NULL);
  g_autofree char *want = g_strdup_printf ("%s:3: a NUL byte", cred);
  resolve_fails (env, KILN_ERROR_INPUT, want);
}

static void
test_unreadable_file (void **state)
{
  const char *home = *state;
  g_autofree char *dir = g_build_filename (home, "a-folder", NULL);
  assert_int_equal (g_mkdir (dir, 0700), 0);
  g_auto (GStrv) env = env_of (home, "AWS_CONFIG_FILE", dir,
                               "AWS_ACCESS_KEY_ID", "AKIDENV",
                               "AWS_SECRET_ACCESS_KEY", "SEKRITenv", NULL);
  g_autofree char *want = g_strdup_printf ("cannot read %s", dir);
  resolve_fails (env, KILN_ERROR_HOST, want);
}

/* ---- region ------------------------------------------------------------------ */

static void
test_region (void **state)
{
  const char *home = *state;
  put (home, ".aws/credentials",
       "[default]\naws_access_key_id = AKID\n"
       "aws_secret_access_key = SEKRITd\n"
       "region = sa-east-1\n");
  /* a region in the credentials file is not read (nor by the CLI) */
  g_auto (GStrv) none = env_of (home, NULL);
  g_autoptr (KilnS3Config) c0 = resolve_ok (none);
  assert_string_equal (c0->region, "us-east-1");

  put (home, ".aws/config",
       "[default]\nregion = eu-west-1\n");
  g_autoptr (KilnS3Config) c1 = resolve_ok (none);
  assert_string_equal (c1->region, "eu-west-1");
  assert_string_equal (c1->endpoint, "https://s3.eu-west-1.amazonaws.com");

  g_auto (GStrv) def = env_of (home, "AWS_DEFAULT_REGION", "eu-west-2", NULL);
  g_autoptr (KilnS3Config) c2 = resolve_ok (def);
  assert_string_equal (c2->region, "eu-west-2");

  g_auto (GStrv) both = env_of (home, "AWS_DEFAULT_REGION", "eu-west-2",
                                "AWS_REGION", "ap-northeast-1", NULL);
  g_autoptr (KilnS3Config) c3 = resolve_ok (both);
  assert_string_equal (c3->region, "ap-northeast-1");
  assert_string_equal (c3->endpoint,
                       "https://s3.ap-northeast-1.amazonaws.com");

  /* China is under its own domain */
  g_auto (GStrv) cn = env_of (home, "AWS_REGION", "cn-north-1", NULL);
  g_autoptr (KilnS3Config) c4 = resolve_ok (cn);
  assert_string_equal (c4->endpoint, "https://s3.cn-north-1.amazonaws.com.cn");

  /* a region goes into a host name: no dots, slashes or capitals */
  g_auto (GStrv) bad = env_of (home, "AWS_REGION", "evil.example.com/x",
                               NULL);
  resolve_fails (bad, KILN_ERROR_INPUT, "AWS_REGION: 'evil.example.com/x' "
                 "is not an AWS region name");
  g_autofree char *conf2 = put_file (home, ".aws/config",
                                     "[default]\n\nregion = EU West\n");
  g_autofree char *want = g_strdup_printf ("%s:3: 'EU West' is not an AWS "
                                           "region name", conf2);
  resolve_fails (none, KILN_ERROR_INPUT, want);
}

/* ---- endpoint ----------------------------------------------------------------- */

static void
test_endpoint_precedence (void **state)
{
  const char *home = *state;
  put (home, ".aws/credentials",
       "[default]\naws_access_key_id = AKID\n"
       "aws_secret_access_key = SEKRITd\n");
  put (home, ".aws/config",
       "[default]\n"
       "endpoint_url = http://profile.test:9000/\n");
  g_auto (GStrv) none = env_of (home, NULL);
  g_autoptr (KilnS3Config) c1 = resolve_ok (none);
  /* any configured endpoint is addressed path-style; no trailing slash */
  assert_string_equal (c1->endpoint, "http://profile.test:9000");
  assert_true (c1->path_style);

  put (home, ".aws/config",
       "[default]\n"
       "endpoint_url = http://profile.test:9000\n"
       "services = mine\n"
       "[services mine]\n"
       "s3 =\n"
       "  endpoint_url = https://service.test\n");
  g_autoptr (KilnS3Config) c2 = resolve_ok (none);
  assert_string_equal (c2->endpoint, "https://service.test");

  g_auto (GStrv) global = env_of (home, "AWS_ENDPOINT_URL",
                                  "HTTP://Global.test:8000", NULL);
  g_autoptr (KilnS3Config) c3 = resolve_ok (global);
  assert_string_equal (c3->endpoint, "http://global.test:8000");

  g_auto (GStrv) s3 = env_of (home, "AWS_ENDPOINT_URL",
                              "http://global.test:8000",
                              "AWS_ENDPOINT_URL_S3", "http://[::1]:9000/",
                              NULL);
  g_autoptr (KilnS3Config) c4 = resolve_ok (s3);
  assert_string_equal (c4->endpoint, "http://[::1]:9000");
  assert_true (c4->path_style);

  /* told to ignore them all: AWS, virtual-hosted */
  g_auto (GStrv) ignore = env_of (home, "AWS_ENDPOINT_URL_S3",
                                  "http://127.0.0.1:9000",
                                  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                                  "true", NULL);
  g_autoptr (KilnS3Config) c5 = resolve_ok (ignore);
  assert_string_equal (c5->endpoint, "https://s3.us-east-1.amazonaws.com");
  assert_false (c5->path_style);
  put (home, ".aws/config",
       "[default]\n"
       "endpoint_url = http://profile.test:9000\n"
       "ignore_configured_endpoint_urls = True\n");
  g_autoptr (KilnS3Config) c6 = resolve_ok (none);
  assert_false (c6->path_style);
}

static void
test_endpoint_bad (void **state)
{
  const char *home = *state;
  put (home, ".aws/credentials",
       "[default]\naws_access_key_id = AKID\n"
       "aws_secret_access_key = SEKRITd\n");
  static const struct {
    const char *var, *value, *want;
  } cases[] = {
    { "AWS_ENDPOINT_URL_S3", "ftp://files.test",
      "AWS_ENDPOINT_URL_S3: the S3 endpoint 'ftp://files.test' is not an "
      "http:// or https:// URL" },
    { "AWS_ENDPOINT_URL_S3", "localhost:9000", "is not an http:// or" },
    { "AWS_ENDPOINT_URL", "http://", "AWS_ENDPOINT_URL: the S3 endpoint "
      "'http://' has no host" },
    { "AWS_ENDPOINT_URL", "not a url at all", "AWS_ENDPOINT_URL: the S3 "
      "endpoint 'not a url at all' is not a URL" },
    { "AWS_ENDPOINT_URL_S3", "http://minio.test:9000/bucket",
      "has a path: kiln takes scheme://host[:port]" },
    { "AWS_ENDPOINT_URL_S3", "http://minio.test:9000/?x=1",
      "has a query or fragment" },
    /* a password in the URL is not repeated */
    { "AWS_ENDPOINT_URL_S3", "http://me:SEKRITpw@minio.test",
      "AWS_ENDPOINT_URL_S3: the S3 endpoint has a user name or password" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (GStrv) env = env_of (home, cases[i].var, cases[i].value, NULL);
      resolve_fails (env, KILN_ERROR_INPUT, cases[i].want);
    }
  g_autofree char *conf = put_file (home, ".aws/config",
                                    "[default]\nregion = eu-west-1\n"
                                    "endpoint_url = s3.example.com\n");
  g_auto (GStrv) none = env_of (home, NULL);
  g_autofree char *want = g_strdup_printf ("%s:3: the S3 endpoint "
                                           "'s3.example.com' is not", conf);
  resolve_fails (none, KILN_ERROR_INPUT, want);
}

/* ---- s3:// URIs ----------------------------------------------------------------- */

static void
expect_uri (const char *uri, const char *bucket, const char *key)
{
  g_autofree char *b = NULL;
  g_autofree char *k = NULL;
  g_autoptr (GError) error = NULL;
  if (!kiln_s3_uri_parse (uri, &b, &k, &error))
    fail_msg ("%s: %s", uri, error->message);
  assert_string_equal (b, bucket);
  assert_string_equal (k, key);
}

static void
expect_bad_uri (const char *uri, const char *want)
{
  g_autofree char *b = NULL;
  g_autofree char *k = NULL;
  g_autoptr (GError) error = NULL;
  assert_false (kiln_s3_uri_parse (uri, &b, &k, &error));
  assert_null (b);
  assert_null (k);
  assert_true (g_error_matches (error, KILN_ERROR, KILN_ERROR_INPUT));
  if (!strstr (error->message, want))
    fail_msg ("'%s' does not say '%s'", error->message, want);
}

static void
test_uri_parse (void **state)
{
  (void) state;
  expect_uri ("s3://bucket/key", "bucket", "key");
  expect_uri ("s3://my.bucket-1/dir/sub/file.tar.gz", "my.bucket-1",
              "dir/sub/file.tar.gz");
  expect_uri ("s3://bucket", "bucket", "");
  expect_uri ("s3://bucket/", "bucket", "");
  expect_uri ("s3://bucket/prefix/*", "bucket", "prefix/*");
  expect_uri ("s3://bucket/with space/ünï €.txt", "bucket",
              "with space/ünï €.txt");
  expect_uri ("s3://bucket//double", "bucket", "/double");

  expect_bad_uri ("https://bucket/key", "is not an S3 URI");
  expect_bad_uri ("S3://bucket/key", "is not an S3 URI");
  expect_bad_uri ("bucket/key", "is not an S3 URI");
  expect_bad_uri ("s3://", "no bucket name");
  expect_bad_uri ("s3:///key", "no bucket name");
  expect_bad_uri ("s3://bu cket/key", "'bu cket' is not an S3 bucket name");
  expect_bad_uri ("s3://bucket/\xff", "the object key is not UTF-8");
  g_autofree char *longkey = g_strnfill (1025, 'k');
  g_autofree char *uri = g_strconcat ("s3://b/", longkey, NULL);
  expect_bad_uri (uri, "is 1025 bytes long; S3 takes at most 1024");
  g_autofree char *okkey = g_strnfill (1024, 'k');
  g_autofree char *okuri = g_strconcat ("s3://b/", okkey, NULL);
  expect_uri (okuri, "b", okkey);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown (f, setup, teardown)
    T (test_env_keys),
    T (test_env_session_token),
    T (test_env_beats_files),
    T (test_env_partial),
    T (test_credentials_file),
    T (test_credentials_file_beats_config),
    T (test_config_file_keys),
    T (test_file_variables),
    T (test_profile_not_found),
    T (test_partial_profile),
    T (test_no_credentials),
    T (test_tolerant_syntax),
    T (test_malformed_files),
    T (test_unreadable_file),
    T (test_region),
    T (test_endpoint_precedence),
    T (test_endpoint_bad),
    cmocka_unit_test (test_uri_parse),
#undef T
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
