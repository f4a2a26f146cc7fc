/* act_web.c - WebDownload with the guest's curl or wget
 *
 * The agent runs curl (else wget) with an argv vector, checks that the
 * final HTTP status is 200 (curl), retries up to 5 times with a growing
 * pause, verifies `checksum`/`algorithm` itself and renames the finished
 * download into place, so a destination is never left half written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "actions.h"
#include "common/kiln-protocol.h"
#include "cond.h"
#include "events.h"
#include "fsutil.h"
#include "hash.h"
#include "proc.h"
#include "strbuf.h"
#include "util.h"

#define DOWNLOAD_TRIES 5

/* Last path segment of a URL, without query or fragment ("" if none). */
static char *
url_file_name (const char *url)
{
  const char *p = strstr (url, "://");
  p = p ? p + 3 : url;
  size_t end = strcspn (p, "?#");
  char *path = xstrndup (p, end);
  char *slash = strchr (path, '/');
  char *name = xstrdup (slash ? strrchr (path, '/') + 1 : "");
  free (path);
  return name;
}

/* Is the guest's wget BusyBox's applet (Alpine, tiny images)? */
static bool
wget_is_busybox (void)
{
  char *path = cond_binary_path ("wget");
  char *real = path ? realpath (path, NULL) : NULL;
  char *base = real ? path_basename (real) : NULL;
  bool busybox = base && !strcmp (base, "busybox");
  free (path);
  free (real);
  free (base);
  return busybox;
}

/* One download attempt; *why gets the reason of a failure, *final is set
 * when trying again cannot help (timeout, HTTP 4xx other than 408/429). */
static bool
fetch_once (act_ctx *ctx, const char *tool, const char *url, const char *out, bool insecure, char **why,
            bool *timed_out, bool *final)
{
  char *argv[24];
  int n = 0;
  bool curl = !strcmp (tool, "curl");
  if (curl)
    {
      argv[n++] = "curl";
      argv[n++] = "--silent";
      argv[n++] = "--show-error";
      argv[n++] = "--location";
      argv[n++] = "--proto";
      argv[n++] = "=http,https";
      argv[n++] = "--proto-redir";
      argv[n++] = "=http,https";
      argv[n++] = "--connect-timeout";
      argv[n++] = "30";
      argv[n++] = "--output";
      argv[n++] = (char *) out;
      argv[n++] = "--write-out";
      argv[n++] = "%{http_code}";
      if (insecure)
        argv[n++] = "--insecure";
      argv[n++] = "--url";
      argv[n++] = (char *) url;
    }
  else
    {
      /* short options both GNU wget and BusyBox's take; BusyBox's has no
       * --timeout (and crashes on -T in Debian 12's build) */
      argv[n++] = "wget";
      argv[n++] = "-q";
      argv[n++] = "-t";
      argv[n++] = "1";
      if (!wget_is_busybox ())
        argv[n++] = "--timeout=30";
      argv[n++] = "-O";
      argv[n++] = (char *) out;
      if (insecure)
        argv[n++] = "--no-check-certificate";
      argv[n++] = "--";
      argv[n++] = (char *) url;
    }
  argv[n] = NULL;
  strbuf status = STRBUF_INIT;
  strbuf_init (&status);
  proc_spec spec = { .argv = argv, .deadline_ms = ctx->deadline_ms, .on_output = curl ? NULL : act_output_cb,
                     .capture_stdout = curl ? &status : NULL, .capture_max = 64 };
  proc_result pr;
  bool ok = false;
  if (!proc_run (&spec, &pr))
    *why = xstrdup (pr.error);
  else if (pr.timed_out || pr.interrupted)
    {
      *timed_out = true;
      *why = xasprintf ("timed out after %lld s", ctx->timeout_seconds);
    }
  else if (!pr.exited || pr.exit_code != 0)
    *why = xasprintf ("%s exited with status %d", tool, proc_status_code (&pr));
  else if (curl && strcmp (status.data, "200") != 0)
    {
      *why = xasprintf ("HTTP status %s", *status.data ? status.data : "unknown");
      int code = atoi (status.data);
      *final = code >= 400 && code < 500 && code != 408 && code != 429;
    }
  else
    ok = true;
  proc_result_clear (&pr);
  strbuf_free (&status);
  return ok;
}

static bool
download_entry (act_ctx *ctx, const json *entry, strbuf *destinations, act_result *res)
{
  char *source = input_required (entry, "source", "WebDownload", res);
  char *destination = source ? input_required (entry, "destination", "WebDownload", res) : NULL;
  char *checksum = input_text (entry, "checksum");
  char *algorithm = input_text (entry, "algorithm");
  char *dst = NULL, *tmp = NULL, *err = NULL, *name = NULL;
  bool overwrite, insecure, ok = false;
  hash_alg alg = HASH_SHA256;
  if (!source || !destination || !input_bool (entry, "overwrite", true, &overwrite, res)
      || !input_bool (entry, "ignoreCertificateErrors", false, &insecure, res))
    goto out;
  if (str_casecmp (source, "") == 0
      || (strncasecmp (source, "http://", 7) != 0 && strncasecmp (source, "https://", 8) != 0))
    {
      act_fail (res, "WebDownload: the source must be an http:// or https:// URL, found '%s'", source);
      goto out;
    }
  bool has_sum = checksum && *checksum, has_alg = algorithm && *algorithm;
  if (has_sum != has_alg)
    {
      act_fail (res, "WebDownload: checksum and algorithm go together");
      goto out;
    }
  if (has_alg && !hash_alg_from_name (algorithm, &alg))
    {
      act_fail (res, "WebDownload: unknown algorithm '%s' (MD5, SHA1, SHA256 or SHA512)", algorithm);
      goto out;
    }
  /* A relative destination is relative to the agent's working directory,
   * as for AWSTOE's process ("/" in a boot: docs/agent-protocol.md); made
   * absolute here so the `destination` output means the same file from
   * any later step. */
  if (destination[0] != '/')
    {
      char *cwd = getcwd (NULL, 0);
      if (!cwd)
        {
          act_fail (res, "WebDownload: cannot resolve the relative destination %s: %s", destination,
                    strerror (errno));
          goto out;
        }
      const char *rel = destination;
      while (rel[0] == '.' && rel[1] == '/')
        rel += 2;
      char *abs = path_join (cwd, rel);
      if (str_has_suffix (destination, "/") && !str_has_suffix (abs, "/"))
        {
          char *slashed = xasprintf ("%s/", abs);
          free (abs);
          abs = slashed;
        }
      free (cwd);
      free (destination);
      destination = abs;
    }
  if (str_has_suffix (destination, "/"))
    {
      name = url_file_name (source);
      if (!*name)
        {
          act_fail (res, "WebDownload: %s names no file; give a destination file name", source);
          goto out;
        }
      if (!mkdir_p (destination, 0755, &err))
        {
          act_fail (res, "WebDownload: %s", err);
          goto out;
        }
      dst = path_join (destination, name);
    }
  else
    {
      dst = xstrdup (destination);
      if (!mkdir_parent (dst, &err))
        {
          act_fail (res, "WebDownload: %s", err);
          goto out;
        }
    }
  if (path_exists (dst))
    {
      if (!overwrite)
        {
          act_fail (res, "WebDownload: %s exists and overwrite is false", dst);
          goto out;
        }
      if (has_sum)
        {
          char *have = hash_file_hex (dst, alg, NULL);
          bool same = have && !str_casecmp (have, checksum);
          free (have);
          if (same)
            {
              event_log ("info", "WebDownload: %s already has the expected checksum", dst);
              ok = true;
              goto record;
            }
        }
    }
  const char *tool = cond_binary_exists ("curl") ? "curl" : cond_binary_exists ("wget") ? "wget" : NULL;
  if (!tool)
    {
      act_fail (res, "WebDownload: neither curl nor wget is installed in the guest");
      goto out;
    }
  tmp = xasprintf ("%s.kiln-download", dst);
  char *why = NULL;
  bool timed_out = false, final = false;
  for (int attempt = 1; attempt <= DOWNLOAD_TRIES && !ok && !timed_out && !final; attempt++)
    {
      free (why);
      why = NULL;
      ok = fetch_once (ctx, tool, source, tmp, insecure, &why, &timed_out, &final);
      if (!ok && attempt < DOWNLOAD_TRIES && !timed_out && !final)
        {
          event_log ("warning", "WebDownload: %s: %s; trying again", source, why);
          int64_t pause = 1000LL << (attempt - 1);
          if (ctx->deadline_ms && mono_ms () + pause >= ctx->deadline_ms)
            break;
          sleep_ms (pause);
        }
    }
  if (!ok)
    {
      unlink (tmp);
      act_fail (res, "WebDownload: %s: %s", source, why ? why : "failed");
      res->timed_out = timed_out;
      free (why);
      goto out;
    }
  free (why);
  if (has_sum)
    {
      char *got = hash_file_hex (tmp, alg, &err);
      char *want = str_trim_dup (checksum);
      bool match = got && !str_casecmp (got, want);
      if (!match)
        {
          act_fail (res, "WebDownload: %s checksum mismatch for %s: expected %s, got %s", hash_alg_name (alg), source,
                    want, got ? got : err);
          unlink (tmp);
          ok = false;
        }
      free (got);
      free (want);
      if (!ok)
        goto out;
    }
  if (rename (tmp, dst) < 0)
    {
      act_fail (res, "WebDownload: cannot rename %s to %s: %s", tmp, dst, strerror (errno));
      unlink (tmp);
      ok = false;
      goto out;
    }
record:
  if (destinations->len)
    strbuf_addc (destinations, '\n');
  strbuf_adds (destinations, dst);
out:
  free (source);
  free (destination);
  free (checksum);
  free (algorithm);
  free (dst);
  free (tmp);
  free (err);
  free (name);
  return ok;
}

void
action_web_download (act_ctx *ctx, const json *inputs, act_result *res)
{
  strbuf destinations = STRBUF_INIT;
  strbuf_init (&destinations);
  for (size_t i = 0; i < inputs_count (inputs); i++)
    if (!download_entry (ctx, inputs_entry (inputs, i), &destinations, res))
      break;
  if (res->status == ACT_OK)
    act_set_output (res, KILN_OUTPUT_DESTINATION, destinations.data);
  strbuf_free (&destinations);
}
