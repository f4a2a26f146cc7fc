#!/usr/bin/env bash
# trust-modes.sh - kiln's own state is private, the user's artifacts are the
# user's (issue 13, item 3): with the caller's umask 022, a build makes
# $KILN_HOME, its logs, work directory and catalog 0700/0600 (and narrows a
# home an older kiln left readable), while `kiln convert` leaves artifacts
# and the output directories it makes with the caller's umask (0755/0644;
# 0750/0640 under umask 027).
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
tmp=$TEST_TMP
# a home of this test's own, to see what kiln creates (a place, not a
# decision kiln makes)
export KILN_HOME=$tmp/home
umask 022

mode () { stat -c %a "$1"; }

# An older kiln's home: readable by everyone.
mkdir -m 0755 "$KILN_HOME"
mkdir -m 0755 "$KILN_HOME/logs"

mkdir -p "$tmp/r"
cat > "$tmp/r/c.yaml" <<'YAML'
name: trust-modes
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Hello
        action: ExecuteBash
        inputs:
          commands: [echo hello]
YAML
cat > "$tmp/r/recipe.yaml" <<YAML
name: trust-modes
version: 1.0.0
parent: $tiny
components:
  - ./c.yaml
outputs:
  formats: [qcow2]
  directory: $tmp/out
YAML
# The build gets as far as opening a log, the catalog and a work directory,
# then fails at the connection (no daemon listens there): cheap, no guest.
expect_exit 3 --out "$tmp/build.out" "$KILN" build \
  --connect "qemu+unix:///system?socket=$tmp/no-such.sock" "$tmp/r/recipe.yaml" < /dev/null
log=$KILN_HOME/logs/trust-modes/1.0.0/1.log
expect_file "$log"
expect_file "$KILN_HOME/catalog.db"
expect_eq "\$KILN_HOME narrowed to 0700" 700 "$(mode "$KILN_HOME")"
expect_eq "logs/ narrowed to 0700" 700 "$(mode "$KILN_HOME/logs")"
expect_eq "the build's log directory is 0700" 700 "$(mode "$KILN_HOME/logs/trust-modes")"
expect_eq "the build log is 0600" 600 "$(mode "$log")"
expect_eq "catalog.db is 0600" 600 "$(mode "$KILN_HOME/catalog.db")"
expect_eq "work/ is 0700" 700 "$(mode "$KILN_HOME/work")"
bad=$(find "$KILN_HOME" -perm /077 -printf '%m %p\n')
[ -z "$bad" ] || fail "group or other may read or enter: $bad"
ok "nothing under \$KILN_HOME is open to group or other"

# Artifacts: the caller's umask.
expect_exit 0 "$KILN" convert --no-inspect --format raw \
  --output-dir "$tmp/dist/a" --name tiny "$tiny"
expect_eq "output directory made with umask 022" 755 "$(mode "$tmp/dist/a")"
expect_eq "its parent too" 755 "$(mode "$tmp/dist")"
expect_eq "artifact with umask 022" 644 "$(mode "$tmp/dist/a/tiny.raw")"
umask 027
expect_exit 0 "$KILN" convert --no-inspect --format raw \
  --output-dir "$tmp/dist027" --name tiny "$tiny"
expect_eq "output directory made with umask 027" 750 "$(mode "$tmp/dist027")"
expect_eq "artifact with umask 027" 640 "$(mode "$tmp/dist027/tiny.raw")"
for f in "$tmp/dist/a"/* "$tmp/dist027"/*; do
  note "$(mode "$f") $f"
done
ok "artifacts and the output directories kiln makes keep the caller's umask"
