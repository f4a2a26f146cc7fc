/* escape.h - text from documents and guests, made safe for a terminal
 *
 * A document's strings (double-quoted YAML can hold "\e[2J") and whatever a
 * guest prints reach kiln's text output: diagnostics, step output, the
 * console tail of a failure report, `kiln images` and `kiln logs`.  Printed
 * raw, a control character can clear the screen, rewrite the title, move the
 * cursor over an earlier line or hide text.  Every text output shows them
 * escaped instead: C0 controls and DEL as \xNN (ESC is \x1b), C1 controls
 * and the Unicode bidirectional overrides as \uNNNN, bytes that are not
 * UTF-8 as \xNN.  Newline and tab stay (they are how text is laid out).
 * --json output is never escaped here: JSON escapes control characters
 * itself.
 */
#pragma once

#include <glib.h>
#include <stdio.h>

/* A copy of text[0..len) (len -1: NUL-terminated) with every control
 * character escaped; NULL gives NULL. */
char *kiln_escape_text (const char *text, gssize len);

/* TRUE when kiln_escape_text would change text. */
gboolean kiln_text_needs_escape (const char *text, gssize len);

/* printf to out, the formatted text escaped. */
void kiln_print_text (FILE *out, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
