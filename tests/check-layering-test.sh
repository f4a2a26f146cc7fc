#!/usr/bin/env bash
# check-layering-test.sh - scripts/check-layering catches each kind of
# violation, naming FILE:LINE and the rule, and accepts what the rules allow.
# It works on a copy of the source tree: one clean run, then one throw-away
# violation at a time (added, checked, removed again).
# (This file is one level above tests/integration/: its own guess of
# top_srcdir, for a run by hand, comes before functions.sh's.)
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$(dirname "$0")/integration/lib/functions.sh"

requires python3
checker=$top_srcdir/scripts/check-layering

work=$TEST_TMP
tree=$work/tree
mkdir "$tree" || fail "mkdir $tree"
# Only what the checker reads (an in-tree build leaves objects beside).
(cd "$top_srcdir" && find src common backends agent -name '*.[ch]' -type f) |
  while IFS= read -r f; do
    mkdir -p "$tree/$(dirname "$f")" && cp "$top_srcdir/$f" "$tree/$f" || exit 1
  done || fail "copying the tree"

# run_checker: the checker on the copy; its output in $work/out, its exit
# code in $work/rc.
run_checker () { python3 "$checker" "$tree" > "$work/out" 2>&1; echo $? > "$work/rc"; }

# expect_clean WHAT: the checker passes.
expect_clean () {
  run_checker
  if [ "$(cat "$work/rc")" != 0 ]; then
    sed 's/^/#   /' "$work/out"
    fail "$1: expected no violation (exit $(cat "$work/rc"))"
  fi
  ok "$1: passes"
}

# expect_violation WHAT LINE-PREFIX TEXT: exit 1, and a line that starts
# with LINE-PREFIX (FILE:LINE:) and holds TEXT; nothing else reported.
expect_violation () {
  run_checker
  if [ "$(cat "$work/rc")" = 1 ] && grep -F "$2 " "$work/out" | grep -qF "$3" &&
     [ "$(grep -c '^[a-z].*:[0-9]*: ' "$work/out")" = 1 ]; then
    ok "$1: $(grep -F "$2 " "$work/out")"
  else
    sed 's/^/#   /' "$work/out"
    fail "$1: expected exit 1 and '$2 ... $3' alone (exit $(cat "$work/rc"))"
  fi
}

# inject FILE TEXT: a new throw-away file; undo removes it.
inject () { mkdir -p "$tree/$(dirname "$1")"; printf '%s\n' "$2" > "$tree/$1"; injected=$tree/$1; }
undo () { rm -f "$injected"; }

expect_clean "the clean tree"

# --- the core uses no libvirt, libguestfs or qemu-img ---
inject src/base/seam-a.c '#include <glib.h>
#include <guestfs.h>'
expect_violation "core includes <guestfs.h>" "src/base/seam-a.c:2:" "core file includes <guestfs.h>"
undo

inject common/seam-b.c '/* plain types */
#include <libvirt/libvirt.h>'
expect_violation "common includes <libvirt/libvirt.h>" "common/seam-b.c:2:" "core file includes <libvirt/libvirt.h>"
undo

inject src/outputs/seam-c.c 'void seam_c (void *g);
void
seam_c (void *g)
{
  guestfs_launch (g);
}'
expect_violation "core calls guestfs_*" "src/outputs/seam-c.c:5:" "core file calls guestfs_launch()"
undo

inject src/build/seam-d.c 'void seam_d (void *c);
void seam_d (void *c) { virConnectClose (c); }'
expect_violation "core calls vir*" "src/build/seam-d.c:2:" "core file calls virConnectClose()"
undo

inject src/outputs/seam-e.c '#include <glib.h>
void seam_e (void);
void
seam_e (void)
{
  const char *argv[] = { "qemu-img", "info", NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                NULL, NULL, NULL, NULL);
}'
expect_violation "core runs qemu-img" "src/outputs/seam-e.c:6:" "core file runs qemu-img"
undo

# The same names in comments and messages are not calls.
inject src/outputs/seam-f.c '#include "backends/qemu-img.h"  /* a .c file may */
/* guestfs_launch (g) and virDomainCreate (d) are the backends business */
const char *seam_f = "guestfs_launch (g) failed; qemu-img reads it as raw";'
expect_clean "names in comments and messages, a core .c including a backend header"
undo

# A violation in a real file is found too (and the file restored after).
cp "$tree/src/base/diag.c" "$work/diag.c"
printf '#include <guestfs.h>\n' >> "$tree/src/base/diag.c"
line=$(wc -l < "$tree/src/base/diag.c" | tr -d ' ')
expect_violation "a real core file includes <guestfs.h>" "src/base/diag.c:$line:" "core file includes <guestfs.h>"
cp "$work/diag.c" "$tree/src/base/diag.c"

# --- backends include only backends/ and common/ ---
inject backends/seam-g.c '#include "common/kiln.h"
#include "guestfs.h"
#include "outputs/lint.h"'
expect_violation "backend includes a core header" "backends/seam-g.c:3:" "backend includes \"outputs/lint.h\" (src/outputs/lint.h)"
undo

inject backends/seam-h.c '#include "../src/base/diag.h"'
expect_violation "backend includes a core header by a relative path" "backends/seam-h.c:1:" "backend includes \"../src/base/diag.h\" (src/base/diag.h)"
undo

# --- core headers include no backend header ---
inject src/build/seam-i.h '#pragma once
#include "common/kiln-types.h"
#include "backends/libvirt.h"'
expect_violation "core header includes a backend header" "src/build/seam-i.h:3:" "core header includes \"backends/libvirt.h\""
undo

# --- common/ includes only common/ ---
inject common/seam-j.h '#pragma once
#include "base/diag.h"'
expect_violation "common includes a core header" "common/seam-j.h:2:" "common/ includes \"base/diag.h\" (src/base/diag.h)"
undo

# --- one command per cmd-*.c ---
inject src/cli/cmd-seam.c '#include "commands.h"
int kiln_cmd_seam_helper (int argc, char **argv);
int
kiln_cmd_seam (int argc, char **argv)
{
  return 0;
}

int kiln_cmd_seam_other (int argc, char **argv) { return argc; }'
expect_violation "a cmd-*.c with two commands" "src/cli/cmd-seam.c:9:" "second command kiln_cmd_seam_other in one file (kiln_cmd_seam at line 4)"
undo

# --- the agent includes only agent/ and common/ ---
inject agent/seam-k.c '#include "json.h"
#include "../common/kiln.h"
#include "../src/base/diag.h"'
expect_violation "agent includes a core header" "agent/seam-k.c:3:" "agent includes \"../src/base/diag.h\" (src/base/diag.h)"
undo

expect_clean "the tree after every violation was removed"
