/* power.c - reboot, power off, and the KVM probe */
#include "power.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cond.h"
#include "fsutil.h"
#include "proc.h"
#include "util.h"

#define PROBE_TEXT "KILN-PROBE-OK\n"
#define POWER_GRACE_MS 120000

bool
power_systemd_is_init (void)
{
  /* What sd_booted() checks. */
  struct stat st;
  return lstat ("/run/systemd/system", &st) == 0 && S_ISDIR (st.st_mode);
}

static bool
run_quietly (const char *tool, const char *arg)
{
  char *argv[] = { (char *) tool, (char *) arg, NULL };
  proc_spec spec = { .argv = argv, .deadline_ms = mono_ms () + 60000 };
  proc_result r;
  bool ok = proc_run (&spec, &r) && r.exited && r.exit_code == 0;
  proc_result_clear (&r);
  return ok;
}

static void
power_action (bool reboot_machine)
{
  const char *verb = reboot_machine ? "reboot" : "poweroff";
  sync ();
  bool asked = false;
  if (power_systemd_is_init () && cond_binary_exists ("systemctl"))
    asked = run_quietly ("systemctl", verb);
  if (!asked && cond_binary_exists (verb))
    asked = run_quietly (verb, NULL);
  if (asked)
    {
      /* The init system takes the machine down and stops us on the way:
       * leave at once when it asks (SIGTERM), the state is saved. */
      int64_t until = mono_ms () + POWER_GRACE_MS;
      while (mono_ms () < until)
        {
          if (proc_stop_requested)
            _exit (0);
          sleep_ms (200);
        }
      fprintf (stderr, "kiln-agent: the machine did not %s within %d s; forcing it\n", verb, POWER_GRACE_MS / 1000);
    }
  sync ();
  reboot (reboot_machine ? RB_AUTOBOOT : RB_POWER_OFF);
  fprintf (stderr, "kiln-agent: %s failed: %s\n", verb, strerror (errno));
}

void
power_reboot (void)
{
  power_action (true);
}

void
power_off (void)
{
  power_action (false);
}

int
power_probe (void)
{
  write_all (1, PROBE_TEXT, strlen (PROBE_TEXT));
  if (getpid () != 1)
    return 0; /* never power off a machine the probe is not init of */
  /* As init of a bare initramfs: /dev may be empty. */
  mkdir ("/dev", 0755);
  mount ("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  int fd = open ("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd >= 0)
    {
      write_all (fd, PROBE_TEXT, strlen (PROBE_TEXT));
      close (fd);
    }
  sync ();
  reboot (RB_POWER_OFF);
  reboot (RB_HALT_SYSTEM);
  for (;;)
    pause ();
}
