/* owner.c - which process owns a build or a work directory, and whether it
 * still runs */
#include "owner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* /proc/PID/stat is one short line; its second field (the command name in
 * parentheses) may hold spaces and ')' itself, so the fields are counted
 * from the last ')'. */
guint64
kiln_owner_start_of (gint64 pid)
{
  if (pid <= 0)
    return 0;
  g_autofree char *path = g_strdup_printf ("/proc/%" G_GINT64_FORMAT "/stat",
                                           pid);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  char buf[1024];
  ssize_t n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  const char *p = strrchr (buf, ')');
  if (!p)
    return 0;
  /* after ')': field 3 (state) ... field 22 (starttime) */
  g_auto (GStrv) fields = g_strsplit_set (p + 1, " ", -1);
  guint seen = 0;
  for (guint i = 0; fields[i]; i++)
    {
      if (!*fields[i])
        continue;
      if (++seen == 20)
        return g_ascii_strtoull (fields[i], NULL, 10);
    }
  return 0;
}

KilnOwner
kiln_owner_self (void)
{
  KilnOwner o = { .pid = getpid () };
  o.start = kiln_owner_start_of (o.pid);
  return o;
}

gboolean
kiln_owner_alive (const KilnOwner *owner)
{
  if (owner->pid <= 0)
    return FALSE;
  guint64 start = kiln_owner_start_of (owner->pid);
  /* no /proc (another kind of system): only the pid can be asked */
  if (start == 0 && !g_file_test ("/proc/self/stat", G_FILE_TEST_EXISTS))
    return kill ((pid_t) owner->pid, 0) == 0 || errno == EPERM;
  return start != 0 && (owner->start == 0 || start == owner->start);
}

char *
kiln_owner_format (const KilnOwner *owner)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GUINT64_FORMAT,
                          owner->pid, owner->start);
}

gboolean
kiln_owner_parse (const char *text, KilnOwner *owner)
{
  if (!text)
    return FALSE;
  char *end = NULL;
  gint64 pid = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != ' ' || pid <= 0)
    return FALSE;
  const char *s = end + 1;
  guint64 start = g_ascii_strtoull (s, &end, 10);
  if (end == s || (*end && *end != '\n'))
    return FALSE;
  owner->pid = pid;
  owner->start = start;
  return TRUE;
}
