#!/bin/sh
# check-layering.sh - the source tree obeys kiln's layering rules
# (scripts/check-layering: the core/backend seam is one-way, one command
# per cmd-*.c, the agent stands alone).  `make check-layering` runs the same.
: "${top_srcdir:?top_srcdir is not set}"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
exec python3 "$top_srcdir/scripts/check-layering" "$top_srcdir"
