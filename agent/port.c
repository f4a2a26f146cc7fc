/* port.c - the virtio-serial port the agent reports on */
#include "port.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "util.h"

char *
port_find (const char *sysfs_dir, const char *dev_dir, const char *name)
{
  /* udev's stable link first, where udev runs. */
  char *link = xasprintf ("%s/virtio-ports/%s", dev_dir, name);
  if (access (link, W_OK) == 0)
    return link;
  free (link);

  DIR *d = opendir (sysfs_dir);
  if (!d)
    return NULL;
  char *found = NULL;
  struct dirent *e;
  while (!found && (e = readdir (d)))
    {
      if (e->d_name[0] == '.')
        continue;
      char *name_file = xasprintf ("%s/%s/name", sysfs_dir, e->d_name);
      char *content = read_file (name_file, 4096, NULL, NULL);
      free (name_file);
      if (!content)
        continue;
      char *trimmed = str_trim_dup (content);
      free (content);
      if (strcmp (trimmed, name) == 0)
        found = xasprintf ("%s/%s", dev_dir, e->d_name);
      free (trimmed);
    }
  closedir (d);
  return found;
}

int
port_open (const char *device)
{
  /* The real port is read too: the host answers a `layer` event on it
   * (layer.c).  A FIFO (the host test mode) stays write-only, or the
   * agent would read its own events back. */
  struct stat st;
  int mode = stat (device, &st) == 0 && S_ISCHR (st.st_mode) ? O_RDWR : O_WRONLY;
  return open (device, mode | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
}

ssize_t
port_write (int fd, const char *data, size_t len)
{
  for (;;)
    {
      ssize_t w = write (fd, data, len);
      if (w >= 0)
        return w;
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
      return -1;
    }
}

bool
port_wait_writable (int fd, int timeout_ms)
{
  struct pollfd p = { .fd = fd, .events = POLLOUT };
  int r = poll (&p, 1, timeout_ms);
  return r > 0 && (p.revents & POLLOUT);
}
