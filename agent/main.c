/* main.c - kiln-agent: runs a kiln plan inside the guest
 *
 *   kiln-agent --boot                 production (started at boot)
 *   kiln-agent --plan F --state-dir D [--events F] [--log F] [--no-poweroff]
 *              [--reboot-exit]        host test mode
 *   kiln-agent --probe                print KILN-PROBE-OK (as PID 1 with the
 *                                     word kiln-probe: also power off)
 * See docs/agent-protocol.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "common/kiln-protocol.h"
#include "cond.h"
#include "events.h"
#include "mask.h"
#include "fsutil.h"
#include "plan.h"
#include "ask-host.h"
#include "power.h"
#include "proc.h"
#include "runner.h"
#include "util.h"

#define BOOT_PLAN "/var/lib/kiln-agent/plan.json"
#define BOOT_STATE_DIR "/var/lib/kiln-agent"
#define BOOT_LOG "/var/log/kiln-agent.log"
#define PORT_NAME "org.kiln.agent.0"
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CLOUD_INIT_WAIT_MS (15 * 60 * 1000)

typedef struct
{
  bool boot, probe, no_poweroff, reboot_exit, verbose;
  const char *plan, *state_dir, *events, *log, *port, *sysfs_dir, *dev_dir;
} options;

static void
usage (FILE *to)
{
  fprintf (to,
           "Usage: kiln-agent --boot\n"
           "       kiln-agent --plan FILE --state-dir DIR [--events FILE] [--log FILE]\n"
           "                  [--no-poweroff] [--reboot-exit] [--verbose]\n"
           "       kiln-agent --probe | --version | --help\n"
           "\n"
           "Runs a kiln plan (AWSTOE component steps) inside a guest and reports JSON-line\n"
           "events on the virtio-serial port " PORT_NAME " (see docs/agent-protocol.md).\n"
           "\n"
           "  --boot          production mode: %s, state in %s,\n"
           "                  log %s, real reboot and poweroff\n"
           "  --plan FILE     the plan to run\n"
           "  --state-dir DIR progress (state.json) and scratch files\n"
           "  --events FILE   write events to FILE (host test mode)\n"
           "  --log FILE      the full log\n"
           "  --port NAME     report on the virtio-serial port NAME\n"
           "  --no-poweroff   do not power off when done\n"
           "  --reboot-exit   on a reboot request save the state and exit %d; run again\n"
           "                  to resume (without --boot the agent never reboots)\n"
           "  --verbose       short progress lines on stderr\n"
           "  --probe         print KILN-PROBE-OK; as PID 1 (kernel argument kiln-probe)\n"
           "                  power the machine off\n"
           "Exit status: 0 plan succeeded, 1 plan failed, 2 bad usage or plan, 3 cannot\n"
           "run here, %d reboot requested, %d stopped by a signal.\n",
           BOOT_PLAN, BOOT_STATE_DIR, BOOT_LOG, AGENT_EXIT_REBOOT, AGENT_EXIT_REBOOT, AGENT_EXIT_TERMINATED);
}

static int
parse_options (int argc, char **argv, options *o)
{
  memset (o, 0, sizeof *o);
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      const char **slot = NULL;
      if (!strcmp (a, "--boot"))
        o->boot = true;
      else if (!strcmp (a, "--probe") || !strcmp (a, "kiln-probe"))
        o->probe = true;
      else if (!strcmp (a, "--no-poweroff"))
        o->no_poweroff = true;
      else if (!strcmp (a, "--reboot-exit"))
        o->reboot_exit = true;
      else if (!strcmp (a, "--verbose"))
        o->verbose = true;
      else if (!strcmp (a, "--version"))
        {
          printf ("kiln-agent %s\n", AGENT_VERSION);
          exit (0);
        }
      else if (!strcmp (a, "--help") || !strcmp (a, "-h"))
        {
          usage (stdout);
          exit (0);
        }
      else if (!strcmp (a, "--plan"))
        slot = &o->plan;
      else if (!strcmp (a, "--state-dir"))
        slot = &o->state_dir;
      else if (!strcmp (a, "--events"))
        slot = &o->events;
      else if (!strcmp (a, "--log"))
        slot = &o->log;
      else if (!strcmp (a, "--port"))
        slot = &o->port;
      else if (!strcmp (a, "--sysfs-dir"))
        slot = &o->sysfs_dir;
      else if (!strcmp (a, "--dev-dir"))
        slot = &o->dev_dir;
      else if (getpid () == 1)
        continue; /* as init, ignore what the kernel passes on */
      else
        {
          fprintf (stderr, "kiln-agent: unknown argument '%s'\n", a);
          usage (stderr);
          return AGENT_EXIT_USAGE;
        }
      if (slot)
        {
          if (i + 1 >= argc)
            {
              fprintf (stderr, "kiln-agent: %s needs a value\n", a);
              return AGENT_EXIT_USAGE;
            }
          *slot = argv[++i];
        }
    }
  if (o->probe)
    return 0;
  if (o->boot)
    {
      o->plan = o->plan ? o->plan : BOOT_PLAN;
      o->state_dir = o->state_dir ? o->state_dir : BOOT_STATE_DIR;
      o->log = o->log ? o->log : BOOT_LOG;
      o->port = o->port ? o->port : PORT_NAME;
      o->verbose = true;
    }
  if (!o->plan || !o->state_dir)
    {
      fprintf (stderr, "kiln-agent: give --boot, or --plan and --state-dir\n");
      usage (stderr);
      return AGENT_EXIT_USAGE;
    }
  return 0;
}

static void
on_stop_signal (int sig)
{
  (void) sig;
  proc_stop_requested = 1;
}

static void
setup_process (const options *o)
{
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);
  if (o->boot)
    {
      /* Started from rc.local or local.d with &: leave the starting
       * script's session so its end (SIGHUP) does not stop us. */
      signal (SIGHUP, SIG_IGN);
      setsid ();
    }
  if (!getenv ("PATH"))
    setenv ("PATH", DEFAULT_PATH, 1);
  if (o->boot)
    {
      umask (022);
      if (!getenv ("HOME"))
        setenv ("HOME", "/root", 1);
      if (chdir ("/") < 0)
        perror ("kiln-agent: chdir /");
    }
}

/* One agent per state folder (rc.local and systemd could both start it). */
static int
take_lock (const char *state_dir)
{
  char *path = path_join (state_dir, "lock");
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  free (path);
  if (fd < 0 || flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd;
}

static void
wait_for_cloud_init (void)
{
  if (!cond_binary_exists ("cloud-init"))
    return;
  event_log ("info", "waiting for cloud-init to finish (cloud-init status --wait)");
  char *argv[] = { "cloud-init", "status", "--wait", NULL };
  proc_spec spec = { .argv = argv, .deadline_ms = mono_ms () + CLOUD_INIT_WAIT_MS };
  proc_result r;
  if (!proc_run (&spec, &r))
    event_log ("warning", "cloud-init status --wait: %s", r.error);
  else if (r.timed_out)
    event_log ("warning", "cloud-init did not finish within %d minutes; going on", CLOUD_INIT_WAIT_MS / 60000);
  else if (!r.exited || r.exit_code != 0)
    event_log ("warning", "cloud-init status --wait exited with status %d; going on", proc_status_code (&r));
  proc_result_clear (&r);
}

static void
find_port (void)
{
  if (events_wait_for_port (15000))
    return;
  /* The module may not be loaded yet (no udev coldplug on small inits). */
  char *argv[] = { "modprobe", "virtio_console", NULL };
  proc_spec spec = { .argv = argv, .deadline_ms = mono_ms () + 20000 };
  proc_result r;
  if (proc_run (&spec, &r))
    proc_result_clear (&r);
  else
    proc_result_clear (&r);
  if (!events_wait_for_port (10000))
    fprintf (stderr, "kiln-agent: no virtio-serial port " PORT_NAME "; reporting to the log only\n");
}

static void
send_hello (agent *a, bool resumed, bool asks)
{
  json *e = event_new (KILN_EVENT_HELLO);
  json_set_str (e, KILN_EVENT_KEY_AGENT, AGENT_VERSION);
  json_set_int (e, KILN_EVENT_KEY_BOOT, a->st.boot);
  json_set_bool (e, KILN_EVENT_KEY_RESUMED, resumed);
  if (a->st.run_id)
    json_set_str (e, KILN_EVENT_KEY_RUN, a->st.run_id);
  if (asks)
    json_set_bool (e, KILN_EVENT_KEY_ASKS, true);
  event_send (e);
}

static bool
plan_powers_off (const options *o, const json *plan)
{
  const json *po = plan ? json_get (plan, KILN_PLAN_KEY_POWEROFF) : NULL;
  return !o->no_poweroff && !(po && po->type == JSON_BOOL && !po->boolean);
}

/* The hello asked (ask-host.h): the host's `go` keeps the plan; its `plan`
 * replaces it, on disk too (a reboot resumes it), with a new run.  FALSE
 * when the host sent a plan that is not one (*err says why). */
static bool
take_host_answer (const options *o, agent *a, bool *replaced, char **err)
{
  json *plan = NULL;
  host_answer ans = host_answer_wait ((int64_t) KILN_HELLO_ANSWER_MAX_SECONDS * 1000, &plan, err);
  if (ans == HOST_ANSWER_NONE)
    {
      event_log ("warning", "the host did not answer within %d s; running the plan of run %s",
                 KILN_HELLO_ANSWER_MAX_SECONDS, a->st.run_id);
      return true;
    }
  if (ans == HOST_ANSWER_BAD_PLAN)
    return false;
  if (ans == HOST_ANSWER_GO)
    return true;
  const char *run_id = json_get_str (plan, KILN_PLAN_KEY_RUN_ID);
  event_log ("info", "the host sent the plan of run %s (a build that starts from a layer); "
             "it replaces the plan of run %s", run_id ? run_id : "?", a->st.run_id);
  char *text = json_serialize (plan);
  char *werr = NULL;
  if (!write_file_atomic (a->plan_path, text, strlen (text), 0600, &werr))
    {
      event_log ("warning", "cannot save the host's plan (%s); a reboot asks the host again", werr);
      free (werr);
    }
  free (text);
  json_free (a->plan);
  a->plan = plan;
  mask_set_secrets (json_get (a->plan, KILN_PLAN_KEY_SECRETS));
  a->poweroff = plan_powers_off (o, a->plan);
  state_free (&a->st);
  state_init (&a->st, run_id);
  *replaced = true;
  return true;
}

/* The plan could not be run at all: report it as a failed run. */
static void
fail_run (agent *a, const char *message)
{
  str_set (&a->st.fail_msg, message);
  a->st.failed = true;
  a->st.finished = true;
  runner_send_done (a);
}

static void
finish_boot (const options *o, agent *a, int64_t flush_ms)
{
  if (o->boot && a->poweroff)
    {
      a->st.powered_off = true;
      agent_save_state (a);
      events_flush (flush_ms);
      sync ();
      events_shutdown (2000);
      power_off ();
    }
}

int
main (int argc, char **argv)
{
  options o;
  int rc = parse_options (argc, argv, &o);
  if (rc)
    return rc;
  if (o.probe)
    return power_probe ();
  setup_process (&o);

  agent a;
  memset (&a, 0, sizeof a);
  a.boot_mode = o.boot;
  a.reboot_exit = o.reboot_exit || !o.boot;
  a.plan_path = xstrdup (o.plan);
  a.state_dir = xstrdup (o.state_dir);
  a.state_path = path_join (o.state_dir, "state.json");
  a.work_dir = path_join (o.state_dir, "work");

  char *err = NULL, *state_err = NULL, *answer_err = NULL;
  int lock_fd = -1;
  bool events_open = false;
  run_status r = RUN_OK;
  if (!mkdir_p (a.state_dir, 0700, &err))
    {
      fprintf (stderr, "kiln-agent: %s\n", err);
      rc = AGENT_EXIT_ENVIRONMENT;
      goto out;
    }
  lock_fd = take_lock (a.state_dir);
  if (lock_fd < 0)
    {
      fprintf (stderr, "kiln-agent: another kiln-agent is running with %s\n", a.state_dir);
      rc = o.boot ? 0 : AGENT_EXIT_ENVIRONMENT;
      goto out;
    }
  events_config ec = { .port_name = o.port, .sysfs_dir = o.sysfs_dir, .dev_dir = o.dev_dir,
                       .events_path = o.events, .log_path = o.log, .echo_stderr = o.verbose };
  events_open = true;
  if (!events_init (&ec, &err))
    {
      fprintf (stderr, "kiln-agent: %s\n", err);
      rc = AGENT_EXIT_ENVIRONMENT;
      goto out;
    }
  if (o.boot)
    find_port ();

  /* The plan. */
  a.plan = plan_load (a.plan_path, &err);
  /* from here on every event masks the plan's secret values */
  if (a.plan)
    mask_set_secrets (json_get (a.plan, KILN_PLAN_KEY_SECRETS));
  const char *run_id = a.plan ? json_get_str (a.plan, KILN_PLAN_KEY_RUN_ID) : NULL;
  a.poweroff = plan_powers_off (&o, a.plan);

  /* The state: resume when it belongs to this plan's run. */
  bool resumed = false;
  if (a.plan && state_load (a.state_path, &a.st, &state_err))
    {
      if (!strcmp (a.st.run_id, run_id ? run_id : ""))
        {
          resumed = true;
          a.st.boot++;
        }
      else
        {
          state_free (&a.st);
          state_init (&a.st, run_id);
        }
    }
  else
    state_init (&a.st, run_id);
  bool asks = o.boot && a.plan && plan_asks_host (a.plan) && events_port_connected ();
  send_hello (&a, resumed, asks);
  bool replaced = false;
  if (asks && take_host_answer (&o, &a, &replaced, &answer_err) && replaced)
    {
      /* the old run's state, readable or not, is not this run's */
      free (state_err);
      state_err = NULL;
    }
  else if (answer_err)
    {
      char *msg = xasprintf ("the host's plan cannot run: %s", answer_err);
      fail_run (&a, msg);
      free (msg);
      rc = AGENT_EXIT_USAGE;
    }

  if (answer_err)
    ;   /* the run failed above */
  else if (!a.plan)
    {
      fail_run (&a, err);
      rc = AGENT_EXIT_USAGE;
      /* No plan at all: a stray agent in an image, not a build to end. */
      if (!path_exists (a.plan_path))
        a.poweroff = false;
    }
  else if (state_err)
    {
      char *msg = xasprintf ("cannot resume: %s", state_err);
      fail_run (&a, msg);
      free (msg);
      rc = AGENT_EXIT_ENVIRONMENT;
    }
  else if (a.st.finished)
    {
      event_log ("info", "the plan has already run; reporting its result again");
      runner_send_done (&a);
      rc = a.st.failed ? AGENT_EXIT_FAILED : AGENT_EXIT_SUCCESS;
      /* Powered off after that run already: this is a later boot (someone
       * debugging the image), not a build to end. */
      if (a.st.powered_off)
        a.poweroff = false;
    }
  else if (a.st.boot > AGENT_MAX_BOOTS)
    {
      char *msg = xasprintf ("the agent started %d times for this run; giving up (reboot loop?)", a.st.boot);
      fail_run (&a, msg);
      free (msg);
      agent_save_state (&a);
      rc = AGENT_EXIT_FAILED;
    }
  else
    {
      agent_save_state (&a);
      /* only when a step needs what cloud-init does (src/build/plan.c) */
      const json *wc = json_get (a.plan, KILN_PLAN_KEY_WAIT_FOR_CLOUD_INIT);
      if (o.boot && wc && wc->type == JSON_BOOL && wc->boolean)
        wait_for_cloud_init ();
      else if (o.boot && cond_binary_exists ("cloud-init"))
        event_log ("info", "not waiting for cloud-init's final stage: no step needs it");
      r = runner_run_plan (&a);
      switch (r)
        {
        case RUN_REBOOT:
          rc = AGENT_EXIT_REBOOT;
          break;
        case RUN_INTERRUPTED:
          agent_save_state (&a);
          event_log ("warning", "the agent was stopped; the interrupted step runs again at the next start");
          rc = AGENT_EXIT_TERMINATED;
          break;
        default:
          rc = a.st.failed ? AGENT_EXIT_FAILED : AGENT_EXIT_SUCCESS;
          break;
        }
    }
  if (r == RUN_REBOOT && o.boot && !o.reboot_exit)
    {
      events_flush (10000);
      sync ();
      events_shutdown (2000);
      power_reboot ();
      rc = AGENT_EXIT_REBOOT; /* only when rebooting failed */
      events_open = false;
    }
  else if (r != RUN_REBOOT && r != RUN_INTERRUPTED)
    finish_boot (&o, &a, 10000);

out:
  if (events_open)
    events_shutdown (o.boot ? 10000 : 2000);
  free (err);
  free (state_err);
  free (answer_err);
  mask_set_secrets (NULL);
  json_free (a.plan);
  if (a.st.run_id)
    state_free (&a.st);
  free (a.plan_path);
  free (a.state_dir);
  free (a.state_path);
  free (a.work_dir);
  if (lock_fd >= 0)
    close (lock_fd);
  return rc;
}
