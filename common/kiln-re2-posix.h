/* kiln-re2-posix.h - AWSTOE's regular expressions (Go's RE2) as POSIX
 * extended ones
 *
 * patternMatches asks only whether a pattern matches, and the guest agent
 * has its C library's regcomp (POSIX ERE), not RE2.  This translates the
 * RE2 forms documents use into an ERE that matches the same strings:
 * \d \w \s and their negations (also inside brackets), \A \z, \t \n \r \f
 * \v, \Q...\E, (?:...) and named groups, lazy quantifiers (a lazy and a
 * greedy quantifier match the same strings), and leading flags (?i) (?m)
 * (?s) (?im)...  What has no ERE form (\b \B \pL, flags later in the
 * pattern, (?ms) together, \D \W \S inside brackets) is refused, with the
 * construct named, so that `kiln validate` can warn and the agent can fail
 * clearly instead of matching something else.
 *
 * Plain C and libc only: the musl agent (agent/cond.c) and the core's
 * validator (src/documents/condition.c) both use it.
 */
#pragma once

/* The regcomp flags a translation needs beyond REG_EXTENDED. */
#define KILN_RE_ICASE    1   /* REG_ICASE */
#define KILN_RE_NEWLINE  2   /* REG_NEWLINE: RE2's (?m) */

/* The ERE (malloc'd) and its flags, or NULL with *why naming the
 * construct that has no ERE form (a static string).  NULL with *why NULL:
 * out of memory. */
char *kiln_re2_to_posix (const char *re2, int *flags, const char **why);
