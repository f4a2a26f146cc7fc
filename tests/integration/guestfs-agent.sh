#!/usr/bin/env bash
# guestfs-agent.sh - install_agent puts the agent, plan and start-up hook
# where docs/agent-protocol.md says; remove_agent (in a later launch, as in a
# build) leaves every file byte-identical to before.  rc.local: the line goes
# before `exit 0`, and a rc.local kiln created is removed again.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/guestfs-disks.sh"
build_tiny_disks
W=$TEST_TMP

printf '\177ELF fake agent\n' > "$W/agent"
printf '{"version": 1, "runId": "t-1-build", "stage": "build", "documents": []}\n' > "$W/plan.json"
echo 'not json' > "$W/bad.json"
# a record a build step rewrote: nested deeper than kiln reads back
deep_json=$(printf '%.0s[' $(seq 1 5000))

run () { # run LABEL DISK ARGS...: one launch, output kept in $W/LABEL.out
  label=$1; shift
  "$GT" --log "$W/$label.log" "$@" > "$W/$label.out" 2> "$W/$label.err" ||
    { cat "$W/$label.err"; fail "$label"; }
  grep '^# time' "$W/$label.out" | sed "s/^/$label: /"
}

# ---- systemd guest, install and remove in two launches ----
# The guest has a wait-online service and cloud-init; the boot has no
# network card: the agent does not wait for a network, the wait-online
# service gets kiln's drop-in for that boot, and removal takes it away.
new_overlay sd "$W/sd.qcow2"
run sd-install "$W/sd.qcow2" \
  mkdir /lib/systemd/system 0755 \
  write-text /lib/systemd/system/systemd-networkd-wait-online.service '[Service]\nExecStart=/bin/true\n' 0644 \
  mkdir /etc/cloud 0755 \
  manifest "$W/m0" \
  install-agent-no-nic "$W/agent" "$W/plan.json" \
  read /etc/systemd/system/systemd-networkd-wait-online.service.d/zz-kiln-no-network-card.conf "$W/dropin" \
  exists /etc/systemd/system/NetworkManager-wait-online.service.d \
  read /etc/systemd/system/kiln-agent.service "$W/unit" \
  read /var/lib/kiln-agent/plan.json "$W/plan.got" \
  read /var/lib/kiln-agent/installed.json "$W/installed.json" \
  manifest "$W/m1"
cmp "$W/plan.json" "$W/plan.got" || fail "plan differs"
expect_line "$W/unit" "ExecStart=/usr/local/libexec/kiln/kiln-agent --boot"
expect_line "$W/unit" "WantedBy=multi-user.target"
expect_line "$W/unit" "StandardOutput=journal+console"
expect_line "$W/unit" "Type=simple"
expect_line "$W/unit" "After=cloud-config.service"
expect_no_grep "network-online" "$W/unit"
expect_line "$W/dropin" "ConditionPathExists=!/var/lib/kiln-agent/plan.json"
# only for the wait-online services the guest has
expect_line "$W/sd-install.out" "exists /etc/systemd/system/NetworkManager-wait-online.service.d no"
sha=$(sha256sum < "$W/agent" | cut -d' ' -f1)
expect_line "$W/m1" "file 0755 0:0 $(wc -c < "$W/agent") $sha /usr/local/libexec/kiln/kiln-agent"
grep -q "^file 0600 0:0 [0-9]* [0-9a-f]* /var/lib/kiln-agent/plan.json$" "$W/m1" || fail "plan mode"
expect_line "$W/m1" "link 0777 0:0 0 /etc/systemd/system/kiln-agent.service /etc/systemd/system/multi-user.target.wants/kiln-agent.service"
grep -q "^file 0644 0:0 .* /etc/systemd/system/kiln-agent.service$" "$W/m1" || fail "unit mode"
grep -q "^dir 0700 0:0 - - /var/lib/kiln-agent/files$" "$W/m1" || fail "files dir"
grep -q '"createdDirs"' "$W/installed.json" || fail "installed.json"
grep -q '"/usr/local/libexec"' "$W/installed.json" || fail "created dirs not recorded"
# systemd guest: rc.local untouched
if grep -q ' /etc/rc.local$' "$W/m1"; then fail "rc.local created on a systemd guest"; fi

# ... and in the same launch a boot with a network card: the agent waits
# for the network, no drop-in
run sd-remove "$W/sd.qcow2" remove-agent manifest "$W/m2" \
  install-agent "$W/agent" "$W/plan.json" \
  read /etc/systemd/system/kiln-agent.service "$W/unit-nic" \
  exists /etc/systemd/system/systemd-networkd-wait-online.service.d \
  remove-agent manifest "$W/m3"
diff -u "$W/m0" "$W/m2" || fail "remove_agent did not restore the systemd guest"
expect_no_grep "zz-kiln" "$W/m2"
expect_line "$W/unit-nic" "Wants=network-online.target"
expect_line "$W/unit-nic" "After=network-online.target cloud-config.service"
expect_line "$W/sd-remove.out" "exists /etc/systemd/system/systemd-networkd-wait-online.service.d no"
diff -u "$W/m0" "$W/m3" || fail "remove_agent (network card) did not restore the systemd guest"
# an independent reader agrees: no kiln unit and no kiln drop-in is left
left=$(test_guestfish --ro -a "$W/sd.qcow2" -i <<'GF' 2>&1
exists /etc/systemd/system/kiln-agent.service
exists /etc/systemd/system/systemd-networkd-wait-online.service.d
exists /lib/systemd/system/systemd-networkd-wait-online.service
GF
)
expect_eq "guestfish: the unit, the drop-in folder, the guest's own unit" \
  "false false true" "$(echo $left)"
grep -q 'kiln: agent removed: .*/etc/systemd/system/multi-user.target.wants/kiln-agent.service' "$W/sd-remove.log" ||
  fail "removal not logged"

# ---- busybox-init guest, everything in one launch ----
new_overlay rc "$W/rc.qcow2"
run rc "$W/rc.qcow2" \
  manifest "$W/r0" \
  expect-error "plan is not valid JSON" install-agent "$W/agent" "$W/bad.json" \
  expect-error "kiln agent $W/nope is missing" install-agent "$W/nope" "$W/plan.json" \
  install-agent "$W/agent" "$W/plan.json" \
  read /etc/rc.local "$W/rc.local.1" stat /etc/rc.local \
  exists /etc/systemd/system/kiln-agent.service \
  remove-agent manifest "$W/r1" \
  rm /etc/rc.local manifest "$W/r2" \
  install-agent "$W/agent" "$W/plan.json" \
  read /etc/rc.local "$W/rc.local.2" stat /etc/rc.local \
  remove-agent manifest "$W/r3" \
  write-text /etc/rc.local '#!/bin/sh\necho no newline at the end' 0644 \
  manifest "$W/r4" install-agent "$W/agent" "$W/plan.json" \
  read /etc/rc.local "$W/rc.local.3" remove-agent manifest "$W/r5" \
  mkdir /etc/selinux 0755 \
  write-text /etc/selinux/config '# x\nSELINUX=enforcing\nSELINUXTYPE=targeted\n' 0644 \
  manifest "$W/r6" install-agent "$W/agent" "$W/plan.json" \
  exists /.autorelabel remove-agent manifest "$W/r7" \
  install-agent "$W/agent" "$W/plan.json" \
  write-text /var/lib/kiln-agent/installed.json "$deep_json" 0600 \
  remove-agent exists /usr/local/libexec/kiln/kiln-agent

printf '#!/bin/sh -e\n# rc.local\necho started > /dev/console\n\n/usr/local/libexec/kiln/kiln-agent --boot & # kiln-agent\nexit 0\n' > "$W/want1"
diff -u "$W/want1" "$W/rc.local.1" || fail "agent line not inserted before exit 0"
expect_line "$W/rc.out" "stat /etc/rc.local mode=0755 size=$(wc -c < "$W/want1")"
expect_line "$W/rc.out" "exists /etc/systemd/system/kiln-agent.service no"
diff -u "$W/r0" "$W/r1" || fail "rc.local guest not restored (mode 0754 and text)"

printf '#!/bin/sh\n/usr/local/libexec/kiln/kiln-agent --boot & # kiln-agent\n' > "$W/want2"
diff -u "$W/want2" "$W/rc.local.2" || fail "created rc.local"
expect_line "$W/rc.out" "stat /etc/rc.local mode=0755 size=$(wc -c < "$W/want2")"
diff -u "$W/r2" "$W/r3" || fail "rc.local kiln created was not removed"

printf '#!/bin/sh\necho no newline at the end\n/usr/local/libexec/kiln/kiln-agent --boot & # kiln-agent\n' > "$W/want3"
diff -u "$W/want3" "$W/rc.local.3" || fail "appended line"
diff -u "$W/r4" "$W/r5" || fail "rc.local without a final newline not restored"
# SELinux guest: the first boot relabels what kiln wrote; undone by remove
expect_line "$W/rc.out" "exists /.autorelabel yes"
diff -u "$W/r6" "$W/r7" || fail "SELinux guest not restored"
# installed.json is guest data: too deep is a warning, and the agent is
# removed by its fixed paths
expect_grep 'installed.json is not a JSON object .*nested more than 8 levels' "$W/rc.log"
expect_line "$W/rc.out" "exists /usr/local/libexec/kiln/kiln-agent no"
