#!/usr/bin/env bash
# The debian-12 template, end to end: build it (mmdebstrap -> mkfs.ext4 -d
# -> sfdisk/dd -> GRUB in the libguestfs appliance -> qcow2), check the
# stored image offline, boot it under TCG (BIOS) with a NoCloud seed and
# read the serial console: GRUB -> kernel -> login prompt, cloud-init
# finished, sshd with host keys made at this boot, a DHCP lease, apt
# reaching the mirror.  A second build is a cache hit.
# In a full run the build itself is golden-web.sh's (the README's command,
# in a fresh home); this test then checks and boots what it built.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/template.sh"
template_end_to_end debian-12 bios 1

# A pipeline's refresh: on this template parent, built minutes ago: the run
# says the image is recent enough and does not rebuild it.  (The recipe's
# disk is smaller than the template's, so the build then stops in its
# resolve stage, before any appliance or boot: what is checked here is the
# refresh decision, which comes first.  A due refresh rebuilds the template
# as `kiln template build --refresh` does, minutes under TCG: not in CI.)
cat > "$TEST_TMP/refresh-recipe.yaml" <<YAML
name: refresh-check
version: 1.0.0
parent: debian-12
disk: 1M
outputs:
  formats: [qcow2]
  directory: $TEST_TMP/out
YAML
cat > "$TEST_TMP/refresh-pipeline.yaml" <<YAML
pipeline: refresh-check
recipe: ./refresh-recipe.yaml
schedule: "cron(0 3 * * ? *)"
refresh: 7d
disable_after: 0      # reruns of this test in one home must not disable it
YAML
image_json=$(ls "$KILN_HOME"/templates/debian-12/*/template.json | head -n 1)
built=$(jq -r .built "$image_json")
expect_exit 2 --out "$TEST_TMP/refresh.out" "$KILN" pipeline run "$TEST_TMP/refresh-pipeline.yaml"
expect_grep -F "template debian-12 was built $built, less than refresh: 7d ago" "$TEST_TMP/refresh.out"
expect_no_grep "building template" "$TEST_TMP/refresh.out"
expect_grep "run [0-9]* failed .*disk size 1048576 bytes is smaller than the parent image" "$TEST_TMP/refresh.out"
expect_eq "the template image is the one built before" "$built" "$(jq -r .built "$image_json")"
ok "refresh: 7d keeps a template built minutes ago"
