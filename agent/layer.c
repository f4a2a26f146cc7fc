/* layer.c - the guest's half of a layer cut (docs/layers.md)
 *
 * After a plan document that carries "layer": N, in a boot with the port:
 * the port queue is drained, the filesystems are synced and frozen, a
 * `layer` event tells the host, and the agent waits for the host's `thaw`
 * line (at most KILN_LAYER_FREEZE_MAX_SECONDS), then thaws and goes on.
 *
 * While frozen the agent writes nothing to any filesystem: its log file
 * and its stderr (the console, or the journal, which itself writes to a
 * frozen filesystem) are held in memory (events_hold_local) and written
 * after the thaw; state.json is not saved.  Only the port (a device) is
 * written and read.
 */
#include "layer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/kiln-protocol.h"
#include "events.h"
#include "util.h"

/* linux/fs.h's, which musl's headers do not carry */
#ifndef FIFREEZE
#define FIFREEZE _IOWR ('X', 119, int)
#define FITHAW _IOWR ('X', 120, int)
#endif

#define LAYER_MAX_MOUNTS 64

/* Filesystems on a block device, mounted read-write: what a disk snapshot
 * holds.  /proc/self/mounts escapes blanks as \040; such mount points are
 * left out (never on the guests kiln builds). */
static bool
freezable (const char *source, const char *dir, const char *opts)
{
  if (strncmp (source, "/dev/", 5) != 0 || dir[0] != '/')
    return false;
  if (strchr (dir, '\\'))
    return false;
  /* "ro" as one of the options */
  size_t n = strlen (opts);
  return !(n >= 2 && strncmp (opts, "ro", 2) == 0 && (n == 2 || opts[2] == ','));
}

typedef struct
{
  int fd[LAYER_MAX_MOUNTS];
  char *dir[LAYER_MAX_MOUNTS];
  dev_t dev[LAYER_MAX_MOUNTS];
  int n;
} frozen_set;

static bool
seen_dev (const frozen_set *fs, dev_t d)
{
  for (int i = 0; i < fs->n; i++)
    if (fs->dev[i] == d)
      return true;
  return false;
}

/* Freezes what it can; each refusal goes to not_frozen. */
static void
freeze_all (frozen_set *fs, json *frozen, json *not_frozen)
{
  FILE *f = fopen ("/proc/self/mounts", "re");
  if (!f)
    {
      json_append (not_frozen, json_new_string ("/proc/self/mounts: cannot read"));
      return;
    }
  char line[4096];
  while (fgets (line, sizeof line, f) && fs->n < LAYER_MAX_MOUNTS)
    {
      char source[1024], dir[1024], type[128], opts[1024];
      if (sscanf (line, "%1023s %1023s %127s %1023s", source, dir, type, opts) != 4
          || !freezable (source, dir, opts))
        continue;
      int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      struct stat st;
      if (fd < 0 || fstat (fd, &st) != 0 || seen_dev (fs, st.st_dev))
        {
          if (fd >= 0)
            close (fd);
          continue;
        }
      if (ioctl (fd, FIFREEZE, 0) != 0)
        {
          char *why = xasprintf ("%s: %s", dir, strerror (errno));
          json_append (not_frozen, json_new_string (why));
          free (why);
          close (fd);
          continue;
        }
      fs->fd[fs->n] = fd;
      fs->dir[fs->n] = xstrdup (dir);
      fs->dev[fs->n] = st.st_dev;
      fs->n++;
      json_append (frozen, json_new_string (dir));
    }
  fclose (f);
}

/* Thaws in the reverse order; the failures are said once the log is
 * written again. */
static char *
thaw_all (frozen_set *fs)
{
  char *failures = NULL;
  for (int i = fs->n - 1; i >= 0; i--)
    {
      if (ioctl (fs->fd[i], FITHAW, 0) != 0 && errno != EINVAL)
        {
          char *more = xasprintf ("%s%s%s: %s", failures ? failures : "", failures ? "; " : "",
                                  fs->dir[i], strerror (errno));
          free (failures);
          failures = more;
        }
      close (fs->fd[i]);
      free (fs->dir[i]);
    }
  fs->n = 0;
  return failures;
}

/* The host's answer: {"command": "thaw", "layer": N, "cut": bool}.  Lines
 * that are not that are skipped (the wait goes on to its end). */
typedef struct
{
  long long layer;
  bool cut;
} thaw_wait;

static bool
take_thaw (const char *line, void *data)
{
  thaw_wait *w = data;
  char *err = NULL;
  json *cmd = json_parse (line, strlen (line), &err);
  free (err);
  if (!cmd)
    return false;
  const char *name = json_get_str (cmd, KILN_COMMAND_KEY_COMMAND);
  long long n = -1;
  json *c = json_get (cmd, KILN_COMMAND_KEY_CUT);
  bool ok = name && !strcmp (name, KILN_COMMAND_THAW)
            && json_get_int (json_get (cmd, KILN_COMMAND_KEY_LAYER), &n) && n == w->layer;
  if (ok)
    w->cut = c && c->type == JSON_BOOL && c->boolean;
  json_free (cmd);
  return ok;
}

static bool
wait_thaw (long long layer, bool *cut)
{
  thaw_wait w = { .layer = layer, .cut = false };
  bool answered = events_wait_host_line ((int64_t) KILN_LAYER_FREEZE_MAX_SECONDS * 1000, take_thaw, &w);
  *cut = w.cut;
  return answered;
}

void
layer_cut (const char *document, long long layer)
{
  if (!events_port_connected ())
    {
      event_log ("warning", "layer %lld after %s: no port to the host, no layer cut", layer, document);
      return;
    }
  /* everything before the freeze reaches the host and the log first */
  events_flush (10000);
  sync ();
  events_hold_local (true);
  frozen_set fs = { .n = 0 };
  json *e = event_new (KILN_EVENT_LAYER);
  json_set_str (e, KILN_EVENT_KEY_DOCUMENT, document);
  json_set_int (e, KILN_EVENT_KEY_LAYER, layer);
  json *frozen = json_new_array ();
  json *not_frozen = json_new_array ();
  freeze_all (&fs, frozen, not_frozen);
  json_set (e, KILN_EVENT_KEY_FROZEN, frozen);
  json_set (e, KILN_EVENT_KEY_NOT_FROZEN, not_frozen);
  event_send (e);
  events_flush (10000);
  bool cut = false;
  bool answered = wait_thaw (layer, &cut);
  char *thaw_failures = thaw_all (&fs);
  events_hold_local (false);
  if (thaw_failures)
    {
      event_log ("error", "layer %lld: thawing failed: %s", layer, thaw_failures);
      free (thaw_failures);
    }
  if (!answered)
    event_log ("warning", "layer %lld after %s: the host did not answer within %d s; thawed", layer,
               document, KILN_LAYER_FREEZE_MAX_SECONDS);
  else
    event_log ("info", "layer %lld after %s: %s; thawed", layer, document,
               cut ? "cut by the host" : "not cut by the host");
}
