#!/usr/bin/env bash
# check-layering.sh - the source tree obeys kiln's layering rules
# (scripts/check-layering: the core/backend seam is one-way, one command
# per cmd-*.c, the agent stands alone).  `make check-layering` runs the same.
# (This file is one level above tests/integration/: its own guess of
# top_srcdir, for a run by hand, comes before functions.sh's.)
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$(dirname "$0")/integration/lib/functions.sh"

requires python3

expect "the source tree obeys the layering rules (scripts/check-layering)" \
  python3 "$top_srcdir/scripts/check-layering" "$top_srcdir"
