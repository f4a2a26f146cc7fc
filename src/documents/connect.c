/* connect.c - the libvirt connections a document may ask for */
#include "connect.h"

#include <string.h>

#include "base/suggest.h"

#define ALLOWED \
  "embed, qemu:///system, qemu:///session, qemu+ssh://HOST/system or " \
  "qemu+tls://HOST/system"
#define ELSEWHERE \
  "; a URI like this is the user's to give, on the command line (--connect)"

void
kiln_connect_problem_free (KilnConnectProblem *p)
{
  if (!p)
    return;
  g_free (p->message);
  g_free (p);
}

static void add (GPtrArray *out, gsize offset, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);

static void
add (GPtrArray *out, gsize offset, const char *fmt, ...)
{
  KilnConnectProblem *p = g_new0 (KilnConnectProblem, 1);
  va_list ap;
  va_start (ap, fmt);
  p->offset = offset;
  p->message = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_ptr_array_add (out, p);
}

/* Why a transport is refused (NULL: allowed). */
static const char *
transport_problem (const char *t)
{
  static const struct { const char *name, *why; } refused[] = {
    { "ext", "it runs a program on this host" },
    { "unix", "it picks a local socket" },
    { "tcp", "it is neither encrypted nor authenticated" },
    { "libssh", "it reads keys and host keys from files the URI can name" },
    { "libssh2", "it reads keys and host keys from files the URI can name" },
  };
  if (g_ascii_strcasecmp (t, "ssh") == 0 || g_ascii_strcasecmp (t, "tls") == 0)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    if (g_ascii_strcasecmp (t, refused[i].name) == 0)
      return refused[i].why;
  return "it is not a transport kiln knows";
}

/* Why a query parameter is refused (NULL: allowed).  libvirt compares
 * names without case, after %-decoding them. */
static const char *
parameter_problem (const char *name)
{
  static const struct { const char *name, *why; } refused[] = {
    { "command", "it names a program this host runs" },
    { "netcat", "it names a program the remote host runs" },
    { "proxy", "it picks the program the remote host runs" },
    { "socket", "it picks the socket kiln talks to" },
    { "mode", "it picks which daemon's socket kiln talks to" },
    { "name", "it names another driver on the remote host" },
    { "keyfile", "it picks the private key" },
    { "pkipath", "it picks the certificates" },
    { "known_hosts", "it picks the host keys to trust" },
    { "known_hosts_verify", "it can switch the host key check off" },
    { "no_verify", "it switches certificate verification off" },
    { "tls_priority", "it picks the TLS ciphers" },
    { "sshauth", "it picks how to authenticate" },
  };
  if (g_ascii_strcasecmp (name, "no_tty") == 0)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    if (g_ascii_strcasecmp (name, refused[i].name) == 0)
      return refused[i].why;
  return "it is not a parameter kiln allows in a document";
}

static void
check_query (GPtrArray *out, const char *uri, const char *query)
{
  /* libvirt splits parameters on '&' and ';' */
  g_auto (GStrv) parts = g_strsplit_set (query, "&;", -1);
  const char *at = query;
  for (guint i = 0; parts[i]; i++)
    {
      const char *eq = strchr (parts[i], '=');
      g_autofree char *raw = eq ? g_strndup (parts[i], (gsize) (eq - parts[i]))
                                : g_strdup (parts[i]);
      g_autofree char *name = g_uri_unescape_string (raw, NULL);
      gsize offset = (gsize) (at - uri);
      at += strlen (parts[i]) + 1;
      if (!*parts[i])
        continue;
      const char *shown = name ? name : raw;
      const char *why = parameter_problem (shown);
      if (why)
        add (out, offset, "expected no '%s' parameter in 'build.connect' "
             "(%s)" ELSEWHERE, shown, why);
    }
}

GPtrArray *
kiln_connect_problems (const char *uri)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_connect_problem_free);
  if (strcmp (uri, "embed") == 0)
    return out;

  const char *sep = strstr (uri, "://");
  gboolean scheme_ok = sep && sep > uri && g_ascii_isalpha (*uri);
  for (const char *p = uri; scheme_ok && p < sep; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("+.-", *p))
      scheme_ok = FALSE;
  g_autoptr (GUri) parsed = scheme_ok
    ? g_uri_parse (uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS, NULL)
    : NULL;
  if (!parsed)
    {
      static const char *const words[] = { "embed", NULL };
      g_autofree char *hint = kiln_suggest_suffix (uri, words);
      add (out, 0, "expected " ALLOWED " for 'build.connect', found '%s', "
           "which is not a libvirt URI%s", uri, hint);
      return out;
    }

  g_autofree char *scheme = g_strndup (uri, (gsize) (sep - uri));
  const char *plus = strchr (scheme, '+');
  g_autofree char *driver = plus ? g_strndup (scheme, (gsize) (plus - scheme))
                                 : g_strdup (scheme);
  const char *transport = plus ? plus + 1 : NULL;
  if (g_ascii_strcasecmp (driver, "qemu") != 0)
    add (out, 0, "expected the qemu driver in 'build.connect' (" ALLOWED
         "), found '%s'", driver);
  else if (transport)
    {
      const char *why = transport_problem (transport);
      if (why)
        add (out, (gsize) (plus + 1 - scheme), "expected the ssh or tls "
             "transport in 'build.connect' (" ALLOWED "), found the "
             "transport '%s' (%s)" ELSEWHERE, transport, why);
    }

  const char *host = g_uri_get_host (parsed);
  const char *user = g_uri_get_userinfo (parsed);
  gsize authority = (gsize) (sep + 3 - uri);
  if (!transport && host && *host)
    add (out, authority, "expected qemu:///system or qemu:///session (a "
         "local daemon) for 'build.connect', found the host '%s'; a remote "
         "host is reached with qemu+ssh:// or qemu+tls://", host);
  if (user && strchr (user, ':'))
    add (out, authority, "expected no password in 'build.connect', found "
         "one");

  const char *path = g_uri_get_path (parsed);
  if (g_strcmp0 (path, "/system") != 0 && g_strcmp0 (path, "/session") != 0)
    {
      const char *p = strstr (sep + 3, path && *path ? path : "?");
      add (out, p ? (gsize) (p - uri) : 0, "expected the path /system or "
           "/session in 'build.connect', found '%s'%s", path ? path : "",
           g_strcmp0 (path, "/embed") == 0
             ? " (kiln's own embedded driver is written 'embed')" : "");
    }

  const char *query = g_uri_get_query (parsed);
  if (query)
    check_query (out, uri, strchr (uri, '?') + 1);
  if (g_uri_get_fragment (parsed))
    add (out, (gsize) (strchr (uri, '#') - uri), "expected no '#' fragment "
         "in 'build.connect'");
  return out;
}
