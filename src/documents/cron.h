/* cron.h - pipeline schedules: AWS cron(...) expressions and crontab lines
 *
 * Two forms are accepted:
 *
 * AWS (EventBridge / Image Builder): cron(min hour day-of-month month
 *   day-of-week year).  Minutes 0-59, hours 0-23, day-of-month 1-31,
 *   month 1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT (1 = Sunday), year
 *   1970-2199.  Lists (,), ranges (-), '*', steps (0/15, 10-40/10, and star-slash-5 for every 5)
 *   everywhere.  Exactly one of the two day fields is '?' and the other one
 *   decides.  Day-of-month also takes L (last day), LW (last weekday) and
 *   15W (the weekday nearest the 15th, never crossing into another month);
 *   day-of-week takes L (alone: Saturday, the last day of the week), 6L
 *   (the last Friday of the month) and 3#2 (the second Tuesday).  These
 *   special forms stand alone, not inside lists.
 *
 * crontab: five fields "min hour day-of-month month day-of-week", as in
 *   crontab(5): day-of-week 0-7 or SUN-SAT (0 and 7 = Sunday), names,
 *   lists, ranges and steps; @hourly @daily @midnight @weekly @monthly
 *   @yearly @annually.  When both day fields are restricted (neither starts
 *   with '*') a day matching either fires, like Vixie cron/cronie.
 *
 * Times are in UTC unless a time zone is passed (a pipeline's `timezone`).
 * Month and weekday names are case-insensitive.  Ranges must go upwards
 * (FRI-MON is refused).
 */
#pragma once

#include <glib.h>

#include "base/diag.h"
#include "yamldoc.h"

typedef enum {
  KILN_CRON_AWS,
  KILN_CRON_CRONTAB,
} KilnCronSyntax;

typedef enum {
  KILN_CRON_DAY_LIST,           /* days bitmap */
  KILN_CRON_DAY_LAST,           /* L */
  KILN_CRON_DAY_LAST_WEEKDAY,   /* LW */
  KILN_CRON_DAY_NEAREST_WEEKDAY,/* nW: day_n */
} KilnCronDaySpecial;

typedef enum {
  KILN_CRON_WEEKDAY_LIST,       /* weekdays bitmap */
  KILN_CRON_WEEKDAY_LAST_IN_MONTH, /* nL: weekday_n (0 = Sunday) */
  KILN_CRON_WEEKDAY_NTH,        /* n#k: weekday_n, weekday_k (1-5) */
} KilnCronWeekdaySpecial;

#define KILN_CRON_YEAR_MIN 1970
#define KILN_CRON_YEAR_MAX 2199

typedef struct {
  KilnCronSyntax syntax;
  char *text;                   /* as written */
  guint64 minutes;              /* bit m: minute m, 0-59 */
  guint32 hours;                /* bit h: 0-23 */
  guint32 days;                 /* bit d: 1-31 */
  guint16 months;               /* bit m: 1-12 */
  guint8 weekdays;              /* bit w: 0 = Sunday .. 6 = Saturday */
  guint64 years[4];             /* bit (y - 1970); all set for crontab */
  KilnCronDaySpecial day_special;
  int day_n;
  KilnCronWeekdaySpecial weekday_special;
  int weekday_n, weekday_k;
  /* AWS: which day field is '?' (ignored).  crontab: whether the field
   * text starts with '*' (Vixie's rule for AND versus OR). */
  gboolean days_ignored, weekdays_ignored;
  gboolean days_star, weekdays_star;
  char *fields[6];              /* crontab: normalized field texts */
} KilnCron;

/* Parse either form.  On error returns NULL and sets *err_offset (byte
 * offset in text of the bad part) and *err_message ("expected a minute
 * 0-59, found '60'"; free it). */
KilnCron *kiln_cron_parse (const char *text, gsize *err_offset,
                           char **err_message);
void kiln_cron_free (KilnCron *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnCron, kiln_cron_free)

/* Does the schedule fire at this minute (fields read in t's own zone)? */
gboolean kiln_cron_matches (const KilnCron *c, GDateTime *t);
/* The first firing time strictly after `after`, evaluated in tz (NULL =
 * UTC), returned in tz; NULL when the schedule never fires again (before
 * the end of 2199, or for crontab within 28 years). */
GDateTime *kiln_cron_next (const KilnCron *c, GDateTime *after,
                           GTimeZone *tz);

/* systemd OnCalendar= expressions (one or more: a crontab line with both
 * day fields restricted needs two, since systemd ANDs weekday and date).
 * tz_name (NULL = "UTC") is appended.  NULL with an error (KILN_ERROR_INPUT)
 * naming what cannot be expressed (LW, nW). */
char **kiln_cron_to_oncalendar (const KilnCron *c, const char *tz_name,
                                GError **error);
/* A 5-field crontab schedule ("0 3 * * *").  A crontab line runs in the
 * cron daemon's local time zone; the caller handles time zones.  NULL with
 * an error for what crontab cannot say (a year field, L, W, #). */
char *kiln_cron_to_crontab (const KilnCron *c, GError **error);

/* Document check: reports "in WHAT: expected ..., found ..." at the bad
 * part inside the scalar (doc may be NULL, see scalarpos.h), and an error
 * when the schedule never fires again after now. */
KilnCron *kiln_schema_cron (KilnDiags *diags, const KilnDoc *doc,
                            const KilnNode *n, const char *what);
