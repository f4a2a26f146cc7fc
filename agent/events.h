/* events.h - the JSON-line events the agent reports (docs/agent-protocol.md)
 *
 * Every event goes to three places:
 *   - the log file (always, all of it: the full record inside the guest);
 *   - the events file (host test mode) or the virtio-serial port (boot
 *     mode).  The port is written without blocking through a bounded queue:
 *     `output` events are dropped when the host does not read, every other
 *     event is kept until it is written (or the agent powers off).
 * Output of one step is streamed in events of at most 4096 bytes; after
 * 256 KiB for a step one `"truncated": true` event is sent and the rest of
 * that step's output goes to the log only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

#define EVENT_OUTPUT_CHUNK 4096
#define EVENT_STEP_OUTPUT_BUDGET (256 * 1024)
#define EVENT_QUEUE_LIMIT (1024 * 1024)

typedef struct
{
  const char *port_name;    /* virtio port to find, NULL for none */
  const char *sysfs_dir;    /* default /sys/class/virtio-ports */
  const char *dev_dir;      /* default /dev */
  const char *events_path;  /* events file (test mode), NULL for none */
  const char *log_path;     /* full log, NULL for none */
  bool echo_stderr;         /* short human lines on stderr (console) */
} events_config;

/* Opens the sinks; a missing port is not an error (it is looked for again
 * later).  Fails only when the events or log file cannot be opened. */
bool events_init (const events_config *cfg, char **err);
/* Flushes the port queue for up to flush_timeout_ms and closes everything. */
void events_shutdown (int64_t flush_timeout_ms);
/* Waits up to timeout_ms for the port to appear (boot mode). */
bool events_wait_for_port (int64_t timeout_ms);
bool events_port_connected (void);

/* A new event object with "event" and "time" set; add members, then send. */
json *event_new (const char *name);
/* Sends and frees the event. */
void event_send (json *ev);
/* Sends and frees an `upload` event (act_s3.c): unmasked, not logged, never
 * dropped; waits until deadline_ms (mono_ms; 0: ten minutes) while the
 * host is behind, and returns false when it stayed behind. */
bool event_send_upload (json *ev, int64_t deadline_ms);
/* A `log` event; level is info, warning or error. */
void event_log (const char *level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Identifies the step whose output follows (resets the output budget). */
void events_begin_step (const char *document, const char *phase, const char *step);
/* Streams step output (stdout/stderr) as bounded `output` events. */
void events_output (const char *stream, const char *data, size_t len);
/* Sends what is left of an unfinished UTF-8 sequence (end of a step). */
void events_end_output (void);
/* Writes what it can to the port without blocking, finds a late port. */
void events_service (void);
/* Drains the port queue, waiting up to timeout_ms. */
void events_flush (int64_t timeout_ms);
/* While hold is true, what would be written to the log file or echoed on
 * stderr is kept in memory (filesystems are frozen: layer.c); false writes
 * what was kept.  Events still go to the port. */
void events_hold_local (bool hold);
/* One line the host wrote on the port (without '\n'; free it), or NULL
 * when none came within timeout_ms or there is no port. */
char *events_read_host_line (int64_t timeout_ms);
/* Reads host lines until take (line, data) returns true (then true) or
 * timeout_ms passes (then false); lines take refuses are skipped. */
typedef bool (*host_line_fn) (const char *line, void *data);
bool events_wait_host_line (int64_t timeout_ms, host_line_fn take, void *data);
