/* judge.c - kiln doctor's verdicts: raw facts in, ok/warn/fail out */
#include "doctor.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "build/accel-decide.h"

KilnCheck *
kiln_check_new (const char *name)
{
  KilnCheck *c = g_new0 (KilnCheck, 1);
  c->name = g_strdup (name);
  c->facts = json_object_new ();
  return c;
}

void
kiln_check_free (KilnCheck *c)
{
  if (!c)
    return;
  g_free (c->name);
  g_free (c->found);
  g_free (c->advice);
  if (c->facts)
    json_object_unref (c->facts);
  g_free (c);
}

const char *
kiln_check_status_name (KilnCheckStatus status)
{
  switch (status)
    {
    case KILN_CHECK_OK:
      return "ok";
    case KILN_CHECK_WARN:
      return "warn";
    case KILN_CHECK_FAIL:
    default:
      return "fail";
    }
}

JsonObject *
kiln_check_to_json (const KilnCheck *c)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "check", c->name);
  json_object_set_string_member (o, "status",
                                 kiln_check_status_name (c->status));
  json_object_set_string_member (o, "found", c->found ? c->found : "");
  if (c->advice)
    json_object_set_string_member (o, "advice", c->advice);
  else
    json_object_set_null_member (o, "advice");
  json_object_set_object_member (o, "facts", json_object_ref (c->facts));
  return o;
}

static void G_GNUC_PRINTF (3, 4)
verdict (KilnCheck *c, KilnCheckStatus status, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  c->status = status;
  g_free (c->found);
  c->found = g_strdup_vprintf (fmt, ap);
  va_end (ap);
}

static void G_GNUC_PRINTF (2, 3)
advise (KilnCheck *c, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_free (c->advice);
  c->advice = g_strdup_vprintf (fmt, ap);
  va_end (ap);
}

static void
fact_string (KilnCheck *c, const char *key, const char *value)
{
  if (value)
    json_object_set_string_member (c->facts, key, value);
  else
    json_object_set_null_member (c->facts, key);
}

/* "77.0 GiB": g_format_size's separator depends on the GLib version (a
 * no-break space in newer ones); these lines are also read by scripts. */
static char *
size_text (guint64 bytes)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  double v = (double) bytes;
  guint u = 0;
  while (v >= 1024 && u + 1 < G_N_ELEMENTS (units))
    {
      v /= 1024;
      u++;
    }
  return u == 0 ? g_strdup_printf ("%" G_GUINT64_FORMAT " B", bytes)
                : g_strdup_printf ("%.1f %s", v, units[u]);
}

/* "QEMU emulator version 7.2.15 (Debian ...)" -> "7.2.15" */
static char *
version_of (const char *line)
{
  const char *v = line ? strstr (line, "version ") : NULL;
  if (!v)
    return NULL;
  v += strlen ("version ");
  return g_strndup (v, strcspn (v, " \t("));
}

/* ---- kvm ----------------------------------------------------------------- */

static const char TCG_NOTE[] =
  "kiln uses TCG software emulation (builds are several times slower)";

KilnAccel
kiln_doctor_accel (const KilnKvmEvidence *e)
{
  const KilnKvmDeviceFacts *d = e->device;
  gboolean device_ok = e->remote
                       || (d->present && d->open_errno == 0 && d->api_ok);
  if (g_strcmp0 (e->requested, "tcg") == 0)
    return KILN_ACCEL_TCG;
  if (g_strcmp0 (e->requested, "kvm") == 0)
    return device_ok ? KILN_ACCEL_KVM : KILN_ACCEL_AUTO;
  if (!device_ok)
    return KILN_ACCEL_TCG;
  return e->probe;
}

/* Why /dev/kvm cannot be used, from the device facts; NULL when it can. */
static void
judge_device (KilnCheck *c, const KilnKvmDeviceFacts *d)
{
  if (!d->present)
    {
      verdict (c, KILN_CHECK_WARN, "no %s: this machine has no hardware "
               "virtualization, or the kvm module is not loaded; %s",
               d->path, TCG_NOTE);
      advise (c, "for KVM: enable virtualization in the firmware (nested "
              "virtualization on a cloud VM), then load kvm_intel or "
              "kvm_amd");
    }
  else if (!d->char_device)
    {
      verdict (c, KILN_CHECK_WARN, "%s is not a character device; %s",
               d->path, TCG_NOTE);
      advise (c, "remove %s and load kvm_intel or kvm_amd (udev recreates "
              "it)", d->path);
    }
  else if (d->open_errno == EACCES || d->open_errno == EPERM)
    {
      verdict (c, KILN_CHECK_WARN, "%s is there but this user may not open "
               "it (mode %04o, group %s%s); %s", d->path, d->mode,
               d->group ? d->group : "?",
               d->caller_in_group ? "" : ", not a member", TCG_NOTE);
      if (!d->caller_in_group && d->group)
        advise (c, "add yourself to the %s group (sudo usermod -aG %s "
                "\"$USER\") and log in again", d->group, d->group);
      else
        advise (c, "a container or security policy denies %s: pass the "
                "device in (docker run --device %s)", d->path, d->path);
    }
  else if (d->open_errno != 0)
    {
      verdict (c, KILN_CHECK_WARN, "%s cannot be opened: %s; %s", d->path,
               g_strerror (d->open_errno), TCG_NOTE);
      advise (c, "check that the kvm module is loaded (lsmod | grep kvm) and "
              "dmesg for KVM errors");
    }
  else if (!d->api_ok)
    {
      verdict (c, KILN_CHECK_WARN, "%s speaks KVM API %d, not the one QEMU "
               "uses; %s", d->path, d->api_version, TCG_NOTE);
      advise (c, "update the host kernel or QEMU so the two agree");
    }
}

KilnCheck *
kiln_judge_kvm (const KilnKvmEvidence *e)
{
  const KilnKvmDeviceFacts *d = e->device;
  KilnCheck *c = kiln_check_new ("kvm");
  fact_string (c, "device", d->path);
  json_object_set_boolean_member (c->facts, "present", d->present);
  json_object_set_int_member (c->facts, "openErrno", d->open_errno);
  if (d->open_errno)
    fact_string (c, "openError", g_strerror (d->open_errno));
  if (d->present)
    {
      json_object_set_int_member (c->facts, "mode", d->mode);
      fact_string (c, "group", d->group);
      json_object_set_int_member (c->facts, "apiVersion", d->api_version);
    }
  fact_string (c, "probe", e->probe == KILN_ACCEL_AUTO
                             ? NULL : kiln_accel_name (e->probe));
  fact_string (c, "probeReason", e->probe_reason);
  fact_string (c, "probeError", e->probe_error);
  json_object_set_boolean_member (c->facts, "probeCached", e->probe_cached);
  fact_string (c, "requested", e->requested);
  KilnAccel used = kiln_doctor_accel (e);
  fact_string (c, "kilnUses", used == KILN_ACCEL_AUTO
                                ? NULL : kiln_accel_name (used));

  if (g_strcmp0 (e->requested, "kvm") == 0 && used == KILN_ACCEL_AUTO)
    {
      judge_device (c, d);
      verdict (c, KILN_CHECK_FAIL, "KILN_ACCEL=kvm asks for KVM but %s",
               c->found);
      advise (c, "unset KILN_ACCEL to let kiln fall back to TCG, or make "
              "%s usable", d->path);
      return c;
    }

  json_object_set_boolean_member (c->facts, "remote", e->remote);
  if (!e->remote)
    judge_device (c, d);
  /* a remote host's /dev/kvm is the probe's to judge */
  const char *device = e->remote ? "the target's KVM" : d->path;
  if (c->found == NULL)
    {
      if (e->probe == KILN_ACCEL_KVM)
        verdict (c, KILN_CHECK_OK, "%s works: %s", device,
                 e->probe_reason ? e->probe_reason : "the probe guest ran");
      else if (e->probe == KILN_ACCEL_TCG)
        {
          g_autofree char *cause = kiln_accel_cause_brief (e->probe_reason);
          verdict (c, KILN_CHECK_WARN, "%s opens but a KVM guest does not "
                   "run: %s; %s", device, cause, TCG_NOTE);
          advise (c, "nothing to do for kiln to work; for KVM speed, fix "
                  "nested virtualization on the outer host (the full probe "
                  "output is in facts.probeReason of --json)");
        }
      else
        {
          verdict (c, KILN_CHECK_FAIL, "cannot run the KVM probe: %s",
                   e->probe_error ? e->probe_error : "no reason given");
          advise (c, "every build decides KVM or TCG this way first: fix "
                  "the cause (see the libvirt and agent lines)");
        }
    }
  if (g_strcmp0 (e->requested, "tcg") == 0)
    {
      g_autofree char *was = g_steal_pointer (&c->found);
      c->found = g_strdup_printf ("KILN_ACCEL=tcg: kiln uses TCG as asked "
                                  "(%s)", was);
      if (c->status == KILN_CHECK_OK)
        c->status = KILN_CHECK_WARN;
      g_free (c->advice);
      c->advice = g_strdup (e->probe == KILN_ACCEL_KVM
                              ? "unset KILN_ACCEL: KVM works here"
                              : NULL);
    }
  return c;
}

/* ---- appliance ----------------------------------------------------------- */

/* KVM or TCG, from the appliance kernel's boot line; NULL when unknown. */
static const char *
appliance_accel (const char *boot_line)
{
  if (!boot_line)
    return NULL;
  if (strstr (boot_line, " on KVM"))
    return "KVM";
  if (strstr (boot_line, " on bare hardware"))
    return "TCG";
  return NULL;
}

/* The line of a failed launch's log that says why, in a few words. */
static char *
launch_cause (const KilnApplianceFacts *f)
{
  if (f->log_tail && strstr (f->log_tail, "failed to set MSR"))
    return kiln_accel_cause_brief (f->log_tail);
  if (f->log_tail)
    {
      g_auto (GStrv) lines = g_strsplit (f->log_tail, "\n", -1);
      for (gint i = (gint) g_strv_length (lines) - 1; i >= 0; i--)
        if (strstr (lines[i], "qemu-system") || strstr (lines[i], "qemu:")
            || strstr (lines[i], "supermin:"))
          return g_strdup (g_strstrip (lines[i]));
    }
  return g_strdup (f->error ? f->error : "no reason given");
}

KilnCheck *
kiln_judge_appliance (const KilnApplianceFacts *f, gboolean force_tcg,
                      const char *error)
{
  KilnCheck *c = kiln_check_new ("appliance");
  json_object_set_boolean_member (c->facts, "forceTcg", force_tcg);
  if (!f)
    {
      verdict (c, KILN_CHECK_FAIL, "cannot create a libguestfs handle: %s",
               error ? error : "no reason given");
      advise (c, "install libguestfs (scripts/install-deps)");
      return c;
    }
  fact_string (c, "libguestfs", f->version);
  fact_string (c, "qemu", f->hv);
  fact_string (c, "cachedir", f->cachedir);
  json_object_set_boolean_member (c->facts, "launched", f->launched);
  json_object_set_double_member (c->facts, "seconds", f->seconds);
  fact_string (c, "bootLine", f->boot_line);
  fact_string (c, "error", f->error);
  fact_string (c, "logTail", f->log_tail);
  const char *seen = appliance_accel (f->boot_line);
  const char *asked = force_tcg ? "TCG" : "KVM";
  fact_string (c, "accel", seen ? seen : asked);
  if (!f->launched)
    {
      g_autofree char *cause = launch_cause (f);
      verdict (c, KILN_CHECK_FAIL, "the libguestfs appliance did not launch "
               "under %s (%.1f s): %s", asked, f->seconds, cause);
      advise (c, "run libguestfs-test-tool for the full story; kiln cannot "
              "inject, generalize or build templates without it");
      return c;
    }
  if (seen && strcmp (seen, asked) != 0)
    {
      verdict (c, KILN_CHECK_WARN, "libguestfs %s appliance launched in "
               "%.1f s, but under %s where kiln asked for %s",
               f->version ? f->version : "", f->seconds, seen, asked);
      advise (c, "check the KVM line above");
      return c;
    }
  verdict (c, KILN_CHECK_OK, "libguestfs %s appliance launched in %.1f s "
           "under %s", f->version ? f->version : "", f->seconds,
           seen ? seen : asked);
  return c;
}

/* ---- libvirt ------------------------------------------------------------- */

KilnCheck *
kiln_judge_libvirt (const char *target, const KilnHypervisorFacts *hv,
                    const char *open_error, const KilnDomainCheckFacts *dom,
                    const char *dom_error, KilnAccel accel)
{
  KilnCheck *c = kiln_check_new ("libvirt");
  const char *accel_name = accel == KILN_ACCEL_KVM ? "KVM" : "TCG";
  fact_string (c, "target", target ? target : "embed");
  if (!hv && target)
    {
      verdict (c, KILN_CHECK_FAIL, "cannot reach %s: %s", target,
               open_error ? open_error : "no reason given");
      advise (c, "start libvirt's daemons on the target (libvirtd or "
              "virtqemud, and virtlogd) and check that this user may use "
              "them: virsh -c %s version", target);
      return c;
    }
  if (!hv)
    {
      verdict (c, KILN_CHECK_FAIL, "the embedded libvirt driver does not "
               "start: %s", open_error ? open_error : "no reason given");
      advise (c, "install libvirt's QEMU driver (scripts/install-deps)");
      return c;
    }
  fact_string (c, "uri", hv->uri);
  fact_string (c, "libvirt", hv->libvirt_version);
  fact_string (c, "hypervisor", hv->hypervisor);
  fact_string (c, "hypervisorVersion", hv->hypervisor_version);
  fact_string (c, "accel", accel_name);
  if (!dom)
    {
      verdict (c, KILN_CHECK_FAIL, "libvirt %s opened, but no domain could "
               "be tried: %s", hv->libvirt_version,
               dom_error ? dom_error : "no reason given");
      advise (c, "kiln boots the host's kernel for its probes: install a "
              "kernel package (linux-image-amd64) and the guest agent");
      return c;
    }
  json_object_set_boolean_member (c->facts, "started", dom->started);
  json_object_set_boolean_member (c->facts, "reachedUserland",
                                  dom->reached_userland);
  json_object_set_boolean_member (c->facts, "stopped", dom->stopped);
  json_object_set_double_member (c->facts, "seconds", dom->seconds);
  fact_string (c, "reason", dom->reason);
  if (!dom->started)
    {
      verdict (c, KILN_CHECK_FAIL, "libvirt %s%s%s did not start a %s "
               "domain: %s", hv->libvirt_version, target ? " on " : "",
               target ? target : "", accel_name,
               dom->reason ? dom->reason : "no reason given");
      if (target && dom->reason && strstr (dom->reason, "ermission denied"))
        advise (c, "the daemon's QEMU runs as its own user and cannot "
                "read the files kiln gave it: on a daemon they go through "
                "its storage pool (see the pool line); check that pool's "
                "directory and the daemon's security driver");
      else
        advise (c, "builds and tests boot domains this way: fix the cause "
                "in the message");
    }
  else if (!dom->reached_userland)
    {
      verdict (c, KILN_CHECK_FAIL, "libvirt %s started a %s %s domain, but "
               "%s", hv->libvirt_version, hv->hypervisor, accel_name,
               dom->reason ? dom->reason : "its guest did not run");
      advise (c, "builds boot guests this way: check QEMU (the qemu line) "
              "and the host's load");
    }
  else if (!dom->stopped)
    {
      verdict (c, KILN_CHECK_FAIL, "libvirt %s started a domain but it is "
               "still running after it was stopped", hv->libvirt_version);
      advise (c, "look for a leftover qemu-system process (kiln-doctor-*)");
    }
  else if (target)
    verdict (c, KILN_CHECK_OK, "libvirt %s on %s started a %s %s domain "
             "under %s; its guest reached userland in %.1f s and it stopped",
             hv->libvirt_version, target, hv->hypervisor,
             hv->hypervisor_version, accel_name, dom->seconds);
  else
    verdict (c, KILN_CHECK_OK, "embedded libvirt %s started a %s %s "
             "domain under %s; its guest reached userland in %.1f s and it "
             "stopped", hv->libvirt_version, hv->hypervisor,
             hv->hypervisor_version, accel_name, dom->seconds);
  return c;
}

/* ---- QEMU and its image tool -------------------------------------------- */

KilnCheck *
kiln_judge_qemu (const KilnProgramFacts *qemu, const KilnProgramFacts *img,
                 const KilnHypervisorFacts *hv)
{
  KilnCheck *c = kiln_check_new ("qemu");
  g_autofree char *version = version_of (qemu->version_line);
  g_autofree char *img_version = version_of (img->version_line);
  fact_string (c, "path", qemu->path);
  fact_string (c, "versionLine", qemu->version_line);
  fact_string (c, "version", version);
  fact_string (c, "libvirtSees", hv ? hv->hypervisor_version : NULL);
  fact_string (c, "imgPath", img->path);
  fact_string (c, "imgVersionLine", img->version_line);
  fact_string (c, "imgVersion", img_version);

  g_autoptr (GString) found = g_string_new (NULL);
  g_autoptr (GString) advice = g_string_new (NULL);
  if (qemu->version_line)
    {
      g_string_append_printf (found, "QEMU %s (%s", version ? version
                              : qemu->version_line, qemu->path);
      if (hv && version && g_strcmp0 (hv->hypervisor_version, version))
        g_string_append_printf (found, "; libvirt runs QEMU %s",
                                hv->hypervisor_version);
      g_string_append (found, ")");
    }
  else
    {
      g_string_append_printf (found, "%s", qemu->error ? qemu->error
                              : "QEMU does not run");
      g_string_append (advice, "install qemu-system-x86");
    }
  if (img->version_line)
    g_string_append_printf (found, ", its image tool %s (%s)",
                            img_version ? img_version : img->version_line,
                            img->path);
  else
    {
      g_string_append_printf (found, "; %s", img->error ? img->error
                              : "the image tool does not run");
      g_string_append_printf (advice, "%sinstall qemu-utils (or set "
                              "KILN_QEMU_IMG)", advice->len ? "; " : "");
    }
  c->status = qemu->version_line && img->version_line ? KILN_CHECK_OK
                                                      : KILN_CHECK_FAIL;
  c->found = g_strdup (found->str);
  if (advice->len)
    c->advice = g_strdup (advice->str);
  return c;
}

/* ---- space --------------------------------------------------------------- */

KilnCheck *
kiln_judge_pool (const char *target, const KilnPoolFacts *f,
                 const char *error)
{
  KilnCheck *c = kiln_check_new ("pool");
  fact_string (c, "target", target);
  if (!f)
    {
      verdict (c, KILN_CHECK_FAIL, "no storage pool for kiln's disks on %s: "
               "%s", target, error ? error : "no reason given");
      advise (c, "kiln makes a directory pool named kiln on the daemon "
              "(/var/lib/libvirt/kiln) and writes its disks there: let this "
              "user manage the daemon's storage, or name a directory pool it "
              "may write with build.pool");
      return c;
    }
  fact_string (c, "name", f->name);
  fact_string (c, "path", f->path);
  json_object_set_boolean_member (c->facts, "writable", TRUE);
  json_object_set_int_member (c->facts, "free", (gint64) f->available);
  json_object_set_int_member (c->facts, "need", (gint64) f->need);
  g_autofree char *free_text = size_text (f->available);
  g_autofree char *need_text = size_text (f->need);
  if (f->available < f->minimum)
    {
      verdict (c, KILN_CHECK_FAIL, "pool %s (%s) on %s is writable, but "
               "only %s is free; %s needs about %s", f->name, f->path,
               target, free_text, f->need_for, need_text);
      advise (c, "free space in %s on the target", f->path);
    }
  else if (f->available < f->need)
    {
      verdict (c, KILN_CHECK_WARN, "pool %s (%s) on %s is writable; %s is "
               "free, %s needs about %s", f->name, f->path, target,
               free_text, f->need_for, need_text);
      advise (c, "free space in %s on the target", f->path);
    }
  else
    verdict (c, KILN_CHECK_OK, "pool %s (%s) on %s is writable, %s free",
             f->name, f->path, target, free_text);
  return c;
}

KilnCheck *
kiln_judge_space (const char *name, const KilnSpaceFacts *dirs, guint n)
{
  KilnCheck *c = kiln_check_new (name);
  JsonArray *arr = json_array_new ();
  g_autoptr (GString) found = g_string_new (NULL);
  g_autoptr (GString) advice = g_string_new (NULL);
  KilnCheckStatus status = KILN_CHECK_OK;
  for (guint i = 0; i < n; i++)
    {
      const KilnSpaceFacts *d = &dirs[i];
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "role", d->role);
      json_object_set_string_member (o, "path", d->path);
      json_object_set_string_member (o, "existing", d->existing);
      json_object_set_boolean_member (o, "writable", d->write_errno == 0);
      json_object_set_int_member (o, "free", (gint64) d->free_bytes);
      json_object_set_int_member (o, "need", (gint64) d->need);
      json_object_set_int_member (o, "minimum", (gint64) d->minimum);
      if (d->max_path > 0)
        json_object_set_int_member (o, "maxPath", d->max_path);
      json_array_add_object_element (arr, o);

      g_autofree char *free_text = size_text (d->free_bytes);
      g_autofree char *need_text = size_text (d->need);
      if (found->len)
        g_string_append (found, "; ");
      if (d->write_errno)
        {
          status = KILN_CHECK_FAIL;
          g_string_append_printf (found, "%s %s cannot be written (%s%s%s)",
                                  d->role, d->path,
                                  g_strcmp0 (d->existing, d->path)
                                    ? d->existing : "",
                                  g_strcmp0 (d->existing, d->path) ? ": "
                                                                   : "",
                                  g_strerror (d->write_errno));
          g_string_append_printf (advice, "%smake %s writable or point %s "
                                  "elsewhere", advice->len ? "; " : "",
                                  d->path, d->role);
          continue;
        }
      if (d->max_path > 0 && strlen (d->path) > (gsize) d->max_path)
        {
          status = KILN_CHECK_FAIL;
          g_string_append_printf (found, "%s %s is %zu characters long; "
                                  "libvirt's sockets under it need it at "
                                  "most %d; ", d->role, d->path,
                                  strlen (d->path), d->max_path);
          g_string_append_printf (advice, "%spoint %s at a shorter path",
                                  advice->len ? "; " : "", d->role);
        }
      g_string_append_printf (found, "%s %s: %s free, %s needs about %s",
                              d->role, d->path, free_text, d->need_for,
                              need_text);
      if (d->free_bytes < d->minimum || d->free_bytes < d->need)
        {
          gboolean fatal = d->free_bytes < d->minimum;
          if (fatal)
            status = KILN_CHECK_FAIL;
          else
            status = MAX (status, KILN_CHECK_WARN);
          g_string_append_printf (advice, "%sfree space under %s or point "
                                  "%s at a larger file system",
                                  advice->len ? "; " : "", d->existing,
                                  d->role);
        }
    }
  json_object_set_array_member (c->facts, "directories", arr);
  c->status = status;
  c->found = g_strdup (found->str);
  if (advice->len)
    c->advice = g_strdup (advice->str);
  return c;
}

/* ---- mirror -------------------------------------------------------------- */

static gboolean
mirror_ok (const KilnMirrorFacts *m)
{
  return !m->error && m->answer
         && (m->answer->tls_skipped
             || (m->answer->status >= 200 && m->answer->status < 400));
}

KilnCheck *
kiln_judge_mirror (const char *template_name, const KilnMirrorFacts *mirrors,
                   guint n, gboolean template_built)
{
  KilnCheck *c = kiln_check_new ("mirror");
  fact_string (c, "template", template_name);
  json_object_set_boolean_member (c->facts, "templateBuilt", template_built);
  JsonArray *arr = json_array_new ();
  g_autoptr (GString) found = g_string_new (NULL);
  gboolean all_ok = TRUE;
  for (guint i = 0; i < n; i++)
    {
      const KilnMirrorFacts *m = &mirrors[i];
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "mirror", m->mirror);
      json_object_set_string_member (o, "url", m->url);
      if (m->answer)
        {
          json_object_set_int_member (o, "status", m->answer->status);
          json_object_set_boolean_member (o, "tlsSkipped",
                                          m->answer->tls_skipped);
          json_object_set_double_member (o, "seconds", m->answer->seconds);
          if (m->answer->via)
            json_object_set_string_member (o, "proxy", m->answer->via);
        }
      if (m->error)
        json_object_set_string_member (o, "error", m->error);
      json_array_add_object_element (arr, o);

      if (found->len)
        g_string_append (found, "; ");
      all_ok = mirror_ok (m) && all_ok;
      if (m->error)
        g_string_append_printf (found, "%s does not answer: %s", m->mirror,
                                m->error);
      else if (m->answer->tls_skipped)
        g_string_append_printf (found, "%s accepts connections (TLS not "
                                "tried: no GIO TLS backend)", m->mirror);
      else if (!mirror_ok (m))
        g_string_append_printf (found, "%s answers HTTP %u for %s",
                                m->mirror, m->answer->status, m->url);
      else
        g_string_append_printf (found, "%s answers (HTTP %u in %.1f s%s%s)",
                                m->mirror, m->answer->status,
                                m->answer->seconds,
                                m->answer->via ? " via " : "",
                                m->answer->via ? m->answer->via : "");
    }
  json_object_set_array_member (c->facts, "mirrors", arr);
  c->found = g_strdup (found->str);
  if (all_ok)
    c->status = KILN_CHECK_OK;
  else if (template_built)
    {
      c->status = KILN_CHECK_WARN;
      advise (c, "the %s template is built already; rebuilding it needs the "
              "mirror: check the network or proxy, or pass --mirror URL",
              template_name);
    }
  else
    {
      c->status = KILN_CHECK_FAIL;
      advise (c, "`kiln template build %s` downloads from it: check the "
              "network or proxy, or pass --mirror URL", template_name);
    }
  return c;
}

/* ---- agent, template tools, permissions ---------------------------------- */

KilnCheck *
kiln_judge_agent (const char *path, const char *version_line,
                  const char *error)
{
  KilnCheck *c = kiln_check_new ("agent");
  fact_string (c, "path", path);
  fact_string (c, "versionLine", version_line);
  if (!version_line)
    {
      verdict (c, KILN_CHECK_FAIL, "no usable guest agent: %s",
               error ? error : "it does not run");
      advise (c, "reinstall kiln (or run make in the source tree), or set "
              "KILN_AGENT to a kiln-agent binary");
    }
  else
    verdict (c, KILN_CHECK_OK, "%s (%s)", version_line, path);
  return c;
}

KilnCheck *
kiln_judge_template_tools (const char *missing, const char *template_name,
                           gboolean template_built)
{
  KilnCheck *c = kiln_check_new ("template-tools");
  fact_string (c, "missing", missing);
  json_object_set_boolean_member (c->facts, "templateBuilt", template_built);
  if (!missing)
    {
      verdict (c, KILN_CHECK_OK, "the tools `kiln template build` runs are "
               "on PATH or in the sbin directories (mmdebstrap, mkfs.ext4, "
               "sfdisk, qemu-img, ...)");
      return c;
    }
  verdict (c, template_built ? KILN_CHECK_WARN : KILN_CHECK_FAIL,
           "`kiln template build` needs what is neither on PATH nor in "
           "the sbin directories: %s%s", missing,
           template_built ? " (the template is built already)" : "");
  advise (c, "install them (scripts/install-deps)");
  (void) template_name;
  return c;
}

KilnCheck *
kiln_judge_permissions (uid_t uid, const char *user,
                        const KilnKvmDeviceFacts *kvm)
{
  KilnCheck *c = kiln_check_new ("permissions");
  json_object_set_int_member (c->facts, "uid", uid);
  fact_string (c, "user", user);
  gboolean kvm_denied = kvm && kvm->present
                        && (kvm->open_errno == EACCES
                            || kvm->open_errno == EPERM);
  json_object_set_boolean_member (c->facts, "kvmDenied", kvm_denied);
  if (uid == 0 && !kvm_denied)
    {
      verdict (c, KILN_CHECK_OK, "running as root: template builds "
               "(mmdebstrap in chroot mode) can run");
      return c;
    }
  if (uid == 0)
    {
      verdict (c, KILN_CHECK_WARN, "running as root, yet %s is denied "
               "(a container or security policy)", kvm->path);
      advise (c, "pass %s into the container (docker run --device %s)",
              kvm->path, kvm->path);
      return c;
    }
  g_autofree char *kvm_part = kvm_denied
    ? g_strdup_printf ("; %s is not open to %s (group %s)", kvm->path,
                       user ? user : "this user",
                       kvm->group ? kvm->group : "?")
    : g_strdup ("");
  verdict (c, KILN_CHECK_WARN, "running as %s (uid %u): `kiln template "
           "build` needs root; builds from built images work%s",
           user ? user : "?", (guint) uid, kvm_part);
  if (kvm_denied && !kvm->caller_in_group && kvm->group)
    advise (c, "build templates as root (sudo kiln template build NAME); "
            "for KVM: sudo usermod -aG %s %s, then log in again",
            kvm->group, user ? user : "\"$USER\"");
  else
    advise (c, "build templates as root (sudo kiln template build NAME)");
  return c;
}
