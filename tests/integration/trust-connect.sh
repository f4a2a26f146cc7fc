#!/usr/bin/env bash
# trust-connect.sh - a recipe cannot make kiln run a host program through
# its libvirt URI (issue 13, item 1).  A recipe whose build.connect uses the
# ext transport with command=CANARY is refused by `kiln validate` and
# `kiln build` (exit 2, FILE:LINE:COL naming the transport and the
# parameter) and the canary never runs; the same URI given on the command
# line (--connect) is the user's own choice, and then the canary does run,
# which shows the canary would have told.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
tmp=$TEST_TMP
canary=$tmp/canary
ran=$tmp/canary-ran
cat > "$canary" <<SH
#!/bin/sh
echo "\$0 ran" > "$ran"
exit 1
SH
chmod +x "$canary"

mkdir -p "$tmp/r"
cat > "$tmp/r/c.yaml" <<'YAML'
name: trust-connect
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
name: trust-connect
version: 1.0.0
parent: $tiny
components:
  - ./c.yaml
build:
  connect: "qemu+ext:///system?command=$canary"
outputs:
  formats: [qcow2]
  directory: $tmp/out
YAML

expect_exit 2 --out "$tmp/validate.out" "$KILN" validate "$tmp/r/recipe.yaml"
expect_grep "^$tmp/r/recipe.yaml:7:18: error: .*found the transport 'ext' (it runs a program on this host)" "$tmp/validate.out"
expect_grep "^$tmp/r/recipe.yaml:7:32: error: expected no 'command' parameter" "$tmp/validate.out"
expect_no_file "$ran"
ok "kiln validate: exit 2 at the transport and at the parameter, the canary did not run"

expect_exit 2 --out "$tmp/build.out" "$KILN" build "$tmp/r/recipe.yaml" < /dev/null
expect_grep "recipe.yaml:7:18: error: .*transport 'ext'" "$tmp/build.out"
expect_no_file "$ran"
expect_no_file "$tmp/out"
expect_no_leftovers
ok "kiln build: exit 2, the canary did not run, nothing written"

# The command line is the user's: the same URI there is used, so the
# canary runs (and the connection fails, as the canary speaks no libvirt:
# exit 3, the host cannot give what kiln needs).
sed -i '/connect:/d' "$tmp/r/recipe.yaml"
expect_exit 3 --out "$tmp/build-cli.out" "$KILN" build \
  --connect "qemu+ext:///system?command=$canary" "$tmp/r/recipe.yaml" < /dev/null
expect_file "$ran"
expect_no_file "$tmp/out"
expect_no_leftovers
ok "--connect on the command line is not checked: the canary ran there"
