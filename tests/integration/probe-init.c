/* probe-init.c - a stand-in for `kiln-agent --probe` in the tests
 *
 * Runs as /init of the accel probe's initramfs: prints KILN-PROBE-OK on the
 * console when the kernel passed it "kiln-probe", then powers off.  Built
 * static with musl.  The -DPROBE_SILENT variant powers off without a word
 * (a probe that fails fast).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  int probe = 0;
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "kiln-probe") == 0)
      probe = 1;
  int fd = open ("/dev/console", O_WRONLY | O_NOCTTY);
#ifndef PROBE_SILENT
  if (probe && fd >= 0)
    {
      static const char msg[] = "\nKILN-PROBE-OK\n";
      (void) !write (fd, msg, sizeof msg - 1);
    }
#endif
  if (fd >= 0)
    fsync (fd);
  sync ();
  reboot (RB_POWER_OFF);
  for (;;)
    pause ();
}
