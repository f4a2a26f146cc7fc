/* events.c - the JSON-line events the agent reports */
#include "events.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/kiln-protocol.h"
#include "fsutil.h"
#include "mask.h"
#include "port.h"
#include "util.h"

typedef struct queued
{
  struct queued *next;
  char *data;
  size_t len;
  size_t off;          /* bytes already written */
  bool droppable;      /* an output event */
} queued;

static struct
{
  events_config cfg;
  int log_fd;
  int file_fd;
  int port_fd;
  int64_t next_port_probe_ms;
  queued *head, *tail;
  size_t queued_bytes;
  unsigned long dropped;
  /* current step, for output events */
  char *document, *phase, *step;
  size_t step_output_sent;
  bool step_truncated;
  /* carry of an unfinished UTF-8 sequence per stream (0 stdout, 1 stderr) */
  char carry[2][4];
  size_t carry_len[2];
  /* secret values cut by a read, held until they are whole (per stream) */
  mask_stream masked[2];
  /* while filesystems are frozen (layer.c): what would go to the log file
   * and to stderr, kept here; the port is a device and still written */
  bool hold_local;
  strbuf held_log, held_stderr;
  /* what the host sent (a `thaw` line), up to a newline */
  strbuf from_host;
} ev = { .log_fd = -1, .file_fd = -1, .port_fd = -1 };

static void
try_open_port (void)
{
  if (ev.port_fd >= 0 || !ev.cfg.port_name)
    return;
  int64_t now = mono_ms ();
  if (now < ev.next_port_probe_ms)
    return;
  ev.next_port_probe_ms = now + 2000;
  char *dev = port_find (ev.cfg.sysfs_dir, ev.cfg.dev_dir, ev.cfg.port_name);
  if (!dev)
    return;
  ev.port_fd = port_open (dev);
  free (dev);
}

bool
events_init (const events_config *cfg, char **err)
{
  ev.cfg = *cfg;
  if (!ev.cfg.sysfs_dir)
    ev.cfg.sysfs_dir = "/sys/class/virtio-ports";
  if (!ev.cfg.dev_dir)
    ev.cfg.dev_dir = "/dev";
  if (cfg->log_path)
    {
      mkdir_parent (cfg->log_path, NULL);
      ev.log_fd = open (cfg->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (ev.log_fd < 0)
        {
          *err = xasprintf ("cannot open log %s: %s", cfg->log_path, strerror (errno));
          return false;
        }
    }
  if (cfg->events_path)
    {
      ev.file_fd = open (cfg->events_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (ev.file_fd < 0)
        {
          *err = xasprintf ("cannot open events file %s: %s", cfg->events_path, strerror (errno));
          return false;
        }
    }
  try_open_port ();
  return true;
}

bool
events_port_connected (void)
{
  return ev.port_fd >= 0;
}

bool
events_wait_for_port (int64_t timeout_ms)
{
  int64_t deadline = mono_ms () + timeout_ms;
  while (ev.port_fd < 0)
    {
      ev.next_port_probe_ms = 0;
      try_open_port ();
      if (ev.port_fd >= 0 || mono_ms () >= deadline)
        break;
      sleep_ms (250);
    }
  return ev.port_fd >= 0;
}

static void
queue_drop_outputs (void)
{
  /* Make room by dropping output events that have not started to go out. */
  queued **pp = &ev.head;
  queued *prev = NULL;
  while (*pp && ev.queued_bytes > EVENT_QUEUE_LIMIT)
    {
      queued *q = *pp;
      if (q->droppable && q->off == 0)
        {
          *pp = q->next;
          if (ev.tail == q)
            ev.tail = prev;
          ev.queued_bytes -= q->len;
          ev.dropped++;
          free (q->data);
          free (q);
          continue;
        }
      prev = q;
      pp = &q->next;
    }
}

static void
queue_push (const char *line, size_t len, bool droppable)
{
  if (droppable && ev.queued_bytes + len > EVENT_QUEUE_LIMIT)
    {
      ev.dropped++;
      return;
    }
  queued *q = xcalloc (1, sizeof *q);
  q->data = xstrndup (line, len);
  q->len = len;
  q->droppable = droppable;
  if (ev.tail)
    ev.tail->next = q;
  else
    ev.head = q;
  ev.tail = q;
  ev.queued_bytes += len;
  if (ev.queued_bytes > EVENT_QUEUE_LIMIT)
    queue_drop_outputs ();
}

/* Writes queued data until the port would block. */
static void
queue_pump (void)
{
  try_open_port ();
  while (ev.port_fd >= 0 && ev.head)
    {
      queued *q = ev.head;
      ssize_t w = port_write (ev.port_fd, q->data + q->off, q->len - q->off);
      if (w < 0)
        {
          /* Hard error (port gone): drop the fd, look for it again later. */
          close (ev.port_fd);
          ev.port_fd = -1;
          ev.next_port_probe_ms = mono_ms () + 2000;
          return;
        }
      if (w == 0)
        return;
      q->off += (size_t) w;
      if (q->off < q->len)
        continue;
      ev.head = q->next;
      if (!ev.head)
        ev.tail = NULL;
      ev.queued_bytes -= q->len;
      free (q->data);
      free (q);
    }
}

static void report_dropped (void);

void
events_service (void)
{
  queue_pump ();
  if (!ev.head)
    report_dropped ();
}

void
events_flush (int64_t timeout_ms)
{
  int64_t deadline = mono_ms () + timeout_ms;
  for (;;)
    {
      queue_pump ();
      if (!ev.head)
        return;
      int64_t left = deadline - mono_ms ();
      if (left <= 0)
        return;
      if (ev.port_fd >= 0)
        port_wait_writable (ev.port_fd, (int) (left < 200 ? left : 200));
      else
        {
          ev.next_port_probe_ms = 0;
          sleep_ms (left < 200 ? left : 200);
        }
    }
}

void
events_shutdown (int64_t flush_timeout_ms)
{
  events_flush (flush_timeout_ms);
  if (ev.port_fd >= 0)
    close (ev.port_fd);
  if (ev.file_fd >= 0)
    close (ev.file_fd);
  if (ev.log_fd >= 0)
    {
      fsync (ev.log_fd);
      close (ev.log_fd);
    }
  ev.port_fd = ev.file_fd = ev.log_fd = -1;
  while (ev.head)
    {
      queued *q = ev.head;
      ev.head = q->next;
      free (q->data);
      free (q);
    }
  ev.tail = NULL;
  ev.queued_bytes = 0;
  free (ev.document);
  free (ev.phase);
  free (ev.step);
  ev.document = ev.phase = ev.step = NULL;
  mask_stream_free (&ev.masked[0]);
  mask_stream_free (&ev.masked[1]);
  events_hold_local (false);
  strbuf_free (&ev.from_host);
}

void
events_hold_local (bool hold)
{
  if (hold)
    {
      if (!ev.hold_local)
        {
          strbuf_init (&ev.held_log);
          strbuf_init (&ev.held_stderr);
        }
      ev.hold_local = true;
      return;
    }
  if (!ev.hold_local)
    return;
  ev.hold_local = false;
  if (ev.log_fd >= 0 && ev.held_log.len)
    write_all (ev.log_fd, ev.held_log.data, ev.held_log.len);
  if (ev.held_stderr.len)
    write_all (2, ev.held_stderr.data, ev.held_stderr.len);
  strbuf_free (&ev.held_log);
  strbuf_free (&ev.held_stderr);
}

char *
events_read_host_line (int64_t timeout_ms)
{
  int64_t deadline = mono_ms () + timeout_ms;
  if (!ev.from_host.data)
    strbuf_init (&ev.from_host);
  for (;;)
    {
      char *nl = ev.from_host.len ? memchr (ev.from_host.data, '\n', ev.from_host.len) : NULL;
      if (nl)
        {
          size_t n = (size_t) (nl - ev.from_host.data);
          char *line = xstrndup (ev.from_host.data, n);
          size_t rest = ev.from_host.len - n - 1;
          memmove (ev.from_host.data, nl + 1, rest);
          ev.from_host.len = rest;
          return line;
        }
      /* a line longer than any the host sends is not one */
      if (ev.from_host.len > KILN_HOST_LINE_MAX)
        strbuf_reset (&ev.from_host);
      queue_pump ();
      int64_t left = deadline - mono_ms ();
      if (left <= 0 || ev.port_fd < 0)
        return NULL;
      struct pollfd p = { .fd = ev.port_fd, .events = POLLIN };
      int r = poll (&p, 1, (int) (left < 1000 ? left : 1000));
      if (r <= 0 || !(p.revents & POLLIN))
        {
          if (r < 0 && errno != EINTR)
            return NULL;
          continue;
        }
      char buf[16384];
      ssize_t n = read (ev.port_fd, buf, sizeof buf);
      if (n > 0)
        strbuf_add (&ev.from_host, buf, (size_t) n);
      else if (n < 0 && errno != EAGAIN && errno != EINTR)
        return NULL;
      else if (n == 0)
        /* no host on the other end: nothing will come; wait a little */
        sleep_ms (left < 200 ? left : 200);
    }
}

bool
events_wait_host_line (int64_t timeout_ms, host_line_fn take, void *data)
{
  int64_t deadline = mono_ms () + timeout_ms;
  for (;;)
    {
      int64_t left = deadline - mono_ms ();
      if (left <= 0)
        return false;
      char *line = events_read_host_line (left);
      if (!line)
        return false;
      bool taken = take (line, data);
      free (line);
      if (taken)
        return true;
    }
}

json *
event_new (const char *name)
{
  char t[32];
  format_rfc3339 (wall_ms (), t);
  json *e = json_new_object ();
  json_set_str (e, KILN_EVENT_KEY_EVENT, name);
  json_set_str (e, KILN_EVENT_KEY_TIME, t);
  return e;
}

static void
echo_stderr (const json *e)
{
  const char *name = json_get_str (e, KILN_EVENT_KEY_EVENT);
  if (!ev.cfg.echo_stderr || !name || !strcmp (name, KILN_EVENT_OUTPUT))
    return;
  strbuf sb = STRBUF_INIT;
  strbuf_init (&sb);
  strbuf_addf (&sb, "kiln-agent: %s", name);
  static const char *const keys[] = { KILN_EVENT_KEY_DOCUMENT, KILN_EVENT_KEY_PHASE,   KILN_EVENT_KEY_STEP,
                                      KILN_EVENT_KEY_STATUS,   KILN_EVENT_KEY_ATTEMPT, KILN_EVENT_KEY_EXIT_CODE,
                                      KILN_EVENT_KEY_REASON,   KILN_EVENT_KEY_LEVEL,   KILN_EVENT_KEY_MESSAGE,
                                      KILN_EVENT_KEY_FAILURE_MESSAGE };
  for (size_t i = 0; i < ARRAY_LEN (keys); i++)
    {
      json *v = json_get (e, keys[i]);
      if (!v || v->type == JSON_NULL)
        continue;
      strbuf_addf (&sb, " %s=", keys[i]);
      if (v->type == JSON_STRING)
        strbuf_adds (&sb, v->string);
      else
        json_serialize_to (&sb, v);
    }
  strbuf_addc (&sb, '\n');
  if (ev.hold_local)
    strbuf_add (&ev.held_stderr, sb.data, sb.len);
  else
    write_all (2, sb.data, sb.len);
  strbuf_free (&sb);
}

/* Sends one serialized line; `to_host` false writes the log only. */
static void
send_line (const char *line, size_t len, bool droppable, bool to_host)
{
  if (ev.log_fd >= 0)
    {
      if (ev.hold_local)
        strbuf_add (&ev.held_log, line, len);
      else
        write_all (ev.log_fd, line, len);
    }
  if (!to_host)
    return;
  if (ev.file_fd >= 0)
    write_all (ev.file_fd, line, len);
  if (ev.cfg.port_name)
    {
      queue_push (line, len, droppable);
      queue_pump ();
    }
}

static void
send_serialized (json *e, bool to_host)
{
  strbuf sb = STRBUF_INIT;
  strbuf_init (&sb);
  json_serialize_to (&sb, e);
  strbuf_addc (&sb, '\n');
  const char *name = json_get_str (e, KILN_EVENT_KEY_EVENT);
  bool droppable = name && !strcmp (name, KILN_EVENT_OUTPUT);
  send_line (sb.data, sb.len, droppable, to_host);
  if (to_host)
    echo_stderr (e);
  strbuf_free (&sb);
  json_free (e);
}

/* Every string of every event is masked here (output events are masked by
 * events_output and send_output_chunk, and go to send_serialized), so no
 * secret value reaches the log, the port, the events file or the console. */
static void
send_event (json *e, bool to_host)
{
  mask_json (e);
  send_serialized (e, to_host);
}

void
event_send (json *e)
{
  send_event (e, true);
}

/* How long an upload waits for the host to read, when its step has no
 * deadline of its own. */
#define UPLOAD_WAIT_MS (10 * 60 * 1000)

/* Upload events carry file data: not masked (that would change the file),
 * not in the log (the files are the user's, not a record of the run), never
 * dropped; and the sender waits while the queue is more than half full,
 * so that a big upload cannot crowd out the events around it. */
bool
event_send_upload (json *e, int64_t deadline_ms)
{
  strbuf sb = STRBUF_INIT;
  strbuf_init (&sb);
  json_serialize_to (&sb, e);
  strbuf_addc (&sb, '\n');
  json_free (e);
  if (ev.file_fd >= 0)
    write_all (ev.file_fd, sb.data, sb.len);
  bool ok = true;
  if (ev.cfg.port_name)
    {
      queue_push (sb.data, sb.len, false);
      int64_t until = deadline_ms ? deadline_ms : mono_ms () + UPLOAD_WAIT_MS;
      for (;;)
        {
          queue_pump ();
          if (ev.queued_bytes <= EVENT_QUEUE_LIMIT / 2)
            break;
          int64_t left = until - mono_ms ();
          if (left <= 0)
            {
              ok = false;
              break;
            }
          if (ev.port_fd >= 0)
            port_wait_writable (ev.port_fd, (int) (left < 200 ? left : 200));
          else
            {
              ev.next_port_probe_ms = 0;
              sleep_ms (left < 200 ? left : 200);
            }
        }
    }
  strbuf_free (&sb);
  return ok;
}

static void
report_dropped (void)
{
  if (!ev.dropped)
    return;
  unsigned long n = ev.dropped;
  ev.dropped = 0;
  event_log ("warning", "%lu output events were dropped because the host was not reading; "
             "the guest log has all output", n);
}

void
event_log (const char *level, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  json *e = event_new (KILN_EVENT_LOG);
  json_set_str (e, KILN_EVENT_KEY_LEVEL, level);
  json_set_str (e, KILN_EVENT_KEY_MESSAGE, msg);
  free (msg);
  event_send (e);
}

void
events_begin_step (const char *document, const char *phase, const char *step)
{
  str_set (&ev.document, document);
  str_set (&ev.phase, phase);
  str_set (&ev.step, step);
  ev.step_output_sent = 0;
  ev.step_truncated = false;
  ev.carry_len[0] = ev.carry_len[1] = 0;
  strbuf_reset (&ev.masked[0].held);
  strbuf_reset (&ev.masked[1].held);
}

static void
send_output_chunk (const char *stream, const char *data, size_t len)
{
  bool to_host = !ev.step_truncated;
  if (to_host && ev.step_output_sent + len > EVENT_STEP_OUTPUT_BUDGET)
    {
      json *t = event_new (KILN_EVENT_OUTPUT);
      json_set_str (t, KILN_EVENT_KEY_DOCUMENT, ev.document);
      json_set_str (t, KILN_EVENT_KEY_PHASE, ev.phase);
      json_set_str (t, KILN_EVENT_KEY_STEP, ev.step);
      json_set_str (t, KILN_EVENT_KEY_STREAM, stream);
      json_set_str (t, KILN_EVENT_KEY_DATA, "");
      json_set_bool (t, KILN_EVENT_KEY_TRUNCATED, true);
      send_event (t, true);
      ev.step_truncated = true;
      to_host = false;
    }
  json *e = event_new (KILN_EVENT_OUTPUT);
  json_set_str (e, KILN_EVENT_KEY_DOCUMENT, ev.document);
  json_set_str (e, KILN_EVENT_KEY_PHASE, ev.phase);
  json_set_str (e, KILN_EVENT_KEY_STEP, ev.step);
  json_set_str (e, KILN_EVENT_KEY_STREAM, stream);
  mask_json (e);
  /* data is masked already (events_output): masking it again would mask
   * the *** of a secret made of asterisks */
  json_set (e, KILN_EVENT_KEY_DATA, json_new_string_len (data, len));
  if (to_host)
    ev.step_output_sent += len;
  send_serialized (e, to_host);
}

/* Streams output that is masked already. */
static void
output_masked (int s, const char *stream, const char *data, size_t len)
{
  strbuf buf = STRBUF_INIT;
  strbuf_init (&buf);
  strbuf_add (&buf, ev.carry[s], ev.carry_len[s]);
  strbuf_add (&buf, data, len);
  /* Keep an unfinished UTF-8 sequence for the next chunk. */
  size_t complete = utf8_complete_prefix (buf.data, buf.len);
  ev.carry_len[s] = buf.len - complete;
  memcpy (ev.carry[s], buf.data + complete, ev.carry_len[s]);
  size_t off = 0;
  while (off < complete)
    {
      size_t n = utf8_truncate (buf.data + off, complete - off, EVENT_OUTPUT_CHUNK);
      if (n == 0)
        n = complete - off < EVENT_OUTPUT_CHUNK ? complete - off : EVENT_OUTPUT_CHUNK;
      /* NUL bytes cannot travel in a C string: replace them. */
      for (size_t i = 0; i < n; i++)
        if (buf.data[off + i] == '\0')
          buf.data[off + i] = '?';
      send_output_chunk (stream, buf.data + off, n);
      off += n;
    }
  strbuf_free (&buf);
}

void
events_output (const char *stream, const char *data, size_t len)
{
  int s = strcmp (stream, KILN_STREAM_STDERR) == 0;
  strbuf clean = STRBUF_INIT;
  strbuf_init (&clean);
  mask_stream_feed (&ev.masked[s], data, len, &clean);
  if (clean.len)
    output_masked (s, stream, clean.data, clean.len);
  strbuf_free (&clean);
}

void
events_end_output (void)
{
  static const char *const streams[2] = { KILN_STREAM_STDOUT, KILN_STREAM_STDERR };
  for (int s = 0; s < 2; s++)
    {
      strbuf rest = STRBUF_INIT;
      strbuf_init (&rest);
      mask_stream_finish (&ev.masked[s], &rest);
      if (rest.len)
        output_masked (s, streams[s], rest.data, rest.len);
      strbuf_free (&rest);
    }
  for (int s = 0; s < 2; s++)
    if (ev.carry_len[s])
      {
        size_t n = ev.carry_len[s];
        ev.carry_len[s] = 0;
        send_output_chunk (streams[s], ev.carry[s], n);
      }
}
