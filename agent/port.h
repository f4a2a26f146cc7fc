/* port.h - the virtio-serial port the agent reports on
 *
 * The host gives the guest a virtio-serial port named org.kiln.agent.0.  In
 * the guest it is /dev/vportNpM, named in /sys/class/virtio-ports/NAME/name
 * (udev, where it runs, also makes /dev/virtio-ports/NAME).  Writes are
 * non-blocking: when the host is not reading, data waits in a bounded queue
 * (see events.c) and the agent goes on with its work.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Device path of the port called name, NULL when there is none.  sysfs_dir
 * is normally "/sys/class/virtio-ports" and dev_dir "/dev". */
char *port_find (const char *sysfs_dir, const char *dev_dir, const char *name);
/* Opens the device for non-blocking writes (and reads, when it is a
 * character device: the host's `thaw` answer); -1 on failure. */
int port_open (const char *device);
/* Non-blocking write: bytes written, 0 when the port would block, -1 on a
 * hard error (the port should be reopened later). */
ssize_t port_write (int fd, const char *data, size_t len);
/* Waits until fd is writable or timeout_ms passes. */
bool port_wait_writable (int fd, int timeout_ms);
