#!/usr/bin/env bash
# connect-daemon.sh - builds on a libvirt daemon (`--connect
# qemu:///system`).  A daemon that cannot start domains fails the build at
# once in the prepare stage, with the daemon's own reason, exit 3 and
# `kiln doctor --connect URI` as the next step; nothing is cached as "KVM
# is not usable" and nothing changes on disk.  A daemon that can builds
# and tests the tiny image with no shared files: the disks go through
# kiln's storage pool on the daemon (the parent once per digest, kept; the
# overlays and seeds per boot, deleted), the result is read back with
# guestfish, a second build reuses the parent's volume, and after a kill -9
# of that second build the next kiln deletes its volumes: the pool holds
# the cached parent only, and no domain is left.  `kiln doctor --connect
# URI` looks at that target, pool included.  A lifecycle rule for cached
# parents keeps the parent while builds use it and deletes it once they
# have not for a day (their times moved back in the catalog).  A remote URI
# (qemu+ssh to the same daemon through an sshd the test starts on loopback)
# builds the same way, its console and agent through libvirt streams; what
# a kiln killed there (in its probe, in its build boot) left on it is
# removed by the next kiln that connects there (store/target-claims.h).
# An upload stops at a signal.
#
# The daemon is a real libvirtd started here as a user would start it by
# hand (its own config, log and pid files under $TEST_TMP), first without
# virtlogd, then with it.  kiln makes its pool `kiln` (/var/lib/libvirt/kiln)
# on it; the test removes it again.  Skipped when some libvirt daemon
# already runs here, or a pool named kiln is already defined (neither is
# ours to change).
# The same daemon carries sparse volumes both ways through a storage pool
# of its own (removed again), ends a killed process's domain
# (autodestroy), and hands a domain's agent channel to kiln as a libvirt
# stream (the backend's test driver, tests/integration/kiln-domain-test).
# Costs two doctor runs (an appliance launch each), two builds with a test
# boot and most of a third, five lifecycle runs: ~7 min.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

requires_root
requires jq
requires libvirtd --version
requires virtlogd --version
requires virsh --version
requires /usr/sbin/sshd -V
requires ssh-keygen
requires python3
requires qemu-img --version
requires qemu-io --version
requires sqlite3 --version
take_daemon_turn
if pgrep -x 'libvirtd|virtqemud|virtlogd' > /dev/null; then
  skip "a libvirt daemon already runs on this host"
fi

tmp=$TEST_TMP
uri=qemu:///system
tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")
cat > "$tmp/r.yaml" <<YAML
name: sysconn
version: 1.0.0
parent: $tiny
components:
  - component: command-succeeds
    parameters: { command: "test -x /bin/busybox" }
build:
  memory: 512M
  network: none
outputs:
  formats: [qcow2]
YAML
cache="$KILN_HOME/cache"
probe_answers () { ls "$cache" 2> /dev/null | grep -c '^accel-probe-' || true; }
before=$(probe_answers)

# build_fails WHAT PATTERN: a build on $uri exits 3 in the prepare stage,
# its error matches PATTERN, it points at `kiln doctor --connect`, and
# leaves nothing behind
build_fails () {
  local what=$1 pattern=$2 out="$tmp/$1.out"
  expect_exit 3 --out "$out" "$KILN" build "$tmp/r.yaml" --connect "$uri" \
    -o "$tmp/out-$what"
  expect_grep "build failed in stage 'prepare'" "$out"
  expect_grep -- "$pattern" "$out"
  expect_grep -F "run \`kiln doctor --connect $uri\`" "$out"
  expect_no_grep "stage: generalize\|stage: inject" "$out"
  ok "$what: exit 3 in the prepare stage: $(grep -m1 -- "$pattern" "$out" | cut -c1-160)"
  expect_no_file "$tmp/out-$what"
  [ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "$what: the parent changed"
  [ "$(probe_answers)" = "$before" ] \
    || fail "$what: a probe answer was cached for the target: $(ls "$cache")"
  ok "$what: no output, parent unchanged, nothing cached about KVM"
  expect_no_leftovers
}

# 1. No daemon at all.
build_fails no-daemon "cannot connect to $uri"

# 2. libvirtd without virtlogd: no domain can start (the case that used to
#    be cached as "KVM is not usable" with virtlogd's error as the reason).
stop_daemon () { [ -f "$1" ] && kill_if_running "$(cat "$1")"; sleep 1; }
# start_daemon NAME: as a user would by hand, with its log and pid file here
start_daemon () {
  printf 'log_outputs = "3:file:%s/%s.log"\n' "$tmp" "$1" > "$tmp/$1.conf"
  "$1" --daemon --config "$tmp/$1.conf" --pid-file "$tmp/$1.pid" \
    || fail "$1 did not start"
  cleanup_fn stop_daemon "$tmp/$1.pid"
  wait_for "$1's pid file" test -s "$tmp/$1.pid"
}
start_daemon libvirtd
wait_for "libvirtd answers" virsh -c "$uri" version
# kiln's own pool on the daemon (made by the first build): removed while
# the daemon still runs (hooks run last first), its files in any case
drop_kiln_pool () {
  virsh -c "$uri" pool-destroy kiln > /dev/null 2>&1
  virsh -c "$uri" pool-undefine kiln > /dev/null 2>&1
  rm -rf /var/lib/libvirt/kiln /etc/libvirt/storage/kiln.xml \
    /etc/libvirt/storage/autostart/kiln.xml
  return 0
}
cleanup_fn drop_kiln_pool
build_fails no-virtlogd "no domain starts on $uri.*virtlogd"
n=$(virsh -c "$uri" list --all --name | grep -c . || true)
expect_eq "no domain left on the daemon" 0 "$n"

# 2b. Disks travel to a daemon through a storage pool (backends/
#     libvirt-pool.h, the mechanics under target-disks.h): a 1 GiB sparse file with two
#     islands of data and the tiny qcow2 go up and come back byte for byte,
#     holes kept on the target and here.
DRIVER="$top_builddir/tests/integration/kiln-domain-test"
[ -x "$DRIVER" ] || fail "$DRIVER was not built"
pool=kiln-test-$$
pool_dir="$tmp/pool"
drop_pool () {
  virsh -c "$uri" pool-destroy "$pool" > /dev/null 2>&1
  virsh -c "$uri" pool-undefine "$pool" > /dev/null 2>&1
  return 0
}
cleanup_fn drop_pool
pool_cmd () { "$DRIVER" --connect "$uri" --pool "$pool" --pool-path "$pool_dir" "$@"; }
allocated_kib () { du -k "$1" | cut -f1; }
truncate -s 1G "$tmp/sparse.raw"
printf 'island one' | dd of="$tmp/sparse.raw" bs=1 seek=4096 conv=notrunc status=none
printf 'island two' | dd of="$tmp/sparse.raw" bs=1 seek=600000000 conv=notrunc status=none
up=$(pool_cmd pool-upload --file "$tmp/sparse.raw" --volume sparse.raw) || fail "upload: $up"
expect_eq "the volume is in the pool's directory" "path $pool_dir/sparse.raw" "$up"
expect_eq "the pool was made as a directory pool" "$pool_dir" \
  "$(virsh -c "$uri" pool-dumpxml "$pool" | sed -n 's|.*<path>\(.*\)</path>.*|\1|p')"
[ "$(allocated_kib "$pool_dir/sparse.raw")" -lt 1024 ] \
  || fail "the holes were filled on the target: $(du -h "$pool_dir/sparse.raw")"
ok "upload: 1 GiB sparse file, $(allocated_kib "$pool_dir/sparse.raw") KiB allocated on the target"
pool_cmd pool-download --volume sparse.raw --file "$tmp/back.raw" || fail "download"
expect "the downloaded file is the uploaded one" cmp "$tmp/sparse.raw" "$tmp/back.raw"
[ "$(allocated_kib "$tmp/back.raw")" -lt 1024 ] \
  || fail "the holes were filled here: $(du -h "$tmp/back.raw")"
ok "download: byte for byte, $(allocated_kib "$tmp/back.raw") KiB allocated"
pool_cmd pool-upload --file "$tiny" --volume tiny.qcow2 > /dev/null || fail "qcow2 upload"
expect_eq "the target holds a qcow2 file" qcow2 \
  "$(qemu-img info --output=json "$pool_dir/tiny.qcow2" | jq -r .format)"
pool_cmd pool-download --volume tiny.qcow2 --file "$tmp/tiny-back.qcow2" || fail "qcow2 download"
expect "the qcow2 came back byte for byte" cmp "$tiny" "$tmp/tiny-back.qcow2"
expect_eq "a second upload of the same name is refused" 3 \
  "$(pool_cmd pool-upload --file "$tiny" --volume tiny.qcow2 > /dev/null 2>&1; echo $?)"
expect_eq "the volume is listed" yes "$(pool_cmd pool-has --volume tiny.qcow2)"
pool_cmd pool-delete --volume tiny.qcow2 || fail "delete"
pool_cmd pool-delete --volume sparse.raw || fail "delete"
expect_eq "a deleted volume is gone" no "$(pool_cmd pool-has --volume tiny.qcow2)"
expect_eq "nothing left in the pool's directory" "" "$(ls -A "$pool_dir")"
pool_cmd pool-delete --volume tiny.qcow2 || fail "deleting a missing volume is not an error"
ok "storage pool: volumes round-trip and are deleted"
# A signal stops an upload between two chunks (a parent of gigabytes over
# ssh would otherwise hold kiln until it had all gone): 2 GiB of data, no
# holes, SIGINT once the volume exists; the half-sent volume is deleted.
head -c 2G /dev/zero > "$tmp/full.raw"
# (the driver itself in the background: a function would put a subshell
# between the signal and it)
"$DRIVER" --connect "$uri" --pool "$pool" --pool-path "$pool_dir" \
  pool-upload --file "$tmp/full.raw" --volume full.raw > "$tmp/cancel.out" 2>&1 &
upid=$!
cleanup_fn kill_if_running "$upid"
until [ -e "$pool_dir/full.raw" ] || ! kill -0 "$upid" 2> /dev/null; do sleep 0.02; done
kill -INT "$upid"
wait "$upid"
expect_eq "the interrupted upload failed" 3 "$?"
expect_grep -F "sending $tmp/full.raw to the target was stopped: cancelled" "$tmp/cancel.out"
expect_eq "no half-sent volume" no "$(pool_cmd pool-has --volume full.raw)"
expect_eq "nothing left in the pool's directory" "" "$(ls -A "$pool_dir")"
rm -f "$tmp/full.raw"
ok "an upload stops at a signal, between two chunks, and leaves no volume"

# 3. With virtlogd: a tiny-image build with a build and a test phase
#    succeeds on the daemon, its disks through kiln's pool.
start_daemon virtlogd
wait_for "virtlogd's socket" test -S /run/libvirt/virtlogd-sock
cat > "$tmp/note.yaml" <<'YAML'
name: daemon-note
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Write
        action: ExecuteBash
        inputs:
          commands: ['echo built-on-the-daemon > /etc/kiln-daemon-note']
  - name: test
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands: ['grep -q built-on-the-daemon /etc/kiln-daemon-note']
YAML
cat > "$tmp/daemon.yaml" <<YAML
name: sysconn-built
version: 1.0.0
parent: $tiny
components:
  - component: ./note.yaml
build:
  memory: 512M
  network: none
outputs:
  formats: [qcow2]
  directory: $tmp/out-built
YAML
parent_vol=kiln-parent-$parent_sum
expect_exit 0 --out "$tmp/built.out" "$KILN" build "$tmp/daemon.yaml" --force --connect "$uri"
expect_grep "stage: build boot" "$tmp/built.out"
expect_grep "step: daemon-note/build/Write: success" "$tmp/built.out"
expect_grep "step: daemon-note/test/Check: success" "$tmp/built.out"
expect_grep -F "the parent went to the target in" "$tmp/built.out"
expect_grep -F "(volume $parent_vol, kept for later builds)" "$tmp/built.out"
# the test boot of the same build finds it there
expect_grep -F "the parent is on the target already (volume $parent_vol): reused" "$tmp/built.out"
# the guest's console came through a libvirt stream into the build log
blog=$(sed -n 's|^\[ *[0-9.]*s\] build sysconn-built/1.0.0/[0-9]* (log \(.*\))$|\1|p' "$tmp/built.out")
[ -f "$blog" ] || fail "no build log named in: $(head -n 2 "$tmp/built.out")"
expect_grep "^kiln-tiny: userland up" "$blog"
expect_grep -- "----- guest console of the test boot" "$blog"
built=$(ls "$tmp"/out-built/*/*.qcow2)
[ -f "$built" ] || fail "no qcow2 artifact: $(ls -R "$tmp/out-built")"
expect_eq "the build step's file, read back with guestfish" built-on-the-daemon \
  "$(test_guestfish --ro -a "$built" -i cat /etc/kiln-daemon-note)"
expect_eq "the volumes of its boots are gone, the parent's stays" \
  "$parent_vol $parent_vol.complete" \
  "$(virsh -c "$uri" vol-list kiln --details | awk 'NR > 2 && $1 { print $1 }' | sort | xargs)"
expect_eq "the cached parent is the parent" "$parent_sum" \
  "$(sha256 "/var/lib/libvirt/kiln/$parent_vol")"
expect_eq "no domain left on the daemon" "" "$(virsh -c "$uri" list --all --name | grep . || true)"
ok "a build and its test boot on $uri: disks through the pool, the image read back"

# 3a. A second build reuses the parent's volume; killed (-9) in its build
#     boot, its volumes are deleted by the next kiln, found by its tag.
sed 's|^version: .*|version: 1.0.1|; s|out-built|out-second|' "$tmp/daemon.yaml" > "$tmp/second.yaml"
"$KILN" build "$tmp/second.yaml" --force --connect "$uri" < /dev/null > "$tmp/second.out" 2>&1 &
spid=$!
cleanup_fn kill_if_running "$spid"
booting () { grep -q 'step: daemon-note/build/Write$' "$tmp/second.out"; }
wait_for --while "$spid" "the second build's first step" booting
expect_grep -F "the parent is on the target already (volume $parent_vol): reused" "$tmp/second.out"
stag=$(sqlite3 "$KILN_HOME/catalog.db" \
  "SELECT domain_tag FROM builds WHERE name = 'sysconn-built' AND version = '1.0.1' ORDER BY id DESC LIMIT 1")
[[ $stag =~ ^[0-9a-f]{8}$ ]] || fail "no domain tag for the second build: '$stag'"
expect_grep "^kiln-$stag-build-disk.qcow2\$" <(virsh -c "$uri" vol-list kiln | awk 'NR > 2 { print $1 }')
kill -KILL "$spid"
wait "$spid" 2> /dev/null
expect_exit 0 --out "$tmp/after-kill.out" "$KILN" images list
expect_grep -F "deleted the volume kiln-$stag-build-disk.qcow2 on $uri, left by a kiln that was killed" "$tmp/after-kill.out"
expect_grep -F "deleted the volume kiln-$stag-build-seed.img on $uri" "$tmp/after-kill.out"
expect_eq "the pool holds the cached parent only" "$parent_vol $parent_vol.complete" \
  "$(virsh -c "$uri" vol-list kiln --details | awk 'NR > 2 && $1 { print $1 }' | sort | xargs)"
wait_for "the killed build's domain to end" test -z "$(virsh -c "$uri" list --name | grep . || true)"
ok "a second build reused the parent; killed, its volumes went with the next kiln"

# 3b. A domain kiln starts on a daemon does not outlive kiln, kill -9
#     included: it ends with kiln's connection (autodestroy).  The backend's
#     own test driver starts one whose files the daemon's QEMU user can
#     read (an empty disk: the BIOS finds nothing to boot and waits).
shared=$(mktemp -d /tmp/kiln-daemon-XXXXXX) || fail "mktemp"
cleanup_fn rm -rf "$shared"
chmod 0755 "$shared"
truncate -s 16M "$shared/empty.raw"
"$DRIVER" --connect "$uri" wait --disk "$shared/empty.raw" --format raw \
  --accel tcg --memory 128 --prefix kiln-autodestroy > "$tmp/driver.out" 2>&1 &
driver=$!
cleanup_fn kill_if_running "$driver"
domain_on_daemon () { virsh -c "$uri" list --name | grep -q '^kiln-autodestroy-'; }
no_domain_on_daemon () { ! domain_on_daemon; }
wait_for --while "$driver" "the domain on the daemon" domain_on_daemon
kill -KILL "$driver"
wait "$driver" 2> /dev/null
wait_for "the daemon to end the killed process's domain" no_domain_on_daemon
ok "kill -9 of the process that started a domain on the daemon: the domain ended with it"

# 3c. The agent channel of a domain on a daemon reaches kiln as a libvirt
#     stream (virDomainOpenChannel), read exactly as kiln's own socket is:
#     libvirt-channel.sh's scenario (the host kernel into a busybox
#     initramfs that writes 7 lines, one of 100 KiB and one over 1 MiB).
. "$(dirname "$0")/lib/libvirt.sh"
lv_build_initramfs
cp "$LV_KERNEL" "$shared/vmlinuz"
cp "$LV_INITRD" "$shared/initramfs.cpio"
chmod 0644 "$shared/vmlinuz" "$shared/initramfs.cpio"
out="$tmp/stream.out"
rc=0
"$DRIVER" --connect "$uri" --prefix kiln-stream --accel tcg \
  --kernel "$shared/vmlinuz" --initrd "$shared/initramfs.cpio" \
  --cmdline "console=ttyS0 panic=-1 kilnmode=lines" \
  --console "$shared/console.log" --socket "$tmp/unused.sock" \
  --memory 512 --vcpus 1 run > "$out" 2> "$out.err" || rc=$?
expect_eq "the stream channel: the overlong line is reported (exit 1)" 1 "$rc"
expect_grep '^status error .*longer than 1048576 bytes' "$out"
expect_grep '^status stopped$' "$out"
expect_eq "7 lines through the stream" 7 "$(lv_get lines "$out")"
expect_eq "the 100 KiB line whole" $((102400 + 34)) \
  "$(grep '^line 3 ' "$out" | cut -d' ' -f3)"
expect_grep '^line 7 .*"done"' "$out"
expect_no_file "$tmp/unused.sock"
ok "agent channel as a libvirt stream: every line, in order, whole"
n=$(virsh -c "$uri" list --all --name | grep -c . || true)
expect_eq "no domain left on the daemon" 0 "$n"

# 3d. A domain of a build that outlived its kiln on the daemon (as when
#     the daemon restarted meanwhile and forgot its autodestroy) is
#     destroyed by the next kiln, found by the tag in its name; another
#     build's domain is left alone.  The build is killed while resolve
#     digests a fresh 1 GiB parent: by then kiln has recorded the URI and
#     its domains' tag in the catalog (read here with sqlite3).
big=$tmp/big.qcow2
qemu-img convert -O qcow2 "$tiny" "$big" || fail "cannot copy the tiny image"
qemu-img resize -q "$big" 1536M || fail "cannot grow the big parent"
qemu-io -c "write -q -P 0x5a 300M 1024M" "$big" > /dev/null || fail "qemu-io"
sed "s|^parent: .*|parent: $big|; s|^name: .*|name: sysconn-killed|" "$tmp/r.yaml" > "$tmp/killed.yaml"
"$KILN" build "$tmp/killed.yaml" --connect "$uri" -o "$tmp/out-killed" \
  < /dev/null > "$tmp/killed.out" 2>&1 &
kpid=$!
cleanup_fn kill_if_running "$kpid"
in_resolve () { grep -q 'stage: resolve$' "$tmp/killed.out"; }
wait_for --while "$kpid" "the killed build's resolve stage" in_resolve
kill -KILL "$kpid"
wait "$kpid" 2> /dev/null
kref=$(sed -n 's|.*build \(sysconn-killed/1.0.0/[0-9]*\) (log .*|\1|p' "$tmp/killed.out" | head -n 1)
[ -n "$kref" ] || { _show "$tmp/killed.out"; fail "the killed kiln did not name its build"; }
tag=$(sqlite3 "$KILN_HOME/catalog.db" \
  "SELECT domain_tag FROM builds WHERE name = 'sysconn-killed' ORDER BY id DESC LIMIT 1")
expect_eq "the killed build's URI is in the catalog" "$uri" "$(sqlite3 "$KILN_HOME/catalog.db" \
  "SELECT connect_uri FROM builds WHERE name = 'sysconn-killed' ORDER BY id DESC LIMIT 1")"
[[ $tag =~ ^[0-9a-f]{8}$ ]] || fail "no domain tag recorded for the killed build: '$tag'"
# leftover NAME: a transient domain on the daemon that boots nothing
leftover () {
  cat > "$tmp/$1.xml" <<XML
<domain type='qemu'><name>$1</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os><devices/></domain>
XML
  virsh -c "$uri" create "$tmp/$1.xml" > /dev/null || fail "cannot start $1"
}
other=kiln-00000000-build-other
[ "$tag" != 00000000 ] || other=kiln-11111111-build-other
leftover "kiln-$tag-build-leftover"
leftover "$other"
drop_other () { virsh -c "$uri" destroy "$other" > /dev/null 2>&1; return 0; }
cleanup_fn drop_other
expect_exit 0 --out "$tmp/recovered.out" "$KILN" images list
expect_grep -F "stopped the domain kiln-$tag-build-leftover on $uri, left running by a kiln that was killed" "$tmp/recovered.out"
expect_grep -F "$kref marked failed: kiln was killed during resolve" "$tmp/recovered.out"
expect_eq "the killed build's domain is gone" "" \
  "$(virsh -c "$uri" list --name | grep "^kiln-$tag-" || true)"
expect_eq "another build's domain is left alone" "$other" \
  "$(virsh -c "$uri" list --name | grep -x "$other" || true)"
expect_exit 0 --out "$tmp/show-killed.out" "$KILN" images show "$kref"
expect_grep -F "domains   kiln-$tag-* on $uri" "$tmp/show-killed.out"
drop_other
ok "a killed build's domain on the daemon: destroyed by the next kiln, by its name"

# 4. kiln doctor --connect looks at that target: the probe and its test
#    domain boot there through the pool, which is checked too.
"$KILN" doctor --connect "$uri" --json > "$tmp/doctor.json" 2> "$tmp/doctor.err"
rc=$?
d=$tmp/doctor.json
jq -e . "$d" > /dev/null || fail "doctor --json is not JSON: $(head -c 400 "$d")"
# 0, or 3 when a check about this machine rather than the target fails
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || fail "doctor exited $rc: $(cat "$tmp/doctor.err")"
expect_eq "doctor: target" "$uri" "$(jq -r .target "$d")"
check () { jq -r --arg c "$1" ".checks[] | select(.check == \$c) | $2" "$d"; }
expect_eq "doctor: the libvirt check is about the target" "$uri" "$(check libvirt .facts.target)"
expect_eq "doctor: a domain started and reached userland on the target" "ok true" \
  "$(check libvirt .status) $(check libvirt .facts.reachedUserland)"
expect_eq "doctor: the pool check" "ok kiln /var/lib/libvirt/kiln true" \
  "$(check pool .status) $(check pool .facts.name) $(check pool .facts.path) $(check pool .facts.writable)"
[ "$(check pool .facts.free)" -gt 0 ] || fail "doctor: no free space given for the pool"
ok "doctor --connect: $(check libvirt .found | cut -c1-120); $(check pool .found)"
expect_eq "doctor left no volume in the pool" "$parent_vol $parent_vol.complete" \
  "$(virsh -c "$uri" vol-list kiln --details | awk 'NR > 2 && $1 { print $1 }' | sort | xargs)"
n=$(virsh -c "$uri" list --all --name | grep -c . || true)
expect_eq "no domain left on the daemon after doctor" 0 "$n"

# 4a. Lifecycle rules for cached parents (`resource: cached-parents`): the
#     recipe of 3 and 3a with a rule that deletes its parents no build on
#     the target used for a day.  The builds above used the parent minutes
#     ago: neither a dry run nor a real run deletes it.  Time passing is
#     simulated by moving builds' times in the catalog back 30 days with
#     sqlite3: first only sysconn-built's, and the parent stays, for
#     sysconn's builds of 1 and 2 (another recipe, the same parent, on the
#     same target); then every build's on the target (this test's; the
#     shared catalog's others are left alone), and a dry run says it would
#     delete it (it stays), a real run deletes it and its marker.  5 sends
#     it again.
cp "$tmp/daemon.yaml" "$tmp/lifecycle.yaml"
cat >> "$tmp/lifecycle.yaml" <<'YAML'
lifecycle:
  - action: delete
    resource: cached-parents
    after: 1d
YAML
rline=$(grep -n -- '- action: delete' "$tmp/lifecycle.yaml" | cut -d: -f1)
rule="delete cached parents unused for 1d ($tmp/lifecycle.yaml:$rline)"
pools () { virsh -c "$uri" vol-list kiln | awk 'NR > 2 && $1 { print $1 }' | sort | xargs; }
# lifecycle NAME [--dry-run]: kiln lifecycle run, stdout in
# lifecycle-NAME.out.  Exit 0; or, in a home shared by runs
# (KILN_TEST_HOME), exit 3 when its catalog holds builds of earlier runs of
# this test on their remote URIs (5), whose sshd is gone: a line each on
# stderr, and the rule still applies on $uri.
lifecycle () {
  local rc=0 err=$tmp/lifecycle-$1.err
  "$KILN" lifecycle run ${2:+"$2"} "$tmp/lifecycle.yaml" > "$tmp/lifecycle-$1.out" 2> "$err" || rc=$?
  cat "$tmp/lifecycle-$1.out" "$err"
  [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || fail "kiln lifecycle run ($1) exited $rc"
  [ "$rc" -eq 0 ] || expect_grep "^kiln lifecycle: sysconn-built: the parents cached on qemu+ssh://.* were not looked at: " "$err"
  expect_no_grep -F "cached on $uri were not looked at" "$err"
}
lifecycle fresh-dry --dry-run
expect_grep -F "would keep the cached parent sha256:$parent_sum (" "$tmp/lifecycle-fresh-dry.out"
expect_grep -F ") on $uri, used by sysconn-built/" "$tmp/lifecycle-fresh-dry.out"
expect_grep -F ", within 1d, under rule: $rule" "$tmp/lifecycle-fresh-dry.out"
lifecycle fresh
expect_grep -F "kept the cached parent sha256:$parent_sum (" "$tmp/lifecycle-fresh.out"
expect_eq "a parent used just now stays" "$parent_vol $parent_vol.complete" "$(pools)"
month_ago=$(date -u -d '30 days ago' +%Y-%m-%dT%H:%M:%SZ)
age_builds () {   # age_builds WHERE: their times 30 days back (time passing)
  sqlite3 "$KILN_HOME/catalog.db" "UPDATE builds SET started = '$month_ago',
    finished = CASE WHEN finished IS NULL THEN NULL ELSE '$month_ago' END
    WHERE $1" || fail "cannot age the builds in the catalog"
}
age_builds "name = 'sysconn-built'"
lifecycle other-recipe --dry-run
expect_grep -F "would keep the cached parent sha256:$parent_sum (" "$tmp/lifecycle-other-recipe.out"
expect_grep -F ") on $uri, used by sysconn/1.0.0/" "$tmp/lifecycle-other-recipe.out"
age_builds "connect_uri = '$uri'"
lifecycle old-dry --dry-run
expect_grep "^would delete the cached parent sha256:$parent_sum (.*) on $uri, by rule: " "$tmp/lifecycle-old-dry.out"
expect_grep -F ", by rule: $rule" "$tmp/lifecycle-old-dry.out"
expect_eq "a dry run deletes nothing" "$parent_vol $parent_vol.complete" "$(pools)"
lifecycle old
expect_grep "^deleted the cached parent sha256:$parent_sum (.*) on $uri, by rule: " "$tmp/lifecycle-old.out"
expect_eq "the parent and its marker are gone" "" "$(pools)"
lifecycle again
expect_no_grep "cached parent" "$tmp/lifecycle-again.out"
ok "lifecycle: cached parents kept while used on the target, then deleted"

# 5. A remote host over ssh: an sshd this test starts on loopback with a
#    throw-away host key and client key under $tmp (the machine's own ssh
#    setup is not touched), reached as qemu+ssh://root@127.0.0.1:PORT/system.
#    libvirt runs ssh, and virt-ssh-helper on the far side, as with any
#    KVM host.  The ssh options that name the throw-away keys ride in the
#    URI's command= (a wrapper around ssh, as a user with such a setup
#    would write; `--connect` is the user's, a recipe cannot do this).
#    kiln takes the URI for a remote host and assumes nothing of its own
#    host there: the disks through the pool (the parent, deleted in 4a,
#    sent again and reused by the test boot), the agent and the console
#    through libvirt streams.  The same recipe as in 3 builds and tests,
#    and its image reads back.
sshd_dir=$tmp/ssh
mkdir -p "$sshd_dir" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$sshd_dir/host_key" || fail "ssh-keygen"
ssh-keygen -q -t ed25519 -N '' -f "$sshd_dir/client_key" || fail "ssh-keygen"
cp "$sshd_dir/client_key.pub" "$sshd_dir/authorized_keys"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$sshd_dir/sshd_config" <<SSHD
Port $port
ListenAddress 127.0.0.1
HostKey $sshd_dir/host_key
AuthorizedKeysFile $sshd_dir/authorized_keys
PidFile $sshd_dir/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
SSHD
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$sshd_dir/host_key.pub")" > "$sshd_dir/known_hosts"
cat > "$sshd_dir/ssh" <<WRAP
#!/bin/sh
exec ssh -F none -i $sshd_dir/client_key -o IdentitiesOnly=yes \\
  -o UserKnownHostsFile=$sshd_dir/known_hosts -o StrictHostKeyChecking=yes \\
  -o BatchMode=yes "\$@"
WRAP
chmod +x "$sshd_dir/ssh"
/usr/sbin/sshd -f "$sshd_dir/sshd_config" -E "$sshd_dir/sshd.log" || fail "sshd did not start"
cleanup_fn stop_daemon "$sshd_dir/sshd.pid"
wait_for "sshd's pid file" test -s "$sshd_dir/sshd.pid"
remote="qemu+ssh://root@127.0.0.1:$port/system?command=$sshd_dir/ssh"
expect "the remote URI reaches the daemon over ssh" virsh -c "$remote" hostname
sed 's|^version: .*|version: 1.0.2|; s|out-built|out-remote|' \
  "$tmp/daemon.yaml" > "$tmp/remote.yaml"
# 5a. What a kiln killed (-9) while working on a remote target leaves
#     there is removed by the next kiln that connects to it, never by one
#     that does not (no ssh on behalf of a kiln that is gone): first the
#     probe's kernel and initramfs volumes (the first build on this target
#     probes it: the accel cache is per target).
pool_names () { virsh -c "$uri" vol-list kiln | awk 'NR > 2 && $1 { print $1 }' | sort | xargs; }
"$KILN" build "$tmp/remote.yaml" --force --connect "$remote" < /dev/null > "$tmp/probe-kill.out" 2>&1 &
kpid=$!
cleanup_fn kill_if_running "$kpid"
probing () { pool_names | grep -q 'kiln-probe-.*-initramfs'; }
wait_for --while "$kpid" "the probe's volumes on the remote target" probing
probe_vols=$(pool_names | tr ' ' '\n' | grep '^kiln-probe-' | xargs)
kill -KILL "$kpid"
wait "$kpid" 2> /dev/null
expect_exit 0 --out "$tmp/probe-kill-list.out" "$KILN" images list
expect_eq "a kiln that does not connect there leaves them" "$probe_vols" \
  "$(pool_names | tr ' ' '\n' | grep '^kiln-probe-' | xargs)"
expect_exit 0 --out "$tmp/probe-kill-parents.out" "$KILN" images parents --connect "$remote"
for v in $probe_vols; do
  expect_grep -F "deleted the volume $v on $remote, left by a kiln that was killed" \
    "$tmp/probe-kill-parents.out"
done
# (4a deleted the cached parent: the killed build had not sent it again)
expect_eq "nothing but cached parents in the pool" "" \
  "$(pool_names | tr ' ' '\n' | grep -v '^kiln-parent-' | xargs)"
expect_eq "no claim left in \$KILN_HOME/targets" "" "$(ls -A "$KILN_HOME/targets")"
ok "a probe killed on a remote target: its volumes ($probe_vols) went with the next kiln there"
expect_exit 0 --out "$tmp/remote.out" "$KILN" build "$tmp/remote.yaml" --force --connect "$remote"
expect_grep -F "(volume $parent_vol, kept for later builds)" "$tmp/remote.out"
expect_grep -F "the parent is on the target already (volume $parent_vol): reused" "$tmp/remote.out"
expect_grep "step: daemon-note/build/Write: success" "$tmp/remote.out"
expect_grep "step: daemon-note/test/Check: success" "$tmp/remote.out"
rlog=$(sed -n 's|^\[ *[0-9.]*s\] build sysconn-built/1.0.2/[0-9]* (log \(.*\))$|\1|p' "$tmp/remote.out")
[ -f "$rlog" ] || fail "no build log named in: $(head -n 2 "$tmp/remote.out")"
expect_grep "^kiln-tiny: userland up" "$rlog"
expect_grep -- "----- guest console of the test boot" "$rlog"
rbuilt=$(ls "$tmp"/out-remote/*/*.qcow2)
expect_eq "the remote build's file, read back with guestfish" built-on-the-daemon \
  "$(test_guestfish --ro -a "$rbuilt" -i cat /etc/kiln-daemon-note)"
expect_eq "the pool holds the cached parent only" "$parent_vol $parent_vol.complete" \
  "$(virsh -c "$uri" vol-list kiln --details | awk 'NR > 2 && $1 { print $1 }' | sort | xargs)"
expect_eq "no domain left on the daemon" "" "$(virsh -c "$uri" list --all --name | grep . || true)"
ok "a build on a remote target ($remote): disks, agent and console through libvirt"

# 5b. Then a build killed in its build boot there: its overlay and seed
#     stay until a kiln connects to that target again.
sed 's|^version: .*|version: 1.0.3|; s|out-built|out-remote-killed|' \
  "$tmp/daemon.yaml" > "$tmp/remote-killed.yaml"
"$KILN" build "$tmp/remote-killed.yaml" --force --connect "$remote" < /dev/null > "$tmp/remote-kill.out" 2>&1 &
kpid=$!
cleanup_fn kill_if_running "$kpid"
rbooting () { grep -q 'step: daemon-note/build/Write$' "$tmp/remote-kill.out"; }
wait_for --while "$kpid" "the remote build's first step" rbooting
rtag=$(sqlite3 "$KILN_HOME/catalog.db" \
  "SELECT domain_tag FROM builds WHERE name = 'sysconn-built' AND version = '1.0.3' ORDER BY id DESC LIMIT 1")
[[ $rtag =~ ^[0-9a-f]{8}$ ]] || fail "no domain tag for the remote build: '$rtag'"
kill -KILL "$kpid"
wait "$kpid" 2> /dev/null
expect_exit 0 --out "$tmp/remote-kill-list.out" "$KILN" images list
expect_grep "build sysconn-built/1.0.3/[0-9]* marked failed: kiln was killed" "$tmp/remote-kill-list.out"
expect_grep "kiln-$rtag-build-disk.qcow2" <(pool_names | tr ' ' '\n')
expect_exit 0 --out "$tmp/remote-kill-parents.out" "$KILN" images parents --connect "$remote"
expect_grep -F "deleted the volume kiln-$rtag-build-disk.qcow2 on $remote, left by a kiln that was killed" \
  "$tmp/remote-kill-parents.out"
expect_grep -F "deleted the volume kiln-$rtag-build-seed.img on $remote" "$tmp/remote-kill-parents.out"
expect_eq "the pool holds the cached parent only" "$parent_vol $parent_vol.complete" "$(pool_names)"
wait_for "the killed remote build's domain to end" test -z "$(virsh -c "$uri" list --name | grep . || true)"
ok "a build killed on a remote target: its volumes went with the next kiln that connected there"

# 6. The cached parent, as kiln images lists and prunes it (over ssh too).
expect_exit 0 --out "$tmp/parents.json" "$KILN" images parents --connect "$remote" --json
expect_eq "images parents: the parent's digest, complete" "$parent_sum true" \
  "$(jq -r '.parents[] | "\(.digest) \(.complete)"' "$tmp/parents.json")"
[ "$(jq -r '.parents[0].bytes' "$tmp/parents.json")" -gt 0 ] || fail "no size for the cached parent"
expect_exit 0 --out "$tmp/parents.txt" "$KILN" images parents --connect "$uri"
expect_grep "^$parent_sum .* complete$" "$tmp/parents.txt"
expect_exit 2 --out "$tmp/parents-embed.out" "$KILN" images parents
expect_grep "name it with --connect URI" "$tmp/parents-embed.out"
expect_exit 0 --out "$tmp/prune-dry.out" "$KILN" images prune-parents --connect "$uri" --dry-run
expect_grep -F "would delete $parent_vol" "$tmp/prune-dry.out"
expect_eq "a dry run deletes nothing" 2 "$(virsh -c "$uri" vol-list kiln | awk 'NR > 2 && $1' | wc -l)"
expect_exit 0 --out "$tmp/prune.out" "$KILN" images prune-parents --connect "$uri"
expect_grep -F "deleted $parent_vol" "$tmp/prune.out"
expect_eq "the pool is empty" "" "$(virsh -c "$uri" vol-list kiln | awk 'NR > 2 && $1 { print $1 }')"
expect_exit 0 --out "$tmp/prune-none.out" "$KILN" images prune-parents --connect "$uri"
expect_grep "Nothing to prune" "$tmp/prune-none.out"
ok "kiln images parents and prune-parents: the cached parent listed, then deleted"
nohost=qemu+ssh://kiln-no-such-host.invalid/system
expect_exit 3 --out "$tmp/nohost.out" "$KILN" build "$tmp/r.yaml" \
  --connect "$nohost" -o "$tmp/out-nohost"
expect_grep -F "cannot connect to $nohost" "$tmp/nohost.out"
expect_grep -F "run \`kiln doctor --connect $nohost\`" "$tmp/nohost.out"
expect_grep -F "or the target cannot be reached" "$tmp/nohost.out"
expect_no_file "$tmp/out-nohost"
ok "unreachable remote target: exit 3, doctor hint"
[ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "the parent changed"
expect_no_leftovers
