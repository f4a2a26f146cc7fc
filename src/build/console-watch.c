/* console-watch.c - notice a guest kernel panic on the boot's console */
#include "console-watch.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PANIC_MARK "Kernel panic - not syncing"
/* what one call reads at most (a flooding guest is caught up with over
 * several calls) and the longest partial line kept between calls */
#define READ_MAX (1024 * 1024)
#define CARRY_MAX 4096
#define PANIC_LINE_MAX 240

struct KilnConsoleWatch {
  char *path;
  goffset offset;
  GString *carry;   /* the last line so far, when it has no newline yet */
};

KilnConsoleWatch *
kiln_console_watch_new (const char *console_log)
{
  KilnConsoleWatch *w = g_new0 (KilnConsoleWatch, 1);
  w->path = g_strdup (console_log);
  w->carry = g_string_new (NULL);
  return w;
}

void
kiln_console_watch_free (KilnConsoleWatch *w)
{
  if (!w)
    return;
  g_free (w->path);
  g_string_free (w->carry, TRUE);
  g_free (w);
}

/* The mark in TEXT (which may hold NUL bytes: a console is raw). */
static const char *
find_mark (const char *text, gsize len)
{
  const gsize mlen = strlen (PANIC_MARK);
  const char *p = text, *end = text + len;
  while ((gsize) (end - p) >= mlen
         && (p = memchr (p, PANIC_MARK[0], (end - p) - mlen + 1)) != NULL)
    {
      if (memcmp (p, PANIC_MARK, mlen) == 0)
        return p;
      p++;
    }
  return NULL;
}

/* The panic line from the mark on, cut at its end and made printable. */
static char *
panic_line (const char *mark, gsize avail)
{
  gsize n = 0;
  while (n < avail && n < PANIC_LINE_MAX && mark[n] != '\n' && mark[n] != '\r')
    n++;
  g_autofree char *valid = g_utf8_make_valid (mark, n);
  for (char *p = valid; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_strstrip (g_steal_pointer (&valid));
}

char *
kiln_console_watch_panic (KilnConsoleWatch *w)
{
  int fd = open (w->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return NULL;
  struct stat st;
  if (fstat (fd, &st) == 0 && st.st_size < w->offset)
    {
      /* the log was started afresh (a new domain after a reboot) */
      w->offset = 0;
      g_string_truncate (w->carry, 0);
    }
  g_autofree char *buf = g_malloc (READ_MAX);
  ssize_t n = pread (fd, buf, READ_MAX, w->offset);
  close (fd);
  if (n <= 0)
    return NULL;
  w->offset += n;

  /* search the kept partial line and the new bytes as one text, so a mark
   * cut across two reads is still found */
  g_string_append_len (w->carry, buf, n);
  const char *text = w->carry->str;
  gsize len = w->carry->len;
  const char *mark = find_mark (text, len);
  if (mark)
    return panic_line (mark, len - (gsize) (mark - text));

  /* keep only the last partial line, and at most CARRY_MAX of it (a mark
   * is far shorter) */
  gsize keep_from = len;
  while (keep_from > 0 && text[keep_from - 1] != '\n')
    keep_from--;
  if (len - keep_from > CARRY_MAX)
    keep_from = len - CARRY_MAX;
  g_string_erase (w->carry, 0, keep_from);
  return NULL;
}
