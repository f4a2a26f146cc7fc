/* cron.c - AWS cron(...) expressions and crontab lines: parse, match, next
 * firing time, conversion to systemd OnCalendar= and crontab */
#include "cron.h"

#include <string.h>

#include "common/kiln.h"
#include "scalarpos.h"
#include "schema.h"
#include "base/suggest.h"

/* ---- bit sets wide enough for years 1970-2199 ---- */

typedef struct {
  guint64 w[4];
} Bits;

static void
bits_set (Bits *b, int i)
{
  b->w[i / 64] |= G_GUINT64_CONSTANT (1) << (i % 64);
}

static gboolean
bits_get (const Bits *b, int i)
{
  return (b->w[i / 64] >> (i % 64)) & 1;
}

/* ---- fields ---- */

static const char *const month_names[] = {
  "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
  "NOV", "DEC", NULL
};
static const char *const day_names[] = {
  "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL
};

typedef enum {
  F_MINUTE, F_HOUR, F_DOM, F_MONTH, F_DOW, F_YEAR
} FieldId;

typedef struct {
  FieldId id;
  const char *what;            /* "a minute 0-59" */
  int min, max;
  const char *const *names;    /* names[i] = names_base + i */
  int names_base;
} FieldSpec;

static const FieldSpec aws_fields[] = {
  { F_MINUTE, "a minute 0-59", 0, 59, NULL, 0 },
  { F_HOUR, "an hour 0-23", 0, 23, NULL, 0 },
  { F_DOM, "a day-of-month 1-31", 1, 31, NULL, 0 },
  { F_MONTH, "a month 1-12 or JAN-DEC", 1, 12, month_names, 1 },
  { F_DOW, "a day-of-week 1-7 or SUN-SAT", 1, 7, day_names, 1 },
  { F_YEAR, "a year 1970-2199", KILN_CRON_YEAR_MIN, KILN_CRON_YEAR_MAX, NULL,
    0 },
};

static const FieldSpec crontab_fields[] = {
  { F_MINUTE, "a minute 0-59", 0, 59, NULL, 0 },
  { F_HOUR, "an hour 0-23", 0, 23, NULL, 0 },
  { F_DOM, "a day-of-month 1-31", 1, 31, NULL, 0 },
  { F_MONTH, "a month 1-12 or JAN-DEC", 1, 12, month_names, 1 },
  { F_DOW, "a day-of-week 0-7 or SUN-SAT", 0, 7, day_names, 0 },
};

/* Bit index of a value: years are stored from 1970, the rest as is. */
static int
bit_index (const FieldSpec *f, int v)
{
  return f->id == F_YEAR ? v - KILN_CRON_YEAR_MIN : v;
}

typedef struct {
  const char *text;            /* the whole expression */
  gsize err_offset;
  char *err_message;
  KilnCronSyntax syntax;
} Parser;

static gboolean
fail (Parser *p, gsize offset, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (Parser *p, gsize offset, const char *fmt, ...)
{
  va_list ap;
  if (p->err_message)
    return FALSE;
  p->err_offset = offset;
  va_start (ap, fmt);
  p->err_message = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return FALSE;
}

/* Length of the token at s: up to the next , - / # or the end. */
static gsize
token_len (const char *s, gsize avail)
{
  gsize n = 0;
  while (n < avail && !strchr (",-/#", s[n]))
    n++;
  return n ? n : MIN (avail, 1);
}

static gboolean
fail_token (Parser *p, const FieldSpec *f, gsize off, gsize avail,
            const char *extra)
{
  gsize n = token_len (p->text + off, avail);
  g_autofree char *tok = g_strndup (p->text + off, n);
  g_autofree char *q = kiln_quote_for_message (tok);
  g_autofree char *hint = f->names ? kiln_suggest_suffix (tok, f->names)
                                   : g_strdup ("");
  /* MONDAY, June: the name's first three letters */
  for (int i = 0; f->names && !*hint && n > 3 && f->names[i]; i++)
    if (g_ascii_strncasecmp (tok, f->names[i], 3) == 0)
      {
        g_free (hint);
        hint = g_strdup_printf ("; did you mean '%s'?", f->names[i]);
      }
  return fail (p, off, "expected %s, found %s%s%s", f->what, q, hint,
               extra ? extra : "");
}

/* A number or a name at text[off..off+avail); sets *v and *used. */
static gboolean
parse_value (Parser *p, const FieldSpec *f, gsize off, gsize avail, int *v,
             gsize *used)
{
  const char *s = p->text + off;
  gsize n = 0;
  if (avail > 0 && g_ascii_isdigit (s[0]))
    {
      gint64 x = 0;
      while (n < avail && g_ascii_isdigit (s[n]))
        {
          if (x < 100000)
            x = x * 10 + (s[n] - '0');
          n++;
        }
      if (n < avail && g_ascii_isalpha (s[n]))
        return fail_token (p, f, off, avail, NULL);
      if (x < f->min || x > f->max)
        return fail_token (p, f, off, avail, NULL);
      *v = (int) x;
      *used = n;
      return TRUE;
    }
  if (f->names && avail >= 3)
    {
      while (n < avail && g_ascii_isalpha (s[n]))
        n++;
      for (int i = 0; f->names[i]; i++)
        if (n == 3 && g_ascii_strncasecmp (s, f->names[i], 3) == 0)
          {
            *v = f->names_base + i;
            *used = 3;
            return TRUE;
          }
    }
  return fail_token (p, f, off, avail, NULL);
}

/* The special day forms (AWS only): L, LW, nW in day-of-month; L, nL, n#k
 * in day-of-week.  Returns TRUE when the field was one (check p->err). */
static gboolean
parse_special (Parser *p, const FieldSpec *f, gsize off, gsize len,
               KilnCron *c)
{
  const char *s = p->text + off;
  gboolean has_l = memchr (s, 'L', len) || memchr (s, 'l', len);
  gboolean has_w = memchr (s, 'W', len) != NULL;
  gboolean has_hash = memchr (s, '#', len) != NULL;

  if (f->id == F_DOM && (has_l || has_w))
    {
      if (p->syntax == KILN_CRON_CRONTAB)
        return fail (p, off, "expected %s, found '%.*s'; L and W need the "
                     "AWS cron(...) form", f->what, (int) len, s), TRUE;
      if (len == 1 && (s[0] == 'L'))
        {
          c->day_special = KILN_CRON_DAY_LAST;
          return TRUE;
        }
      if (len == 2 && s[0] == 'L' && s[1] == 'W')
        {
          c->day_special = KILN_CRON_DAY_LAST_WEEKDAY;
          return TRUE;
        }
      if (len >= 2 && s[len - 1] == 'W')
        {
          int v;
          gsize used;
          if (!parse_value (p, f, off, len - 1, &v, &used))
            return TRUE;
          if (used != len - 1)
            return fail (p, off, "expected nW (the weekday nearest day n), "
                         "found '%.*s'", (int) len, s), TRUE;
          c->day_special = KILN_CRON_DAY_NEAREST_WEEKDAY;
          c->day_n = v;
          return TRUE;
        }
      return fail (p, off, "expected L, LW or nW (e.g. 15W) in %s, found "
                   "'%.*s'; L and W stand alone, not in lists or ranges",
                   "day-of-month", (int) len, s), TRUE;
    }
  if (f->id == F_DOW && (has_l || has_hash))
    {
      if (p->syntax == KILN_CRON_CRONTAB)
        return fail (p, off, "expected %s, found '%.*s'; L and # need the "
                     "AWS cron(...) form", f->what, (int) len, s), TRUE;
      if (len == 1 && s[0] == 'L')
        {
          /* L alone: the last day of the week, Saturday */
          c->weekday_special = KILN_CRON_WEEKDAY_LIST;
          c->weekdays = 1u << 6;
          return TRUE;
        }
      if (len >= 2 && s[len - 1] == 'L' && !has_hash)
        {
          int v;
          gsize used;
          if (!parse_value (p, f, off, len - 1, &v, &used))
            return TRUE;
          if (used != len - 1)
            return fail (p, off, "expected nL (the last weekday n of the "
                         "month, e.g. 6L), found '%.*s'", (int) len, s), TRUE;
          c->weekday_special = KILN_CRON_WEEKDAY_LAST_IN_MONTH;
          c->weekday_n = v - 1;
          return TRUE;
        }
      if (has_hash && !has_l)
        {
          const char *hash = memchr (s, '#', len);
          gsize before = (gsize) (hash - s);
          int v;
          gsize used;
          if (before == 0 || memchr (s, ',', len) || memchr (s, '-', before))
            return fail (p, off, "expected n#k (e.g. 3#2, the second "
                         "Tuesday), found '%.*s'; # stands alone, not in "
                         "lists or ranges", (int) len, s), TRUE;
          if (!parse_value (p, f, off, before, &v, &used))
            return TRUE;
          if (used != before)
            return fail_token (p, f, off, before, NULL), TRUE;
          gsize k_off = off + before + 1;
          gsize k_len = len - before - 1;
          if (k_len != 1 || p->text[k_off] < '1' || p->text[k_off] > '5')
            return fail (p, k_off, "expected a week of the month 1-5 after "
                         "'#', found '%.*s'", (int) k_len, p->text + k_off),
                   TRUE;
          c->weekday_special = KILN_CRON_WEEKDAY_NTH;
          c->weekday_n = v - 1;
          c->weekday_k = p->text[k_off] - '0';
          return TRUE;
        }
      return fail (p, off, "expected L, nL (e.g. 6L) or n#k (e.g. 3#2) in "
                   "day-of-week, found '%.*s'; they stand alone, not in lists "
                   "or ranges", (int) len, s), TRUE;
    }
  return FALSE;
}

/* One comma-separated element: "*", "*" "/n", v, v-w, v/n or v-w/n */
static gboolean
parse_element (Parser *p, const FieldSpec *f, gsize off, gsize len, Bits *b)
{
  const char *s = p->text + off;
  int lo, hi, step = 1;
  gsize i = 0, used;

  if (len == 0)
    return fail (p, off, "expected %s, found an empty list item", f->what);
  if (s[0] == '*')
    {
      lo = f->min;
      hi = f->max;
      i = 1;
      if (i < len && s[i] != '/')
        return fail_token (p, f, off, len, NULL);
    }
  else
    {
      if (!parse_value (p, f, off, len, &lo, &used))
        return FALSE;
      i = used;
      hi = lo;
      if (i < len && s[i] == '-')
        {
          gsize hoff = off + i + 1;
          if (i + 1 >= len)
            return fail (p, hoff, "expected %s after '-', found nothing",
                         f->what);
          if (!parse_value (p, f, hoff, len - i - 1, &hi, &used))
            return FALSE;
          if (hi < lo)
            return fail (p, off, "expected a range from low to high, found "
                         "'%.*s'", (int) (i + 1 + used), s);
          i += 1 + used;
        }
      else if (i < len && s[i] == '/')
        hi = f->max;   /* v/n: from v to the end */
    }
  if (i < len && s[i] == '/')
    {
      gsize soff = off + i + 1;
      gsize slen = len - i - 1;
      gint64 st = 0;
      gsize k = 0;
      while (k < slen && g_ascii_isdigit (p->text[soff + k]) && st < 100000)
        st = st * 10 + (p->text[soff + k++] - '0');
      int span = f->max - f->min + 1;
      if (k == 0 || k != slen || st < 1 || st > span)
        {
          g_autofree char *tok = g_strndup (p->text + soff, slen);
          g_autofree char *q = kiln_quote_for_message (tok);
          return fail (p, soff, "expected a step 1-%d after '/', found %s",
                       span, q);
        }
      step = (int) st;
      i = len;
    }
  if (i != len)
    return fail_token (p, f, off + i, len - i, NULL);
  for (int v = lo; v <= hi; v += step)
    bits_set (b, bit_index (f, v));
  return TRUE;
}

/* A whole field at text[off..off+len). */
static gboolean
parse_field (Parser *p, const FieldSpec *f, gsize off, gsize len, Bits *b,
             KilnCron *c)
{
  const char *s = p->text + off;
  memset (b, 0, sizeof *b);
  if (len == 1 && s[0] == '?')
    {
      if (f->id != F_DOM && f->id != F_DOW)
        return fail (p, off, "expected %s, found '?'; '?' is only for "
                     "day-of-month or day-of-week", f->what);
      if (p->syntax == KILN_CRON_CRONTAB)
        return fail (p, off, "expected %s, found '?'; '?' belongs to the "
                     "AWS cron(...) form, a crontab line uses '*'", f->what);
      if (f->id == F_DOM)
        c->days_ignored = TRUE;
      else
        c->weekdays_ignored = TRUE;
      return TRUE;
    }
  if (parse_special (p, f, off, len, c))
    return p->err_message == NULL;
  if (f->id == F_DOM)
    c->days_star = s[0] == '*';
  if (f->id == F_DOW)
    c->weekdays_star = s[0] == '*';
  gsize start = 0;
  for (gsize i = 0; i <= len; i++)
    if (i == len || s[i] == ',')
      {
        if (!parse_element (p, f, off + start, i - start, b))
          return FALSE;
        start = i + 1;
      }
  return TRUE;
}

static gboolean
is_blank (char ch)
{
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Split text[from..to) at blanks into at most max fields. */
static guint
split_fields (const char *text, gsize from, gsize to, gsize *offs,
              gsize *lens, guint max)
{
  guint n = 0;
  gsize i = from;
  while (i < to)
    {
      while (i < to && is_blank (text[i]))
        i++;
      if (i >= to)
        break;
      gsize start = i;
      while (i < to && !is_blank (text[i]))
        i++;
      if (n < max)
        {
          offs[n] = start;
          lens[n] = i - start;
        }
      n++;
    }
  return n;
}

static const char *const presets[] = {
  "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight",
  "@hourly", NULL
};
static const char *const preset_lines[] = {
  "0 0 1 1 *", "0 0 1 1 *", "0 0 1 * *", "0 0 * * 0", "0 0 * * *",
  "0 0 * * *", "0 * * * *"
};

void
kiln_cron_free (KilnCron *c)
{
  if (!c)
    return;
  g_free (c->text);
  for (int i = 0; i < 6; i++)
    g_free (c->fields[i]);
  g_free (c);
}

static void
store_bits (KilnCron *c, const FieldSpec *f, const Bits *b)
{
  switch (f->id)
    {
    case F_MINUTE:
      c->minutes = b->w[0];
      break;
    case F_HOUR:
      c->hours = (guint32) b->w[0];
      break;
    case F_DOM:
      c->days = (guint32) b->w[0];
      break;
    case F_MONTH:
      c->months = (guint16) b->w[0];
      break;
    case F_DOW:
      if (c->weekday_special == KILN_CRON_WEEKDAY_LIST && !c->weekdays)
        {
          /* AWS 1-7 and crontab 0-7 (7 = Sunday) onto 0 = Sunday .. 6 */
          for (int v = f->min; v <= f->max; v++)
            if (bits_get (b, v))
              c->weekdays |= 1u << (f->names_base == 1 ? v - 1 : v % 7);
        }
      break;
    case F_YEAR:
      memcpy (c->years, b->w, sizeof c->years);
      break;
    }
}

static void
all_years (KilnCron *c)
{
  for (int y = 0; y <= KILN_CRON_YEAR_MAX - KILN_CRON_YEAR_MIN; y++)
    c->years[y / 64] |= G_GUINT64_CONSTANT (1) << (y % 64);
}

static KilnCron *
parse_fields (Parser *p, const FieldSpec *specs, guint nfields,
              const gsize *offs, const gsize *lens)
{
  g_autoptr (KilnCron) c = g_new0 (KilnCron, 1);
  c->syntax = p->syntax;
  for (guint i = 0; i < nfields; i++)
    {
      Bits b;
      if (!parse_field (p, &specs[i], offs[i], lens[i], &b, c))
        return NULL;
      store_bits (c, &specs[i], &b);
      c->fields[i] = g_strndup (p->text + offs[i], lens[i]);
    }
  if (nfields == 5)
    all_years (c);
  return g_steal_pointer (&c);
}

static KilnCron *
parse_aws (Parser *p)
{
  const char *t = p->text;
  gsize len = strlen (t);
  gsize offs[6], lens[6];
  gsize open = 5;   /* after "cron(" */
  if (len == 0 || t[len - 1] != ')')
    return fail (p, len, "expected ')' at the end of cron(...)"), NULL;
  guint n = split_fields (t, open, len - 1, offs, lens, 6);
  if (n != 6)
    {
      if (n > 6)
        {
          gsize o[7], l[7];
          split_fields (t, open, len - 1, o, l, 7);
          return fail (p, o[6], "expected 6 fields in cron(minutes hours "
                       "day-of-month month day-of-week year), found %u", n),
                 NULL;
        }
      return fail (p, n ? offs[0] : open, "expected 6 fields in "
                   "cron(minutes hours day-of-month month day-of-week year), "
                   "found %u%s", n,
                   n == 5 ? "; the year field is required (use *)" : ""),
             NULL;
    }
  g_autoptr (KilnCron) c = parse_fields (p, aws_fields, 6, offs, lens);
  if (!c)
    return NULL;
  if (c->days_ignored && c->weekdays_ignored)
    return fail (p, offs[4], "expected '?' in only one of day-of-month and "
                 "day-of-week, found it in both"), NULL;
  if (!c->days_ignored && !c->weekdays_ignored)
    return fail (p, offs[4], "expected '?' in day-of-month or day-of-week "
                 "(exactly one of them), found '%s' and '%s'; e.g. "
                 "cron(0 3 * * ? *) or cron(0 3 ? * MON *)", c->fields[2],
                 c->fields[4]), NULL;
  return g_steal_pointer (&c);
}

static KilnCron *
parse_crontab (Parser *p)
{
  const char *t = p->text;
  gsize len = strlen (t);
  gsize offs[5], lens[5];
  gsize lead = 0;
  while (is_blank (t[lead]))
    lead++;
  if (t[lead] == '@')
    {
      gsize end = lead;
      while (end < len && !is_blank (t[end]))
        end++;
      g_autofree char *word = g_strndup (t + lead, end - lead);
      gsize rest = end;
      while (is_blank (t[rest]))
        rest++;
      if (t[rest])
        return fail (p, rest, "expected nothing after %s, found '%s'", word,
                     t + rest), NULL;
      for (int i = 0; presets[i]; i++)
        if (strcmp (word, presets[i]) == 0)
          {
            Parser sub = { .text = preset_lines[i],
                           .syntax = KILN_CRON_CRONTAB };
            KilnCron *c = parse_crontab (&sub);
            g_assert (c);
            g_free (c->text);
            c->text = g_strdup (t);
            return c;
          }
      if (strcmp (word, "@reboot") == 0)
        return fail (p, lead, "expected a schedule, found '@reboot'; a "
                     "pipeline runs at times, e.g. @daily"), NULL;
      g_autofree char *hint = kiln_suggest_suffix (word, presets);
      return fail (p, lead, "expected @hourly, @daily, @weekly, @monthly or "
                   "@yearly, found '%s'%s", word, hint), NULL;
    }
  guint n = split_fields (t, 0, len, offs, lens, 5);
  if (n != 5)
    {
      const char *hint = "";
      if (n == 6 && strchr (t, '?'))
        hint = "; an AWS expression is written cron(...)";
      else if (n > 5)
        hint = "; a schedule has no year or command field";
      if (n > 5)
        {
          gsize o[6], l[6];
          split_fields (t, 0, len, o, l, 6);
          return fail (p, o[5], "expected 5 fields (minute hour day-of-month "
                       "month day-of-week) or cron(...), found %u%s", n,
                       hint), NULL;
        }
      return fail (p, n ? offs[0] : 0, "expected 5 fields (minute hour "
                   "day-of-month month day-of-week) or cron(...), found %u",
                   n), NULL;
    }
  return parse_fields (p, crontab_fields, 5, offs, lens);
}

KilnCron *
kiln_cron_parse (const char *text, gsize *err_offset, char **err_message)
{
  Parser p = { .text = text ? text : "" };
  KilnCron *c;
  const char *t = p.text;

  if (g_str_has_prefix (t, "cron("))
    {
      p.syntax = KILN_CRON_AWS;
      c = parse_aws (&p);
    }
  else if (g_ascii_strncasecmp (t, "cron(", 5) == 0
           || g_ascii_strncasecmp (t, "cron (", 6) == 0)
    {
      fail (&p, 0, "expected 'cron(' in lowercase and without a space, "
            "found '%.*s'", t[4] == ' ' ? 6 : 5, t);
      c = NULL;
    }
  else if (g_ascii_strncasecmp (t, "rate(", 5) == 0
           || g_ascii_strncasecmp (t, "at(", 3) == 0)
    {
      fail (&p, 0, "expected cron(...) or a crontab line, found a %s "
            "expression; only cron schedules are supported, e.g. "
            "cron(0 */6 * * ? *)", t[0] == 'r' || t[0] == 'R' ? "rate()"
                                                              : "at()");
      c = NULL;
    }
  else if (*t == '\0')
    {
      fail (&p, 0, "expected a schedule like cron(0 3 * * ? *) or "
            "'0 3 * * *', found nothing");
      c = NULL;
    }
  else
    {
      p.syntax = KILN_CRON_CRONTAB;
      c = parse_crontab (&p);
    }
  if (!c)
    {
      if (err_offset)
        *err_offset = p.err_offset;
      if (err_message)
        *err_message = g_steal_pointer (&p.err_message);
      g_free (p.err_message);
      return NULL;
    }
  if (!c->text)
    c->text = g_strdup (t);
  return c;
}

/* ---- matching ---- */

static int
weekday_of (int y, int m, int d)
{
  GDate date;
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
  return g_date_get_weekday (&date) % 7;   /* 0 = Sunday */
}

static gboolean
year_ok (const KilnCron *c, int y)
{
  if (y < KILN_CRON_YEAR_MIN || y > KILN_CRON_YEAR_MAX)
    return c->syntax == KILN_CRON_CRONTAB;
  int i = y - KILN_CRON_YEAR_MIN;
  return (c->years[i / 64] >> (i % 64)) & 1;
}

static gboolean
dom_matches (const KilnCron *c, int y, int m, int d, int dim)
{
  switch (c->day_special)
    {
    case KILN_CRON_DAY_LIST:
      return (c->days >> d) & 1;
    case KILN_CRON_DAY_LAST:
      return d == dim;
    case KILN_CRON_DAY_LAST_WEEKDAY:
      {
        int wd = weekday_of (y, m, dim);
        int t = wd == 6 ? dim - 1 : wd == 0 ? dim - 2 : dim;
        return d == t;
      }
    case KILN_CRON_DAY_NEAREST_WEEKDAY:
      {
        int t = c->day_n;
        if (t > dim)
          return FALSE;
        int wd = weekday_of (y, m, t);
        if (wd == 6)
          t = t == 1 ? 3 : t - 1;
        else if (wd == 0)
          t = t == dim ? t - 2 : t + 1;
        return d == t;
      }
    }
  return FALSE;
}

static gboolean
dow_matches (const KilnCron *c, int wd, int d, int dim)
{
  switch (c->weekday_special)
    {
    case KILN_CRON_WEEKDAY_LIST:
      return (c->weekdays >> wd) & 1;
    case KILN_CRON_WEEKDAY_LAST_IN_MONTH:
      return wd == c->weekday_n && d + 7 > dim;
    case KILN_CRON_WEEKDAY_NTH:
      return wd == c->weekday_n && (d - 1) / 7 + 1 == c->weekday_k;
    }
  return FALSE;
}

static gboolean
day_matches (const KilnCron *c, int y, int m, int d)
{
  int dim = g_date_get_days_in_month ((GDateMonth) m, (GDateYear) y);
  if (d > dim)
    return FALSE;
  int wd = weekday_of (y, m, d);
  if (c->syntax == KILN_CRON_AWS)
    return c->days_ignored ? dow_matches (c, wd, d, dim)
                           : dom_matches (c, y, m, d, dim);
  gboolean dom = dom_matches (c, y, m, d, dim);
  gboolean dow = dow_matches (c, wd, d, dim);
  if (c->days_star || c->weekdays_star)
    return dom && dow;
  return dom || dow;
}

gboolean
kiln_cron_matches (const KilnCron *c, GDateTime *t)
{
  int y = g_date_time_get_year (t), m = g_date_time_get_month (t);
  int d = g_date_time_get_day_of_month (t);
  return year_ok (c, y) && ((c->months >> m) & 1) && day_matches (c, y, m, d)
         && ((c->hours >> g_date_time_get_hour (t)) & 1)
         && ((c->minutes >> g_date_time_get_minute (t)) & 1);
}

GDateTime *
kiln_cron_next (const KilnCron *c, GDateTime *after, GTimeZone *tz)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  GTimeZone *zone = tz ? tz : utc;
  g_autoptr (GDateTime) local = g_date_time_to_timezone (after, zone);
  GDate date;
  int start = g_date_time_get_hour (local) * 60
              + g_date_time_get_minute (local) + 1;
  int limit_year;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay) g_date_time_get_day_of_month (local),
                  (GDateMonth) g_date_time_get_month (local),
                  (GDateYear) g_date_time_get_year (local));
  limit_year = c->syntax == KILN_CRON_AWS ? KILN_CRON_YEAR_MAX
                                          : g_date_get_year (&date) + 400;
  if (start >= 24 * 60)
    {
      g_date_add_days (&date, 1);
      start = 0;
    }
  while ((int) g_date_get_year (&date) <= limit_year)
    {
      int y = g_date_get_year (&date), m = g_date_get_month (&date);
      int d = g_date_get_day (&date);
      if (!year_ok (c, y))
        {
          if (c->syntax == KILN_CRON_AWS && y > KILN_CRON_YEAR_MAX)
            break;
          g_date_set_dmy (&date, 1, G_DATE_JANUARY, (GDateYear) (y + 1));
          start = 0;
          continue;
        }
      if (!((c->months >> m) & 1))
        {
          g_date_set_day (&date, 1);
          g_date_add_months (&date, 1);
          start = 0;
          continue;
        }
      if (day_matches (c, y, m, d))
        for (int h = start / 60; h < 24; h++)
          {
            if (!((c->hours >> h) & 1))
              continue;
            for (int mi = h == start / 60 ? start % 60 : 0; mi < 60; mi++)
              {
                if (!((c->minutes >> mi) & 1))
                  continue;
                GDateTime *t = g_date_time_new (zone, y, m, d, h, mi, 0);
                /* skip local times that do not exist (DST gaps) */
                if (t && g_date_time_get_hour (t) == h
                    && g_date_time_get_minute (t) == mi
                    && g_date_time_get_day_of_month (t) == d
                    && g_date_time_compare (t, after) > 0)
                  return t;
                if (t)
                  g_date_time_unref (t);
              }
          }
      g_date_add_days (&date, 1);
      start = 0;
    }
  return NULL;
}

/* ---- conversions ---- */

/* Values lo..hi of a bitmap (bit v for value v). */
static gboolean
bit_of (guint64 bits, int v)
{
  return (bits >> v) & 1;
}

typedef const char *(*NameFn) (int v);

/* "*", "s/k", or a list with ranges.  sep is ".." for systemd and "-" for
 * crontab; star_step is "*" prefix allowed for crontab steps from lo. */
static char *
render_list (guint64 bits, int lo, int hi, const char *sep, int width,
             NameFn name, gboolean crontab)
{
  int count = 0, first = -1;
  for (int v = lo; v <= hi; v++)
    if (bit_of (bits, v))
      {
        count++;
        if (first < 0)
          first = v;
      }
  if (count == hi - lo + 1)
    return g_strdup ("*");
  GString *s = g_string_new (NULL);
  /* an arithmetic progression: first-last/step (crontab), first/step when
   * it runs to the end (systemd repeats up to the field's maximum) */
  if (count >= 3 && !name)
    {
      int second = first + 1, last = first;
      while (!bit_of (bits, second))
        second++;
      int step = second - first;
      for (int v = first; v <= hi; v++)
        if (bit_of (bits, v))
          last = v;
      gboolean prog = step > 1;
      for (int v = lo; v <= hi && prog; v++)
        {
          gboolean want = v >= first && v <= last && (v - first) % step == 0;
          if (want != bit_of (bits, v))
            prog = FALSE;
        }
      gboolean to_end = last + step > hi;
      if (prog && crontab)
        {
          if (first == lo && to_end)
            g_string_append_printf (s, "*/%d", step);
          else
            g_string_append_printf (s, "%d-%d/%d", first, last, step);
          return g_string_free (s, FALSE);
        }
      if (prog && to_end)
        {
          g_string_append_printf (s, "%0*d/%d", width, first, step);
          return g_string_free (s, FALSE);
        }
    }
  for (int v = lo; v <= hi; v++)
    {
      if (!bit_of (bits, v))
        continue;
      int e = v;
      while (e + 1 <= hi && bit_of (bits, e + 1))
        e++;
      if (s->len)
        g_string_append_c (s, ',');
      if (name)
        g_string_append (s, name (v));
      else
        g_string_append_printf (s, "%0*d", width, v);
      if (e >= v + 2)
        {
          g_string_append (s, sep);
          if (name)
            g_string_append (s, name (e));
          else
            g_string_append_printf (s, "%0*d", width, e);
          v = e;
        }
    }
  return g_string_free (s, FALSE);
}

static const char *
systemd_day_name (int v)
{
  static const char *const names[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
                                       "Fri", "Sat" };
  return names[v];
}

static gboolean
all_years_set (const KilnCron *c)
{
  for (int y = 0; y <= KILN_CRON_YEAR_MAX - KILN_CRON_YEAR_MIN; y++)
    if (!((c->years[y / 64] >> (y % 64)) & 1))
      return FALSE;
  return TRUE;
}

/* Years as a systemd list: *, or ranges of 4-digit years. */
static char *
render_years (const KilnCron *c)
{
  if (all_years_set (c))
    return g_strdup ("*");
  GString *s = g_string_new (NULL);
  for (int y = KILN_CRON_YEAR_MIN; y <= KILN_CRON_YEAR_MAX; y++)
    {
      if (!year_ok (c, y))
        continue;
      int e = y;
      while (e + 1 <= KILN_CRON_YEAR_MAX && year_ok (c, e + 1))
        e++;
      if (s->len)
        g_string_append_c (s, ',');
      if (e > y)
        g_string_append_printf (s, "%d..%d", y, e);
      else
        g_string_append_printf (s, "%d", y);
      y = e;
    }
  return g_string_free (s, FALSE);
}

static char *
oncalendar (const char *weekdays, const char *years, const char *months,
            const char *days, gboolean from_end, const char *hours,
            const char *minutes, const char *tz)
{
  return g_strdup_printf ("%s%s%s-%s%s%s %s:%s:00 %s",
                          weekdays ? weekdays : "", weekdays ? " " : "",
                          years, months, from_end ? "~" : "-", days, hours,
                          minutes, tz);
}

char **
kiln_cron_to_oncalendar (const KilnCron *c, const char *tz_name,
                         GError **error)
{
  const char *tz = tz_name ? tz_name : "UTC";
  g_autofree char *minutes = render_list (c->minutes, 0, 59, "..", 2, NULL,
                                          FALSE);
  g_autofree char *hours = render_list (c->hours, 0, 23, "..", 2, NULL, FALSE);
  g_autofree char *months = render_list (c->months, 1, 12, "..", 2, NULL,
                                         FALSE);
  g_autofree char *years = render_years (c);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  if (c->day_special == KILN_CRON_DAY_LAST_WEEKDAY
      || c->day_special == KILN_CRON_DAY_NEAREST_WEEKDAY)
    {
      if (c->syntax == KILN_CRON_AWS && !c->days_ignored)
        {
          g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                       "the schedule '%s' uses %s (a weekday nearest a date), "
                       "which a systemd OnCalendar= expression cannot "
                       "express", c->text,
                       c->day_special == KILN_CRON_DAY_LAST_WEEKDAY ? "LW"
                                                                    : "W");
          return NULL;
        }
    }

  gboolean use_days = !(c->syntax == KILN_CRON_AWS && c->days_ignored);
  gboolean use_weekdays = !(c->syntax == KILN_CRON_AWS && c->weekdays_ignored);
  if (c->syntax == KILN_CRON_CRONTAB)
    {
      /* Vixie: a '*' field matches everything and the other one decides */
      if (c->days_star && !c->weekdays_star)
        use_days = c->days != 0xfffffffe;   /* e.g. star-slash-2 restricts */
      if (c->weekdays_star && !c->days_star)
        use_weekdays = c->weekdays != 0x7f;
      if (!c->days_star && !c->weekdays_star
          && (c->days == 0xfffffffe || c->weekdays == 0x7f))
        use_days = use_weekdays = FALSE;   /* either-or with a full field */
    }

  /* the weekday part */
  g_autofree char *wd = NULL;
  g_autofree char *days = NULL;
  gboolean from_end = FALSE;
  if (use_weekdays)
    switch (c->weekday_special)
      {
      case KILN_CRON_WEEKDAY_LIST:
        if (c->weekdays != 0x7f)
          wd = render_list (c->weekdays, 0, 6, "..", 0, systemd_day_name,
                            FALSE);
        break;
      case KILN_CRON_WEEKDAY_LAST_IN_MONTH:
        wd = g_strdup (systemd_day_name (c->weekday_n));
        days = g_strdup ("07/1");
        from_end = TRUE;
        break;
      case KILN_CRON_WEEKDAY_NTH:
        wd = g_strdup (systemd_day_name (c->weekday_n));
        days = g_strdup_printf ("%02d..%02d", (c->weekday_k - 1) * 7 + 1,
                                MIN (c->weekday_k * 7, 31));
        break;
      }
  if (use_days && !days)
    switch (c->day_special)
      {
      case KILN_CRON_DAY_LIST:
        days = render_list (c->days, 1, 31, "..", 2, NULL, FALSE);
        break;
      case KILN_CRON_DAY_LAST:
        days = g_strdup ("01");
        from_end = TRUE;
        break;
      default:
        break;
      }
  if (!days)
    days = g_strdup ("*");

  if (c->syntax == KILN_CRON_CRONTAB && !c->days_star && !c->weekdays_star
      && wd && strcmp (days, "*") != 0)
    {
      /* Both restricted: Vixie fires on either, systemd needs both; two
       * expressions give the union. */
      g_ptr_array_add (out, oncalendar (wd, years, months, "*", FALSE, hours,
                                        minutes, tz));
      g_ptr_array_add (out, oncalendar (NULL, years, months, days, FALSE,
                                        hours, minutes, tz));
    }
  else
    g_ptr_array_add (out, oncalendar (wd, years, months, days, from_end,
                                      hours, minutes, tz));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

char *
kiln_cron_to_crontab (const KilnCron *c, GError **error)
{
  if (c->syntax == KILN_CRON_CRONTAB)
    return g_strdup_printf ("%s %s %s %s %s", c->fields[0], c->fields[1],
                            c->fields[2], c->fields[3], c->fields[4]);
  if (!all_years_set (c))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "the schedule '%s' restricts the year, which a crontab "
                   "line cannot express", c->text);
      return NULL;
    }
  if ((!c->days_ignored && c->day_special != KILN_CRON_DAY_LIST)
      || (!c->weekdays_ignored
          && c->weekday_special != KILN_CRON_WEEKDAY_LIST))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT,
                   "the schedule '%s' uses L, W or #, which a crontab line "
                   "cannot express", c->text);
      return NULL;
    }
  g_autofree char *minutes = render_list (c->minutes, 0, 59, "-", 0, NULL,
                                          TRUE);
  g_autofree char *hours = render_list (c->hours, 0, 23, "-", 0, NULL, TRUE);
  g_autofree char *months = render_list (c->months, 1, 12, "-", 0, NULL,
                                         TRUE);
  g_autofree char *days = c->days_ignored
                            ? g_strdup ("*")
                            : render_list (c->days, 1, 31, "-", 0, NULL, TRUE);
  g_autofree char *wd = c->weekdays_ignored
                          ? g_strdup ("*")
                          : render_list (c->weekdays, 0, 6, "-", 0, NULL,
                                         TRUE);
  /* AWS's one deciding day field: the other one is '*', so Vixie's AND
   * applies; a day-of-month list rendered as '*' (all days) is fine too. */
  return g_strdup_printf ("%s %s %s %s %s", minutes, hours, days, months, wd);
}

/* ---- document check ---- */

KilnCron *
kiln_schema_cron (KilnDiags *diags, const KilnDoc *doc, const KilnNode *n,
                  const char *what)
{
  gsize off = 0;
  g_autofree char *msg = NULL;
  if (!kiln_schema_expect_scalar (diags, n, what))
    return NULL;
  g_autoptr (KilnCron) c = kiln_cron_parse (n->scalar, &off, &msg);
  if (!c)
    {
      kiln_scalar_error (diags, doc, n, off, "in %s: %s", what, msg);
      return NULL;
    }
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) next = kiln_cron_next (c, now, NULL);
  if (!next)
    {
      g_autofree char *q = kiln_quote_for_message (n->scalar);
      kiln_schema_error (diags, n, "expected a schedule that fires, found %s, "
                         "which never fires %s", q,
                         c->syntax == KILN_CRON_AWS ? "again (before 2200)"
                                                    : "(no such date)");
      return NULL;
    }
  return g_steal_pointer (&c);
}
